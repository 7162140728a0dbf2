/*
 * Machine checks (see mce.h). Intel SDM Vol. 3B, 16.3.1 (IA32_MCG_CAP,
 * IA32_MCG_STATUS, IA32_MCG_CTL), 16.3.2 (IA32_MCi_CTL, _STATUS, _ADDR,
 * _MISC), 16.8 and Example 16-1 (initialization), 16.10 (handler), 16.5
 * (the corrected-error count of IA32_MCi_STATUS[52:38] with MCG_CMCI_P).
 */
#include "arch/mce.h"

#include <stdatomic.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "verdict.h"

#define CPUID_1_EDX_MCE (1u << 7)
#define CPUID_1_EDX_MCA (1u << 14)

#define MSR_IA32_MCG_CAP 0x179u
#define MSR_IA32_MCG_STATUS 0x17Au
#define MSR_IA32_MCG_CTL 0x17Bu
#define MSR_IA32_MC0_CTL 0x400u /* bank i: CTL, STATUS, ADDR, MISC at 0x400 + 4i + 0..3 */
#define MCI_CTL(i) (MSR_IA32_MC0_CTL + 4u * (i))
#define MCI_STATUS(i) (MSR_IA32_MC0_CTL + 4u * (i) + 1u)
#define MCI_ADDR(i) (MSR_IA32_MC0_CTL + 4u * (i) + 2u)
#define MCI_MISC(i) (MSR_IA32_MC0_CTL + 4u * (i) + 3u)

#define MCG_CAP_COUNT_MASK 0xFFull
#define MCG_CTL_P (1ull << 8)
#define MCG_CMCI_P (1ull << 10)
#define MCG_SER_P (1ull << 24)
#define MCG_LMCE_P (1ull << 27)

#define MCG_STATUS_RIPV (1ull << 0)
#define MCG_STATUS_MCIP (1ull << 2)

#define MCI_STATUS_VAL (1ull << 63)
#define MCI_STATUS_UC (1ull << 61)
#define MCI_STATUS_MISCV (1ull << 59)
#define MCI_STATUS_ADDRV (1ull << 58)
#define MCI_STATUS_CEC_SHIFT 38 /* corrected error count, bits 52:38, with MCG_CMCI_P */
#define MCI_STATUS_CEC_MASK 0x7FFFull

#define BANKS_MAX 256 /* IA32_MCG_CAP.Count is 8 bits */
/* A CPU of a broadcast #MC with nothing in its banks gives the one that logged the error this long. */
#define RENDEZVOUS_US 100000ull

static uint64_t mcg_cap;
static bool have_mce, have_mca;
static bool skip_bank0_ctl;
static _Atomic unsigned lines_printed; /* ERROR lines of #MC handlers, all CPUs */

struct bank {
	uint64_t status, addr, misc;
};

static bool is_intel_family6_before_1a(void)
{
	struct cpu_ident id;
	cpu_ident_read(&id);
	return id.intel && id.family == 6 && id.model < 0x1A;
}

bool mce_has_cmci(void)
{
	return have_mca && (mcg_cap & MCG_CMCI_P);
}

unsigned mce_banks(void)
{
	return have_mca ? (unsigned)(mcg_cap & MCG_CAP_COUNT_MASK) : 0;
}

/* Bank i's registers; ADDR and MISC only where STATUS says they hold something (16.3.2.3-4). */
static bool read_bank(unsigned i, struct bank *b)
{
	b->status = rdmsr(MCI_STATUS(i));
	if (!(b->status & MCI_STATUS_VAL))
		return false;
	b->addr = (b->status & MCI_STATUS_ADDRV) ? rdmsr(MCI_ADDR(i)) : 0;
	b->misc = (b->status & MCI_STATUS_MISCV) ? rdmsr(MCI_MISC(i)) : 0;
	return true;
}

static void print_bank(const char *tag, const char *msg, int cpu, unsigned i, const struct bank *b)
{
	kprintf("%s msg=\"%s\" cpu=%d bank=%u status=0x%016llx addr=0x%llx misc=0x%llx uc=%d\n", tag, msg, cpu, i,
		(unsigned long long)b->status, (unsigned long long)b->addr, (unsigned long long)b->misc,
		(b->status & MCI_STATUS_UC) ? 1 : 0);
}

void mce_init_this_cpu(void)
{
	if (have_mca) {
		/* 16.8, Example 16-1: every reporting bank on; on family 6 before model 1AH not bank 0. */
		if (mcg_cap & MCG_CTL_P)
			wrmsr(MSR_IA32_MCG_CTL, ~0ull);
		for (unsigned i = skip_bank0_ctl ? 1 : 0; i < mce_banks(); i++)
			wrmsr(MCI_CTL(i), ~0ull);
		/* What the banks hold from before this boot (a warm reset keeps it): log, then clear. */
		for (unsigned i = 0; i < mce_banks(); i++) {
			struct bank b;
			if (read_bank(i, &b)) {
				print_bank("WARN", "machine check logged before this boot", this_cpu_index_or_unknown(), i,
					   &b);
				wrmsr(MCI_STATUS(i), 0);
			}
		}
		if (rdmsr(MSR_IA32_MCG_STATUS) & MCG_STATUS_MCIP)
			wrmsr(MSR_IA32_MCG_STATUS, 0);
	}
	if (have_mce && !(read_cr4() & CR4_MCE))
		write_cr4(read_cr4() | CR4_MCE);
}

/* Every valid bank of this CPU as an ERROR line; how many. */
static unsigned report_banks(int cpu, uint64_t mcg_status, uint64_t rip)
{
	unsigned n = 0;
	for (unsigned i = 0; i < mce_banks(); i++) {
		struct bank b;
		if (!read_bank(i, &b))
			continue;
		kprintf("ERROR msg=\"machine check\" cpu=%d bank=%u status=0x%016llx addr=0x%llx misc=0x%llx "
			"mcg_status=0x%llx rip=0x%llx\n",
			cpu, i, (unsigned long long)b.status, (unsigned long long)b.addr, (unsigned long long)b.misc,
			(unsigned long long)mcg_status, (unsigned long long)rip);
		n++;
	}
	atomic_fetch_add(&lines_printed, n);
	return n;
}

/*
 * #MC (vector 18, on its own IST stack). Every CPU that takes it prints its
 * banks first: Intel broadcasts most uncorrected errors to all CPUs, and
 * only the one that logged the error has it in its banks, so a CPU with
 * empty banks waits briefly for that report before it stops the others.
 * The run always ends here: nothing on this machine can be trusted after.
 */
static void machine_check_handler(struct trap_frame *frame)
{
	int cpu = this_cpu_index_or_unknown();
	uint64_t mcg_status = have_mca ? rdmsr(MSR_IA32_MCG_STATUS) : 0;
	console_panic_mode(); /* this CPU may hold the console lock */
	if (report_banks(cpu, mcg_status, frame->rip) == 0) {
		uint64_t deadline = tsc_begin() + tsc_us_to_ticks(RENDEZVOUS_US);
		while (atomic_load(&lines_printed) == 0 && tsc_begin() < deadline)
			cpu_pause();
		if (atomic_load(&lines_printed) == 0)
			kprintf("ERROR msg=\"machine check\" cpu=%d bank=none status=0x0 addr=0x0 misc=0x0 "
				"mcg_status=0x%llx rip=0x%llx\n",
				cpu, (unsigned long long)mcg_status, (unsigned long long)frame->rip);
	}
	panic_enter();
	if (!(mcg_status & MCG_STATUS_RIPV))
		kprintf("machine check: RIPV clear, the interrupted code cannot be resumed\n");
	panic_backtrace(frame->rip, frame->rbp);
	kernel_exit(false, "machine check");
}

void mce_init_bsp(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	have_mce = (r.edx & CPUID_1_EDX_MCE) != 0;
	have_mca = have_mce && (r.edx & CPUID_1_EDX_MCA) != 0;
	if (have_mca) {
		mcg_cap = rdmsr(MSR_IA32_MCG_CAP);
		skip_bank0_ctl = is_intel_family6_before_1a();
	}
	idt_set_handler(IDT_VECTOR_MACHINE_CHECK, machine_check_handler);
	if (!have_mce)
		kprintf("WARN msg=\"no machine-check exception (CPUID 01H EDX[7]): memory errors go unreported\"\n");
	else
		kprintf("mce: MCG_CAP=0x%llx banks=%u mcg_ctl=%d cmci=%d ser=%d lmce=%d%s\n", (unsigned long long)mcg_cap,
			mce_banks(), (mcg_cap & MCG_CTL_P) ? 1 : 0, (mcg_cap & MCG_CMCI_P) ? 1 : 0,
			(mcg_cap & MCG_SER_P) ? 1 : 0, (mcg_cap & MCG_LMCE_P) ? 1 : 0,
			have_mca ? "" : " (no MCA banks, CPUID 01H EDX[14])");
	mce_init_this_cpu();
}

/* ---- polling for errors that raised no #MC ---- */

static struct {
	struct spinlock lock;   /* banks may be shared by the CPUs of a core or package */
	uint64_t count[BANKS_MAX];
	unsigned cpus[BANKS_MAX];
	int last_cpu[BANKS_MAX];
	struct bank last[BANKS_MAX];
	unsigned uncorrected;
} poll;

/* A corrected error counts 1, or what the bank's corrected-error counter says (16.5). */
static uint64_t error_count(const struct bank *b)
{
	uint64_t cec = (b->status >> MCI_STATUS_CEC_SHIFT) & MCI_STATUS_CEC_MASK;
	return mce_has_cmci() && cec ? cec : 1;
}

static void poll_core(unsigned core, void *arg)
{
	(void)arg;
	spin_lock(&poll.lock);
	for (unsigned i = 0; i < mce_banks(); i++) {
		struct bank b;
		if (!read_bank(i, &b))
			continue;
		wrmsr(MCI_STATUS(i), 0);
		if (b.status & MCI_STATUS_UC) {
			print_bank("ERROR", "uncorrected machine check error without #MC", (int)core, i, &b);
			poll.uncorrected++;
			continue;
		}
		poll.count[i] += error_count(&b);
		poll.cpus[i]++;
		poll.last_cpu[i] = (int)core;
		poll.last[i] = b;
	}
	spin_unlock(&poll.lock);
}

bool mce_poll(unsigned cores)
{
	if (mce_banks() == 0)
		return true;
	memset(&poll, 0, sizeof(poll));
	run_cores(cores, poll_core, NULL);
	for (unsigned i = 0; i < mce_banks(); i++) {
		if (poll.count[i] == 0)
			continue;
		const struct bank *b = &poll.last[i];
		kprintf("WARN msg=\"corrected machine check errors\" bank=%u count=%llu cpus=%u cpu=%d "
			"status=0x%016llx addr=0x%llx misc=0x%llx\n",
			i, (unsigned long long)poll.count[i], poll.cpus[i], poll.last_cpu[i],
			(unsigned long long)b->status, (unsigned long long)b->addr, (unsigned long long)b->misc);
	}
	return poll.uncorrected == 0;
}
