/*
 * run_cores: jobs for all CPUs and the idle loop of APs (see run_cores.h);
 * stopping every other CPU when one panics is arch/cpu_stop.c.
 *
 * Every wait but the BSP's bounded check-in wait sleeps in HLT (see
 * lib/barrier.c for why no wake-up is lost).
 */
#include "lib/run_cores.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/barrier.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/watchdog.h"
#include "verdict.h"

/* ticket = generation << TICKET_GEN_SHIFT | cores */
#define TICKET_GEN_SHIFT 16
#define TICKET_CORES_MASK 0xFFFFu
/* An AP that does not check in within this time is reported and the run fails. */
#define CHECKIN_TIMEOUT_S 10u

static struct {
	core_fn fn;
	void *arg;
	_Atomic uint64_t ticket;
	_Atomic unsigned checked_in;
	_Atomic unsigned finished;
	unsigned cores;
	struct barrier start;     /* all participants, then everybody begins */
} job;

static uint64_t generation;
static const char *phase = "boot";

static uint64_t opt_hang_cpu;
KOPT_UINT(opt_hang_cpu, "hang_cpu", "0",
	  "self-test: CPU N (1..) spins with interrupts off in the first job it joins (of hang_phase); "
	  "the watchdog must end the run naming it");
static char opt_hang_phase[16];
KOPT_STRING(opt_hang_phase, "hang_phase", "any",
	  "with hang_cpu=N: the phase whose first job hangs: any, selftest, pat-check, stress, mce-poll, bench, pmem");
static _Atomic bool hung;

static struct kopt_list opt_panic_cpu;
KOPT_LIST(opt_panic_cpu, "panic_cpu", "0",
	  "self-test: CPU N (1..) panics inside a job on every core; all stop, the run fails. "
	  "N,M: both panic at the same moment, one report (not taken for a nested panic)");
/* How long the CPUs of panic_cpu=N,M wait for each other before they panic anyway. */
#define PANIC_TOGETHER_US 1000000ull
static _Atomic unsigned panic_ready;

static void wake_handler(struct trap_frame *frame)
{
	(void)frame;
	apic_eoi();
}

/* Spurious interrupts (SDM 11.9) need no EOI. */
static void spurious_handler(struct trap_frame *frame)
{
	(void)frame;
}

void run_cores_init(void)
{
	idt_set_handler(APIC_VECTOR_WAKE, wake_handler);
	idt_set_handler(APIC_VECTOR_SPURIOUS, spurious_handler);
	/* From here the BSP takes IPIs too: wake-ups (and the NMI stop of a panic elsewhere, arch/cpu_stop.c). */
	sti();
}

/* hang_cpu=N: what a livelocked or wedged CPU looks like to the others. */
static void hang_selftest(unsigned core)
{
	if (core != opt_hang_cpu || (strcmp(opt_hang_phase, "any") != 0 && strcmp(opt_hang_phase, phase) != 0))
		return;
	if (atomic_exchange(&hung, true))
		return;
	cli();
	for (;;)
		cpu_pause();
}

static void run_job(unsigned core, uint64_t gen)
{
	struct percpu *self = this_cpu();
	atomic_store_explicit(&self->job_joined, gen, memory_order_release);
	atomic_fetch_add_explicit(&job.checked_in, 1, memory_order_acq_rel);
	barrier_wait(&job.start);
	hang_selftest(core);
	job.fn(core, job.arg);
	atomic_store_explicit(&self->job_done, gen, memory_order_release);
	if (atomic_fetch_add_explicit(&job.finished, 1, memory_order_acq_rel) + 1 == job.cores - 1)
		wake_cpu(0);
}

void run_cores_phase(const char *name)
{
	phase = name;
}

const char *run_cores_phase_name(void)
{
	return phase;
}

int run_cores_stuck_cpu(void)
{
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 1; i < job.cores; i++) {
			struct percpu *cpu = percpu_get(i);
			bool done = atomic_load_explicit(&cpu->job_done, memory_order_acquire) == generation;
			bool waiting = atomic_load_explicit(&cpu->wait_word, memory_order_acquire) != 0;
			if (!done && (pass == 1 || !waiting))
				return (int)i; /* first pass: working; second: all left are waiting (a deadlock) */
		}
	}
	return -1;
}

void run_cores_ap_loop(struct percpu *cpu)
{
	uint64_t seen = 0;
	for (;;) {
		cli();
		uint64_t ticket = atomic_load_explicit(&job.ticket, memory_order_acquire);
		uint64_t gen = ticket >> TICKET_GEN_SHIFT;
		if (gen == seen || cpu->index >= (ticket & TICKET_CORES_MASK)) {
			seen = gen;
			__asm__ volatile("sti; hlt" ::: "memory");
			continue;
		}
		seen = gen;
		sti(); /* wake-ups inside the job (barriers) */
		run_job(cpu->index, gen);
	}
}

/* Every AP of the job that has not joined it gets its wake-up again; the first of them, or -1. */
static int resend_not_joined(uint64_t waited)
{
	int first = -1;
	for (unsigned i = 1; i < job.cores; i++) {
		if (atomic_load_explicit(&percpu_get(i)->job_joined, memory_order_acquire) == generation)
			continue;
		watchdog_resend(i, waited, "job-start");
		first = first < 0 ? (int)i : first;
	}
	return first;
}

/* Only the BSP spins, and only while the others wake up: bounded, lost wake-ups sent again. */
static void wait_checked_in(unsigned want)
{
	uint64_t t0 = tsc_begin(), last = t0;
	uint64_t resend = tsc_us_to_ticks(WATCHDOG_RESEND_MS * 1000ull);
	while (atomic_load_explicit(&job.checked_in, memory_order_acquire) != want) {
		uint64_t now = tsc_begin();
		if (now - last > resend) {
			int late = resend_not_joined(now - t0);
			last = now;
			if (late > 0 && now - t0 > CHECKIN_TIMEOUT_S * tsc_hz())
				watchdog_stuck((unsigned)late, "the start of a job", CHECKIN_TIMEOUT_S);
		}
		cpu_pause();
	}
}

void run_cores(unsigned cores, core_fn fn, void *arg)
{
	unsigned online = percpu_count();
	if (cores == 0 || cores > online) {
		kprintf("WARN msg=\"run_cores: %u cores asked, %u online\"\n", cores, online);
		cores = cores == 0 ? 1 : online;
	}
	generation++;
	job.fn = fn;
	job.arg = arg;
	job.cores = cores;
	barrier_init(&job.start, cores);
	atomic_store(&job.checked_in, 0);
	atomic_store(&job.finished, 0);
	atomic_store_explicit(&job.ticket, generation << TICKET_GEN_SHIFT | cores, memory_order_release);
	for (unsigned i = 1; i < cores; i++)
		wake_cpu(i);

	wait_checked_in(cores - 1);
	barrier_wait(&job.start);
	fn(0, arg);
	for (unsigned done; (done = atomic_load_explicit(&job.finished, memory_order_acquire)) != cores - 1;)
		wait_while_equal(&job.finished, done);
}

static bool is_panic_cpu(unsigned core)
{
	for (size_t i = 0; i < opt_panic_cpu.count; i++)
		if (opt_panic_cpu.items[i] == core)
			return true;
	return false;
}

/* The chosen cores panic together; the others spin with interrupts off: only an NMI stops them. */
static void panic_job(unsigned core, void *arg)
{
	(void)arg;
	if (is_panic_cpu(core)) {
		uint64_t deadline = tsc_begin() + tsc_us_to_ticks(PANIC_TOGETHER_US);
		atomic_fetch_add(&panic_ready, 1);
		while (atomic_load(&panic_ready) < opt_panic_cpu.count && tsc_begin() < deadline)
			cpu_pause();
		panic("panic_cpu=%u: deliberate panic on cpu %u (apic id %u)", core, core, this_cpu()->apic_id);
	}
	cli();
	for (;;)
		cpu_pause();
}

/* A self-test that was asked for and cannot run is a failed run, not a skipped one. */
static void selftest_cpu_check(const char *key, uint64_t n, const char *reason)
{
	if (n != 0 && n < percpu_count())
		return;
	kprintf("ERROR msg=\"%s=%llu: only CPUs 1..%u can run the self-test (%u online)\"\n", key,
		(unsigned long long)n, percpu_count() - 1, percpu_count());
	kernel_exit(false, reason);
}

void run_cores_selftest(void)
{
	if (opt_hang_cpu != 0) /* 0: off */
		selftest_cpu_check("hang_cpu", opt_hang_cpu, "hang_cpu out of range");
	if (opt_panic_cpu.count == 1 && opt_panic_cpu.items[0] == 0)
		return;
	for (size_t i = 0; i < opt_panic_cpu.count; i++)
		selftest_cpu_check("panic_cpu", opt_panic_cpu.items[i], "panic_cpu out of range");
	run_cores(percpu_count(), panic_job, NULL);
}
