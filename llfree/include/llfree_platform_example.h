/*
 * LLFree platform hooks: what a user of the library must supply.
 *
 * The library sources include "llfree_platform.h"; each user puts a file of
 * that name in its include path (the host version is
 * llfree/platform/host/llfree_platform.h, the kernel has its own). Every
 * hook is a macro or a static inline function, so that the library needs no
 * symbol from its user at link time. This example is itself a valid,
 * freestanding platform: it logs nothing and has no persistence; copy it
 * and fill in the bodies.
 *
 *   llfree_log(fmt, ...)       printf-like diagnostic output (one line per call,
 *                              the library ends its lines with "\n")
 *   llfree_assert(cond)        panic with a message when cond is false; the
 *                              library checks only invariants that hold for
 *                              every correct caller (bad input returns a code)
 *   llfree_spin_pause()        a hint inside a retry loop (x86: PAUSE)
 *   llfree_writeback(addr)     write the cache line holding addr back to
 *                              persistent memory (x86: CLWB, CLFLUSHOPT or CLFLUSH)
 *   llfree_fence()             order the preceding write-backs before later
 *                              stores (x86: SFENCE)
 *
 * The last two are called only when llfree_init had cfg->persistent set.
 */
#ifndef LLFREE_PLATFORM_H
#define LLFREE_PLATFORM_H

/* A real platform prints; this one only type-checks the arguments. */
__attribute__((format(printf, 1, 2))) static inline void llfree_log_discard(const char *fmt, ...)
{
	(void)fmt;
}
#define llfree_log(...) llfree_log_discard(__VA_ARGS__)

#define llfree_assert(cond)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static inline void llfree_spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause");
#endif
}

static inline void llfree_writeback(const void *addr)
{
	(void)addr;
}

static inline void llfree_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif /* LLFREE_PLATFORM_H */
