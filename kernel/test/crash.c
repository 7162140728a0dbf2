/*
 * Crash test of the persistent LLFree instance (see crash.h for the log
 * protocol and what recovery must find): options, the logged operations,
 * the crash mode (every core allocating and freeing until killed) and
 * crash_run. The recovery check is in crash_recover.c.
 */
#include "test/crash.h"

#include <stdatomic.h>

#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "llfree.h"
#include "mm/pmem.h"
#include "rand.h"
#include "test/crash_log.h"
#include "verdict.h"

_Static_assert(sizeof(struct crash_log) == PMEM_LOG_BYTES, "a crash log fills its pmem log");
_Static_assert(CRASH_SLOTS < (1u << 16), "slot indexes fit");

#define PROGRESS_EVERY_US 1000000ull

static bool opt_crash;
static uint64_t opt_seed, opt_slots, opt_seconds;
KOPT_BOOL(opt_crash, "crash", "0",
	  "crash mode: every core allocates and frees in the persistent instance (pmem=) until killed");
KOPT_UINT(opt_seed, "crash_seed", "1", "crash mode: random seed (each core mixes in its index)");
KOPT_UINT(opt_slots, "crash_slots", "64", "crash mode: blocks each core may hold (1..120)");
KOPT_UINT(opt_seconds, "crash_seconds", "0",
	  "crash mode: stop after N seconds and shut down in order (0: run until killed)");

llfree_t *crash_lf;

/* ---- the logged operations (crash.h): each store written back before the next step ---- */

void crash_set_intent(struct crash_log *log, uint64_t intent)
{
	atomic_store_explicit(&log->intent, intent, memory_order_release);
	pmem_persist(&log->intent, sizeof(log->intent));
}

static void set_slot(struct crash_log *log, uint32_t slot, uint64_t block)
{
	atomic_store_explicit(&log->slot[slot], block, memory_order_release);
	pmem_persist(&log->slot[slot], sizeof(log->slot[slot]));
}

static void op_done(struct crash_log *log)
{
	atomic_store_explicit(&log->ops, atomic_load_explicit(&log->ops, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	crash_set_intent(log, 0); /* same line: ops is written back with it */
}

static llfree_result_t logged_get(unsigned core, struct crash_log *log, uint32_t slot, unsigned order,
				  llfree_kind_t kind)
{
	uint64_t frame;
	crash_set_intent(log, CRASH_OP_GET | (uint64_t)kind << BLOCK_KIND_SHIFT | order);
	llfree_result_t r = llfree_get(crash_lf, core, order, kind, &frame);
	if (r == LLFREE_OK)
		set_slot(log, slot, block_make(frame, order, kind));
	op_done(log);
	return r;
}

llfree_result_t crash_logged_put(unsigned core, struct crash_log *log, uint32_t slot, uint64_t block)
{
	crash_set_intent(log, CRASH_OP_PUT | block);
	if (slot != NO_SLOT)
		set_slot(log, slot, 0);
	llfree_result_t r = llfree_put(crash_lf, core, block_frame(block), block_order(block), block_kind(block));
	op_done(log);
	return r;
}

/* ---- crash mode ---- */

static _Atomic uint64_t deadline; /* TSC; 0: run until killed */

/* Mostly single frames, some small blocks, a few huge frames. */
static unsigned pick_order(uint64_t *rng, llfree_kind_t *kind)
{
	uint64_t p = xorshift64s(rng) % 100;
	*kind = (llfree_kind_t)(xorshift64s(rng) % 2);
	if (p < 80)
		return 0;
	if (p < 96)
		return 1 + (unsigned)(xorshift64s(rng) % 6);
	*kind = LLFREE_KIND_HUGE;
	return LLFREE_HUGE_ORDER;
}

static uint64_t total_ops(unsigned cores)
{
	uint64_t ops = 0;
	for (unsigned c = 0; c < cores; c++)
		ops += atomic_load_explicit(&log_of(c)->ops, memory_order_relaxed);
	return ops;
}

static void crash_core(unsigned core, void *arg)
{
	unsigned cores = *(const unsigned *)arg;
	struct crash_log *log = log_of(core);
	uint64_t rng = (opt_seed + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)core + 1) * 0xbf58476d1ce4e5b9ull;
	uint64_t start = tsc_begin(), next_progress = start + tsc_us_to_ticks(PROGRESS_EVERY_US);
	for (uint64_t n = 0;; n++) {
		uint32_t slot = (uint32_t)(xorshift64s(&rng) % opt_slots);
		uint64_t held = atomic_load_explicit(&log->slot[slot], memory_order_relaxed);
		llfree_result_t r;
		if (held) {
			r = crash_logged_put(core, log, slot, held);
		} else {
			llfree_kind_t kind;
			unsigned order = pick_order(&rng, &kind);
			r = logged_get(core, log, slot, order, kind);
			if (r == LLFREE_ERR_MEMORY)
				r = LLFREE_OK;
		}
		if (r != LLFREE_OK) {
			kprintf("ERROR msg=\"crash mode: core %u slot %u: %s\"\n", core, slot, llfree_strerror(r));
			kernel_exit(false, "crash mode: LLFree error");
		}
		if (n % 64)
			continue;
		uint64_t now = tsc_begin(), end = atomic_load_explicit(&deadline, memory_order_relaxed);
		if (end && now >= end)
			return;
		if (core == 0 && now >= next_progress) {
			next_progress = now + tsc_us_to_ticks(PROGRESS_EVERY_US);
			kprintf("PROGRESS test=crash ms=%llu ops=%llu\n",
				(unsigned long long)(tsc_ticks_to_us(now - start) / 1000),
				(unsigned long long)total_ops(cores));
		}
	}
}

static bool crash_mode(unsigned cores)
{
	if (opt_slots == 0 || opt_slots > CRASH_SLOTS) {
		kprintf("ERROR msg=\"crash_slots=%llu: want 1..%u\"\n", (unsigned long long)opt_slots, CRASH_SLOTS);
		return false;
	}
	if (cores > PMEM_LOG_CORES) {
		kprintf("WARN msg=\"crash mode: %u cores, logs for %u: running on the first %u\"\n", cores,
			PMEM_LOG_CORES, PMEM_LOG_CORES);
		cores = PMEM_LOG_CORES;
	}
	uint64_t ops0 = total_ops(cores);
	if (opt_seconds)
		atomic_store(&deadline, tsc_begin() + tsc_us_to_ticks(opt_seconds * 1000000ull));
	kprintf("PROGRESS test=crash cores=%u seed=%llu slots=%llu seconds=%llu until=%s\n", cores,
		(unsigned long long)opt_seed, (unsigned long long)opt_slots, (unsigned long long)opt_seconds,
		opt_seconds ? "deadline" : "killed");
	run_cores(cores, crash_core, &cores);
	llfree_result_t r = llfree_validate(crash_lf);
	kprintf("TEST name=crash cores=%u result=%s ops=%llu seconds=%llu validate=%s\n", cores,
		r == LLFREE_OK ? "ok" : "fail", (unsigned long long)(total_ops(cores) - ops0),
		(unsigned long long)opt_seconds, llfree_strerror(r));
	return r == LLFREE_OK;
}

bool crash_run(unsigned cores)
{
	crash_lf = pmem_llfree();
	if (!crash_lf) {
		if (opt_crash)
			kprintf("ERROR msg=\"crash=1 needs pmem=overwrite or pmem=recover\"\n");
		return !opt_crash;
	}
	if (pmem_info()->mode == PMEM_RECOVER && !crash_recover_check(cores))
		return false;
	if (opt_crash && !crash_mode(cores))
		return false;
	pmem_shutdown();
	kprintf("pmem: orderly shutdown, the next pmem=recover is shallow\n");
	return true;
}
