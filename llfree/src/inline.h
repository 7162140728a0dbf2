/*
 * Inlining of the hot paths. Each level of LLFree is its own file (area,
 * bitfield, lower, tree, upper), and the builds use no link-time
 * optimization, so a get or put would cross a call per level; the levels'
 * hot functions therefore live in their headers. Inside a file the
 * compiler's heuristics still keep a function that has several callers out
 * of line; LLFREE_HOT forces the few on the common path into their callers
 * (GCC and Clang, the compilers of the host and the kernel).
 */
#ifndef LLFREE_INLINE_H
#define LLFREE_INLINE_H

#define LLFREE_HOT inline __attribute__((always_inline))
/* The rare rest of a hot function, kept out of it so that it needs fewer registers. */
#define LLFREE_COLD __attribute__((noinline))

#endif
