/*
 * The paper's benchmarks (bench/, shared/design/benchmarks.md) in the
 * kernel, on every online CPU, over the kernel's free memory.
 *
 * Command line: the benchmark keys of bench/options.h, forwarded to
 * bench_option() as they are parsed, so a bad value fails the boot with the
 * benchmark parser's own message:
 *   bench=bulk,repeat,rand,frag  alloc=llfree,buddy,list  orders=0,9
 *   cores=1,2,4  iterations=N  rounds=N  mem_percent=PERCENT  memory=SIZE
 * Nothing runs without bench=. The benchmarks run after the stress test
 * (stress=0 skips that), so they start from an allocator the stress test has
 * just checked, on every CPU that came online.
 *
 * Memory: the allocators under test manage frame numbers only, but each run
 * needs real buffers (8 bytes per frame for the frame array, the allocator's
 * metadata); they come from the kernel's LLFree through mm/contig.h. The
 * frames the benchmarks may manage are the kernel's free frames minus what
 * those buffers take; mem_percent=PERCENT is a share of that, memory=SIZE an
 * absolute size (refused above it).
 */
#ifndef KERNEL_TEST_BENCHMARKS_H
#define KERNEL_TEST_BENCHMARKS_H

#include <stdbool.h>

/*
 * Run the benchmarks if bench= was given (RESULT lines, then a TEST line);
 * true if none were asked for. False (ERROR lines say why) if one failed.
 */
bool kbench_run(void);

#endif
