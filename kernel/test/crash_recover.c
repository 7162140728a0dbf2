/*
 * The recovery check of the crash test (crash.h): after pmem=recover, every
 * frame a log slot holds must be allocated and held once, every other
 * allocated frame must belong to an operation in flight (at most one block
 * per core, crash.h), and after freeing everything the logs hold the whole
 * instance must be free and valid. Prints TEST name=recover.
 */
#include "test/crash_log.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "arch/paging.h"
#include "arch/tsc.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/contig.h"

/* Unaccounted frames the check can hold: one huge block per log. */
#define UNACCOUNTED_MAX (PMEM_LOG_CORES * LLFREE_AREA_FRAMES)

struct check {
	uint8_t *logged;           /* bit per frame: held by a log slot */
	uint64_t *unaccounted;     /* allocated frames in no log, ascending */
	uint8_t *taken;            /* per unaccounted frame: explained by an in-flight op */
	uint64_t unaccounted_count, unaccounted_cap;
	uint64_t logged_blocks, logged_frames, in_flight_blocks, in_flight_frames, logs_used;
	uint64_t in_flight[PMEM_LOG_CORES]; /* block claimed for each core's intent, 0: none */
	char why[200];
};

static struct check ck;

static bool fail(const char *fmt, ...) KPRINTF_FORMAT(1, 2);
static bool fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(ck.why, sizeof(ck.why), fmt, ap);
	va_end(ap);
	kprintf("ERROR msg=\"recover: %s\"\n", ck.why);
	return false;
}

static bool is_logged(uint64_t f) { return ck.logged[f / 8] >> (f % 8) & 1; }
static void mark_logged(uint64_t f) { ck.logged[f / 8] |= (uint8_t)(1u << (f % 8)); }

/* Every slot: a valid block, allocated, in no other slot. */
static bool check_slots(unsigned core)
{
	struct crash_log *log = log_of(core);
	bool used = atomic_load(&log->intent) != 0;
	for (uint32_t s = 0; s < CRASH_SLOTS; s++) {
		uint64_t b = atomic_load(&log->slot[s]);
		if (!b)
			continue;
		used = true;
		if (!crash_block_valid(b))
			return fail("core %u slot %u holds a garbage word 0x%llx", core, s, (unsigned long long)b);
		for (uint64_t f = block_frame(b); f < block_frame(b) + block_frames(b); f++) {
			if (is_logged(f))
				return fail("frame 0x%llx is held by two log slots (core %u slot %u)",
					    (unsigned long long)f, core, s);
			if (llfree_is_free(crash_lf, f, 0))
				return fail("frame 0x%llx held by core %u slot %u (order %u) is free",
					    (unsigned long long)f, core, s, block_order(b));
			mark_logged(f);
		}
		ck.logged_blocks++;
		ck.logged_frames += block_frames(b);
	}
	ck.logs_used += used;
	return true;
}

/* Allocated frames that no slot holds, ascending. */
static bool collect_unaccounted(void)
{
	for (uint64_t f = 0; f < llfree_frames(crash_lf); f++) {
		if (is_logged(f) || llfree_is_free(crash_lf, f, 0))
			continue;
		if (ck.unaccounted_count == ck.unaccounted_cap)
			return fail("frame 0x%llx is allocated but in no log, and the in-flight operations hold "
				    "at most %llu such frames", (unsigned long long)f,
				    (unsigned long long)ck.unaccounted_cap);
		ck.unaccounted[ck.unaccounted_count++] = f;
	}
	return true;
}

/* Index of frame f in the unaccounted list (ascending), or the count if absent. */
static uint64_t unaccounted_index(uint64_t f)
{
	uint64_t lo = 0, hi = ck.unaccounted_count;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ck.unaccounted[mid] < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ck.unaccounted_count && ck.unaccounted[lo] == f ? lo : ck.unaccounted_count;
}

/* Whether the block's frames are all unaccounted and not taken; takes them if `take`. */
static bool take_block(uint64_t block, bool take)
{
	uint64_t n = block_frames(block), i = unaccounted_index(block_frame(block));
	if (i + n > ck.unaccounted_count || ck.unaccounted[i + n - 1] != block_frame(block) + n - 1)
		return false;
	for (uint64_t j = i; j < i + n; j++)
		if (ck.taken[j])
			return false;
	if (take)
		memset(&ck.taken[i], 1, n);
	return true;
}

/* An interrupted get took one aligned block of its order (the first one free), or nothing. */
static void take_get(unsigned core, uint64_t intent)
{
	uint64_t n = block_frames(intent);
	for (uint64_t i = 0; i < ck.unaccounted_count; i++) {
		uint64_t b = block_make(ck.unaccounted[i], block_order(intent), block_kind(intent));
		if (!ck.taken[i] && (ck.unaccounted[i] & (n - 1)) == 0 && take_block(b, true)) {
			ck.in_flight[core] = b;
			return;
		}
	}
}

/*
 * One explanation of the unaccounted frames: the puts in `not_done` did not
 * happen (their blocks are still allocated), the others did; then every
 * interrupted get takes one aligned block of its order, by decreasing order
 * (a large block is not split among small ones). True if nothing is left.
 */
static bool explain(const unsigned *puts, unsigned put_count, uint64_t not_done)
{
	memset(ck.taken, 0, ck.unaccounted_count);
	memset(ck.in_flight, 0, sizeof(ck.in_flight));
	for (unsigned j = 0; j < put_count; j++) {
		uint64_t b = atomic_load(&log_of(puts[j])->intent) & ~CRASH_OP_PUT;
		if (not_done >> j & 1) {
			if (!take_block(b, true))
				return false; /* two cores putting one block: one of them is done */
			ck.in_flight[puts[j]] = b;
		}
	}
	for (int order = LLFREE_HUGE_ORDER; order >= 0; order--)
		for (unsigned c = 0; c < PMEM_LOG_CORES; c++) {
			uint64_t intent = atomic_load(&log_of(c)->intent);
			if ((intent & CRASH_OP_GET) && block_order(intent) == (unsigned)order)
				take_get(c, intent);
		}
	for (uint64_t i = 0; i < ck.unaccounted_count; i++)
		if (!ck.taken[i])
			return false;
	return true;
}

/*
 * Unaccounted frames must be explained by the operations in flight, at most
 * one block per core. An interrupted put may or may not have happened, and
 * after it happened other cores may have taken parts of its block: so every
 * combination of the puts whose block is wholly unaccounted is tried (at
 * most PUTS_TRIED of them; realistic runs have one or two).
 */
#define PUTS_TRIED 10
static bool claim_in_flight(void)
{
	unsigned puts[PUTS_TRIED], put_count = 0;
	for (unsigned c = 0; c < PMEM_LOG_CORES && put_count < PUTS_TRIED; c++) {
		uint64_t intent = atomic_load(&log_of(c)->intent);
		memset(ck.taken, 0, ck.unaccounted_count);
		if ((intent & CRASH_OP_PUT) && take_block(intent & ~CRASH_OP_PUT, false))
			puts[put_count++] = c;
	}
	for (uint64_t not_done = (1ull << put_count); not_done-- > 0;)
		if (explain(puts, put_count, not_done))
			return true;
	/* The last try (every put done) names the first frame nothing explains. */
	for (uint64_t i = 0; i < ck.unaccounted_count; i++)
		if (!ck.taken[i])
			return fail("frame 0x%llx is allocated but in no log and no in-flight operation",
				    (unsigned long long)ck.unaccounted[i]);
	return fail("in-flight operations explain the unaccounted frames only by one block twice");
}

/* Free what the logs hold and what was in flight, with the logged put. */
static bool free_logged(void)
{
	for (unsigned c = 0; c < PMEM_LOG_CORES; c++) {
		struct crash_log *log = log_of(c);
		for (uint32_t s = 0; s < CRASH_SLOTS; s++) {
			uint64_t b = atomic_load(&log->slot[s]);
			llfree_result_t r = b ? crash_logged_put(0, log, s, b) : LLFREE_OK;
			if (r != LLFREE_OK)
				return fail("freeing core %u slot %u (frame 0x%llx order %u): %s", c, s,
					    (unsigned long long)block_frame(b), block_order(b), llfree_strerror(r));
		}
		if (ck.in_flight[c]) {
			ck.in_flight_blocks++;
			ck.in_flight_frames += block_frames(ck.in_flight[c]);
			llfree_result_t r = crash_logged_put(0, log, NO_SLOT, ck.in_flight[c]);
			if (r != LLFREE_OK)
				return fail("freeing core %u's in-flight block: %s", c, llfree_strerror(r));
		}
		if (atomic_load(&log->intent))
			crash_set_intent(log, 0);
	}
	if (llfree_free_frames(crash_lf) != llfree_frames(crash_lf))
		return fail("after freeing every logged block %llu of %llu frames are free",
			    (unsigned long long)llfree_free_frames(crash_lf), (unsigned long long)llfree_frames(crash_lf));
	llfree_result_t r = llfree_validate(crash_lf);
	if (r != LLFREE_OK)
		return fail("validate after freeing: %s", llfree_strerror(r));
	return true;
}

static bool check_logs(void)
{
	for (unsigned c = 0; c < PMEM_LOG_CORES; c++)
		if (!check_slots(c))
			return false;
	uint64_t in_flight = 0;
	for (unsigned c = 0; c < PMEM_LOG_CORES; c++) {
		uint64_t intent = atomic_load(&log_of(c)->intent);
		bool put = intent & CRASH_OP_PUT, get = intent & CRASH_OP_GET;
		uint64_t b = put ? intent : block_make(0, block_order(intent), block_kind(intent));
		if (intent && (put == get || !crash_block_valid(b)))
			return fail("core %u: garbage intent 0x%llx", c, (unsigned long long)intent);
		in_flight += intent != 0;
	}
	ck.unaccounted_cap = in_flight * LLFREE_AREA_FRAMES;
	return collect_unaccounted() && claim_in_flight() && free_logged();
}

bool crash_recover_check(unsigned cores)
{
	const struct pmem_info *pi = pmem_info();
	uint64_t t0 = tsc_begin();
	/* Scratch buffers from mm/contig.h: the bitmap outgrows one allocation beyond 512 GiB. */
	uint64_t bitmap_bytes = (llfree_frames(crash_lf) + 7) / 8;
	uint64_t list_bytes = UNACCOUNTED_MAX * (sizeof(uint64_t) + 1);
	memset(&ck, 0, sizeof(ck));
	ck.logged = contig_zalloc(bitmap_bytes);
	ck.unaccounted = contig_zalloc(list_bytes);
	ck.taken = (uint8_t *)(ck.unaccounted + UNACCOUNTED_MAX);
	bool ok = ck.logged && ck.unaccounted ? check_logs() : fail("no memory for the check's bitmaps");
	uint64_t check_us = tsc_ticks_to_us(tsc_end() - t0);
	contig_free(ck.logged, bitmap_bytes);
	contig_free(ck.unaccounted, list_bytes);
	/* Recovery time per GiB of managed memory, from the measured init + validate. */
	uint64_t frames_per_gib = (1ull << 30) / PAGE_SIZE;
	uint64_t per_gib_us = pi->recover_ns * frames_per_gib / llfree_frames(crash_lf) / 1000;
	kprintf("TEST name=recover cores=%u result=%s recovery=%s logs_used=%llu logged_blocks=%llu "
		"logged_frames=%llu in_flight_blocks=%llu in_flight_frames=%llu managed_frames=%llu "
		"recover_us=%llu recover_us_per_gib=%llu check_us=%llu%s%s%s\n",
		cores, ok ? "ok" : "fail", pi->deep ? "deep" : "shallow", (unsigned long long)ck.logs_used,
		(unsigned long long)ck.logged_blocks, (unsigned long long)ck.logged_frames,
		(unsigned long long)ck.in_flight_blocks, (unsigned long long)ck.in_flight_frames,
		(unsigned long long)llfree_frames(crash_lf), (unsigned long long)(pi->recover_ns / 1000),
		(unsigned long long)per_gib_us, (unsigned long long)check_us, ok ? "" : " reason=\"",
		ok ? "" : ck.why, ok ? "" : "\"");
	return ok;
}
