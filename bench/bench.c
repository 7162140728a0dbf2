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

#define LINE_MAX 512
#define NO_FRAME UINT64_MAX /* an empty slot in a frame array */
#define SHUFFLE_SEED 42
#define FRAG_PERCENT 10 /* frag: share of its frames a core frees and re-allocates per round */

/* ---- WyRand (Wang Yi's wyrand: one 64x64->128 multiply per number) ---- */

static uint64_t wyrand(uint64_t *state)
{
	*state += 0xa0761d6478bd642full;
	__uint128_t t = (__uint128_t)*state * (*state ^ 0xe7037ed1a0b428dbull);
	return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* Uniform in 0 .. n-1 (multiply-shift, no division). */
static uint64_t rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((__uint128_t)wyrand(state) * n) >> 64);
}

static void swap(uint64_t *a, uint64_t i, uint64_t j)
{
	uint64_t t = a[i];
	a[i] = a[j];
	a[j] = t;
}

/* Fisher-Yates over a[0..n). */
static void shuffle(uint64_t *a, uint64_t n, uint64_t *state)
{
	for (uint64_t i = n; i > 1; i--)
		swap(a, i - 1, rand_below(state, i));
}

/* ---- shared state of one run ---- */

enum op { OP_NONE, OP_GET, OP_PUT, OP_OVERFLOW };

struct core_stat {
	_Alignas(64) uint64_t get_ticks, get_ops, put_ticks, put_ops;
	int err; /* first allocator error of this core, with the operation */
	enum op op;
	uint64_t lo, live; /* frag: this core's chunk of the frame array, live frames */
	uint64_t seed;
};

struct frag_round {
	uint64_t get[3], put[3]; /* min, avg, max ns */
	uint64_t allocs, allocated, free_frames, free_huge, free_areas, moves;
};

struct run {
	const struct bench_env *env;
	struct balloc *alloc;
	enum bench_kind bench;
	unsigned cores, order;
	uint64_t allocs; /* per core */
	uint64_t *slots; /* frame array: core c owns slots[c * allocs ..] (frag: lo..lo+live) */
	struct core_stat *stats;
	/* sense-reversing barrier */
	_Alignas(64) atomic_uint arrived;
	_Alignas(64) atomic_uint generation;
	/* frag */
	_Alignas(64) atomic_uint_fast64_t filled;
	unsigned rounds;
	struct frag_round *round;
	uint16_t *area_count; /* allocated frames per 2 MiB area */
	uint64_t *histogram;  /* areas per allocated-frame count 0..512 */
};

static void barrier(struct run *r)
{
	unsigned gen = atomic_load_explicit(&r->generation, memory_order_acquire);
	if (atomic_fetch_add_explicit(&r->arrived, 1, memory_order_acq_rel) + 1 == r->cores) {
		atomic_store_explicit(&r->arrived, 0, memory_order_relaxed);
		atomic_store_explicit(&r->generation, gen + 1, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&r->generation, memory_order_acquire) == gen) {
		if (r->env->relax)
			r->env->relax();
		else
			__builtin_ia32_pause();
	}
}

static void fail(struct core_stat *st, enum op op, int err)
{
	if (st->op == OP_NONE) {
		st->op = op;
		st->err = err;
	}
}

/* Allocates n frames into a[0..n) (empty slots after an error); returns how many. */
static uint64_t get_all(struct run *r, unsigned core, uint64_t *a, uint64_t n)
{
	uint64_t i;
	for (i = 0; i < n; i++) {
		int err = balloc_get(r->alloc, core, r->order, &a[i]);
		if (err) {
			fail(&r->stats[core], OP_GET, err);
			break;
		}
	}
	for (uint64_t j = i; j < n; j++)
		a[j] = NO_FRAME;
	return i;
}

/* Frees a[n-1] down to a[0] (LIFO), skipping empty slots; returns how many. */
static uint64_t put_all(struct run *r, unsigned core, uint64_t *a, uint64_t n)
{
	uint64_t done = 0;
	for (uint64_t i = n; i-- > 0;) {
		if (a[i] == NO_FRAME)
			continue;
		int err = balloc_put(r->alloc, core, a[i], r->order);
		if (err) {
			fail(&r->stats[core], OP_PUT, err);
			continue;
		}
		a[i] = NO_FRAME;
		done++;
	}
	return done;
}

/* ---- bulk, repeat, rand ---- */

static void bulk_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + core * r->allocs;

	barrier(r);
	uint64_t t0 = r->env->ticks();
	st->get_ops = get_all(r, core, mine, r->allocs);
	uint64_t t1 = r->env->ticks();
	barrier(r);
	uint64_t t2 = r->env->ticks();
	st->put_ops = put_all(r, core, mine, r->allocs);
	uint64_t t3 = r->env->ticks();
	st->get_ticks = t1 - t0;
	st->put_ticks = t3 - t2;
}

static void repeat_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + core * r->allocs;
	uint64_t pairs = 0;

	get_all(r, core, mine, r->allocs); /* untimed, kept */
	barrier(r);
	uint64_t t0 = r->env->ticks();
	for (; pairs < r->allocs && st->op == OP_NONE; pairs++) {
		uint64_t frame;
		int err = balloc_get(r->alloc, core, r->order, &frame);
		if (err) {
			fail(st, OP_GET, err);
			break;
		}
		err = balloc_put(r->alloc, core, frame, r->order);
		if (err)
			fail(st, OP_PUT, err);
	}
	uint64_t t1 = r->env->ticks();
	barrier(r);
	put_all(r, core, mine, r->allocs);
	st->get_ticks = t1 - t0;
	st->get_ops = pairs;
}

static void rand_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + core * r->allocs;

	barrier(r);
	uint64_t t0 = r->env->ticks();
	st->get_ops = get_all(r, core, mine, r->allocs);
	uint64_t t1 = r->env->ticks();
	barrier(r);
	if (core == 0) {
		uint64_t seed = SHUFFLE_SEED;
		shuffle(r->slots, r->allocs * r->cores, &seed);
	}
	barrier(r);
	uint64_t t2 = r->env->ticks();
	st->put_ops = put_all(r, core, mine, r->allocs);
	uint64_t t3 = r->env->ticks();
	st->get_ticks = t1 - t0;
	st->put_ticks = t3 - t2;
}

/* ---- frag ---- */

/* All cores allocate order-0 frames until the allocator reports out of memory. */
static void frag_fill(struct run *r, unsigned core)
{
	uint64_t frames = r->alloc->frames;
	for (;;) {
		uint64_t frame;
		int err = balloc_get(r->alloc, core, 0, &frame);
		if (err) {
			if (!balloc_oom(r->alloc, err))
				fail(&r->stats[core], OP_GET, err);
			return;
		}
		uint64_t i = atomic_fetch_add_explicit(&r->filled, 1, memory_order_relaxed);
		if (i >= frames) { /* more frames than it manages: report, do not overrun */
			fail(&r->stats[core], OP_OVERFLOW, 0);
			return;
		}
		r->slots[i] = frame;
	}
}

/* Core 0, all others waiting: counts, entirely free areas and compaction moves. */
static void frag_measure(struct run *r, struct frag_round *out)
{
	uint64_t frames = r->alloc->frames;
	uint64_t areas = (frames + LLFREE_AREA_FRAMES - 1) / LLFREE_AREA_FRAMES;
	uint64_t allocated = 0;

	for (uint64_t i = 0; i < areas; i++)
		r->area_count[i] = 0;
	for (unsigned c = 0; c < r->cores; c++) {
		const struct core_stat *st = &r->stats[c];
		for (uint64_t i = st->lo; i < st->lo + st->live; i++) {
			if (r->slots[i] != NO_FRAME && r->slots[i] < frames) {
				r->area_count[r->slots[i] / LLFREE_AREA_FRAMES]++;
				allocated++;
			}
		}
	}
	for (unsigned n = 0; n <= LLFREE_AREA_FRAMES; n++)
		r->histogram[n] = 0;
	uint64_t free_areas = 0;
	for (uint64_t i = 0; i < areas; i++) {
		r->histogram[r->area_count[i]]++;
		bool whole = (i + 1) * LLFREE_AREA_FRAMES <= frames;
		free_areas += whole && r->area_count[i] == 0;
	}
	/* Keep the ceil(A/512) fullest areas; everything outside them must move. */
	uint64_t keep = (allocated + LLFREE_AREA_FRAMES - 1) / LLFREE_AREA_FRAMES, kept = 0;
	for (unsigned n = LLFREE_AREA_FRAMES; n > 0 && keep > 0; n--) {
		uint64_t take = r->histogram[n] < keep ? r->histogram[n] : keep;
		kept += take * n;
		keep -= take;
	}
	out->allocated = allocated;
	out->free_frames = balloc_free_frames(r->alloc);
	out->free_huge = balloc_free_huge(r->alloc);
	out->free_areas = free_areas;
	out->moves = allocated - kept;
}

static void summarize(const struct run *r, uint64_t get[3], uint64_t put[3]);

/* One round: free FRAG_PERCENT % of this core's frames at random, then re-allocate as many. */
static void frag_round(struct run *r, unsigned core)
{
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + st->lo;
	uint64_t k = st->live * FRAG_PERCENT / 100;

	for (uint64_t i = 0; i < k; i++) /* partial Fisher-Yates: k random frames to the front */
		swap(mine, i, i + rand_below(&st->seed, st->live - i));
	uint64_t t0 = r->env->ticks();
	st->put_ops = put_all(r, core, mine, k);
	uint64_t t1 = r->env->ticks();
	st->get_ops = get_all(r, core, mine, st->put_ops);
	uint64_t t2 = r->env->ticks();
	st->put_ticks = t1 - t0;
	st->get_ticks = t2 - t1;
}

static void frag_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];

	barrier(r);
	frag_fill(r, core);
	barrier(r);
	if (core == 0) {
		uint64_t seed = SHUFFLE_SEED;
		shuffle(r->slots, atomic_load(&r->filled), &seed);
	}
	barrier(r);
	/* Chunks of the shuffled array; each core frees the second half of its own. */
	uint64_t n = atomic_load(&r->filled);
	if (n > r->alloc->frames)
		n = r->alloc->frames;
	st->lo = n * core / r->cores;
	uint64_t len = n * (core + 1) / r->cores - st->lo;
	st->live = len - len / 2;
	put_all(r, core, r->slots + st->lo + st->live, len / 2);
	st->seed = SHUFFLE_SEED + 1 + core;
	st->get_ops = st->put_ops = 0;
	barrier(r);
	for (unsigned round = 0; round <= r->rounds; round++) {
		if (round > 0)
			frag_round(r, core);
		barrier(r);
		if (core == 0) {
			struct frag_round *out = &r->round[round];
			frag_measure(r, out);
			summarize(r, out->get, out->put);
			out->allocs = 0;
			for (unsigned c = 0; c < r->cores; c++)
				out->allocs += r->stats[c].get_ops;
		}
		barrier(r);
	}
	put_all(r, core, r->slots + st->lo, st->live);
}

/* ---- results ---- */

static uint64_t ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	/* Split so that nothing overflows for any run shorter than centuries. */
	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

static uint64_t per_op_ns(uint64_t ticks, uint64_t ops, uint64_t hz)
{
	return ops ? (ticks_to_ns(ticks, hz) + ops / 2) / ops : 0;
}

/* min / avg / max over cores of ns per operation. */
static void summarize(const struct run *r, uint64_t get[3], uint64_t put[3])
{
	uint64_t *out[2] = { get, put };
	for (unsigned k = 0; k < 2; k++) {
		uint64_t min = UINT64_MAX, max = 0, sum = 0;
		for (unsigned c = 0; c < r->cores; c++) {
			const struct core_stat *st = &r->stats[c];
			uint64_t ns = k == 0 ? per_op_ns(st->get_ticks, st->get_ops, r->env->tsc_hz)
					     : per_op_ns(st->put_ticks, st->put_ops, r->env->tsc_hz);
			min = ns < min ? ns : min;
			max = ns > max ? ns : max;
			sum += ns;
		}
		out[k][0] = min;
		out[k][1] = (sum + r->cores / 2) / r->cores;
		out[k][2] = max;
	}
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
	if (r->bench == BENCH_FRAG) {
		fmt_kv_u64(&f, "round", r->round);
		fmt_kv_u64(&f, "allocated", r->allocated);
		fmt_kv_u64(&f, "free_frames", r->free_frames);
		fmt_kv_u64(&f, "free_huge", r->free_huge);
		fmt_kv_u64(&f, "free_areas", r->free_areas);
		fmt_kv_u64(&f, "moves", r->moves);
	}
}

static void emit(const struct bench_env *env, const struct bench_result *res)
{
	char line[LINE_MAX];
	bench_format_result(res, line, sizeof(line));
	env->print(line);
	if (env->result)
		env->result(res, env->result_ctx);
}

static void print_kv_line(const struct bench_env *env, const char *tag, const struct run *r,
			  const char *msg)
{
	char line[LINE_MAX];
	struct fmt f;
	fmt_init(&f, line, sizeof(line));
	fmt_str(&f, tag);
	if (msg)
		fmt_kv_str(&f, "msg", msg);
	if (r) {
		fmt_kv_str(&f, "bench", bench_name(r->bench));
		fmt_kv_str(&f, "alloc", balloc_kind_name(r->alloc->kind));
		fmt_kv_u64(&f, "cores", r->cores);
		fmt_kv_u64(&f, "order", r->order);
	}
	env->print(line);
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
		print_kv_line(r->env, "ERROR", r, msg);
		ok = false;
	}
	for (unsigned c = 0; c < r->cores; c++)
		balloc_drain(r->alloc, c);
	if (balloc_free_frames(r->alloc) != r->alloc->frames) {
		print_kv_line(r->env, "ERROR", r, "frames missing after the run freed everything");
		ok = false;
	}
	const char *err = balloc_validate(r->alloc);
	if (err) {
		print_kv_line(r->env, "ERROR", r, err);
		ok = false;
	}
	return ok;
}

/* frag: each round's free frames must match what the cores hold. */
static bool check_frag(struct run *r)
{
	for (unsigned i = 0; i <= r->rounds; i++) {
		const struct frag_round *fr = &r->round[i];
		if (fr->allocated + fr->free_frames != r->alloc->frames) {
			print_kv_line(r->env, "ERROR", r,
				      "free frames + allocated frames != managed frames");
			return false;
		}
	}
	return true;
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
		summarize(r, get, put);
		res.get_min = get[0], res.get_avg = get[1], res.get_max = get[2];
		res.put_min = put[0], res.put_avg = put[1], res.put_max = put[2];
		emit(r->env, &res);
		return;
	}
	for (unsigned i = 0; i <= r->rounds; i++) {
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
		print_kv_line(r->env, "ERROR", r, err);
		return false;
	}
	for (unsigned c = 0; c < r->cores; c++)
		r->stats[c] = (struct core_stat){ .op = OP_NONE };
	atomic_store(&r->arrived, 0);
	atomic_store(&r->generation, 0);
	atomic_store(&r->filled, 0);
	r->env->run(r->cores, core_fn[r->bench], r);
	bool ok = check_run(r);
	if (r->bench == BENCH_FRAG)
		ok = check_frag(r) && ok;
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
			print_kv_line(env, "ERROR", NULL, msg);
			return false;
		}
		if (p->cores[i] > p->max_cores)
			p->max_cores = p->cores[i];
	}
	if (env->tsc_hz == 0 || !env->ticks || !env->run || !env->alloc || !env->free) {
		print_kv_line(env, "ERROR", NULL, "bench_env incomplete: tsc_hz, ticks, run, alloc, free");
		return false;
	}
	if (p->ncores == 0 || p->frames == 0) {
		print_kv_line(env, "ERROR", NULL, "nothing to run: no cores or no frames");
		return false;
	}
	return true;
}

static void print_header(const struct bench_env *env, const struct bench_opts *o,
			 const struct plan *p)
{
	char line[LINE_MAX];
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
	char line[LINE_MAX];
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
		print_kv_line(r->env, "ERROR", r, err);
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
					print_kv_line(env, "WARN", &r, "order not supported, skipped");
					continue;
				}
				if (bench != BENCH_FRAG && r.allocs == 0) {
					print_kv_line(env, "WARN", &r,
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
		print_kv_line(env, "ERROR", NULL, "no memory for the benchmark's frame arrays");
	/* A failed run is reported and the others still run; the result says it failed. */
	bool all_ok = ok;
	for (unsigned i = 0; i < opts->nbenches && ok; i++)
		all_ok = run_bench(env, opts, &plan, &b, opts->benches[i]) && all_ok;
	ok = all_ok;
	buffers_put(env, &b);
	return ok ? 0 : 1;
}
