/*
 * LLFree platform hooks for the kernel (contract:
 * llfree/include/llfree_platform_example.h). The library sources are the
 * same as on the host; only this header differs. kernel/platform/ is the
 * only kernel directory on LLFree's include path (the layers run one way:
 * kernel -> bench -> llfree), so this header includes no kernel header and
 * declares the two kernel functions it calls; kernel files that include it
 * next to lib/printf.h and lib/panic.h make the compiler check that the
 * declarations agree.
 *
 * Write-back for persistent memory uses the best instruction the CPU has,
 * chosen once by frames_platform_init() from CPUID (Intel SDM Vol. 2A:
 * CPUID.(EAX=7,ECX=0):EBX[24] CLWB, EBX[23] CLFLUSHOPT; CPUID.1:EDX[19]
 * CLFLUSH), followed by SFENCE (CLFLUSH is ordered by itself, the others
 * are not: Vol. 2A CLWB/CLFLUSHOPT "ordering" notes).
 */
#ifndef LLFREE_PLATFORM_H
#define LLFREE_PLATFORM_H

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum llfree_writeback_insn {
	LLFREE_WB_CLFLUSH = 0,
	LLFREE_WB_CLFLUSHOPT = 1,
	LLFREE_WB_CLWB = 2,
};
/* Set by frames_platform_init() (kernel/mm/frames.c) before llfree_init. */
extern enum llfree_writeback_insn llfree_writeback_insn;

#define llfree_log(...) kprintf(__VA_ARGS__)

#define llfree_assert(cond)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			panic("llfree assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);  \
	} while (0)

static inline void llfree_spin_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void llfree_writeback(const void *addr)
{
	const volatile char *line = (const volatile char *)addr;
	switch (llfree_writeback_insn) {
	case LLFREE_WB_CLWB:
		__asm__ volatile("clwb %0" ::"m"(*line) : "memory");
		break;
	case LLFREE_WB_CLFLUSHOPT:
		__asm__ volatile("clflushopt %0" ::"m"(*line) : "memory");
		break;
	default:
		__asm__ volatile("clflush %0" ::"m"(*line) : "memory");
		break;
	}
}

static inline void llfree_fence(void)
{
	__asm__ volatile("sfence" ::: "memory");
}

#endif /* LLFREE_PLATFORM_H */
