/*
 * The stress test's phases on every core (see stress.h): the random mix
 * with hand-offs to other cores, then exhaustion and the neighbour's frees.
 */
#include "test/stress_state.h"

#include "arch/tsc.h"
#include "lib/string.h"

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
	for (unsigned i = 0; i < n && !stress_failed(); i++) {
		stress_put_block(cs, core, &items[i], SIGN_ALL);
		cs->counts.received++;
	}
}

/* Hand a held block to another core, which checks and frees it. */
static void hand_off(struct core_state *cs, unsigned core)
{
	unsigned target = pick(cs, stress.cores - 1);
	target += target >= core; /* any core but this one */
	struct block b = take_held(cs, pick(cs, cs->held_count));
	struct inbox *in = &stress.cs[target].inbox;
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
		stress_put_block(cs, core, &b, SIGN_ALL);
}

static unsigned random_kind(struct core_state *cs)
{
	unsigned k;
	do
		k = pick(cs, LLFREE_KINDS);
	while (!(stress_opt_kinds & (1u << k)));
	return k;
}

static void alloc_random(struct core_state *cs, unsigned core)
{
	unsigned order = stress_opt_orders.min + pick(cs, stress_opt_orders.max - stress_opt_orders.min + 1);
	uint64_t room = cs->budget_frames - cs->held_frames;
	while (order > stress_opt_orders.min && (1ull << order) > room)
		order--;
	if ((1ull << order) > room || cs->held_count == cs->held_cap) {
		if (cs->held_count) {
			struct block b = take_held(cs, pick(cs, cs->held_count));
			stress_put_block(cs, core, &b, SIGN_ALL);
		}
		return;
	}
	struct block b;
	if (stress_get_block(cs, core, order, random_kind(cs), SIGN_ALL, &b)) {
		cs->held[cs->held_count++] = b;
		cs->held_frames += 1ull << order;
	} else if (cs->held_count && !stress_failed()) {
		struct block old = take_held(cs, pick(cs, cs->held_count));
		stress_put_block(cs, core, &old, SIGN_ALL);
	}
}

static void random_round(struct core_state *cs, unsigned core)
{
	drain_inbox(cs, core);
	unsigned r = pick(cs, 100);
	if (cs->held_count && r < 30) {
		struct block b = take_held(cs, pick(cs, cs->held_count));
		stress_put_block(cs, core, &b, SIGN_ALL);
	} else if (cs->held_count && r < 45 && stress.cores > 1) {
		hand_off(cs, core);
	} else {
		alloc_random(cs, core);
	}
	cs->counts.rounds++;
}

static bool more_rounds(const struct core_state *cs)
{
	if (stress_failed())
		return false;
	if (stress.deadline)
		return tsc_begin() < stress.deadline;
	return cs->counts.rounds < stress_opt_rounds;
}

static void free_held(struct core_state *cs, unsigned core)
{
	while (cs->held_count && !stress_failed()) {
		struct block b = take_held(cs, cs->held_count - 1);
		stress_put_block(cs, core, &b, SIGN_ALL);
	}
}

/* ---- phase 2: exhaustion ---- */

static void exhaust(struct core_state *cs, unsigned core)
{
	unsigned kind = random_kind(cs);
	for (int order = LLFREE_MAX_ORDER; order >= 0 && !stress_failed(); order--) {
		struct block b;
		while (!stress_failed() && stress_get_block(cs, core, (unsigned)order, kind, SIGN_ENDS, &b)) {
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
	while (owner->list_head != LIST_END && !stress_failed()) {
		const struct list_node *n = (const struct list_node *)frame_sig(owner->list_head);
		uint64_t tag = n->sig.tag;
		struct block b = { .frame = owner->list_head,
				   .seq = (uint32_t)(tag & SIG_SEQ_MASK),
				   .order = (uint8_t)n->order,
				   .kind = (uint8_t)n->kind,
				   .core = (uint16_t)owner_core };
		owner->list_head = n->next;
		stress_put_block(cs, core, &b, SIGN_ENDS);
	}
}

/* ---- the run on every core ---- */

void stress_core(unsigned core, void *arg)
{
	(void)arg;
	struct core_state *cs = &stress.cs[core];

	while (more_rounds(cs))
		random_round(cs, core);
	barrier_wait(&stress.barrier);
	drain_inbox(cs, core); /* every sender is past its last hand-off */
	free_held(cs, core);
	llfree_drain(stress.lf, core);
	barrier_wait(&stress.barrier);

	exhaust(cs, core);
	barrier_wait(&stress.barrier);
	if (core == 0)
		stress.exhaust_left = llfree_free_frames(stress.lf);
	barrier_wait(&stress.barrier);
	unsigned next = (core + 1) % stress.cores;
	free_list(cs, core, &stress.cs[next], next);
	llfree_drain(stress.lf, core);
}
