/*
 * The portable benchmarks (bench/bench.h) in the kernel: the bench_env of
 * this machine, the command-line keys forwarded to bench_option(), and the
 * verdict (kernel/test/benchmarks.h).
 */
#include "test/benchmarks.h"

#include <stdint.h>

#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "bench.h"
#include "cmdline.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "lib/watchdog.h"
#include "lib/string.h"
#include "list.h"
#include "llfree.h"
#include "mm/contig.h"
#include "mm/frames.h"
#include "run.h"
#include "summary.h"

/* ---- command line: every benchmark key goes to bench_option() ---- */

static struct bench_opts opts;
static bool opts_ready;      /* defaults applied (on the first key, or at the run) */
static bool bench_requested; /* bench= given */
static bool options_given;   /* any benchmark key given */

static struct bench_opts *options(void)
{
	if (!opts_ready) {
		bench_opts_default(&opts);
		opts_ready = true;
	}
	return &opts;
}

/* `dest` is the key itself (below), so one parser serves every key. */
static bool forward(const char *value, void *dest, char *err, size_t err_size)
{
	const char *key = dest;
	const char *msg = bench_option(options(), key, value);
	bool percent = strcmp(key, "mem_percent") == 0 || strcmp(key, "mem") == 0;
	if (msg) {
		/* A RAM size here means the guest's: say where that goes. */
		ksnprintf(err, err_size, "%s%s", msg, percent ? "; the machine's RAM is run-qemu.sh --mem SIZE" : "");
		return false;
	}
	if (strcmp(key, "mem") == 0)
		kprintf("WARN msg=\"mem= is the old name of mem_percent= (a percentage, not a size): "
			"read as mem_percent=%s\"\n", value);
	options_given = true;
	if (strcmp(key, "bench") == 0)
		bench_requested = true;
	return true;
}

/* No default strings: cmdline_parse would pass them through forward() like
 * given keys. bench_opts_default() supplies the defaults. */
#define BENCH_KEY(name, syntax, help)                                                       \
	static char key_##name[] = #name;                                                   \
	KOPT_CUSTOM(key_##name, #name, syntax, forward, NULL, help)

BENCH_KEY(bench, "B,B", "benchmarks to run after the stress test: bulk,repeat,rand,frag; none without it");
BENCH_KEY(alloc, "A,A", "benchmark allocators: llfree,buddy,list; without it llfree,buddy");
BENCH_KEY(orders, "N,N", "benchmark orders of bulk, repeat, rand (frag: 0); without it 0,9");
BENCH_KEY(cores, "N,N", "benchmark core counts; without it powers of two below all CPUs, then all");
BENCH_KEY(iterations, "N", "benchmark runs of each, allocator reset before each; without it 3");
BENCH_KEY(rounds, "N", "frag rounds; without it 100");
BENCH_KEY(mem_percent, "PERCENT", "percent of the benchmarks' free memory the allocators manage; without it 100");
BENCH_KEY(mem, "PERCENT", "old name of mem_percent (a WARN says so)");
BENCH_KEY(memory, "SIZE", "memory the benchmark allocators manage (at most their free memory)");

/* ---- environment ---- */

static uint64_t ticks(void)
{
	return tsc_begin();
}

static void relax(void)
{
	cpu_pause();
}

/* A barrier waited too long (bench_env.stuck): the watchdog's report and verdict. */
static void stuck(unsigned core, const char *where, unsigned seconds)
{
	char phase[48];
	ksnprintf(phase, sizeof(phase), "bench %s", where);
	watchdog_stuck(core, phase, seconds);
}

/* kprintf holds the console lock for the whole call: lines never interleave. */
static void print_line(const char *line)
{
	kprintf("%s\n", line);
}

static void count_result(const struct bench_result *r, void *ctx)
{
	summary_result(r);
	(*(uint64_t *)ctx)++;
}

/* Frames the allocator metadata of one kind takes for `frames` (rounded as contig does). */
static uint64_t metadata_frames(enum balloc_kind kind, unsigned cores, uint64_t frames)
{
	switch (kind) {
	case BALLOC_LLFREE: {
		llfree_meta_size_t m = llfree_metadata_size(cores, frames);
		return contig_frames(m.upper) + contig_frames(m.lower);
	}
	case BALLOC_BUDDY:
		return contig_frames(buddy_metadata_size(cores, frames));
	default:
		return contig_frames(list_metadata_size(frames));
	}
}

/*
 * Frames the buffers of bench_main take at their peak for `frames`: its
 * working arrays (bench/bench.c, buffers_get) plus the largest metadata of
 * the allocators asked for (one allocator exists at a time).
 */
static uint64_t buffer_frames(const struct bench_opts *o, unsigned cpus, uint64_t frames)
{
	uint64_t n = contig_frames(frames * sizeof(uint64_t)) +
		     contig_frames(cpus * sizeof(struct core_stat)) +
		     contig_frames((o->rounds + 1) * sizeof(struct frag_round)) +
		     contig_frames((frames / LLFREE_AREA_FRAMES + 1) * sizeof(uint16_t)) +
		     contig_frames((LLFREE_AREA_FRAMES + 1) * sizeof(uint64_t));
	uint64_t meta = 0;
	for (unsigned i = 0; i < o->nallocs; i++) {
		uint64_t m = metadata_frames(o->allocs[i], cpus, frames);
		if (m > meta)
			meta = m;
	}
	return n + meta;
}

/*
 * The frames the benchmarks may manage: free frames less the buffers (which
 * shrink with the frame count, so this fits), less one 2 MiB area for the
 * rounding of runs around memory the kernel holds; memory= caps it.
 */
static bool bench_frames(const struct bench_opts *o, unsigned cpus, uint64_t *out)
{
	uint64_t free = llfree_free_frames(frames_llfree());
	uint64_t need = buffer_frames(o, cpus, free) + LLFREE_AREA_FRAMES;
	uint64_t avail = free > need ? free - need : 0;
	if (o->memory == 0) {
		*out = avail;
		return true;
	}
	if (o->memory / LLFREE_FRAME_SIZE > avail) {
		kprintf("ERROR msg=\"memory=%llu bytes exceeds the benchmark's free memory (%llu bytes)\"\n",
			(unsigned long long)o->memory, (unsigned long long)(avail * LLFREE_FRAME_SIZE));
		return false;
	}
	*out = o->memory / LLFREE_FRAME_SIZE;
	return true;
}

bool kbench_run(void)
{
	if (!bench_requested) {
		if (options_given)
			kprintf("WARN msg=\"benchmark options without bench=: no benchmark runs\"\n");
		return true;
	}
	const struct bench_opts *o = options();
	uint64_t results = 0;
	struct bench_env env = {
		.cpus = percpu_count(),
		.tsc_hz = tsc_hz(),
		.ticks = ticks,
		.run = run_cores,
		.alloc = contig_alloc,
		.free = contig_free,
		.print = print_line,
		.relax = relax,
		.wait_limit_s = watchdog_limit_s(),
		.stuck = stuck,
		.result = count_result,
		.result_ctx = &results,
	};
	uint64_t free_before = llfree_free_frames(frames_llfree());
	bool ok = bench_frames(o, env.cpus, &env.frames) && bench_main(&env, o) == 0;
	/* Every buffer went back: the kernel's allocator has what it had before. */
	uint64_t free_after = llfree_free_frames(frames_llfree());
	if (free_after != free_before) {
		kprintf("ERROR msg=\"benchmark buffers leaked: %llu free frames before, %llu after\"\n",
			(unsigned long long)free_before, (unsigned long long)free_after);
		ok = false;
	}
	kprintf("TEST name=bench cores=%u result=%s results=%llu\n", env.cpus, ok ? "ok" : "fail",
		(unsigned long long)results);
	return ok;
}
