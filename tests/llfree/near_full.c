/*
 * near_full: 8 threads keep the allocator near full memory with gets of
 * every order and kind and frees, and count per order the gets that said
 * MEMORY while memory held a free aligned block of that order: spurious
 * failures (shared/design/llfree.md section 2, out of memory). Also counts
 * how often a thread's next frame comes from another tree than its last
 * (locality). No get ends another core's reservation (upper_slow.c), so
 * there is nothing of that to count.
 *
 * A block counts against a failed get G only if it was certainly free for
 * all of G: every frame's put had returned before G started and no get has
 * handed it out since (frame map below), and after every get that ran at
 * the same time as G has returned and claimed its frames, the block is
 * still unclaimed and llfree_is_free says so. Two phases: "roomy" (threads
 * hold at most frames - (cores + 1) x tree, so at least cores x tree frames
 * are always free) and "tight" (all but half a tree held). Failures are
 * reported per phase; in the roomy phase none is allowed for orders up to
 * 9 (the target of issue 11), nor in the shared phase (three trees for
 * eight threads), and larger orders are reported. Every window
 * in which a count is in neither a tree entry nor a reservation yields (as
 * a vCPU descheduled there), unless LLFREE_PROGRESS_TRANSIT=0.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

#define THREADS 8
#define TREES 20
#define ORDERS (LLFREE_MAX_ORDER + 1)
/*
 * Frame map: 0 = held by a thread, PUTTING = its put runs (or returned a
 * moment ago), else the clock when its put returned.
 */
#define PUTTING UINT64_MAX

typedef struct nf_stats {
	uint64_t gets[ORDERS], memory[ORDERS], spurious[ORDERS];
	uint64_t switches; /* a get from another tree than the thread's previous one of its kind */
} nf_stats_t;

typedef struct nf_thread {
	unsigned id;
	stress_rng_t rng;
	stress_held_t held;
	size_t last_tree[LLFREE_KINDS]; /* of the last get of each kind */
	_Atomic uint64_t epoch; /* odd while a get runs */
	nf_stats_t st;
} nf_thread_t;

static struct {
	stress_alloc_t alloc;
	uint64_t frames;
	_Atomic uint64_t *since;
	_Atomic uint64_t clock;
	uint64_t cap; /* frames one thread holds at most */
	uint64_t deadline;
	pthread_barrier_t barrier;
	nf_thread_t t[THREADS];
} nf;

static void claim(nf_thread_t *t, uint64_t frame, unsigned order)
{
	STRESS_CHECK(frame % (1ull << order) == 0 && frame + (1ull << order) <= nf.frames,
		     "thread %u: frame %" PRIu64 " order %u misaligned or out of range", t->id,
		     frame, order);
	for (uint64_t f = frame; f < frame + (1ull << order); f++) {
		/* PUTTING: the put returned, and its thread did not mark the frame free yet. */
		uint64_t v = atomic_load(&nf.since[f]);
		while (v != 0 && !atomic_compare_exchange_weak(&nf.since[f], &v, 0))
			;
		if (v == 0)
			stress_fail("DUPLICATE frame %" PRIu64 " handed to thread %u (block %" PRIu64
				    " order %u) while another thread holds it",
				    f, t->id, frame, order);
	}
}

/* Every get that ran when this thread's get ended has returned (bounded). */
static void wait_overlapping_gets(nf_thread_t *self)
{
	for (unsigned i = 0; i < THREADS; i++) {
		nf_thread_t *o = &nf.t[i];
		uint64_t e = atomic_load(&o->epoch);
		uint64_t until = stress_now_ms() + 10000;
		while (o != self && (e & 1) && atomic_load(&o->epoch) == e) {
			STRESS_CHECK(stress_now_ms() < until, "thread %u's get never returns", i);
			sched_yield();
		}
	}
}

/* Frames first .. of the block free since before `start` and unclaimed; else the first that is not. */
static uint64_t first_busy(uint64_t first, unsigned order, uint64_t start)
{
	for (uint64_t f = first; f < first + (1ull << order); f++) {
		uint64_t v = atomic_load(&nf.since[f]);
		if (v == 0 || v > start)
			return f;
	}
	return UINT64_MAX;
}

/* Was a block of this order free for the whole of a get that started at clock `start`? */
static bool free_block_existed(nf_thread_t *t, unsigned order, uint64_t start)
{
	wait_overlapping_gets(t);
	uint64_t n = 1ull << order;
	for (uint64_t b = 0; b + n <= nf.frames;) {
		uint64_t busy = first_busy(b, order, start);
		if (busy == UINT64_MAX) {
			if (llfree_is_free(&nf.alloc.llfree, b, order))
				return true;
			b += n;
		} else {
			b = (busy / n + 1) * n;
		}
	}
	return false;
}

/* Half small orders, 30 % orders 7..9 (where the debt once ended), the rest larger. */
static unsigned nf_order(stress_rng_t *rng)
{
	uint64_t p = stress_rng_below(rng, 100);
	if (p < 50)
		return (unsigned)stress_rng_below(rng, 7);
	if (p < 80)
		return 7 + (unsigned)stress_rng_below(rng, 3);
	return LLFREE_HUGE_ORDER + 1 + (unsigned)stress_rng_below(rng, LLFREE_AREAS_PER_TREE_SHIFT);
}

static void nf_get(nf_thread_t *t, unsigned order)
{
	llfree_kind_t kind = (llfree_kind_t)stress_rng_below(&t->rng, LLFREE_KINDS);
	uint64_t frame;
	atomic_fetch_add(&t->epoch, 1);
	uint64_t start = atomic_load(&nf.clock);
	llfree_result_t res = llfree_get(&nf.alloc.llfree, t->id, order, kind, &frame);
	if (res == LLFREE_OK)
		claim(t, frame, order);
	atomic_fetch_add(&t->epoch, 1);
	t->st.gets[order]++;
	if (res == LLFREE_ERR_MEMORY) {
		t->st.memory[order]++;
		t->st.spurious[order] += free_block_existed(t, order, start);
		return;
	}
	STRESS_EXPECT_RES(res, LLFREE_OK, "near_full get");
	size_t tree = (size_t)(frame / LLFREE_TREE_FRAMES);
	t->st.switches += tree != t->last_tree[kind];
	t->last_tree[kind] = tree;
	stress_held_push(&t->held, (stress_block_t){.frame = frame, .order = (uint8_t)order,
						    .kind = (uint8_t)kind});
}

static void nf_put(nf_thread_t *t, size_t i)
{
	stress_block_t b = stress_held_take(&t->held, i);
	for (uint64_t f = b.frame; f < b.frame + (1ull << b.order); f++)
		atomic_store(&nf.since[f], PUTTING);
	STRESS_EXPECT_RES(llfree_put(&nf.alloc.llfree, t->id, b.frame, b.order,
				     (llfree_kind_t)b.kind),
			  LLFREE_OK, "near_full put");
	uint64_t now = atomic_fetch_add(&nf.clock, 1) + 1;
	for (uint64_t f = b.frame; f < b.frame + (1ull << b.order); f++) {
		uint64_t putting = PUTTING; /* not if a get handed it out again meanwhile */
		atomic_compare_exchange_strong(&nf.since[f], &putting, now);
	}
}

static void *nf_main(void *arg)
{
	nf_thread_t *t = arg;
	pthread_barrier_wait(&nf.barrier);
	for (uint64_t i = 0; (i & 63) || stress_now_ms() < nf.deadline; i++) {
		unsigned order = nf_order(&t->rng);
		/* Make room for it: random frees until the thread holds at most its cap. */
		while (t->held.len && t->held.frames + (1ull << order) > nf.cap)
			nf_put(t, (size_t)stress_rng_below(&t->rng, t->held.len));
		if (t->held.frames + (1ull << order) <= nf.cap)
			nf_get(t, order);
	}
	pthread_barrier_wait(&nf.barrier);
	while (t->held.len)
		nf_put(t, t->held.len - 1);
	return NULL;
}

static void report(const char *phase, const nf_stats_t *sum)
{
	uint64_t gets = 0;
	for (unsigned o = 0; o < ORDERS; o++)
		gets += sum->gets[o];
	printf("  phase %s: %" PRIu64 " gets; tree switches %.1f per 1000 gets\n", phase, gets,
	       gets ? 1000.0 * (double)sum->switches / (double)gets : 0.0);
	printf("    order:   ");
	for (unsigned o = 0; o < ORDERS; o++)
		printf(" %7u", o);
	printf("\n    gets:    ");
	for (unsigned o = 0; o < ORDERS; o++)
		printf(" %7" PRIu64, sum->gets[o]);
	printf("\n    MEMORY:  ");
	for (unsigned o = 0; o < ORDERS; o++)
		printf(" %7" PRIu64, sum->memory[o]);
	printf("\n    spurious:");
	for (unsigned o = 0; o < ORDERS; o++)
		printf(" %7" PRIu64, sum->spurious[o]);
	printf("\n");
}

typedef struct nf_phase {
	const char *name;
	uint64_t trees;     /* memory */
	uint64_t free_kept; /* frames the threads leave free together */
	bool strict;        /* no spurious failure of orders <= 9 allowed */
} nf_phase_t;

static void run_phase(uint64_t seed, const nf_phase_t *phase)
{
	nf.frames = phase->trees * LLFREE_TREE_FRAMES;
	stress_alloc_init(&nf.alloc, THREADS, nf.frames, false);
	nf.since = malloc(nf.frames * sizeof(*nf.since));
	STRESS_CHECK(nf.since, "out of host memory");
	for (uint64_t f = 0; f < nf.frames; f++)
		atomic_init(&nf.since[f], 1);
	atomic_store(&nf.clock, 1);
	nf.cap = (nf.frames - phase->free_kept) / THREADS;
	nf.deadline = stress_now_ms() + progress_ms;
	pthread_t tid[THREADS];
	pthread_barrier_init(&nf.barrier, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		nf.t[i] = (nf_thread_t){.id = i, .rng = stress_rng_for(seed, i)};
		STRESS_CHECK(pthread_create(&tid[i], NULL, nf_main, &nf.t[i]) == 0, "pthread_create");
	}
	nf_stats_t sum = {0};
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		for (unsigned o = 0; o < ORDERS; o++) {
			sum.gets[o] += nf.t[i].st.gets[o];
			sum.memory[o] += nf.t[i].st.memory[o];
			sum.spurious[o] += nf.t[i].st.spurious[o];
		}
		sum.switches += nf.t[i].st.switches;
		stress_held_free(&nf.t[i].held);
	}
	pthread_barrier_destroy(&nf.barrier);
	report(phase->name, &sum);
	fflush(stdout);
	stress_alloc_check_all_free(&nf.alloc);
	for (unsigned o = 0; phase->strict && o <= LLFREE_HUGE_ORDER; o++)
		STRESS_CHECK(sum.spurious[o] == 0,
			     "phase %s: %" PRIu64 " gets of order %u said MEMORY while a free "
			     "aligned block existed",
			     phase->name, sum.spurious[o], o);
	free(nf.since);
	stress_alloc_free(&nf.alloc);
}

void case_near_full(uint64_t seed)
{
	bool strict = stress_long_from_env("LLFREE_PROGRESS_STRICT", 1) != 0;
	const nf_phase_t phases[] = {
		/* At least cores x tree frames free at every moment: the target. */
		{"roomy", TREES, (THREADS + 1) * (uint64_t)LLFREE_TREE_FRAMES, strict},
		/* All but half a tree held. */
		{"tight", TREES, LLFREE_TREE_FRAMES / 2, false},
		/*
		 * Three trees for eight cores, half held: counts move between cores all the
		 * time. Orders 8 and 9 failed here with free blocks in every run while the
		 * debt of get_on_debt held only 255 frames (issue 11).
		 */
		{"shared", 3, 3 * (uint64_t)LLFREE_TREE_FRAMES / 2, strict},
	};
	/* Every count-in-transit window stretched, as a descheduled vCPU does. */
	atomic_store(&progress_transit_yield, stress_long_from_env("LLFREE_PROGRESS_TRANSIT", 1) != 0);
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++)
		run_phase(seed + p, &phases[p]);
}
