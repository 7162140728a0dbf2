/*
 * Crash test of the persistent LLFree instance (kernel/mm/pmem.h), after
 * the paper's crash benchmark (Wrenger et al., ATC'23, section 5): every
 * core allocates and frees in the persistent instance and records what it
 * holds in its own log in persistent memory, until the machine is killed
 * (run-qemu.sh --kill-after). The next boot with pmem=recover compares the
 * recovered allocator with the logs.
 *
 * A core's log (PMEM_LOG_BYTES in pmem.h's log region):
 *   line 0   intent: the operation in flight, 0 when none
 *              CRASH_OP_GET | kind << 8 | order    (the frame is not known yet)
 *              CRASH_OP_PUT | block                (the block being freed)
 *            ops: completed operations (progress only)
 *   slot[]   blocks the core holds: (frame + 1) << 16 | kind << 8 | order, 0 = empty
 * Every store is written back and fenced before the next step:
 *   get: intent = GET; llfree_get; slot = block; intent = 0
 *   put: intent = PUT(block); slot = 0; llfree_put; intent = 0
 * so a block in a slot is surely allocated, and the intent names the only
 * block of the core whose state is unknown ("in flight"). Orders are 0..6
 * and 9, whose lower-level update is one CAS: an in-flight block is wholly
 * allocated or wholly free after a crash.
 *
 * Recovery check (pmem=recover): every logged frame is allocated and logged
 * once; every allocated frame is logged or belongs to one in-flight block
 * of a core (at most one block per core); then everything the logs hold is
 * freed (with the same logged put), every frame must be free, and validate
 * passes. TEST name=recover ... carries the counts and the recovery time.
 *
 * Options: crash=1 runs the crash mode after the check (never ends unless
 * crash_seconds=N > 0: then every core stops after N s, keeps its blocks,
 * and the boot ends with an orderly shutdown); crash_seed=N; crash_slots=N.
 */
#ifndef KERNEL_TEST_CRASH_H
#define KERNEL_TEST_CRASH_H

#include <stdbool.h>
#include <stdint.h>

#define CRASH_OP_GET (1ull << 62)
#define CRASH_OP_PUT (1ull << 63)
#define CRASH_SLOTS 120u

struct crash_log {
	_Atomic uint64_t intent;
	_Atomic uint64_t ops;
	uint64_t reserved[6];
	_Atomic uint64_t slot[CRASH_SLOTS];
};

/*
 * With pmem on: the recovery check (pmem=recover), then the crash mode
 * (crash=1), then pmem_shutdown. True when all passed (or pmem is off);
 * with crash=1 and crash_seconds=0 it does not return.
 */
bool crash_run(unsigned cores);

#endif
