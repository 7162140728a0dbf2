/*
 * LLFree crash consistency on the host (shared/design/llfree.md sections 3
 * and 6): kill a process in the middle of concurrent gets and puts on a
 * persistent allocator, recover its lower level, and check that nothing
 * was lost but the operations in flight.
 *
 * Each cycle: the lower buffer lives in a MAP_SHARED|MAP_ANONYMOUS mapping
 * that a forked child inherits. The child inits the allocator (FREE,
 * persistent) and runs THREADS threads of random gets and puts. Every
 * thread keeps a log in shared memory:
 *   get: op = GET(order); call; slot = block; op = NONE
 *   put: op = PUT(block); slot = empty; call; op = NONE
 * so that a block is in a slot only while it is surely allocated, and the
 * one op in flight names the only block whose state is unknown. The parent
 * SIGKILLs the child at a random moment, inits RECOVER on the same lower
 * buffer with a fresh upper buffer, and checks: deep recovery happened,
 * validate() is OK, every logged block is allocated, every allocated frame
 * that no slot holds belongs to the one in-flight op of some thread (so at
 * most one block per thread is unaccounted), then frees everything and
 * expects free == frames.
 *
 * Then, without fork: a clean shutdown makes the next RECOVER shallow and
 * keeps every allocation; a buffer with a wrong magic or a RECOVER with a
 * wrong frame count is refused (MAGIC / SIZE) and the buffer is untouched.
 *
 *   crash                        run the default number of cycles
 *   LLFREE_STRESS_SEED=0x...     reproduce a run (seed printed per cycle)
 *   LLFREE_CRASH_CYCLES=40       cycles; LLFREE_CRASH_MS=20000 bounds them in time
 *   LLFREE_CRASH_INJECT=leak|lose   self-test: the run must fail
 */
#include "common_stress.h"
#include "llfree_platform.h" /* llfree_host_log_prefix */

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define SLOTS 48
/* A thread that makes no progress this long means a hang (design 5.12). */
#define PROGRESS_TIMEOUT_MS 20000

/* Log words: 0 = empty/none, else (frame + 1) << 10 | kind << 8 | order, plus the op. */
#define OP_GET (1ull << 62)
#define OP_PUT (1ull << 63)
#define LOG_BLOCK_MASK (OP_GET - 1)

typedef struct thread_log {
	_Atomic uint64_t op;
	_Atomic uint64_t ops; /* completed operations */
	_Atomic uint64_t slot[SLOTS];
} __attribute__((aligned(64))) thread_log_t;

typedef struct shared {
	_Atomic int ready;
	_Atomic int failed; /* the child saw a library error */
	thread_log_t log[THREADS];
} shared_t;

static uint64_t enc_block(uint64_t frame, unsigned order, llfree_kind_t kind)
{
	return (frame + 1) << 10 | (uint64_t)kind << 8 | order;
}

static uint64_t dec_frame(uint64_t v)
{
	return ((v & LOG_BLOCK_MASK) >> 10) - 1;
}

static llfree_kind_t dec_kind(uint64_t v)
{
	return (llfree_kind_t)(v >> 8 & 3);
}

static unsigned dec_order(uint64_t v)
{
	return (unsigned)(v & 0xff);
}

/* ---- the child ------------------------------------------------------------ */

typedef struct child_thread {
	llfree_t *llfree;
	shared_t *sh;
	unsigned id;
	stress_rng_t rng;
} child_thread_t;

/* Orders whose in-flight state after a kill is one block: 0..6 and 9 are one CAS, 7, 8, 10 several. */
static unsigned child_order(stress_rng_t *rng)
{
	uint64_t p = stress_rng_below(rng, 100);
	if (p < 70)
		return 0;
	if (p < 90)
		return 1 + (unsigned)stress_rng_below(rng, 6);
	if (p < 95)
		return 7 + (unsigned)stress_rng_below(rng, 2);
	return LLFREE_HUGE_ORDER + (unsigned)stress_rng_below(rng, 2);
}

static void child_fail(shared_t *sh, unsigned id, const char *what, llfree_result_t res)
{
	fprintf(stderr, "crash child thread %u: %s: %s\n", id, what, llfree_strerror(res));
	atomic_store(&sh->failed, 1);
	_exit(3);
}

static void *child_thread(void *arg)
{
	child_thread_t *t = arg;
	thread_log_t *log = &t->sh->log[t->id];
	for (;;) {
		unsigned i = (unsigned)stress_rng_below(&t->rng, SLOTS);
		uint64_t held = atomic_load(&log->slot[i]);
		if (held == 0) {
			unsigned order = child_order(&t->rng);
			llfree_kind_t kind = order >= LLFREE_HUGE_ORDER
				? LLFREE_KIND_HUGE : (llfree_kind_t)stress_rng_below(&t->rng, 2);
			uint64_t frame;
			atomic_store(&log->op, OP_GET | (uint64_t)kind << 8 | order);
			llfree_result_t res = llfree_get(t->llfree, t->id, order, kind, &frame);
			if (res == LLFREE_OK)
				atomic_store(&log->slot[i], enc_block(frame, order, kind));
			else if (res != LLFREE_ERR_MEMORY)
				child_fail(t->sh, t->id, "get", res);
		} else {
			atomic_store(&log->op, OP_PUT | held);
			atomic_store(&log->slot[i], 0);
			llfree_result_t res = llfree_put(t->llfree, t->id, dec_frame(held),
							 dec_order(held), dec_kind(held));
			if (res != LLFREE_OK)
				child_fail(t->sh, t->id, "put", res);
		}
		atomic_store(&log->op, 0);
		atomic_fetch_add(&log->ops, 1);
	}
	return NULL;
}

static _Noreturn void child_main(shared_t *sh, void *lower, size_t lower_size, uint64_t frames,
				 uint64_t seed)
{
	llfree_meta_size_t size = llfree_metadata_size(THREADS, frames);
	void *upper = aligned_alloc(LLFREE_ALIGN, (size.upper + LLFREE_ALIGN) / LLFREE_ALIGN *
							  LLFREE_ALIGN);
	static llfree_t llfree;
	llfree_config_t cfg = {.cores = THREADS, .frames = frames, .mode = LLFREE_INIT_FREE,
			       .persistent = true, .upper = upper, .upper_size = size.upper,
			       .lower = lower, .lower_size = lower_size};
	llfree_result_t res = llfree_init(&llfree, &cfg);
	if (res != LLFREE_OK)
		child_fail(sh, 0, "init", res);
	static child_thread_t t[THREADS];
	pthread_t tid[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		t[i] = (child_thread_t){.llfree = &llfree, .sh = sh, .id = i,
					.rng = stress_rng_for(seed, i)};
		pthread_create(&tid[i], NULL, child_thread, &t[i]);
	}
	atomic_store(&sh->ready, 1);
	for (;;)
		pause(); /* until SIGKILL */
}

/* ---- the parent: kill, recover, account ----------------------------------- */

static uint64_t total_ops(shared_t *sh)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < THREADS; i++)
		n += atomic_load(&sh->log[i].ops);
	return n;
}

/* Wait until the child did `target` ops in all, then SIGKILL it. */
static void kill_child(pid_t pid, shared_t *sh, uint64_t target, stress_rng_t *rng)
{
	uint64_t last = 0, since = stress_now_ms();
	while (!atomic_load(&sh->ready) || total_ops(sh) < target) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			stress_fail("child ended before the kill (status 0x%x)", status);
		uint64_t now_ops = total_ops(sh);
		if (now_ops != last) {
			last = now_ops;
			since = stress_now_ms();
		} else if (stress_now_ms() - since > PROGRESS_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			stress_fail("child made no progress for %d ms at %" PRIu64 " ops (hang?)",
				    PROGRESS_TIMEOUT_MS, now_ops);
		}
		usleep(50);
	}
	/* A little more, so that the kill lands at any point of an operation. */
	for (volatile uint64_t spin = stress_rng_below(rng, 20000); spin; spin--)
		;
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	STRESS_CHECK(!atomic_load(&sh->failed), "the child reported a library error");
	STRESS_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "child ended with status 0x%x before the kill", status);
}

static bool frame_allocated(const llfree_t *self, uint64_t frame)
{
	return !llfree_is_free(self, frame, 0);
}

/*
 * What an op of `order` killed midway leaves allocated, in the smallest
 * pieces the library sets one at a time: orders 0..6 are one CAS on one
 * row (all or nothing), orders 7 and 8 whole rows set one by one, orders 9
 * and up whole areas converted to huge one by one (design 2).
 */
static unsigned granule_order(unsigned order)
{
	if (order <= 6)
		return order;
	return order < LLFREE_HUGE_ORDER ? 6 : LLFREE_HUGE_ORDER;
}

/*
 * Claim for an op in flight the granules of the block at frame that no
 * log holds (mark 2) in full, and free them (or only count them). A
 * granule only partly unlogged belongs to some other op and is left.
 * Returns the frames claimed.
 */
static uint64_t claim_granules(llfree_t *self, uint64_t frames, uint64_t frame, unsigned order,
			       llfree_kind_t kind, uint8_t *mark, bool dry_run)
{
	unsigned g_order = granule_order(order);
	uint64_t g_size = 1ull << g_order, freed = 0;
	for (uint64_t g = frame; g < frame + (1ull << order) && g + g_size <= frames; g += g_size) {
		uint64_t unlogged = 0;
		for (uint64_t f = g; f < g + g_size; f++)
			unlogged += mark[f] == 2;
		if (unlogged != g_size)
			continue;
		freed += g_size;
		if (dry_run)
			continue;
		llfree_result_t res = llfree_put(self, 0, g, g_order, kind);
		if (res != LLFREE_OK)
			stress_fail("free in-flight remnant %" PRIu64 " order %u (op order %u): %s", g,
				    g_order, order, llfree_strerror(res));
		memset(mark + g, 0, g_size);
	}
	return freed;
}

/* Diagnostics: each thread's op in flight at the kill. */
static void print_ops(shared_t *sh)
{
	for (unsigned t = 0; t < THREADS; t++) {
		uint64_t op = atomic_load(&sh->log[t].op);
		fprintf(stderr, "  thread %u: op %s frame %" PRIu64 " order %u, %" PRIu64
			" ops done\n", t, op & OP_GET ? "get" : op & OP_PUT ? "put" : "none",
			op & OP_PUT ? dec_frame(op) : 0, dec_order(op),
			atomic_load(&sh->log[t].ops));
	}
}

static bool slot_holds(thread_log_t *log, uint64_t block)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (atomic_load(&log->slot[i]) == block)
			return true;
	return false;
}

/*
 * Pending gets are matched to unlogged blocks biggest order first: a huge
 * area's frames all look allocated, and a small get must not claim (and
 * split) one of them.
 */
static unsigned get_rank(shared_t *sh, unsigned t)
{
	return dec_order(atomic_load(&sh->log[t].op));
}

typedef struct cycle_stats {
	uint64_t unaccounted; /* frames allocated by in-flight gets */
	unsigned inflight_blocks;
} cycle_stats_t;

/*
 * mark[f]: 1 = held by a slot, 2 = allocated and no slot holds it.
 * Returns what the in-flight ops explain; fails on anything else.
 */
static cycle_stats_t account(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark)
{
	cycle_stats_t st = {0};
	memset(mark, 0, frames);
	/* Every logged block must be allocated. */
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned i = 0; i < SLOTS; i++) {
			uint64_t v = atomic_load(&sh->log[t].slot[i]);
			if (!v)
				continue;
			uint64_t frame = dec_frame(v);
			unsigned order = dec_order(v);
			for (uint64_t f = frame; f < frame + (1ull << order); f++) {
				STRESS_CHECK(f < frames && mark[f] == 0,
					     "log of thread %u: block %" PRIu64 " order %u overlaps "
					     "another logged block",
					     t, frame, order);
				STRESS_CHECK(frame_allocated(self, f),
					     "thread %u logged block %" PRIu64 " order %u, but frame "
					     "%" PRIu64 " is free after recovery",
					     t, frame, order, f);
				mark[f] = 1;
			}
		}
	}
	uint64_t extra = 0;
	for (uint64_t f = 0; f < frames; f++) {
		if (mark[f] == 0 && frame_allocated(self, f)) {
			mark[f] = 2;
			extra++;
		}
	}
	/*
	 * Each thread's op in flight may explain (part of) one block. Puts
	 * first: what is left of their blocks is theirs, whichever thread's
	 * get took part of it again before the kill.
	 */
	for (unsigned t = 0; t < THREADS; t++) {
		uint64_t op = atomic_load(&sh->log[t].op);
		if (!(op & OP_PUT))
			continue;
		uint64_t frame = dec_frame(op);
		unsigned order = dec_order(op);
		if (slot_holds(&sh->log[t], op & ~OP_PUT))
			continue; /* killed before the slot was cleared: still logged */
		uint64_t n = claim_granules(self, frames, frame, order, dec_kind(op), mark, false);
		extra -= n;
		st.inflight_blocks += n != 0;
	}
	/* Then gets, biggest first (get_rank). */
	unsigned gets[THREADS], ngets = 0;
	for (unsigned t = 0; t < THREADS; t++)
		if (atomic_load(&sh->log[t].op) & OP_GET)
			gets[ngets++] = t;
	for (unsigned i = 0; i < ngets; i++)
		for (unsigned j = i + 1; j < ngets; j++)
			if (get_rank(sh, gets[j]) > get_rank(sh, gets[i])) {
				unsigned tmp = gets[i];
				gets[i] = gets[j];
				gets[j] = tmp;
			}
	for (unsigned i = 0; i < ngets; i++) {
		uint64_t op = atomic_load(&sh->log[gets[i]].op);
		unsigned order = dec_order(op);
		uint64_t n = 1ull << order;
		/*
		 * The aligned block of this order with the most granules the get
		 * can have set (a get that finished leaves a whole block; a
		 * smaller candidate may be another get's block of a lower order).
		 */
		uint64_t best = 0, best_got = 0;
		for (uint64_t frame = 0; frame < frames; frame += n) {
			uint64_t got = claim_granules(self, frames, frame, order, dec_kind(op), mark,
						      true);
			if (got > best_got) {
				best = frame;
				best_got = got;
			}
		}
		if (best_got == 0)
			continue;
		claim_granules(self, frames, best, order, dec_kind(op), mark, false);
		extra -= best_got;
		st.unaccounted += best_got;
		st.inflight_blocks++;
	}
	if (extra) {
		print_ops(sh);
		for (uint64_t f = 0; f < frames; f++)
			if (mark[f] == 2)
				stress_fail("%" PRIu64 " frames allocated after recovery that no log "
					    "holds and no op in flight explains, e.g. frame %" PRIu64,
					    extra, f);
	}
	return st;
}

/* Put every logged block back. */
static void free_logged(llfree_t *self, shared_t *sh)
{
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned i = 0; i < SLOTS; i++) {
			uint64_t v = atomic_load(&sh->log[t].slot[i]);
			if (!v)
				continue;
			llfree_result_t res = llfree_put(self, t % llfree_cores(self), dec_frame(v),
							 dec_order(v), dec_kind(v));
			if (res != LLFREE_OK)
				stress_fail("free logged block %" PRIu64 " order %u of thread %u: %s",
					    dec_frame(v), dec_order(v), t, llfree_strerror(res));
		}
	}
}

static void *aligned_buffer(size_t size)
{
	void *buf = aligned_alloc(LLFREE_ALIGN, (size + LLFREE_ALIGN) / LLFREE_ALIGN * LLFREE_ALIGN);
	STRESS_CHECK(buf, "out of host memory");
	memset(buf, 0x5a, size);
	return buf;
}

/* Cores of the recovering allocator: the upper level is rebuilt, so any count works. */
static size_t recover_cores = THREADS;

/* RECOVER on `lower` with a fresh upper buffer. */
static llfree_result_t recover(llfree_t *self, void **upper, uint64_t frames, void *lower,
			       size_t lower_size)
{
	llfree_meta_size_t size = llfree_metadata_size(recover_cores, frames);
	*upper = aligned_buffer(size.upper);
	llfree_config_t cfg = {.cores = recover_cores, .frames = frames, .mode = LLFREE_INIT_RECOVER,
			       .persistent = true, .upper = *upper, .upper_size = size.upper,
			       .lower = lower, .lower_size = lower_size};
	return llfree_init(self, &cfg);
}

/* Diagnostics for a failed count: the allocated frames, as ranges. */
static void print_allocated(const llfree_t *self)
{
	unsigned shown = 0;
	uint64_t frames = llfree_frames(self);
	for (uint64_t f = 0; f < frames && shown < 16; f++) {
		if (!frame_allocated(self, f))
			continue;
		uint64_t end = f;
		while (end + 1 < frames && frame_allocated(self, end + 1))
			end++;
		fprintf(stderr, "  allocated: %" PRIu64 "..%" PRIu64 " (%" PRIu64 " frames)\n", f,
			end, end - f + 1);
		shown++;
		f = end;
	}
}

static void check_all_free(llfree_t *self, const char *when)
{
	for (size_t core = 0; core < llfree_cores(self); core++)
		STRESS_EXPECT_RES(llfree_drain(self, core), LLFREE_OK, "drain");
	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, when);
	if (llfree_free_frames(self) != llfree_frames(self))
		print_allocated(self);
	STRESS_CHECK(llfree_free_frames(self) == llfree_frames(self),
		     "%s: %" PRIu64 " free of %" PRIu64, when, llfree_free_frames(self),
		     llfree_frames(self));
}

/*
 * Self-test of the accounting (LLFREE_CRASH_INJECT): "leak" allocates a
 * frame no log holds, "lose" frees a frame a log holds, as a broken
 * recovery would. Either must fail the run; the make target checks it.
 */
static const char *inject;

static void inject_fault(llfree_t *self, shared_t *sh)
{
	if (!inject)
		return;
	if (strcmp(inject, "leak") == 0) {
		/* One more lone frame than in-flight gets could explain, in distinct rows. */
		unsigned leaked = 0;
		for (uint64_t f = 1; f < llfree_frames(self) && leaked <= THREADS; f += 67) {
			if (llfree_is_free(self, f, 0) &&
			    llfree_get_at(self, 0, f, 0, LLFREE_KIND_MOVABLE) == LLFREE_OK)
				leaked++;
		}
		return;
	}
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned i = 0; i < SLOTS; i++) {
			uint64_t v = atomic_load(&sh->log[t].slot[i]);
			if (v && strcmp(inject, "lose") == 0) {
				STRESS_EXPECT_RES(llfree_put(self, 0, dec_frame(v), dec_order(v),
							     dec_kind(v)),
						  LLFREE_OK, "inject lose");
				return;
			}
		}
	}
}

static cycle_stats_t crash_cycle(uint64_t seed, uint64_t frames, uint8_t *mark)
{
	stress_rng_t rng = stress_rng_for(seed, 100);
	size_t lower_size = llfree_metadata_size(THREADS, frames).lower;
	size_t map_size = sizeof(shared_t) + lower_size + LLFREE_ALIGN;
	char *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	STRESS_CHECK(map != MAP_FAILED, "mmap of %zu bytes failed", map_size);
	shared_t *sh = (shared_t *)map;
	void *lower = map + (sizeof(shared_t) + LLFREE_ALIGN - 1) / LLFREE_ALIGN * LLFREE_ALIGN;

	/* Kill anywhere from before the first op to a few thousand ops in. */
	uint64_t target = stress_rng_below(&rng, 4) == 0 ? stress_rng_below(&rng, 50)
							 : stress_rng_below(&rng, 20000);
	if (inject)
		target = 1000 + target; /* the self-test needs logged blocks */
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	STRESS_CHECK(pid >= 0, "fork failed");
	if (pid == 0)
		child_main(sh, lower, lower_size, frames, seed);
	kill_child(pid, sh, target, &rng);
	recover_cores = 1 + (size_t)stress_rng_below(&rng, 2 * THREADS);

	llfree_t self;
	void *upper;
	STRESS_EXPECT_RES(recover(&self, &upper, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER after the kill");
	STRESS_CHECK(llfree_recovered_crashed(&self),
		     "RECOVER after a kill took the shallow path (crashed flag not seen)");
	STRESS_EXPECT_RES(llfree_validate(&self), LLFREE_OK, "validate after recovery");
	inject_fault(&self, sh);
	cycle_stats_t st = account(&self, sh, frames, mark);
	free_logged(&self, sh);
	if (llfree_free_frames(&self) != frames)
		print_ops(sh);
	check_all_free(&self, "after freeing what the logs hold");
	free(upper);
	munmap(map, map_size);
	return st;
}

/* ---- without fork: shallow recovery and refused buffers ------------------- */

static void check_shutdown_then_recover(uint64_t seed, uint64_t frames)
{
	stress_set_case("shutdown_recover", seed);
	stress_rng_t rng = stress_rng_for(seed, 200);
	size_t lower_size = llfree_metadata_size(THREADS, frames).lower;
	void *lower = aligned_buffer(lower_size);
	void *upper = aligned_buffer(llfree_metadata_size(THREADS, frames).upper);
	llfree_t self;
	llfree_config_t cfg = {.cores = THREADS, .frames = frames, .mode = LLFREE_INIT_FREE,
			       .persistent = true, .upper = upper,
			       .upper_size = llfree_metadata_size(THREADS, frames).upper,
			       .lower = lower, .lower_size = lower_size};
	STRESS_EXPECT_RES(llfree_init(&self, &cfg), LLFREE_OK, "init FREE persistent");

	uint64_t held[64];
	unsigned order[64], n = 0;
	uint64_t held_frames = 0;
	for (; n < 64; n++) {
		order[n] = child_order(&rng);
		STRESS_EXPECT_RES(llfree_get(&self, n % THREADS, order[n], LLFREE_KIND_MOVABLE,
					     &held[n]),
				  LLFREE_OK, "get before shutdown");
		held_frames += 1ull << order[n];
	}
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "shutdown");
	free(upper);

	/* Clean shutdown: shallow, and every allocation kept. */
	STRESS_EXPECT_RES(recover(&self, &upper, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER after shutdown");
	STRESS_CHECK(!llfree_recovered_crashed(&self), "RECOVER after a clean shutdown went deep");
	STRESS_EXPECT_RES(llfree_validate(&self), LLFREE_OK, "validate after shallow recovery");
	STRESS_CHECK(llfree_free_frames(&self) == frames - held_frames,
		     "shallow recovery: %" PRIu64 " free, want %" PRIu64, llfree_free_frames(&self),
		     frames - held_frames);
	for (unsigned i = 0; i < n; i++)
		for (uint64_t f = held[i]; f < held[i] + (1ull << order[i]); f++)
			STRESS_CHECK(frame_allocated(&self, f),
				     "frame %" PRIu64 " of block %" PRIu64 " order %u free after "
				     "shallow recovery", f, held[i], order[i]);
	free(upper);

	/* No shutdown since that RECOVER: the next one must recount. */
	STRESS_EXPECT_RES(recover(&self, &upper, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER without shutdown");
	STRESS_CHECK(llfree_recovered_crashed(&self),
		     "RECOVER after a RECOVER without shutdown was shallow (flag not set at init)");
	STRESS_CHECK(llfree_free_frames(&self) == frames - held_frames,
		     "deep recovery: %" PRIu64 " free, want %" PRIu64, llfree_free_frames(&self),
		     frames - held_frames);
	for (unsigned i = 0; i < n; i++)
		STRESS_EXPECT_RES(llfree_put(&self, i % THREADS, held[i], order[i],
					     LLFREE_KIND_MOVABLE),
				  LLFREE_OK, "put after recovery");
	check_all_free(&self, "shutdown test, all freed");
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "second shutdown");
	free(upper);
	free(lower);
	printf("crash: clean shutdown -> shallow RECOVER keeps %u blocks (%" PRIu64
	       " frames); RECOVER without shutdown is deep: ok\n", n, held_frames);
}

/* RECOVER must refuse `lower` with `want` and leave every byte of it as it was. */
static void expect_refused(void *lower, size_t lower_size, uint64_t frames, llfree_result_t want,
			   const char *what)
{
	void *copy = malloc(lower_size);
	STRESS_CHECK(copy, "out of host memory");
	memcpy(copy, lower, lower_size);
	llfree_t self;
	void *upper;
	llfree_host_log_prefix("crash: expected, the library refusing: ");
	llfree_result_t got = recover(&self, &upper, frames, lower, lower_size);
	llfree_host_log_prefix(NULL);
	STRESS_EXPECT_RES(got, want, what);
	STRESS_CHECK(memcmp(copy, lower, lower_size) == 0, "%s: refused, but the buffer changed",
		     what);
	free(upper);
	free(copy);
}

static void check_refused_buffers(uint64_t seed, uint64_t frames)
{
	stress_set_case("refused_buffers", seed);
	size_t lower_size = llfree_metadata_size(THREADS, frames).lower;
	size_t upper_size = llfree_metadata_size(THREADS, frames).upper;
	void *lower = aligned_buffer(lower_size);
	void *upper = aligned_buffer(upper_size);

	/* Never initialised: zeroes, then garbage. */
	memset(lower, 0, lower_size);
	expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC, "RECOVER of a zeroed buffer");
	stress_rng_t rng = stress_rng_for(seed, 300);
	for (size_t i = 0; i < lower_size; i++)
		((uint8_t *)lower)[i] = (uint8_t)stress_rng_next(&rng);
	expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC, "RECOVER of random bytes");

	/* A valid buffer after a clean shutdown, with a few frames allocated. */
	llfree_t self;
	llfree_config_t cfg = {.cores = THREADS, .frames = frames, .mode = LLFREE_INIT_FREE,
			       .persistent = true, .upper = upper, .upper_size = upper_size,
			       .lower = lower, .lower_size = lower_size};
	STRESS_EXPECT_RES(llfree_init(&self, &cfg), LLFREE_OK, "init FREE persistent");
	uint64_t frame;
	STRESS_EXPECT_RES(llfree_get(&self, 0, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK, "get");
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "shutdown");

	/* Same number of areas and trees (frames % 512 != 1), other frame count. */
	expect_refused(lower, lower_size, frames - 1, LLFREE_ERR_SIZE,
		       "RECOVER with frames - 1");
	/*
	 * Wrong magic. The record's layout is private; the handle's meta
	 * pointer says where it is, and the design puts the magic first.
	 */
	uint8_t *meta = (uint8_t *)self.meta;
	if (meta >= (uint8_t *)lower && meta < (uint8_t *)lower + lower_size) {
		meta[0] ^= 0xff;
		expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC,
			       "RECOVER with a corrupted magic");
		meta[0] ^= 0xff;
	} else {
		printf("crash: meta record not inside the lower buffer; corrupted-magic check "
		       "skipped\n");
	}
	/* Untouched indeed: the original still recovers, with its frame allocated. */
	free(upper);
	STRESS_EXPECT_RES(recover(&self, &upper, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER of the original after the refusals");
	STRESS_CHECK(frame_allocated(&self, frame), "allocated frame lost after refusals");
	STRESS_EXPECT_RES(llfree_put(&self, 0, frame, 0, LLFREE_KIND_MOVABLE), LLFREE_OK, "put");
	check_all_free(&self, "refused buffers, all freed");
	free(upper);
	free(lower);
	printf("crash: wrong magic (zeroed, random, flipped) -> MAGIC, wrong frame count -> SIZE, "
	       "buffer untouched: ok\n");
}

int main(void)
{
	uint64_t seed = stress_seed_from_env("LLFREE_STRESS_SEED");
	stress_report_aborts();
	long cycles = stress_long_from_env("LLFREE_CRASH_CYCLES", 40);
	inject = getenv("LLFREE_CRASH_INJECT");
	uint64_t budget_ms = (uint64_t)stress_long_from_env("LLFREE_CRASH_MS", 20000);
	/* A partial tree and a partial area at the end. */
	uint64_t frames = 6ull * LLFREE_TREE_FRAMES + 5 * LLFREE_AREA_FRAMES + 300;
	uint8_t *mark = malloc(frames);
	STRESS_CHECK(mark, "out of host memory");

	printf("crash: seed=0x%016" PRIx64 ", %ld cycles of %u threads, %" PRIu64 " frames\n",
	       seed, cycles, THREADS, frames);
	uint64_t start = stress_now_ms(), max_unaccounted = 0, sum_unaccounted = 0;
	unsigned max_blocks = 0;
	long done = 0;
	for (; done < cycles; done++) {
		if (done >= 10 && stress_now_ms() - start > budget_ms) {
			printf("crash: time bound of %" PRIu64 " ms reached\n", budget_ms);
			break;
		}
		uint64_t cycle_seed = seed + (uint64_t)done;
		stress_set_case("kill_and_recover", cycle_seed);
		cycle_stats_t st = crash_cycle(cycle_seed, frames, mark);
		recover_cores = THREADS;
		sum_unaccounted += st.unaccounted;
		if (st.unaccounted > max_unaccounted)
			max_unaccounted = st.unaccounted;
		if (st.inflight_blocks > max_blocks)
			max_blocks = st.inflight_blocks;
	}
	free(mark);
	printf("crash: %ld kill/recover cycles ok in %" PRIu64 " ms; frames got by in-flight ops: "
	       "%" PRIu64 " in all, at most %" PRIu64 " in a cycle; in-flight blocks at most %u "
	       "(bound %u)\n",
	       done, stress_now_ms() - start, sum_unaccounted, max_unaccounted, max_blocks, THREADS);
	check_shutdown_then_recover(seed, frames);
	check_refused_buffers(seed, frames);
	return 0;
}
