/*
 * LLFree progress: no core waits for another (shared/design/llfree.md
 * mistake 12), and bad input racing good input leaves no half-done change.
 * Built with the library's test hooks (llfree/src/hooks.h): a hook parks
 * one thread at a chosen point inside a free while the others run.
 *
 *   split_park_seen   a free of a 4 KiB piece of a huge area is parked after
 *                     it saw the area huge; the other 511 frames are freed
 *                     by three other threads, who must all finish while it
 *                     sits there (the split is theirs to do)
 *   split_park_done   the same, parked right after its own split
 *   huge_put_overlap  a free of 4 areas (order 11) parked after claiming
 *                     two of them; a wrong-order free of the other two
 *                     succeeds meanwhile; the parked free must then be
 *                     refused and leave its two areas allocated (all or
 *                     nothing), not free half a block
 *   huge_put_same     the same block freed twice at once: the second is
 *                     refused at once, the first completes
 *   near_full         8 threads near full memory (near_full.c)
 *   offline_race      trees offline and online under gets and puts (offline_race.c)
 *
 *   progress [case...]   LLFREE_STRESS_SEED=..., LLFREE_PROGRESS_MS=... (per phase)
 */
#include "progress.h"

#include "llfree_platform.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bound on every wait of this program: a thread that is still stuck after it is a failure. */
#define WAIT_MS 10000

_Atomic bool progress_transit_yield;
uint64_t progress_ms = 1500;

/* ---- parking ---------------------------------------------------------------- */

static _Atomic int park_where;      /* the hook to park at, 0: none */
static _Atomic uint64_t park_arg;   /* ... for this area */
static _Atomic int parked;          /* a thread sits in the hook */
static _Atomic int released;        /* the test let it go on */
static _Thread_local bool may_park; /* set by the thread that is to park */

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
	nanosleep(&ts, NULL);
}

/* Wait (bounded: ms) until *flag == want; false on timeout. */
static bool wait_ms_for(_Atomic int *flag, int want, uint64_t ms)
{
	uint64_t until = stress_now_ms() + ms;
	while (atomic_load(flag) != want) {
		if (stress_now_ms() > until)
			return false;
		sleep_us(100);
	}
	return true;
}

static bool wait_for(_Atomic int *flag, int want)
{
	return wait_ms_for(flag, want, WAIT_MS);
}

void llfree_test_hook(enum llfree_hook where, uint64_t arg)
{
	if (where <= LLFREE_HOOK_TRANSIT_SYNC) {
		if (atomic_load_explicit(&progress_transit_yield, memory_order_relaxed))
			sched_yield();
		return;
	}
	if (!may_park || (int)where != atomic_load(&park_where) || arg != atomic_load(&park_arg))
		return;
	may_park = false; /* once */
	atomic_store(&parked, 1);
	/* Longer than the test's own waits, so that a stuck thread is what it reports. */
	if (!wait_ms_for(&released, 1, 2 * WAIT_MS))
		stress_fail("the parked thread was never released");
	atomic_store(&parked, 0);
}

static void arm(enum llfree_hook where, uint64_t area)
{
	atomic_store(&released, 0);
	atomic_store(&parked, 0);
	atomic_store(&park_arg, area);
	atomic_store(&park_where, (int)where);
}

/* ---- threads that run one call each ----------------------------------------- */

typedef struct call {
	llfree_t *self;
	size_t core;
	uint64_t frame;
	unsigned order;
	bool park;               /* this thread parks at the armed hook */
	_Atomic int done;
	llfree_result_t res;
	/* Several frees: pieces[i] is frame, order of the i-th (see free_pieces). */
	const uint64_t (*pieces)[2];
	size_t npieces;
	pthread_t tid;
} call_t;

static void *call_main(void *arg)
{
	call_t *c = arg;
	may_park = c->park;
	if (c->pieces) {
		c->res = LLFREE_OK;
		for (size_t i = 0; i < c->npieces && c->res == LLFREE_OK; i++)
			c->res = llfree_put(c->self, c->core, c->pieces[i][0], (unsigned)c->pieces[i][1],
					    LLFREE_KIND_HUGE);
	} else {
		c->res = llfree_put(c->self, c->core, c->frame, c->order, LLFREE_KIND_HUGE);
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void call_start(call_t *c)
{
	atomic_store(&c->done, 0);
	STRESS_CHECK(pthread_create(&c->tid, NULL, call_main, c) == 0, "pthread_create failed");
}

static void call_join(call_t *c)
{
	pthread_join(c->tid, NULL);
}

/* ---- the split with a parked splitter --------------------------------------- */

#define FREERS 3

/*
 * The frames of a huge area but its first, in aligned pieces of random
 * orders below 7, dealt round-robin to FREERS threads.
 */
static size_t deal_pieces(stress_rng_t *rng, uint64_t area_frame,
			  uint64_t pieces[FREERS][LLFREE_AREA_FRAMES][2], size_t count[FREERS])
{
	size_t n = 0;
	memset(count, 0, FREERS * sizeof(count[0]));
	for (uint64_t f = 1; f < LLFREE_AREA_FRAMES; n++) {
		unsigned o = (unsigned)stress_rng_below(rng, 7);
		while (f % (1ull << o))
			o--;
		size_t t = n % FREERS;
		pieces[t][count[t]][0] = area_frame + f;
		pieces[t][count[t]][1] = o;
		count[t]++;
		f += 1ull << o;
	}
	return n;
}

static void split_park_round(stress_alloc_t *alloc, stress_rng_t *rng, enum llfree_hook where)
{
	static uint64_t pieces[FREERS][LLFREE_AREA_FRAMES][2];
	size_t count[FREERS];
	llfree_t *self = &alloc->llfree;
	uint64_t frames = llfree_frames(self), huge;
	STRESS_EXPECT_RES(llfree_get(self, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &huge), LLFREE_OK,
			  "huge get");
	deal_pieces(rng, huge, pieces, count);
	arm(where, huge / LLFREE_AREA_FRAMES);
	call_t splitter = {.self = self, .core = 0, .frame = huge, .order = 0, .park = true};
	call_start(&splitter);
	if (!wait_for(&parked, 1))
		stress_fail("the splitter never reached hook %d (done=%d)", (int)where,
			    atomic_load(&splitter.done));
	call_t freer[FREERS];
	for (unsigned t = 0; t < FREERS; t++) {
		freer[t] = (call_t){.self = self, .core = 1 + t, .pieces = (const uint64_t(*)[2])pieces[t],
				    .npieces = count[t]};
		call_start(&freer[t]);
	}
	/* Lock-free: the others finish while the splitter is stopped. */
	for (unsigned t = 0; t < FREERS; t++)
		if (!wait_for(&freer[t].done, 1))
			stress_fail("freer %u is stuck behind the parked splitter (hook %d): the "
				    "split is not lock-free",
				    t, (int)where);
	for (unsigned t = 0; t < FREERS; t++) {
		call_join(&freer[t]);
		STRESS_EXPECT_RES(freer[t].res, LLFREE_OK, "freer's put");
	}
	STRESS_CHECK(llfree_free_frames(self) == frames - 1,
		     "with the splitter parked: %" PRIu64 " free, want %" PRIu64,
		     llfree_free_frames(self), frames - 1);
	STRESS_CHECK(!llfree_is_free(self, huge, 0) && llfree_is_free(self, huge + 1, 0) &&
			     llfree_is_free(self, huge + 64, 6),
		     "with the splitter parked: the area is not split as it should be");
	atomic_store(&released, 1);
	call_join(&splitter);
	STRESS_EXPECT_RES(splitter.res, LLFREE_OK, "the parked splitter's put");
	STRESS_CHECK(llfree_is_free(self, huge, LLFREE_HUGE_ORDER), "area not free at the end");
	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "validate after the split");
	STRESS_CHECK(llfree_free_frames(self) == frames, "%" PRIu64 " free at the end, want %" PRIu64,
		     llfree_free_frames(self), frames);
}

static void run_split_park(uint64_t seed, enum llfree_hook where)
{
	stress_alloc_t alloc;
	stress_rng_t rng = stress_rng_for(seed, 0);
	stress_alloc_init(&alloc, 1 + FREERS, 2 * LLFREE_TREE_FRAMES, false);
	for (unsigned round = 0; round < 20; round++)
		split_park_round(&alloc, &rng, where);
	stress_alloc_check_all_free(&alloc);
	stress_alloc_free(&alloc);
}

static void case_split_park_seen(uint64_t seed)
{
	run_split_park(seed, LLFREE_HOOK_SPLIT_SEEN);
}

static void case_split_park_done(uint64_t seed)
{
	run_split_park(seed, LLFREE_HOOK_SPLIT_DONE);
}

/* ---- a free of several areas, parked halfway --------------------------------- */

#define BLOCK_ORDER (LLFREE_HUGE_ORDER + 2) /* 4 areas */
_Static_assert(LLFREE_AREAS_PER_TREE >= 4, "a tree holds an order-11 block");

static bool area_free(llfree_t *self, uint64_t block, unsigned i)
{
	return llfree_is_free(self, block + (uint64_t)i * LLFREE_AREA_FRAMES, LLFREE_HUGE_ORDER);
}

/*
 * Free the 4-area block at block from a thread that parks after claiming its
 * second area, and meanwhile run other (a put of frame/order); returns the
 * parked free's result after the other finished.
 */
static llfree_result_t parked_huge_put(llfree_t *self, uint64_t block, call_t *other)
{
	arm(LLFREE_HOOK_PUT_HUGE_CLAIMED, block / LLFREE_AREA_FRAMES + 1);
	call_t first = {.self = self, .core = 0, .frame = block, .order = BLOCK_ORDER, .park = true};
	call_start(&first);
	if (!wait_for(&parked, 1))
		stress_fail("the first free never reached its hook (done=%d, %s)",
			    atomic_load(&first.done), llfree_strerror(first.res));
	call_start(other);
	if (!wait_for(&other->done, 1))
		stress_fail("a free is stuck behind the parked huge free");
	call_join(other);
	atomic_store(&released, 1);
	call_join(&first);
	return first.res;
}

/* Two cores, two trees, and a 4-area block got at core 0; returns its first frame. */
static uint64_t alloc_with_block(stress_alloc_t *alloc)
{
	uint64_t block;
	stress_alloc_init(alloc, 2, 2 * LLFREE_TREE_FRAMES, false);
	STRESS_EXPECT_RES(llfree_get(&alloc->llfree, 0, BLOCK_ORDER, LLFREE_KIND_HUGE, &block),
			  LLFREE_OK, "order-11 get");
	return block;
}

static void case_huge_put_overlap(uint64_t seed)
{
	(void)seed;
	stress_alloc_t alloc;
	uint64_t block = alloc_with_block(&alloc);
	llfree_t *self = &alloc.llfree;
	/* Areas 2 and 3 freed as one order-10 block: wrong, but huge areas keep no order. */
	call_t other = {.self = self, .core = 1, .frame = block + 2 * LLFREE_AREA_FRAMES,
			.order = BLOCK_ORDER - 1};
	llfree_result_t res = parked_huge_put(self, block, &other);
	STRESS_EXPECT_RES(other.res, LLFREE_OK, "the order-10 free of areas 2 and 3");
	STRESS_CHECK(res == LLFREE_ERR_DOUBLE_FREE || res == LLFREE_ERR_WRONG_ORDER,
		     "the parked order-11 free returned %s, want a refusal", llfree_strerror(res));
	STRESS_CHECK(!area_free(self, block, 0) && !area_free(self, block, 1),
		     "the refused order-11 free freed areas 0 and 1 of its block (half a block)");
	STRESS_CHECK(area_free(self, block, 2) && area_free(self, block, 3),
		     "areas 2 and 3 not free after their free");
	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "validate after the refused free");
	STRESS_EXPECT_RES(llfree_put(self, 0, block, BLOCK_ORDER - 1, LLFREE_KIND_HUGE), LLFREE_OK,
			  "free of areas 0 and 1");
	stress_alloc_check_all_free(&alloc);
	stress_alloc_free(&alloc);
}

static void case_huge_put_same(uint64_t seed)
{
	(void)seed;
	stress_alloc_t alloc;
	uint64_t block = alloc_with_block(&alloc);
	llfree_t *self = &alloc.llfree;
	call_t other = {.self = self, .core = 1, .frame = block, .order = BLOCK_ORDER};
	llfree_host_log_prefix("progress, expected: ");
	llfree_result_t res = parked_huge_put(self, block, &other);
	llfree_host_log_prefix(NULL);
	STRESS_EXPECT_RES(other.res, LLFREE_ERR_DOUBLE_FREE, "the second free of the block");
	STRESS_EXPECT_RES(res, LLFREE_OK, "the parked free of the block");
	stress_alloc_check_all_free(&alloc);
	stress_alloc_free(&alloc);
}

/* ---- main ------------------------------------------------------------------- */

static const stress_case_t cases[] = {
	{"split_park_seen", case_split_park_seen},
	{"split_park_done", case_split_park_done},
	{"huge_put_overlap", case_huge_put_overlap},
	{"huge_put_same", case_huge_put_same},
	{"near_full", case_near_full},
	{"offline_race", case_offline_race},
};

/* A line when a case starts (its phases can take seconds), one when it passed. */
static void run_one(const stress_case_t *c, size_t index, uint64_t seed)
{
	uint64_t start = stress_now_ms();
	printf("progress %-17s seed=0x%016" PRIx64 " ...\n", c->name, seed);
	fflush(stdout);
	c->run(seed + index);
	printf("progress %-17s ok (%" PRIu64 " ms)\n", c->name, stress_now_ms() - start);
}

int main(int argc, char **argv)
{
	uint64_t seed = stress_seed_from_env("LLFREE_STRESS_SEED");
	stress_report_aborts();
	progress_ms = (uint64_t)stress_long_from_env("LLFREE_PROGRESS_MS", (long)progress_ms);
	return stress_run_cases("progress", cases, sizeof(cases) / sizeof(cases[0]), argc, argv, seed,
				run_one);
}
