/*
 * Concurrency stress of the buddy baseline (bench/buddy.h), with pthreads:
 * every frame handed out is claimed in a global ownership bitmap with an
 * atomic test-and-set, so the first frame handed out twice fails the test.
 * Threads free frames other threads allocated (passed through exchange
 * slots), run out of memory, and at the end everything is freed: free ==
 * frames, fully merged, validate. Seeded (BUDDY_STRESS_SEED, default 42),
 * bounded in time (BUDDY_STRESS_MS per test, default 1000); the thread count
 * is fixed per test unless BUDDY_STRESS_THREADS (1..16) overrides it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "buddy.h"
#include "rand.h"

/* Criterion's per-test process arena (boxfort's fixed-address mapping)
 * cannot start under ThreadSanitizer ("Could not initialize inheritable
 * arena", Snaipe/Criterion issue 274), so the TSan build of this file is a
 * plain program that runs the same tests from main(); -DSTRESS_STANDALONE
 * builds that program without TSan (for machines without Criterion). */
#ifndef STRESS_STANDALONE
#if defined(__SANITIZE_THREAD__)
#define STRESS_STANDALONE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_STANDALONE 1
#endif
#endif
#endif

#ifdef STRESS_STANDALONE
#include <stdio.h>
#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                      \
			fprintf(stderr, "\n");                                             \
			abort();                                                           \
		}                                                                          \
	} while (0)
#define LOG(...) (printf(__VA_ARGS__), printf("\n"))
#define STRESS_TEST(name) static void name(void)
#else
#include <criterion/criterion.h>
#define CHECK(cond, ...) cr_assert(cond, __VA_ARGS__)
#define LOG(...) cr_log_info(__VA_ARGS__)
#define STRESS_TEST(name) Test(buddy_stress, name, .timeout = 60)
#endif

#define FRAMES (65536 + 1001) /* odd: a tail of small blocks */
#define WORDS ((FRAMES + 63) / 64)
#define MAX_THREADS 16
#define SLOTS 64
#define MAX_HELD 256
#define NONE UINT64_MAX

struct stress {
	buddy_t *b;
	void *buf;
	_Atomic uint64_t owner[WORDS]; /* bit set: some thread owns the frame */
	_Atomic uint64_t slot[SLOTS];  /* exchange: 0 empty, else encoded block */
	atomic_bool stop;
	_Atomic uint64_t bad_frame; /* first frame handed out twice or freed unowned */
	const char *_Atomic why;
	uint64_t deadline_ns;
	uint64_t seed;
};

struct worker {
	struct stress *s;
	size_t core;
	uint64_t rng; /* wyrand (rand.h) */
	uint64_t held[FRAMES]; /* encoded blocks this thread owns */
	uint64_t n;
	uint64_t ops, allocs, out_of_memory, received;
};

static struct stress S;
static struct worker W[MAX_THREADS];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t encode(uint64_t frame, unsigned order)
{
	return (frame << 4 | order) + 1;
}

static uint64_t enc_frame(uint64_t e)
{
	return (e - 1) >> 4;
}

static unsigned enc_order(uint64_t e)
{
	return (unsigned)((e - 1) & 15);
}

static void report(struct stress *s, uint64_t frame, const char *why)
{
	uint64_t none = NONE;
	if (atomic_compare_exchange_strong(&s->bad_frame, &none, frame))
		atomic_store(&s->why, why);
	atomic_store(&s->stop, true);
}

/* Bits of word w covered by the block. */
static uint64_t word_mask(uint64_t w, uint64_t frame, unsigned order)
{
	uint64_t first = frame, last = frame + (1ull << order) - 1;
	uint64_t lo = first > w * 64 ? first - w * 64 : 0;
	uint64_t hi = last < w * 64 + 63 ? last - w * 64 : 63;
	return (~0ull >> (63 - hi)) & (~0ull << lo);
}

/* Test-and-set every frame of the block; false at the first one owned already. */
static bool claim(struct stress *s, uint64_t frame, unsigned order)
{
	if (frame >= FRAMES || frame + (1ull << order) > FRAMES || frame % (1ull << order)) {
		report(s, frame, "block out of range or misaligned");
		return false;
	}
	for (uint64_t w = frame / 64; w <= (frame + (1ull << order) - 1) / 64; w++) {
		uint64_t mask = word_mask(w, frame, order);
		uint64_t old = atomic_fetch_or(&s->owner[w], mask);
		if (old & mask) {
			report(s, w * 64 + (uint64_t)__builtin_ctzll(old & mask), "frame handed out twice");
			return false;
		}
	}
	return true;
}

/* Clear the block's bits before buddy_put: after it, another thread may get it. */
static void release(struct stress *s, uint64_t frame, unsigned order)
{
	for (uint64_t w = frame / 64; w <= (frame + (1ull << order) - 1) / 64; w++) {
		uint64_t mask = word_mask(w, frame, order);
		uint64_t old = atomic_fetch_and(&s->owner[w], ~mask);
		if ((old & mask) != mask)
			report(s, frame, "freed frame not owned");
	}
}

static bool give_back(struct worker *w, uint64_t e)
{
	release(w->s, enc_frame(e), enc_order(e));
	buddy_result_t res = buddy_put(w->s->b, w->core, enc_frame(e), enc_order(e));
	if (res != BUDDY_OK) {
		report(w->s, enc_frame(e), buddy_strerror(res));
		return false;
	}
	return true;
}

static bool take(struct worker *w, unsigned order, bool *empty)
{
	uint64_t f;
	buddy_result_t res = buddy_get(w->s->b, w->core, order, &f);
	*empty = res == BUDDY_ERR_MEMORY;
	if (*empty) {
		w->out_of_memory++;
		return true;
	}
	if (res != BUDDY_OK) {
		report(w->s, 0, buddy_strerror(res));
		return false;
	}
	if (!claim(w->s, f, order))
		return false;
	w->held[w->n++] = encode(f, order);
	w->allocs++;
	return true;
}

static unsigned random_order(uint64_t r)
{
	unsigned p = (unsigned)(r % 100);
	if (p < 60)
		return 0;
	if (p < 85)
		return BUDDY_HUGE_ORDER;
	return (unsigned)((r >> 8) % (BUDDY_MAX_ORDER + 1));
}

/* Swap a held block (or nothing) with an exchange slot; whatever comes back
 * is ours now, most likely allocated by another thread. */
static void exchange(struct worker *w, uint64_t r)
{
	uint64_t give = 0;
	if (w->n > 0) {
		uint64_t i = (r >> 16) % w->n;
		give = w->held[i];
		w->held[i] = w->held[--w->n];
	}
	uint64_t got = atomic_exchange(&w->s->slot[(r >> 32) % SLOTS], give);
	if (got != 0) {
		w->held[w->n++] = got;
		w->received++;
	}
}

static void *mixed_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if ((w->ops & 255) == 0 && now_ns() > s->deadline_ns)
			break;
		w->ops++;
		uint64_t r = wyrand(&w->rng);
		unsigned p = (unsigned)((r >> 40) % 100);
		bool empty;
		if (w->n < MAX_HELD && (w->n == 0 || p < 50)) {
			if (!take(w, random_order(r), &empty))
				break;
		} else if (p < 95) {
			uint64_t i = (r >> 16) % w->n;
			uint64_t e = w->held[i];
			w->held[i] = w->held[--w->n];
			if (!give_back(w, e))
				break;
		} else if (p < 99) {
			exchange(w, r);
		} else {
			buddy_drain(s->b, w->core); /* while the others allocate and free */
		}
	}
	while (w->n > 0)
		if (!give_back(w, w->held[--w->n]))
			break;
	buddy_drain(s->b, w->core);
	return NULL;
}

/* Allocate `order` until MEMORY, then free the next thread's blocks. */
static pthread_barrier_t phase;
static unsigned fill_order;
static size_t fill_threads;

static void *fill_worker(void *arg)
{
	struct worker *w = arg;
	bool empty = false;
	while (!empty && !atomic_load(&w->s->stop))
		if (!take(w, fill_order, &empty))
			break;
	pthread_barrier_wait(&phase);
	struct worker *other = &W[(w->core + 1) % fill_threads];
	for (uint64_t i = 0; i < other->n; i++)
		if (!give_back(w, other->held[i]))
			break;
	buddy_drain(w->s->b, w->core);
	return NULL;
}

/* The test's thread count, or BUDDY_STRESS_THREADS. */
static size_t thread_count(size_t fixed)
{
	const char *env = getenv("BUDDY_STRESS_THREADS");
	size_t n = env ? strtoul(env, NULL, 0) : fixed;
	CHECK(n >= 1 && n <= MAX_THREADS, "BUDDY_STRESS_THREADS must be 1..%d", MAX_THREADS);
	return n;
}

static void setup(size_t cores)
{
	const char *env = getenv("BUDDY_STRESS_SEED");
	const char *ms = getenv("BUDDY_STRESS_MS");
	S.seed = env ? strtoull(env, NULL, 0) : 42;
	S.deadline_ns = now_ns() + (ms ? strtoull(ms, NULL, 0) : 1000) * 1000000u;
	size_t size = buddy_metadata_size(cores, FRAMES);
	S.buf = aligned_alloc(BUDDY_ALIGN, size);
	CHECK(S.buf != NULL, "out of host memory");
	CHECK(buddy_init(S.buf, size, cores, FRAMES, &S.b) == BUDDY_OK, "init");
	for (size_t i = 0; i < WORDS; i++)
		atomic_init(&S.owner[i], 0);
	for (size_t i = 0; i < SLOTS; i++)
		atomic_init(&S.slot[i], 0);
	atomic_init(&S.stop, false);
	atomic_init(&S.bad_frame, NONE);
	atomic_init(&S.why, NULL);
	for (size_t c = 0; c < cores; c++) {
		W[c].s = &S;
		W[c].core = c;
		W[c].rng = S.seed * 1000003u + c;
		W[c].n = W[c].ops = W[c].allocs = W[c].out_of_memory = W[c].received = 0;
	}
}

static void run(size_t threads, void *(*fn)(void *))
{
	pthread_t t[MAX_THREADS];
	for (size_t c = 0; c < threads; c++)
		CHECK(pthread_create(&t[c], NULL, fn, &W[c]) == 0, "pthread_create");
	for (size_t c = 0; c < threads; c++)
		pthread_join(t[c], NULL);
	uint64_t bad = atomic_load(&S.bad_frame);
	CHECK(bad == NONE, "seed %lu: frame %lu: %s", (unsigned long)S.seed, (unsigned long)bad,
	             atomic_load(&S.why));
}

/* Everything is back: free == frames, merged as at init, nobody owns a frame. */
static void check_all_free(size_t cores)
{
	for (size_t c = 0; c < cores; c++)
		buddy_drain(S.b, c);
	CHECK(buddy_validate(S.b), "seed %lu: validate: %s", (unsigned long)S.seed,
	          buddy_validate_error(S.b));
	CHECK(buddy_free_frames(S.b) == FRAMES, "free frames %lu", (unsigned long)buddy_free_frames(S.b));
	CHECK(buddy_free_huge(S.b) == FRAMES >> 9, "not fully merged");
	for (size_t i = 0; i < WORDS; i++)
		CHECK(atomic_load(&S.owner[i]) == 0, "frames of word %zu still owned", i);
	free(S.buf);
}

STRESS_TEST(mixed_orders_with_foreign_frees)
{
	const size_t threads = thread_count(4);
	setup(threads);
	run(threads, mixed_worker);
	/* Blocks left in the exchange slots: freed by core 0. */
	for (size_t i = 0; i < SLOTS; i++) {
		uint64_t e = atomic_exchange(&S.slot[i], 0);
		if (e != 0)
			CHECK(give_back(&W[0], e), "slot %zu: %s", i, atomic_load(&S.why));
	}
	uint64_t ops = 0, allocs = 0, oom = 0, received = 0;
	for (size_t c = 0; c < threads; c++) {
		ops += W[c].ops;
		allocs += W[c].allocs;
		oom += W[c].out_of_memory;
		received += W[c].received;
	}
	LOG("seed %lu, %zu threads: %lu ops, %lu allocations, %lu out of memory, %lu exchanged",
	            (unsigned long)S.seed, threads, (unsigned long)ops, (unsigned long)allocs,
	            (unsigned long)oom, (unsigned long)received);
	CHECK(allocs > 1000, "the threads did run");
	CHECK(received > 0, "frames changed hands");
	check_all_free(threads);
}

static void fill_test(size_t threads, unsigned order)
{
	setup(threads);
	fill_order = order;
	fill_threads = threads;
	pthread_barrier_init(&phase, NULL, (unsigned)threads);
	run(threads, fill_worker);
	pthread_barrier_destroy(&phase);
	uint64_t got = 0;
	for (size_t c = 0; c < threads; c++)
		got += W[c].n << order;
	/* Every thread stopped at MEMORY with its own cache empty: nothing is left. */
	uint64_t expect = order == 0 ? FRAMES : (uint64_t)(FRAMES >> order) << order;
	CHECK(got == expect, "allocated %lu frames", (unsigned long)got);
	check_all_free(threads);
}

STRESS_TEST(parallel_fill_order_0)
{
	fill_test(thread_count(8), 0);
}

STRESS_TEST(parallel_fill_order_9)
{
	fill_test(thread_count(4), BUDDY_HUGE_ORDER);
}

#ifdef STRESS_STANDALONE
int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{"mixed_orders_with_foreign_frees", mixed_orders_with_foreign_frees},
		{"parallel_fill_order_0", parallel_fill_order_0},
		{"parallel_fill_order_9", parallel_fill_order_9},
	};
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		printf("buddy_stress::%s\n", tests[i].name);
		tests[i].fn();
	}
	printf("buddy_stress: %zu tests passed\n", sizeof(tests) / sizeof(tests[0]));
	return 0;
}
#endif
