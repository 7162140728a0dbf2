/*
 * LLFree stress test on every core (see stress.h for the phases).
 */
#include "test/stress.h"

#include <stdatomic.h>
#include <stdint.h>

#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/barrier.h"
#include "lib/printf.h"
#include "summary.h"
#include "lib/run_cores.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "llfree.h"
#include "mm/contig.h"
#include "mm/frames.h"
#include "rand.h"

#define INBOX_CAP 64
#define HELD_MAX 1024u
#define HELD_MIN 16u
#define LIST_END UINT64_MAX
/* Signature word: "ST" | core (16 bits) | sequence (32 bits). */
#define SIG_MAGIC (0x5354ull << 48)
#define SIG_CORE_SHIFT 32
#define SIG_SEQ_MASK 0xFFFFFFFFull

/* ---- options ---- */

struct order_range {
	unsigned min, max;
};

static bool opt_stress;
static uint64_t opt_rounds;
static uint64_t opt_seconds;
static uint64_t opt_mem_percent;
static uint64_t opt_seed;
static struct order_range opt_orders;
static unsigned opt_kinds; /* bit per llfree_kind_t */

static const char *const kind_names[LLFREE_KINDS] = { "immovable", "movable", "huge" };

/* Self-tests of the checks: a frame handed out twice, a held frame overwritten. */
enum inject { INJECT_NONE, INJECT_DOUBLE, INJECT_OVERWRITE };
static const char *const inject_names[] = { "none", "double", "overwrite", NULL };
static unsigned opt_inject;

static bool parse_uint_prefix(const char **s, unsigned *out)
{
	unsigned v = 0;
	const char *p = *s;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9' && v < 1000)
		v = v * 10 + (unsigned)(*p++ - '0');
	*s = p;
	*out = v;
	return true;
}

static bool parse_orders(const char *value, void *dest, char *err, size_t err_size)
{
	struct order_range *r = dest;
	const char *p = value;
	if (!parse_uint_prefix(&p, &r->min))
		goto bad;
	r->max = r->min;
	if (*p == '-' && (p++, !parse_uint_prefix(&p, &r->max)))
		goto bad;
	if (*p || r->min > r->max || r->max > LLFREE_MAX_ORDER)
		goto bad;
	return true;
bad:
	ksnprintf(err, err_size, "want A-B with 0 <= A <= B <= %u", LLFREE_MAX_ORDER);
	return false;
}

static bool parse_kinds(const char *value, void *dest, char *err, size_t err_size)
{
	unsigned mask = 0;
	const char *p = value;
	while (*p) {
		size_t len = 0;
		while (p[len] && p[len] != ',')
			len++;
		unsigned k = 0;
		while (k < LLFREE_KINDS && !(strlen(kind_names[k]) == len && !strncmp(p, kind_names[k], len)))
			k++;
		if (k == LLFREE_KINDS) {
			ksnprintf(err, err_size, "kinds are a comma list of immovable, movable, huge");
			return false;
		}
		mask |= 1u << k;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!mask) {
		ksnprintf(err, err_size, "at least one kind");
		return false;
	}
	*(unsigned *)dest = mask;
	return true;
}

/* More than all free memory means nothing (and free / 100 * percent could overflow). */
static bool parse_percent(const char *value, void *dest, char *err, size_t err_size)
{
	unsigned v;
	const char *p = value;
	if (!parse_uint_prefix(&p, &v) || *p || v > 100) {
		ksnprintf(err, err_size, "want a percentage 0..100");
		return false;
	}
	*(uint64_t *)dest = v;
	return true;
}

KOPT_BOOL(opt_stress, "stress", "1", "run the LLFree stress test on every core");
KOPT_UINT(opt_rounds, "stress_rounds", "300", "random-mix rounds per core");
KOPT_UINT(opt_seconds, "stress_seconds", "0", "random-mix duration (overrides stress_rounds when > 0)");
KOPT_CUSTOM(opt_mem_percent, "stress_mem", "PERCENT", parse_percent, "10",
	    "percent of free memory the random mix may hold");
KOPT_UINT(opt_seed, "stress_seed", "42", "random seed (each core adds its index)");
KOPT_ENUM(opt_inject, "stress_inject", inject_names, "none",
	  "self-test: core 0 claims its first block twice (double) or scribbles on it (overwrite); the run must fail");
KOPT_CUSTOM(opt_orders, "stress_orders", "A-B", parse_orders, "0-10", "orders of the random mix");
KOPT_CUSTOM(opt_kinds, "stress_kinds", "K,K", parse_kinds, "immovable,movable,huge",
	    "kinds of the random mix");

/* ---- state ---- */

struct block {
	uint64_t frame;
	uint32_t seq;
	uint8_t order;
	uint8_t kind;
	uint16_t core; /* signer */
};
_Static_assert(sizeof(struct block) == 16, "block is two words");

/* At the start of every held frame. */
struct signature {
	uint64_t tag;
	uint64_t frame;
};

/* At the start of the first frame of a block held in the exhaustion phase. */
struct list_node {
	struct signature sig;
	uint64_t next; /* first frame of the next block, LIST_END at the end */
	uint32_t order, kind;
};

struct counts {
	uint64_t rounds, allocs, frees, handoffs, received, oom, exhaust_allocs;
};

struct inbox {
	struct spinlock lock;
	unsigned count;
	struct block items[INBOX_CAP];
};

struct core_state {
	struct block *held;
	unsigned held_count, held_cap;
	uint64_t held_frames, budget_frames;
	uint64_t list_head; /* exhaustion phase */
	uint64_t rng;
	uint32_t seq;
	struct counts counts;
	struct inbox inbox;
} __attribute__((aligned(64)));

static struct {
	llfree_t *lf;
	unsigned cores;
	struct core_state *cs;
	_Atomic uint64_t *owned; /* bit per frame */
	uint64_t deadline;       /* TSC, 0: use rounds */
	struct barrier barrier;
	_Atomic bool failed;
	char why[256];
	uint64_t exhaust_left;
} st;

/* ---- helpers ---- */

static void fail(const char *fmt, ...) KPRINTF_FORMAT(1, 2);
static void fail(const char *fmt, ...)
{
	if (atomic_exchange(&st.failed, true))
		return;
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(st.why, sizeof(st.why), fmt, ap);
	va_end(ap);
	kprintf("ERROR msg=\"stress: %s\"\n", st.why);
}

static bool failed(void)
{
	return atomic_load_explicit(&st.failed, memory_order_relaxed);
}

/* 0 .. n-1 from the core's xorshift64* (rand.h). */
static unsigned pick(struct core_state *cs, unsigned n)
{
	return (unsigned)((xorshift64s(&cs->rng) >> 32) % n);
}

static struct signature *frame_sig(uint64_t frame)
{
	return phys_to_virt(frame * PAGE_SIZE);
}

static uint64_t sig_tag(unsigned core, uint32_t seq)
{
	return SIG_MAGIC | (uint64_t)core << SIG_CORE_SHIFT | seq;
}

static unsigned tag_core(uint64_t tag)
{
	return (unsigned)((tag >> SIG_CORE_SHIFT) & 0xFFFF);
}

/*
 * Mark frames first .. first+n-1 as held by `core`. At the first frame that
 * is already marked: fail, naming it and, from its signature, the holder.
 */
static bool claim(uint64_t first, uint64_t n, unsigned core)
{
	for (uint64_t f = first; f < first + n;) {
		unsigned bit = (unsigned)(f % 64);
		uint64_t span = 64 - bit < first + n - f ? 64 - bit : first + n - f;
		uint64_t mask = (span == 64 ? ~0ull : ((1ull << span) - 1)) << bit;
		uint64_t old = atomic_fetch_or_explicit(&st.owned[f / 64], mask, memory_order_acq_rel);
		if (old & mask) {
			uint64_t dup = f / 64 * 64 + (uint64_t)__builtin_ctzll(old & mask);
			uint64_t tag = frame_sig(dup)->tag;
			fail("frame 0x%llx allocated twice: core %u got it while core %u (seq %llu) holds it",
			     (unsigned long long)dup, core, tag_core(tag), (unsigned long long)(tag & SIG_SEQ_MASK));
			return false;
		}
		f += span;
	}
	return true;
}

static bool release(uint64_t first, uint64_t n, unsigned core)
{
	for (uint64_t f = first; f < first + n;) {
		unsigned bit = (unsigned)(f % 64);
		uint64_t span = 64 - bit < first + n - f ? 64 - bit : first + n - f;
		uint64_t mask = (span == 64 ? ~0ull : ((1ull << span) - 1)) << bit;
		uint64_t old = atomic_fetch_and_explicit(&st.owned[f / 64], ~mask, memory_order_acq_rel);
		if ((old & mask) != mask) {
			fail("core %u frees frame 0x%llx that no core holds", core,
			     (unsigned long long)(f / 64 * 64 + (uint64_t)__builtin_ctzll(~old & mask)));
			return false;
		}
		f += span;
	}
	return true;
}

/*
 * Frames of a block that carry a signature: all of them, or (SIGN_ENDS) the
 * first and the last. The exhaustion phase holds all RAM at once, and the
 * first touch of a guest page is expensive under QEMU (about 100 us of host
 * time per 4 KiB page here), so it signs the ends only.
 */
enum sign_mode { SIGN_ALL, SIGN_ENDS };

static uint64_t next_signed(uint64_t i, uint64_t n, enum sign_mode mode)
{
	return mode == SIGN_ALL || i + 1 == n || n == 1 ? i + 1 : n - 1;
}

static void sign(const struct block *b, enum sign_mode mode)
{
	uint64_t tag = sig_tag(b->core, b->seq), n = 1ull << b->order;
	for (uint64_t i = 0; i < n; i = next_signed(i, n, mode)) {
		struct signature *s = frame_sig(b->frame + i);
		s->tag = tag;
		s->frame = b->frame + i;
	}
}

static bool verify(const struct block *b, unsigned by_core, enum sign_mode mode)
{
	uint64_t tag = sig_tag(b->core, b->seq), n = 1ull << b->order;
	for (uint64_t i = 0; i < n; i = next_signed(i, n, mode)) {
		const struct signature *s = frame_sig(b->frame + i);
		if (s->tag != tag || s->frame != b->frame + i) {
			fail("core %u: frame 0x%llx of a block held by core %u (seq %u) was overwritten "
			     "(tag 0x%llx frame 0x%llx)",
			     by_core, (unsigned long long)(b->frame + i), b->core, b->seq,
			     (unsigned long long)s->tag, (unsigned long long)s->frame);
			return false;
		}
	}
	return true;
}

/* stress_inject=: break what the checks must catch, once, on core 0. */
static void inject_fault(const struct block *b)
{
	if (opt_inject == INJECT_DOUBLE)
		claim(b->frame, 1, b->core); /* as if LLFree had handed the frame out again */
	else if (opt_inject == INJECT_OVERWRITE)
		frame_sig(b->frame)->tag ^= 1; /* as if someone else wrote into it */
}

/* Allocate, claim and sign one block; false on out of memory or failure. */
static bool get_block(struct core_state *cs, unsigned core, unsigned order, unsigned kind,
		      enum sign_mode mode, struct block *b)
{
	uint64_t frame;
	llfree_result_t r = llfree_get(st.lf, core, order, (llfree_kind_t)kind, &frame);
	if (r == LLFREE_ERR_MEMORY) {
		cs->counts.oom++;
		return false;
	}
	if (r != LLFREE_OK) {
		fail("core %u: llfree_get(order %u, kind %u): %s", core, order, kind, llfree_strerror(r));
		return false;
	}
	*b = (struct block){ .frame = frame, .seq = ++cs->seq, .order = (uint8_t)order,
			     .kind = (uint8_t)kind, .core = (uint16_t)core };
	if (!claim(frame, 1ull << order, core))
		return false;
	sign(b, mode);
	if (core == 0 && b->seq == 1)
		inject_fault(b);
	cs->counts.allocs++;
	return true;
}

/* Check, unclaim and free a block (held by this core or handed to it). */
static void put_block(struct core_state *cs, unsigned core, const struct block *b, enum sign_mode mode)
{
	if (!verify(b, core, mode) || !release(b->frame, 1ull << b->order, core))
		return;
	llfree_result_t r = llfree_put(st.lf, core, b->frame, b->order, (llfree_kind_t)b->kind);
	if (r != LLFREE_OK)
		fail("core %u: llfree_put(frame 0x%llx, order %u, kind %u): %s", core,
		     (unsigned long long)b->frame, b->order, b->kind, llfree_strerror(r));
	cs->counts.frees++;
}

/* ---- phase 1: random mix ---- */

static struct block take_held(struct core_state *cs, unsigned i)
{
	struct block b = cs->held[i];
	cs->held[i] = cs->held[--cs->held_count];
	cs->held_frames -= 1ull << b.order;
	return b;
}

static void drain_inbox(struct core_state *cs, unsigned core)
{
	struct block items[INBOX_CAP];
	spin_lock(&cs->inbox.lock);
	unsigned n = cs->inbox.count;
	memcpy(items, cs->inbox.items, n * sizeof(items[0]));
	cs->inbox.count = 0;
	spin_unlock(&cs->inbox.lock);
	for (unsigned i = 0; i < n && !failed(); i++) {
		put_block(cs, core, &items[i], SIGN_ALL);
		cs->counts.received++;
	}
}

/* Hand a held block to another core, which checks and frees it. */
static void hand_off(struct core_state *cs, unsigned core)
{
	unsigned target = pick(cs, st.cores - 1);
	target += target >= core; /* any core but this one */
	struct block b = take_held(cs, pick(cs, cs->held_count));
	struct inbox *in = &st.cs[target].inbox;
	bool sent = false;
	spin_lock(&in->lock);
	if (in->count < INBOX_CAP) {
		in->items[in->count++] = b;
		sent = true;
	}
	spin_unlock(&in->lock);
	if (sent)
		cs->counts.handoffs++;
	else
		put_block(cs, core, &b, SIGN_ALL);
}

static unsigned random_kind(struct core_state *cs)
{
	unsigned k;
	do
		k = pick(cs, LLFREE_KINDS);
	while (!(opt_kinds & (1u << k)));
	return k;
}

static void alloc_random(struct core_state *cs, unsigned core)
{
	unsigned order = opt_orders.min + pick(cs, opt_orders.max - opt_orders.min + 1);
	uint64_t room = cs->budget_frames - cs->held_frames;
	while (order > opt_orders.min && (1ull << order) > room)
		order--;
	if ((1ull << order) > room || cs->held_count == cs->held_cap) {
		if (cs->held_count) {
			struct block b = take_held(cs, pick(cs, cs->held_count));
			put_block(cs, core, &b, SIGN_ALL);
		}
		return;
	}
	struct block b;
	if (get_block(cs, core, order, random_kind(cs), SIGN_ALL, &b)) {
		cs->held[cs->held_count++] = b;
		cs->held_frames += 1ull << order;
	} else if (cs->held_count && !failed()) {
		struct block old = take_held(cs, pick(cs, cs->held_count));
		put_block(cs, core, &old, SIGN_ALL);
	}
}

static void random_round(struct core_state *cs, unsigned core)
{
	drain_inbox(cs, core);
	unsigned r = pick(cs, 100);
	if (cs->held_count && r < 30) {
		struct block b = take_held(cs, pick(cs, cs->held_count));
		put_block(cs, core, &b, SIGN_ALL);
	} else if (cs->held_count && r < 45 && st.cores > 1) {
		hand_off(cs, core);
	} else {
		alloc_random(cs, core);
	}
	cs->counts.rounds++;
}

static bool more_rounds(const struct core_state *cs)
{
	if (failed())
		return false;
	if (st.deadline)
		return tsc_begin() < st.deadline;
	return cs->counts.rounds < opt_rounds;
}

static void free_held(struct core_state *cs, unsigned core)
{
	while (cs->held_count && !failed()) {
		struct block b = take_held(cs, cs->held_count - 1);
		put_block(cs, core, &b, SIGN_ALL);
	}
}

/* ---- phase 2: exhaustion ---- */

static void exhaust(struct core_state *cs, unsigned core)
{
	unsigned kind = random_kind(cs);
	for (int order = LLFREE_MAX_ORDER; order >= 0 && !failed(); order--) {
		struct block b;
		while (!failed() && get_block(cs, core, (unsigned)order, kind, SIGN_ENDS, &b)) {
			struct list_node *n = (struct list_node *)frame_sig(b.frame);
			n->next = cs->list_head;
			n->order = b.order;
			n->kind = b.kind;
			cs->list_head = b.frame;
			cs->counts.exhaust_allocs++;
		}
	}
}

/* Free another core's exhaustion blocks: cross-core frees at scale. */
static void free_list(struct core_state *cs, unsigned core, struct core_state *owner, unsigned owner_core)
{
	while (owner->list_head != LIST_END && !failed()) {
		const struct list_node *n = (const struct list_node *)frame_sig(owner->list_head);
		uint64_t tag = n->sig.tag;
		struct block b = { .frame = owner->list_head, .seq = (uint32_t)(tag & SIG_SEQ_MASK),
				   .order = (uint8_t)n->order, .kind = (uint8_t)n->kind,
				   .core = (uint16_t)owner_core };
		owner->list_head = n->next;
		put_block(cs, core, &b, SIGN_ENDS);
	}
}

/* ---- the run on every core ---- */

static void stress_core(unsigned core, void *arg)
{
	(void)arg;
	struct core_state *cs = &st.cs[core];

	while (more_rounds(cs))
		random_round(cs, core);
	barrier_wait(&st.barrier);
	drain_inbox(cs, core); /* every sender is past its last hand-off */
	free_held(cs, core);
	llfree_drain(st.lf, core);
	barrier_wait(&st.barrier);

	exhaust(cs, core);
	barrier_wait(&st.barrier);
	if (core == 0)
		st.exhaust_left = llfree_free_frames(st.lf);
	barrier_wait(&st.barrier);
	unsigned next = (core + 1) % st.cores;
	free_list(cs, core, &st.cs[next], next);
	llfree_drain(st.lf, core);
}

/* ---- set-up, checks and report ---- */

/* A zeroed buffer of `bytes` (mm/contig.h: any size, even beyond one LLFree allocation). */
struct region {
	void *ptr;
	uint64_t bytes;
};

static bool region_get(struct region *r, uint64_t bytes, const char *what)
{
	r->bytes = bytes;
	r->ptr = contig_zalloc(bytes);
	if (!r->ptr)
		kprintf("ERROR msg=\"stress: no memory for the %s (%llu bytes)\"\n", what, (unsigned long long)bytes);
	return r->ptr != NULL;
}

static void region_put(struct region *r)
{
	if (r->ptr)
		contig_free(r->ptr, r->bytes);
}

static bool bitmap_empty(uint64_t words)
{
	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = atomic_load(&st.owned[i]);
		if (w) {
			fail("frame 0x%llx still marked held after the run",
			     (unsigned long long)(i * 64 + (uint64_t)__builtin_ctzll(w)));
			return false;
		}
	}
	return true;
}

/* `name=a,b,c` over cores: one value of struct counts per core. */
static void print_per_core(char *buf, size_t size, const char *name, size_t offset)
{
	size_t len = (size_t)ksnprintf(buf, size, " %s=", name);
	for (unsigned c = 0; c < st.cores && len + 24 < size; c++) {
		const uint64_t *v = (const uint64_t *)((const char *)&st.cs[c].counts + offset);
		len += (size_t)ksnprintf(buf + len, size - len, "%s%llu", c ? "," : "", (unsigned long long)*v);
	}
}

static void report(bool ok, uint64_t us)
{
	struct counts t = { 0 };
	for (unsigned c = 0; c < st.cores; c++) {
		const struct counts *k = &st.cs[c].counts;
		t.rounds += k->rounds;
		t.allocs += k->allocs;
		t.frees += k->frees;
		t.handoffs += k->handoffs;
		t.received += k->received;
		t.oom += k->oom;
		t.exhaust_allocs += k->exhaust_allocs;
	}
	static char allocs[4096], frees[4096];
	print_per_core(allocs, sizeof(allocs), "core_allocs", offsetof(struct counts, allocs));
	print_per_core(frees, sizeof(frees), "core_frees", offsetof(struct counts, frees));
	static char line[sizeof(allocs) + sizeof(frees) + 512];
	ksnprintf(line, sizeof(line), "TEST name=stress cores=%u result=%s rounds=%llu allocs=%llu frees=%llu handoffs=%llu "
		"received=%llu oom=%llu exhaust_allocs=%llu exhaust_free_left=%llu orders=%u-%u time_us=%llu%s%s",
		st.cores, ok ? "ok" : "fail", (unsigned long long)t.rounds, (unsigned long long)t.allocs,
		(unsigned long long)t.frees, (unsigned long long)t.handoffs, (unsigned long long)t.received,
		(unsigned long long)t.oom, (unsigned long long)t.exhaust_allocs,
		(unsigned long long)st.exhaust_left, opt_orders.min, opt_orders.max, (unsigned long long)us,
		allocs, frees);
	kprintf("%s\n", line);
	summary_line(SUMMARY_STRESS, line); /* the page and the QR codes keep its first pairs */
}

static bool setup(unsigned cores, struct region *owned, struct region *states, struct region *held)
{
	uint64_t frames = llfree_frames(st.lf);
	uint64_t words = (frames + 63) / 64;
	if (!region_get(owned, words * 8, "ownership bitmap") ||
	    !region_get(states, (uint64_t)cores * sizeof(struct core_state), "per-core state"))
		return false;

	uint64_t budget = llfree_free_frames(st.lf) / 100 * opt_mem_percent / cores;
	unsigned cap = budget < HELD_MAX ? (unsigned)budget : HELD_MAX;
	cap = cap < HELD_MIN ? HELD_MIN : cap;
	if (!region_get(held, (uint64_t)cores * cap * sizeof(struct block), "held lists"))
		return false;

	st.owned = owned->ptr;
	st.cs = states->ptr;
	for (unsigned c = 0; c < cores; c++) {
		struct core_state *cs = &st.cs[c];
		cs->held = (struct block *)held->ptr + (uint64_t)c * cap;
		cs->held_cap = cap;
		cs->budget_frames = budget;
		cs->list_head = LIST_END;
		cs->rng = (opt_seed + c) * 0x9E3779B97F4A7C15ull | 1;
	}
	return true;
}

bool stress_run(unsigned cores)
{
	if (!opt_stress)
		return true;
	memset(&st, 0, sizeof(st));
	st.lf = frames_llfree();
	st.cores = cores;
	barrier_init(&st.barrier, cores);

	struct region owned = { 0 }, states = { 0 }, held = { 0 };
	bool ok = setup(cores, &owned, &states, &held);
	if (ok) {
		uint64_t free_before = llfree_free_frames(st.lf);
		kprintf("PROGRESS test=stress cores=%u rounds=%llu seconds=%llu orders=%u-%u mem_percent=%llu "
			"budget_frames=%llu free_frames=%llu\n",
			cores, (unsigned long long)opt_rounds, (unsigned long long)opt_seconds, opt_orders.min,
			opt_orders.max, (unsigned long long)opt_mem_percent,
			(unsigned long long)st.cs[0].budget_frames, (unsigned long long)free_before);
		uint64_t t0 = tsc_begin();
		st.deadline = opt_seconds ? t0 + opt_seconds * tsc_hz() : 0;
		run_cores(cores, stress_core, NULL);
		uint64_t us = tsc_ticks_to_us(tsc_end() - t0);

		llfree_result_t r;
		if (!failed() && llfree_free_frames(st.lf) != free_before)
			fail("%llu frames free after the run, %llu before",
			     (unsigned long long)llfree_free_frames(st.lf), (unsigned long long)free_before);
		if (!failed())
			bitmap_empty((llfree_frames(st.lf) + 63) / 64);
		if (!failed() && (r = llfree_validate(st.lf)) != LLFREE_OK)
			fail("llfree_validate after the run: %s", llfree_strerror(r));
		ok = !failed();
		report(ok, us);
	}
	if (ok) {
		/* Only after a clean run: after a failure the state cannot be trusted. */
		region_put(&held);
		region_put(&states);
		region_put(&owned);
	}
	return ok;
}
