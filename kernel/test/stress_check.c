/*
 * The stress test's checks on every block (stress_state.h): the ownership
 * bitmap (a bit per frame, set with an atomic or when a core gets a block,
 * cleared when it puts it: a bit already set is a frame handed out twice),
 * the signatures in held frames (core and sequence, checked before a put),
 * and the first failure's message.
 */
#include "test/stress_state.h"

#include <stdarg.h>

#include "lib/printf.h"

struct stress_state stress;

void stress_fail(const char *fmt, ...)
{
	if (atomic_exchange(&stress.failed, true))
		return;
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(stress.why, sizeof(stress.why), fmt, ap);
	va_end(ap);
	kprintf("ERROR msg=\"stress: %s\"\n", stress.why);
}

bool stress_failed(void)
{
	return atomic_load_explicit(&stress.failed, memory_order_relaxed);
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
		uint64_t old = atomic_fetch_or_explicit(&stress.owned[f / 64], mask, memory_order_acq_rel);
		if (old & mask) {
			uint64_t dup = f / 64 * 64 + (uint64_t)__builtin_ctzll(old & mask);
			uint64_t tag = frame_sig(dup)->tag;
			stress_fail("frame 0x%llx allocated twice: core %u got it while core %u (seq %llu) holds it",
				    (unsigned long long)dup, core, tag_core(tag),
				    (unsigned long long)(tag & SIG_SEQ_MASK));
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
		uint64_t old = atomic_fetch_and_explicit(&stress.owned[f / 64], ~mask, memory_order_acq_rel);
		if ((old & mask) != mask) {
			stress_fail("core %u frees frame 0x%llx that no core holds", core,
				    (unsigned long long)(f / 64 * 64 + (uint64_t)__builtin_ctzll(~old & mask)));
			return false;
		}
		f += span;
	}
	return true;
}

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
			stress_fail("core %u: frame 0x%llx of a block held by core %u (seq %u) was overwritten "
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
	if (stress_opt_inject == INJECT_DOUBLE)
		claim(b->frame, 1, b->core); /* as if LLFree had handed the frame out again */
	else if (stress_opt_inject == INJECT_OVERWRITE)
		frame_sig(b->frame)->tag ^= 1; /* as if someone else wrote into it */
}

bool stress_get_block(struct core_state *cs, unsigned core, unsigned order, unsigned kind, enum sign_mode mode,
		      struct block *b)
{
	uint64_t frame;
	llfree_result_t r = llfree_get(stress.lf, core, order, (llfree_kind_t)kind, &frame);
	if (r == LLFREE_ERR_MEMORY) {
		cs->counts.oom++;
		return false;
	}
	if (r != LLFREE_OK) {
		stress_fail("core %u: llfree_get(order %u, kind %u): %s", core, order, kind, llfree_strerror(r));
		return false;
	}
	*b = (struct block){
		.frame = frame, .seq = ++cs->seq, .order = (uint8_t)order, .kind = (uint8_t)kind, .core = (uint16_t)core
	};
	if (!claim(frame, 1ull << order, core))
		return false;
	sign(b, mode);
	if (core == 0 && b->seq == 1)
		inject_fault(b);
	cs->counts.allocs++;
	return true;
}

void stress_put_block(struct core_state *cs, unsigned core, const struct block *b, enum sign_mode mode)
{
	if (!verify(b, core, mode) || !release(b->frame, 1ull << b->order, core))
		return;
	llfree_result_t r = llfree_put(stress.lf, core, b->frame, b->order, (llfree_kind_t)b->kind);
	if (r != LLFREE_OK)
		stress_fail("core %u: llfree_put(frame 0x%llx, order %u, kind %u): %s", core,
			    (unsigned long long)b->frame, b->order, b->kind, llfree_strerror(r));
	cs->counts.frees++;
}

bool stress_bitmap_empty(uint64_t words)
{
	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = atomic_load(&stress.owned[i]);
		if (w) {
			stress_fail("frame 0x%llx still marked held after the run",
				    (unsigned long long)(i * 64 + (uint64_t)__builtin_ctzll(w)));
			return false;
		}
	}
	return true;
}
