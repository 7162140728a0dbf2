/*
 * Helpers shared by the LLFree stress and crash tests; see common_stress.h.
 */
#include "common_stress.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- failure reporting ---------------------------------------------------- */

static const char *case_name = "?";
static uint64_t case_seed;
static atomic_flag failing = ATOMIC_FLAG_INIT;

void stress_set_case(const char *name, uint64_t seed)
{
	case_name = name;
	case_seed = seed;
}

_Noreturn void stress_fail(const char *fmt, ...)
{
	/* Only the first failing thread reports; the others wait for the exit. */
	if (atomic_flag_test_and_set(&failing)) {
		for (;;)
			pause();
	}
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "FAIL %s seed=0x%016" PRIx64 ": ", case_name, case_seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  reproduce: LLFREE_STRESS_SEED=0x%016" PRIx64 " <program> %s\n",
		case_seed, case_name);
	fflush(stdout);
	fflush(stderr);
	_exit(1);
}

static bool case_wanted(const char *name, int argc, char **argv)
{
	bool wanted = argc <= 1;
	for (int a = 1; a < argc; a++)
		wanted |= strcmp(argv[a], name) == 0;
	return wanted;
}

int stress_run_cases(const char *program, const stress_case_t *cases, size_t n, int argc,
		     char **argv, uint64_t seed,
		     void (*run_one)(const stress_case_t *c, size_t index, uint64_t seed))
{
	unsigned ran = 0;
	for (size_t i = 0; i < n; i++) {
		if (!case_wanted(cases[i].name, argc, argv))
			continue;
		stress_set_case(cases[i].name, seed);
		run_one(&cases[i], i, seed);
		ran++;
	}
	if (ran == 0) {
		fprintf(stderr, "no case matched; cases:");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", cases[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	printf("%s: %u cases passed\n", program, ran);
	return 0;
}

/* A library assertion aborts: say which case and seed before dying. */
static void on_abort(int sig)
{
	char line[160];
	int n = snprintf(line, sizeof(line),
			 "FAIL %s seed=0x%016" PRIx64 ": aborted (signal %d; a library assertion?)\n",
			 case_name, case_seed, sig);
	if (n > 0)
		(void)!write(2, line, (size_t)n);
	signal(sig, SIG_DFL);
	raise(sig);
}

void stress_report_aborts(void)
{
	signal(SIGABRT, on_abort);
}

uint64_t stress_seed_from_env(const char *name)
{
	const char *s = getenv(name);
	if (s && *s) {
		char *end;
		uint64_t v = strtoull(s, &end, 0);
		if (*end == '\0')
			return v;
		fprintf(stderr, "%s=%s is not a number, using a fresh seed\n", name, s);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	stress_rng_t rng = {(uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
			    ((uint64_t)getpid() << 16)};
	return stress_rng_next(&rng);
}

long stress_long_from_env(const char *name, long fallback)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return fallback;
	char *end;
	long v = strtol(s, &end, 0);
	return *end == '\0' ? v : fallback;
}

uint64_t stress_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the allocator under test --------------------------------------------- */

void *stress_buffer(size_t size)
{
	size_t rounded = (size + LLFREE_ALIGN - 1) / LLFREE_ALIGN * LLFREE_ALIGN;
	if (rounded == 0)
		rounded = LLFREE_ALIGN;
	void *buf = aligned_alloc(LLFREE_ALIGN, rounded);
	STRESS_CHECK(buf, "out of host memory for a %zu-byte buffer", size);
	/* Garbage, so that FREE init cannot rely on zeroed memory. */
	memset(buf, 0xa5, rounded);
	return buf;
}

void stress_alloc_init(stress_alloc_t *alloc, size_t cores, uint64_t frames, bool persistent)
{
	memset(alloc, 0, sizeof(*alloc));
	alloc->size = llfree_metadata_size(cores, frames);
	alloc->upper = stress_buffer(alloc->size.upper);
	alloc->lower = stress_buffer(alloc->size.lower);
	llfree_config_t cfg = {
		.cores = cores,
		.frames = frames,
		.mode = LLFREE_INIT_FREE,
		.persistent = persistent,
		.upper = alloc->upper,
		.upper_size = alloc->size.upper,
		.lower = alloc->lower,
		.lower_size = alloc->size.lower,
	};
	STRESS_EXPECT_RES(llfree_init(&alloc->llfree, &cfg), LLFREE_OK, "llfree_init(FREE)");
	STRESS_CHECK(llfree_free_frames(&alloc->llfree) == frames,
		     "after init: %" PRIu64 " free frames, want %" PRIu64,
		     llfree_free_frames(&alloc->llfree), frames);
}

void stress_alloc_free(stress_alloc_t *alloc)
{
	free(alloc->upper);
	free(alloc->lower);
	alloc->upper = alloc->lower = NULL;
}

void stress_alloc_check_all_free(stress_alloc_t *alloc)
{
	llfree_t *self = &alloc->llfree;
	uint64_t frames = llfree_frames(self);

	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "llfree_validate before drain");
	/* Reservations hold counts, but the totals must include them (design 4). */
	STRESS_CHECK(llfree_free_frames(self) == frames,
		     "before drain: %" PRIu64 " free frames, want %" PRIu64,
		     llfree_free_frames(self), frames);
	for (size_t core = 0; core < llfree_cores(self); core++)
		STRESS_EXPECT_RES(llfree_drain(self, core), LLFREE_OK, "llfree_drain");
	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "llfree_validate after drain");
	STRESS_CHECK(llfree_free_frames(self) == frames,
		     "after drain: %" PRIu64 " free frames, want %" PRIu64,
		     llfree_free_frames(self), frames);
	uint64_t areas = frames / LLFREE_AREA_FRAMES;
	STRESS_CHECK(llfree_free_huge(self) == areas,
		     "after drain: %" PRIu64 " free huge areas, want %" PRIu64,
		     llfree_free_huge(self), areas);
	STRESS_CHECK(llfree_is_free(self, 0, 0) && llfree_is_free(self, frames - 1, 0),
		     "first or last frame not free at the end");
}

/* ---- ownership map -------------------------------------------------------- */

void stress_owner_init(stress_owner_t *own, uint64_t frames)
{
	own->frames = frames;
	own->word = calloc(frames, sizeof(*own->word));
	own->shadow = calloc(frames, sizeof(*own->shadow));
	STRESS_CHECK(own->word && own->shadow, "out of host memory for the ownership map");
	atomic_init(&own->held, 0);
}

void stress_owner_free(stress_owner_t *own)
{
	free((void *)own->word);
	free(own->shadow);
	own->word = NULL;
	own->shadow = NULL;
}

static uint32_t owner_tag(unsigned thread, unsigned order)
{
	return (uint32_t)(thread + 1u) << 8 | order;
}

static uint64_t shadow_sig(uint64_t sig, uint64_t frame)
{
	return sig ^ (frame * 0x9e3779b97f4a7c15ull) ^ 1u; /* never 0 for sig odd */
}

void stress_owner_claim(stress_owner_t *own, unsigned thread, const stress_block_t *blk)
{
	uint64_t n = 1ull << blk->order;
	STRESS_CHECK(blk->frame % n == 0, "thread %u got frame %" PRIu64 " of order %u: misaligned",
		     thread, blk->frame, blk->order);
	STRESS_CHECK(blk->frame < own->frames && n <= own->frames - blk->frame,
		     "thread %u got frame %" PRIu64 " of order %u: past the end (%" PRIu64
		     " frames)",
		     thread, blk->frame, blk->order, own->frames);
	uint32_t tag = owner_tag(thread, blk->order);
	for (uint64_t f = blk->frame; f < blk->frame + n; f++) {
		uint32_t old = 0;
		if (!atomic_compare_exchange_strong_explicit(&own->word[f], &old, tag,
							     memory_order_relaxed,
							     memory_order_relaxed)) {
			stress_fail("DUPLICATE frame %" PRIu64 ": handed to thread %u (block %" PRIu64
				    " order %u) while thread %u holds it (order %u)",
				    f, thread, blk->frame, blk->order, (old >> 8) - 1u, old & 0xffu);
		}
		own->shadow[f] = shadow_sig(blk->sig, f);
	}
	atomic_fetch_add_explicit(&own->held, n, memory_order_relaxed);
}

void stress_owner_release(stress_owner_t *own, unsigned thread, const stress_block_t *blk)
{
	uint64_t n = 1ull << blk->order;
	uint32_t tag = owner_tag(thread, blk->order);
	for (uint64_t f = blk->frame; f < blk->frame + n; f++) {
		uint32_t now = atomic_load_explicit(&own->word[f], memory_order_relaxed);
		STRESS_CHECK(now == tag,
			     "frame %" PRIu64 " (block %" PRIu64 " order %u) of thread %u: ownership "
			     "word says thread %d order %u",
			     f, blk->frame, blk->order, thread, (int)(now >> 8) - 1, now & 0xffu);
		STRESS_CHECK(own->shadow[f] == shadow_sig(blk->sig, f),
			     "frame %" PRIu64 " (block %" PRIu64 " order %u) of thread %u: signature "
			     "overwritten while held",
			     f, blk->frame, blk->order, thread);
		own->shadow[f] = 0;
		atomic_store_explicit(&own->word[f], 0, memory_order_relaxed);
	}
	atomic_fetch_sub_explicit(&own->held, n, memory_order_relaxed);
}

uint64_t stress_owner_held(stress_owner_t *own)
{
	return atomic_load_explicit(&own->held, memory_order_relaxed);
}

/* ---- a thread's held blocks ----------------------------------------------- */

void stress_held_push(stress_held_t *held, stress_block_t blk)
{
	if (held->len == held->cap) {
		held->cap = held->cap ? held->cap * 2 : 256;
		held->blk = realloc(held->blk, held->cap * sizeof(*held->blk));
		STRESS_CHECK(held->blk, "out of host memory for a held list");
	}
	held->blk[held->len++] = blk;
	held->frames += 1ull << blk.order;
}

stress_block_t stress_held_take(stress_held_t *held, size_t i)
{
	stress_block_t blk = held->blk[i];
	held->blk[i] = held->blk[--held->len];
	held->frames -= 1ull << blk.order;
	return blk;
}

void stress_held_free(stress_held_t *held)
{
	free(held->blk);
	memset(held, 0, sizeof(*held));
}

/* ---- get and put through the ownership map -------------------------------- */

llfree_result_t stress_get(stress_alloc_t *alloc, stress_owner_t *own, unsigned thread,
			   size_t core, unsigned order, llfree_kind_t kind, stress_rng_t *rng,
			   stress_block_t *out)
{
	uint64_t frame = UINT64_MAX;
	llfree_result_t res = llfree_get(&alloc->llfree, core, order, kind, &frame);
	if (res != LLFREE_OK)
		return res;
	*out = (stress_block_t){
		.frame = frame,
		.sig = stress_rng_next(rng) | 1u,
		.order = (uint8_t)order,
		.kind = (uint8_t)kind,
	};
	stress_owner_claim(own, thread, out);
	/* Ours now, so no other thread can make it free under us. */
	STRESS_CHECK(!llfree_is_free(&alloc->llfree, frame, 0),
		     "thread %u got frame %" PRIu64 " order %u but is_free says it is free", thread,
		     frame, order);
	return LLFREE_OK;
}

void stress_put(stress_alloc_t *alloc, stress_owner_t *own, unsigned thread, size_t core,
		const stress_block_t *blk)
{
	/* Unclaim first: once put returns, another thread may get it at once. */
	stress_owner_release(own, thread, blk);
	llfree_result_t res =
		llfree_put(&alloc->llfree, core, blk->frame, blk->order, (llfree_kind_t)blk->kind);
	if (res != LLFREE_OK)
		stress_fail("thread %u core %zu: put frame %" PRIu64 " order %u kind %u: %s", thread,
			    core, blk->frame, blk->order, blk->kind, llfree_strerror(res));
}
