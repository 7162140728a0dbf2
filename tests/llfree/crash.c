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
 *
 * Files: crash.h lists them; this one holds one kill/recover cycle and main.
 */
#include "crash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
	/* The recovering allocator may have other cores than the crashed one. */
	size_t cores = 1 + (size_t)stress_rng_below(&rng, 2 * THREADS);

	llfree_t self;
	void *upper;
	STRESS_EXPECT_RES(recover(&self, &upper, cores, frames, lower, lower_size), LLFREE_OK,
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
