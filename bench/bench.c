/*
 * The benchmarks bulk, repeat, rand and frag (bench.h), exactly as
 * shared/design/benchmarks.md "Definitions" states them:
 *   allocs per core = frames / T / 2 >> order, T = the largest core count,
 *   allocator re-initialized (all free) before each iteration,
 *   per-core TSC around each loop, min/avg/max over cores in ns.
 * Every core runs the same function and meets every barrier even after an
 * allocator error, so a failure is reported instead of hanging the run.
 */
#include "bench.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "fmt.h"
#include "run.h"

/* frag's parameters and counts (keys: docs/benchmarks.md, "RESULT lines"). */
static void format_frag(struct fmt *f, const struct bench_result *r)
{
	fmt_kv_u64(f, "round", r->round);
	fmt_kv_u64(f, "rounds", r->rounds);
	fmt_kv_u64(f, "fill_percent", FRAG_FILL_PERCENT);
	fmt_kv_u64(f, "churn_percent", FRAG_CHURN_PERCENT);
	fmt_kv_u64(f, "seed", SHUFFLE_SEED);
	fmt_kv_str(f, "kind", "movable");
	fmt_kv_u64(f, "allocated", r->allocated);
	fmt_kv_u64(f, "free_frames", r->free_frames);
	fmt_kv_u64(f, "free_huge", r->free_huge);
	/* H / (free / 512): the share of free memory that is whole 2 MiB areas */
	fmt_kv_fraction(f, "huge_share", r->free_huge * LLFREE_AREA_FRAMES, r->free_frames);
	fmt_kv_u64(f, "free_areas", r->free_areas);
	fmt_kv_u64(f, "moves", r->moves);
	if (r->round == r->rounds && r->huge_got != FRAG_HUGE_UNTRIED)
		fmt_kv_u64(f, "huge_got", r->huge_got);
}

void bench_format_result(const struct bench_result *r, char *buf, size_t cap)
{
	struct fmt f;
	fmt_init(&f, buf, cap);
	fmt_str(&f, "RESULT");
	fmt_kv_str(&f, "bench", bench_name(r->bench));
	fmt_kv_str(&f, "alloc", balloc_kind_name(r->alloc));
	fmt_kv_u64(&f, "cores", r->cores);
	fmt_kv_u64(&f, "order", r->order);
	fmt_kv_u64(&f, "iteration", r->iteration);
	fmt_kv_u64(&f, "memory", r->memory);
	fmt_kv_u64(&f, "allocs", r->allocs);
	fmt_kv_u64(&f, "get_min", r->get_min);
	fmt_kv_u64(&f, "get_avg", r->get_avg);
	fmt_kv_u64(&f, "get_max", r->get_max);
	fmt_kv_u64(&f, "put_min", r->put_min);
	fmt_kv_u64(&f, "put_avg", r->put_avg);
	fmt_kv_u64(&f, "put_max", r->put_max);
	fmt_kv_u64(&f, "metadata_bytes", r->metadata);
	if (r->alloc == BALLOC_LLFREE)
		fmt_kv_u64(&f, "tree_areas", LLFREE_AREAS_PER_TREE);
	if (r->bench == BENCH_FRAG)
		format_frag(&f, r);
}

static void emit(const struct bench_env *env, const struct bench_result *res)
{
	char line[BENCH_LINE_MAX];
	bench_format_result(res, line, sizeof(line));
	env->print(line);
	if (env->result)
		env->result(res, env->result_ctx);
}

/* After a run: every core's error, then all frames back and the allocator consistent. */
static bool check_run(struct run *r)
{
	bool ok = true;
	for (unsigned c = 0; c < r->cores; c++) {
		const struct core_stat *st = &r->stats[c];
		if (st->op == OP_NONE)
			continue;
		const char *what = st->op == OP_GET   ? "get failed: "
				   : st->op == OP_PUT ? "put failed: "
						      : "allocator handed out more frames than it manages";
		char msg[160];
		struct fmt f;
		fmt_init(&f, msg, sizeof(msg));
		fmt_str(&f, what);
		if (st->op != OP_OVERFLOW)
			fmt_str(&f, balloc_strerror(r->alloc, st->err));
		fmt_str(&f, " on core ");
		fmt_u64(&f, c);
		run_print(r->env, "ERROR", r, msg);
		ok = false;
	}
	for (unsigned c = 0; c < r->cores; c++)
		balloc_drain(r->alloc, c);
	if (balloc_free_frames(r->alloc) != r->alloc->frames) {
		run_print(r->env, "ERROR", r, "frames missing after the run freed everything");
		ok = false;
	}
	const char *err = balloc_validate(r->alloc);
	if (err) {
		run_print(r->env, "ERROR", r, err);
		ok = false;
	}
	return ok;
}

static void report(struct run *r, unsigned iteration)
{
	struct bench_result res = {
		.bench = r->bench,
		.alloc = r->alloc->kind,
		.cores = r->cores,
		.order = r->order,
		.iteration = iteration,
		.memory = r->alloc->frames * LLFREE_FRAME_SIZE,
		.allocs = r->allocs,
		.metadata = balloc_metadata_bytes(r->alloc),
	};
	if (r->bench != BENCH_FRAG) {
		uint64_t get[3], put[3];
		run_summarize(r, get, put);
		res.get_min = get[0], res.get_avg = get[1], res.get_max = get[2];
		res.put_min = put[0], res.put_avg = put[1], res.put_max = put[2];
		emit(r->env, &res);
		return;
	}
	res.rounds = r->rounds;
	for (unsigned i = 1; i <= r->rounds; i++) {
		const struct frag_round *fr = &r->round[i];
		res.get_min = fr->get[0], res.get_avg = fr->get[1], res.get_max = fr->get[2];
		res.put_min = fr->put[0], res.put_avg = fr->put[1], res.put_max = fr->put[2];
		res.allocs = fr->allocs;
		res.round = i;
		res.allocated = fr->allocated;
		res.free_frames = fr->free_frames;
		res.free_huge = fr->free_huge;
		res.free_areas = fr->free_areas;
		res.moves = fr->moves;
		res.huge_got = fr->huge_got;
		emit(r->env, &res);
	}
}

static void (*const core_fn[BENCH_KINDS])(unsigned, void *) = {
	[BENCH_BULK] = bulk_core,
	[BENCH_REPEAT] = repeat_core,
	[BENCH_RAND] = rand_core,
	[BENCH_FRAG] = frag_core,
};

/* One iteration on a freshly reset allocator. */
static bool run_once(struct run *r, unsigned iteration)
{
	const char *err = balloc_reset(r->alloc);
	if (err) {
		run_print(r->env, "ERROR", r, err);
		return false;
	}
	for (unsigned c = 0; c < r->cores; c++)
		r->stats[c] = (struct core_stat){ .op = OP_NONE };
	atomic_store(&r->arrived, 0);
	atomic_store(&r->generation, 0);
	r->env->run(r->cores, core_fn[r->bench], r);
	bool ok = check_run(r);
	if (r->bench == BENCH_FRAG)
		ok = frag_check(r) && ok;
	if (ok)
		report(r, iteration);
	return ok;
}

/* Working memory of bench_main, sized for the largest run. */
struct buffers {
	uint64_t *slots;
	struct core_stat *stats;
	struct frag_round *rounds;
	uint16_t *area_count;
	uint64_t *histogram;
	size_t size[5];
};

static void *take(const struct bench_env *env, size_t *size, size_t bytes)
{
	*size = bytes;
	return env->alloc(bytes);
}

static bool buffers_get(const struct bench_env *env, struct buffers *b, uint64_t frames,
			unsigned cores, unsigned rounds)
{
	b->slots = take(env, &b->size[0], frames * sizeof(uint64_t));
	b->stats = take(env, &b->size[1], cores * sizeof(struct core_stat));
	b->rounds = take(env, &b->size[2], (rounds + 1) * sizeof(struct frag_round));
	b->area_count = take(env, &b->size[3],
			     (frames / LLFREE_AREA_FRAMES + 1) * sizeof(uint16_t));
	b->histogram = take(env, &b->size[4], (LLFREE_AREA_FRAMES + 1) * sizeof(uint64_t));
	if (!b->slots || !b->stats || !b->rounds || !b->area_count || !b->histogram)
		return false;
	/* Touch every page now: a host maps them lazily, and a page fault in the first
	 * timed loop would be charged to whichever allocator runs first. */
	void *p[5] = { b->slots, b->stats, b->rounds, b->area_count, b->histogram };
	for (unsigned i = 0; i < 5; i++) {
		volatile unsigned char *bytes = p[i];
		for (size_t off = 0; off < b->size[i]; off += 64)
			bytes[off] = 0;
	}
	return true;
}

static void buffers_put(const struct bench_env *env, struct buffers *b)
{
	void *p[5] = { b->slots, b->stats, b->rounds, b->area_count, b->histogram };
	for (unsigned i = 0; i < 5; i++)
		if (p[i])
			env->free(p[i], b->size[i]);
}

struct plan {
	uint64_t frames; /* managed by each allocator */
	unsigned cores[BENCH_MAX_LIST], ncores, max_cores;
};

static bool make_plan(const struct bench_env *env, const struct bench_opts *o, struct plan *p)
{
	p->frames = env->frames / 100 * o->mem_percent + env->frames % 100 * o->mem_percent / 100;
	p->ncores = bench_cores(o, env->cpus, p->cores, BENCH_MAX_LIST);
	p->max_cores = 0;
	for (unsigned i = 0; i < p->ncores; i++) {
		if (p->cores[i] > env->cpus) {
			char msg[96];
			struct fmt f;
			fmt_init(&f, msg, sizeof(msg));
			fmt_str(&f, "cores=");
			fmt_u64(&f, p->cores[i]);
			fmt_str(&f, " exceeds the CPUs available: ");
			fmt_u64(&f, env->cpus);
			run_print(env, "ERROR", NULL, msg);
			return false;
		}
		if (p->cores[i] > p->max_cores)
			p->max_cores = p->cores[i];
	}
	if (env->tsc_hz == 0 || !env->ticks || !env->run || !env->alloc || !env->free) {
		run_print(env, "ERROR", NULL, "bench_env incomplete: tsc_hz, ticks, run, alloc, free");
		return false;
	}
	if (p->ncores == 0 || p->frames == 0) {
		run_print(env, "ERROR", NULL, "nothing to run: no cores or no frames");
		return false;
	}
	return true;
}

static void print_header(const struct bench_env *env, const struct bench_opts *o,
			 const struct plan *p)
{
	char line[BENCH_LINE_MAX];
	struct fmt f;
	fmt_init(&f, line, sizeof(line));
	fmt_str(&f, "BENCH");
	fmt_kv_u64(&f, "frames", p->frames);
	fmt_kv_u64(&f, "memory", p->frames * LLFREE_FRAME_SIZE);
	fmt_kv_u64(&f, "mem_percent", o->mem_percent);
	fmt_kv_u64(&f, "cpus", env->cpus);
	fmt_kv_u64(&f, "max_cores", p->max_cores);
	fmt_kv_u64(&f, "iterations", o->iterations);
	fmt_kv_u64(&f, "rounds", o->rounds);
	fmt_kv_u64(&f, "tsc_hz", env->tsc_hz);
	env->print(line);
}

static void print_progress(const struct run *r, unsigned iterations, uint64_t allocs)
{
	char line[BENCH_LINE_MAX];
	struct fmt f;
	fmt_init(&f, line, sizeof(line));
	fmt_str(&f, "PROGRESS");
	fmt_kv_str(&f, "bench", bench_name(r->bench));
	fmt_kv_str(&f, "alloc", balloc_kind_name(r->alloc->kind));
	fmt_kv_u64(&f, "cores", r->cores);
	fmt_kv_u64(&f, "order", r->order);
	fmt_kv_u64(&f, "iterations", iterations);
	fmt_kv_u64(&f, "allocs", allocs);
	r->env->print(line);
}

/* Every iteration of one benchmark, allocator, order and core count. */
static bool run_group(struct run *r, const struct bench_opts *o, const struct plan *p,
		      enum balloc_kind kind)
{
	struct balloc alloc;
	const char *err = balloc_init(&alloc, kind, r->env, r->cores, p->frames);
	r->alloc = &alloc;
	if (err) {
		run_print(r->env, "ERROR", r, err);
		return false;
	}
	print_progress(r, o->iterations, r->allocs);
	bool ok = true;
	for (unsigned it = 0; it < o->iterations && ok; it++)
		ok = run_once(r, it);
	balloc_fini(&alloc);
	return ok;
}

static bool run_bench(const struct bench_env *env, const struct bench_opts *o,
		      const struct plan *p, const struct buffers *b, enum bench_kind bench)
{
	static const unsigned frag_orders[] = { 0 };
	const unsigned *orders = bench == BENCH_FRAG ? frag_orders : o->orders;
	unsigned norders = bench == BENCH_FRAG ? 1 : o->norders;
	bool ok = true;

	for (unsigned oi = 0; oi < norders; oi++) {
		for (unsigned ai = 0; ai < o->nallocs; ai++) {
			for (unsigned ci = 0; ci < p->ncores; ci++) {
				struct run r = {
					.env = env,
					.bench = bench,
					.cores = p->cores[ci],
					.order = orders[oi],
					.allocs = p->frames / p->max_cores / 2 >> orders[oi],
					.slots = b->slots,
					.stats = b->stats,
					.rounds = o->rounds,
					.round = b->rounds,
					.area_count = b->area_count,
					.histogram = b->histogram,
				};
				struct balloc none = { .kind = o->allocs[ai] };
				r.alloc = &none; /* for messages before the allocator exists */
				if (!balloc_supports(o->allocs[ai], r.order)) {
					run_print(env, "WARN", &r, "order not supported, skipped");
					continue;
				}
				if (bench != BENCH_FRAG && r.allocs == 0) {
					run_print(env, "WARN", &r,
						      "memory too small for one frame per core, skipped");
					continue;
				}
				ok = run_group(&r, o, p, o->allocs[ai]) && ok;
			}
		}
	}
	return ok;
}

int bench_main(const struct bench_env *env, const struct bench_opts *opts)
{
	struct plan plan;
	if (!make_plan(env, opts, &plan))
		return 1;
	print_header(env, opts, &plan);
	struct buffers b = { 0 };
	bool ok = buffers_get(env, &b, plan.frames, plan.max_cores, opts->rounds);
	if (!ok)
		run_print(env, "ERROR", NULL, "no memory for the benchmark's frame arrays");
	/* A failed run is reported and the others still run; the result says it failed. */
	bool all_ok = ok;
	for (unsigned i = 0; i < opts->nbenches && ok; i++)
		all_ok = run_bench(env, opts, &plan, &b, opts->benches[i]) && all_ok;
	ok = all_ok;
	buffers_put(env, &b);
	return ok ? 0 : 1;
}