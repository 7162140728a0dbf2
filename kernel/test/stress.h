/*
 * LLFree stress test on every core, in the kernel, over all RAM.
 *
 * Phases (every core, together):
 *   1. random mix: orders and kinds drawn from the options, allocations up
 *      to a per-core budget (stress_mem percent of free memory), frees, and
 *      hand-offs of held blocks to other cores, which check and free them;
 *   2. exhaustion: every core allocates from the largest order down to the
 *      smallest until LLFree reports out of memory; then each core frees its
 *      neighbour's blocks.
 * Every held frame carries a signature (core, sequence) written through the
 * direct map and checked before it is freed; a global ownership bitmap with
 * atomic test-and-set stops the run at the first frame handed out twice,
 * naming the frame and both cores. At the end every frame is free again and
 * llfree_validate passes.
 *
 * Options (kernel command line): stress=1|0, stress_rounds=N,
 * stress_seconds=N (overrides rounds), stress_orders=A-B,
 * stress_kinds=immovable,movable,huge, stress_mem=PERCENT (0..100),
 * stress_seed=N, stress_inject=double|overwrite (self-test of the checks:
 * the run must fail).
 */
#ifndef KERNEL_TEST_STRESS_H
#define KERNEL_TEST_STRESS_H

#include <stdbool.h>

/* Run the test on cores 0 .. cores-1 if enabled; prints the TEST line. False on failure. */
bool stress_run(unsigned cores);

#endif
