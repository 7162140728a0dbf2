/*
 * LLFree platform hooks for host programs (tests, benchmarks, tools), on
 * libc. The contract is documented in llfree/include/llfree_platform_example.h.
 */
#ifndef LLFREE_PLATFORM_H
#define LLFREE_PLATFORM_H

#include <assert.h>
#include <sched.h>
#include <stdio.h>

/* stderr, after the prefix a test set with llfree_host_log_prefix (log.c). */
__attribute__((format(printf, 1, 2))) void llfree_host_log(const char *fmt, ...);
void llfree_host_log_prefix(const char *prefix); /* NULL: none */
#define llfree_log(...) llfree_host_log(__VA_ARGS__)
#define llfree_assert(cond) assert(cond)

static inline void llfree_spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	sched_yield();
#endif
}

/* CLFLUSH is in every x86-64 CPU; CLWB would keep the line cached but needs a CPUID check. */
static inline void llfree_writeback(const void *addr)
{
#if defined(__x86_64__)
	__asm__ volatile("clflush %0" : : "m"(*(const volatile char *)addr) : "memory");
#else
	(void)addr;
#endif
}

static inline void llfree_fence(void)
{
#if defined(__x86_64__)
	__asm__ volatile("sfence" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif /* LLFREE_PLATFORM_H */
