/*
 * The buddy baseline's data layout (bench/buddy.c, whose header comment
 * describes the design): per-frame state, lists, per-core caches, the zone,
 * and what the baseline's files call of each other. Private to buddy.c,
 * buddy_setup.c and buddy_validate.c.
 */
#ifndef BENCH_BUDDY_LAYOUT_H
#define BENCH_BUDDY_LAYOUT_H

#include <stdatomic.h>

#include "buddy.h"
#include "bench_spinlock.h"

#define NIL UINT32_MAX
#define CACHE_LINE 64
/* Per-core caches: class 0 holds order 0, class 1 order BUDDY_HUGE_ORDER. */
#define CACHE_CLASSES 2

enum frame_state {
	FRAME_INNER = 0,     /* not the head of a block (or the frame is part of a larger one) */
	FRAME_ALLOCATED = 1, /* head of an allocated block */
	FRAME_ZONE = 2,      /* head of a free block on a zone list */
	FRAME_CACHED = 3,    /* head of a free block in a per-core cache */
};

/* State byte: order in bits 0..3, state in bits 4..5. */
#define INFO_ORDER_MASK 0x0fu
#define INFO_STATE_SHIFT 4

_Static_assert(BUDDY_MAX_ORDER <= INFO_ORDER_MASK, "order must fit the state byte");

/* Per-frame metadata, the counterpart of Linux's struct page (16 bytes). */
struct buddy_frame {
	uint32_t next, prev;  /* list links: frame indices, NIL at the ends */
	_Atomic uint8_t info; /* state and order (head frames only) */
	uint8_t mark;         /* scratch for buddy_validate (quiescent only) */
	uint8_t reserved[6];
};
_Static_assert(sizeof(struct buddy_frame) == 16, "per-frame metadata is 16 bytes");

struct frame_list {
	uint32_t head, tail;
};

struct buddy_cache {
	struct frame_list list;
	_Atomic uint32_t count; /* blocks; written only by the owner, read by counters */
	uint32_t batch, high;   /* batch 0: cache off */
};

/* One core's caches, on its own cache line. */
struct buddy_core {
	_Alignas(CACHE_LINE) struct buddy_cache cache[CACHE_CLASSES];
};
_Static_assert(sizeof(struct buddy_core) == CACHE_LINE, "one cache line per core");

struct buddy_zone {
	struct frame_list free[BUDDY_MAX_ORDER + 1];
	uint64_t nr_free[BUDDY_MAX_ORDER + 1]; /* blocks per order */
	uint64_t free_frames;
};

struct buddy {
	/* Read-mostly line. */
	_Alignas(CACHE_LINE) struct buddy_frame *frame;
	struct buddy_core *core;
	uint32_t frames, cores;
	const char *error; /* why the last buddy_validate failed */
	/* Waiters spin on the lock's own line, not on the lists the holder writes. */
	_Alignas(CACHE_LINE) struct bench_spinlock lock;
	_Alignas(CACHE_LINE) struct buddy_zone zone;
};

static const unsigned class_order[CACHE_CLASSES] = {0, BUDDY_HUGE_ORDER};

/* --- per-frame state ------------------------------------------------------ */

static inline uint8_t make_info(enum frame_state state, unsigned order)
{
	return (uint8_t)((unsigned)state << INFO_STATE_SHIFT | order);
}

static inline enum frame_state info_state(uint8_t info)
{
	return (enum frame_state)(info >> INFO_STATE_SHIFT);
}

static inline unsigned info_order(uint8_t info)
{
	return info & INFO_ORDER_MASK;
}

static inline uint8_t get_info(const buddy_t *b, uint32_t f)
{
	return atomic_load_explicit(&b->frame[f].info, memory_order_relaxed);
}

static inline void set_info(buddy_t *b, uint32_t f, enum frame_state state, unsigned order)
{
	atomic_store_explicit(&b->frame[f].info, make_info(state, order), memory_order_relaxed);
}

static inline uint32_t cache_count(struct buddy_cache *c)
{
	return atomic_load_explicit(&c->count, memory_order_relaxed);
}

/* --- lists ---------------------------------------------------------------- */

static inline void list_init(struct frame_list *l)
{
	l->head = l->tail = NIL;
}

/* Link f between prev and next (NIL at the ends of the list). */
static inline void list_insert(buddy_t *b, struct frame_list *l, uint32_t f, uint32_t prev, uint32_t next)
{
	b->frame[f].prev = prev;
	b->frame[f].next = next;
	if (prev != NIL)
		b->frame[prev].next = f;
	else
		l->head = f;
	if (next != NIL)
		b->frame[next].prev = f;
	else
		l->tail = f;
}

static inline void list_push_head(buddy_t *b, struct frame_list *l, uint32_t f)
{
	list_insert(b, l, f, NIL, l->head);
}

static inline void list_push_tail(buddy_t *b, struct frame_list *l, uint32_t f)
{
	list_insert(b, l, f, l->tail, NIL);
}

static inline void list_remove(buddy_t *b, struct frame_list *l, uint32_t f)
{
	uint32_t prev = b->frame[f].prev, next = b->frame[f].next;
	if (prev != NIL)
		b->frame[prev].next = next;
	else
		l->head = next;
	if (next != NIL)
		b->frame[next].prev = prev;
	else
		l->tail = prev;
}

/* --- between buddy.c (the allocation path) and buddy_setup.c ------------- */

/* Give the `n` oldest blocks (the tail) of a cache back to the zone; lock held. */
void buddy_cache_return(buddy_t *b, struct buddy_cache *c, unsigned order, uint32_t n);

#endif
