/*
 * bulk, repeat and rand (shared/design/benchmarks.md, "Definitions"): each
 * core reads the TSC around its loop; allocs frames per core.
 */
#include "run.h"

/*
 * Timed get of all of this core's frames, then timed put of them; when
 * shuffled, core 0 shuffles every core's frames between the two (rand), so
 * each core frees frames the others got.
 */
static void get_then_put(struct run *r, unsigned core, bool shuffled)
{
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + core * r->allocs;

	run_barrier(r, core);
	st->get_ops = run_get_timed(r, core, mine, r->allocs, &st->get_ticks);
	run_barrier(r, core);
	if (shuffled) {
		if (core == 0) {
			uint64_t seed = SHUFFLE_SEED;
			shuffle(r->slots, r->allocs * r->cores, &seed);
		}
		run_barrier(r, core);
	}
	st->put_ops = run_put_timed(r, core, mine, r->allocs, &st->put_ticks);
}

void bulk_core(unsigned core, void *arg)
{
	get_then_put(arg, core, false);
}

void repeat_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + core * r->allocs;
	uint64_t pairs = 0;

	run_get_all(r, core, mine, r->allocs); /* untimed, kept */
	run_barrier(r, core);
	uint64_t t0 = r->env->ticks();
	for (; pairs < r->allocs && st->op == OP_NONE; pairs++) {
		uint64_t frame;
		int err = balloc_get(r->alloc, core, r->order, &frame);
		if (err) {
			run_fail(st, OP_GET, err);
			break;
		}
		err = balloc_put(r->alloc, core, frame, r->order);
		if (err)
			run_fail(st, OP_PUT, err);
	}
	uint64_t t1 = r->env->ticks();
	run_barrier(r, core);
	run_put_all(r, core, mine, r->allocs);
	st->get_ticks = t1 - t0;
	st->get_ops = pairs;
}

void rand_core(unsigned core, void *arg)
{
	get_then_put(arg, core, true);
}
