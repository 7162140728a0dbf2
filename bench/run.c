/*
 * Pieces every benchmark uses (run.h): barrier, error recording, the
 * allocate/free loops that are timed, and the conversion of per-core ticks
 * into ns per operation.
 */
#include "run.h"

#include "fmt.h"

/* Spins between looks at the clock while a barrier waits. */
#define BARRIER_CHECK_SPINS 1024u

/*
 * A waiter at generation `gen` that has waited env->wait_limit_s since
 * `*since` (0: not started) names the first core that has not arrived.
 * Nobody can be past `gen` while a waiter still sees it, so every core whose
 * mark differs from gen + 1 is missing.
 */
static void barrier_check(struct run *r, unsigned gen, uint64_t *since)
{
	uint64_t now = r->env->ticks();
	if (*since == 0) {
		*since = now;
		return;
	}
	if (now - *since < (uint64_t)r->env->wait_limit_s * r->env->tsc_hz)
		return;
	for (unsigned c = 0; c < r->cores; c++)
		if (atomic_load_explicit(&r->stats[c].arrived, memory_order_acquire) != gen + 1)
			r->env->stuck(c, bench_name(r->bench), r->env->wait_limit_s);
}

void run_barrier(struct run *r, unsigned core)
{
	unsigned gen = atomic_load_explicit(&r->generation, memory_order_acquire);
	bool bounded = r->env->stuck && r->env->wait_limit_s;
	uint64_t since = 0;
	atomic_store_explicit(&r->stats[core].arrived, gen + 1, memory_order_release);
	if (atomic_fetch_add_explicit(&r->arrived, 1, memory_order_acq_rel) + 1 == r->cores) {
		atomic_store_explicit(&r->arrived, 0, memory_order_relaxed);
		atomic_store_explicit(&r->generation, gen + 1, memory_order_release);
		return;
	}
	for (unsigned spins = 1; atomic_load_explicit(&r->generation, memory_order_acquire) == gen; spins++) {
		if (r->env->relax)
			r->env->relax();
		else
			__builtin_ia32_pause();
		if (bounded && spins % BARRIER_CHECK_SPINS == 0)
			barrier_check(r, gen, &since);
	}
}

void run_fail(struct core_stat *st, enum op op, int err)
{
	if (st->op == OP_NONE) {
		st->op = op;
		st->err = err;
	}
}

/* Allocates n frames into a[0..n) (empty slots after an error); returns how many. */
uint64_t run_get_all(struct run *r, unsigned core, uint64_t *a, uint64_t n)
{
	uint64_t i;
	for (i = 0; i < n; i++) {
		int err = balloc_get(r->alloc, core, r->order, &a[i]);
		if (err) {
			run_fail(&r->stats[core], OP_GET, err);
			break;
		}
	}
	for (uint64_t j = i; j < n; j++)
		a[j] = NO_FRAME;
	return i;
}

/* Frees a[n-1] down to a[0] (LIFO), skipping empty slots; returns how many. */
uint64_t run_put_all(struct run *r, unsigned core, uint64_t *a, uint64_t n)
{
	uint64_t done = 0;
	for (uint64_t i = n; i-- > 0;) {
		if (a[i] == NO_FRAME)
			continue;
		int err = balloc_put(r->alloc, core, a[i], r->order);
		if (err) {
			run_fail(&r->stats[core], OP_PUT, err);
			continue;
		}
		a[i] = NO_FRAME;
		done++;
	}
	return done;
}

uint64_t run_get_timed(struct run *r, unsigned core, uint64_t *a, uint64_t n, uint64_t *ticks)
{
	uint64_t t0 = r->env->ticks();
	uint64_t got = run_get_all(r, core, a, n);
	*ticks = r->env->ticks() - t0;
	return got;
}

uint64_t run_put_timed(struct run *r, unsigned core, uint64_t *a, uint64_t n, uint64_t *ticks)
{
	uint64_t t0 = r->env->ticks();
	uint64_t done = run_put_all(r, core, a, n);
	*ticks = r->env->ticks() - t0;
	return done;
}

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
void run_summarize(const struct run *r, uint64_t get[3], uint64_t put[3])
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

void run_print(const struct bench_env *env, const char *tag, const struct run *r,
	       const char *msg)
{
	char line[BENCH_LINE_MAX];
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
