/*
 * The crash writer (crash.h): a forked child whose THREADS threads get and
 * put at random on a persistent allocator and log every step in shared
 * memory,
 *   get: op = GET(order); call; slot = block; op = NONE
 *   put: op = PUT(block); slot = empty; call; op = NONE
 * so that a block is in a slot only while it is surely allocated and the
 * one op in flight names the only block whose state is unknown; and the
 * parent's kill at a random moment.
 */
#include "crash.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* A thread that makes no progress this long means a hang (design 5.12). */
#define PROGRESS_TIMEOUT_MS 20000

typedef struct child_thread {
	llfree_t *llfree;
	shared_t *sh;
	unsigned id;
	stress_rng_t rng;
} child_thread_t;

/* Orders whose in-flight state after a kill is one block: 0..6 and 9 are one CAS, 7, 8, 10 several. */
unsigned child_order(stress_rng_t *rng)
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

_Noreturn void child_main(shared_t *sh, void *lower, size_t lower_size, uint64_t frames,
			  uint64_t seed)
{
	llfree_meta_size_t size = llfree_metadata_size(THREADS, frames);
	void *upper = stress_buffer(size.upper);
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

/* ---- the kill ------------------------------------------------------------- */

static uint64_t total_ops(shared_t *sh)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < THREADS; i++)
		n += atomic_load(&sh->log[i].ops);
	return n;
}

/* Wait until the child did `target` ops in all, then SIGKILL it. */
void kill_child(pid_t pid, shared_t *sh, uint64_t target, stress_rng_t *rng)
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
