/*
 * LLFree under contention: concurrent stress cases of shared/design/llfree.md
 * section 6, run with 4-8 pthreads against one allocator.
 *
 * Every block a thread gets is claimed in the ownership map
 * (common_stress.h): a frame handed out twice stops the run at once, and a
 * block whose signature changed while held is caught when it is freed.
 * Each case ends with every frame freed, every core drained, validate() OK,
 * free count == frames, and every whole tree allocatable at the top order
 * (no capacity lost, design 5.11).
 *
 *   stress [case...]            run all cases, or the named ones
 *   LLFREE_STRESS_SEED=0x...    reproduce a run (the seed is printed per case)
 *   LLFREE_STRESS_SCALE=20      percent of the default rounds (sanitizer builds)
 *   LLFREE_STRESS_MS=2500       time bound per case in milliseconds
 *   LLFREE_STRESS_INJECT=double|overwrite   self-test: the run must fail
 *   LLFREE_STRESS_TRANSIT=1|2|3 with -DLLFREE_TEST_HOOKS (library and this
 *                               file, build/hooks/stress): yield only in that
 *                               transit window (llfree/src/hooks.h), 0 = all
 *
 * one_tree_frag with the count-in-transit windows stretched (without the
 * fix of issue 3, llfree/src/upper_slow.c get_on_debt, it fails in seconds):
 *   make build/hooks/stress && build/hooks/stress one_tree_frag
 *
 * A seed fixes every thread's sequence of operations, not the interleaving.
 *
 * Files: stress.h lists them; this one holds the options, the case table
 * and main.
 */
#include "stress.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LLFREE_TEST_HOOKS
#include "hooks.h"
#endif

long scale_pct = 100;
uint64_t case_ms = 2500;
_Atomic uint64_t case_ops;
_Atomic uint64_t case_spurious;
inject_t inject;

static const stress_case_t cases[] = {
	{"until_empty", case_until_empty},
	{"mix", case_mix},
	{"orders", case_orders},
	{"huge", case_huge},
	{"producer_consumer", case_producer_consumer},
	{"cross_free", case_cross_free},
	{"persistent", case_persistent},
	{"small_memory", case_small_memory},
	{"one_tree", case_one_tree},
	{"drain", case_drain},
	{"all_kinds", case_all_kinds},
	{"get_at_race", case_get_at_race},
	{"double_free_race", case_double_free_race},
	{"split_race", case_split_race},
	{"one_tree_frag", case_one_tree_frag},
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* One case on one line: its seed, then its operations and time. */
static void run_one(const stress_case_t *c, size_t index, uint64_t seed)
{
	(void)index;
	uint64_t start = stress_now_ms();
	printf("stress %-18s seed=0x%016" PRIx64 " ... ", c->name, seed);
	fflush(stdout);
	atomic_store(&case_ops, 0);
	atomic_store(&case_spurious, 0);
	c->run(seed ^ name_hash(c->name));
	printf("ok (%" PRIu64 " ops, %" PRIu64 " ms", atomic_load(&case_ops),
	       stress_now_ms() - start);
	if (atomic_load(&case_spurious))
		printf(", %" PRIu64 " spurious MEMORY retried", atomic_load(&case_spurious));
	printf(")\n");
}

int main(int argc, char **argv)
{
	uint64_t seed = stress_seed_from_env("LLFREE_STRESS_SEED");
	stress_report_aborts();
	scale_pct = stress_long_from_env("LLFREE_STRESS_SCALE", 100);
	case_ms = (uint64_t)stress_long_from_env("LLFREE_STRESS_MS", 2500);
	const char *inj = getenv("LLFREE_STRESS_INJECT");
	if (inj && strcmp(inj, "double") == 0)
		inject = INJECT_DOUBLE;
	else if (inj && strcmp(inj, "overwrite") == 0)
		inject = INJECT_OVERWRITE;
	return stress_run_cases("stress", cases, sizeof(cases) / sizeof(cases[0]), argc, argv, seed,
				run_one);
}

#ifdef LLFREE_TEST_HOOKS
/*
 * Called by the library (test builds only, llfree/src/hooks.h). In the
 * windows where a count is in neither a tree entry nor a reservation: yield,
 * as a descheduled vCPU would, so that the other threads (all on one CPU)
 * run their bounded retries meanwhile. Every other point passes.
 */
void llfree_test_hook(enum llfree_hook where, uint64_t arg)
{
	static _Atomic long only = -1; /* every thread may read the variable first */
	(void)arg;
	if (where > LLFREE_HOOK_TRANSIT_SYNC)
		return;
	long window = atomic_load_explicit(&only, memory_order_relaxed);
	if (window == -1) {
		window = stress_long_from_env("LLFREE_STRESS_TRANSIT", 0);
		atomic_store_explicit(&only, window, memory_order_relaxed);
	}
	if (window == 0 || window == (long)where)
		sched_yield();
}
#endif
