/*
 * LLFree: a lock- and log-free page-frame allocator (public interface).
 *
 * Specification: shared/design/llfree.md (our words for Wrenger et al.,
 * USENIX ATC'23). Freestanding C11: this header needs only <stdint.h>,
 * <stddef.h>, <stdbool.h> and <stdatomic.h>, and the library allocates
 * nothing: the caller hands it 64-byte-aligned metadata buffers.
 *
 * Frames are numbered 0 .. frames-1 relative to the start of the managed
 * range; the caller adds its base. The base must be aligned to the largest
 * order (LLFREE_MAX_ORDER), so that alignment of frame numbers is alignment
 * of physical addresses.
 *
 * The library is built against a platform header "llfree_platform.h" that
 * its user supplies (see llfree/include/llfree_platform_example.h).
 */
#ifndef LLFREE_H
#define LLFREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLFREE_FRAME_SHIFT 12
#define LLFREE_FRAME_SIZE (1u << LLFREE_FRAME_SHIFT)
/* Order of a 2 MiB area. */
#define LLFREE_HUGE_ORDER 9
#define LLFREE_AREA_FRAMES (1u << LLFREE_HUGE_ORDER)
/* A tree is the group of areas one core reserves at a time (design 1). */
#ifndef LLFREE_AREAS_PER_TREE_SHIFT
#define LLFREE_AREAS_PER_TREE_SHIFT 3
#endif
#define LLFREE_AREAS_PER_TREE (1u << LLFREE_AREAS_PER_TREE_SHIFT)
#define LLFREE_TREE_FRAMES (LLFREE_AREAS_PER_TREE * LLFREE_AREA_FRAMES)
/* The largest order is a whole tree. */
#define LLFREE_MAX_ORDER (LLFREE_HUGE_ORDER + LLFREE_AREAS_PER_TREE_SHIFT)
/* Buffers passed to llfree_init must be aligned to this. */
#define LLFREE_ALIGN 64
/* Largest frame count llfree_init accepts (4 PiB of 4 KiB frames). */
#define LLFREE_MAX_FRAMES (1ull << 40)
/* Largest core count llfree_init accepts. */
#define LLFREE_MAX_CORES 65536

/* Every failure has its own code; llfree_strerror() names it. */
typedef enum llfree_result {
	LLFREE_OK = 0,
	LLFREE_ERR_MEMORY,      /* no free frame of this order (after taking from other reservations and trees) */
	LLFREE_ERR_ORDER,       /* order > LLFREE_MAX_ORDER */
	LLFREE_ERR_ALIGN,       /* frame not aligned to 2^order */
	LLFREE_ERR_RANGE,       /* frame .. frame+2^order-1 not inside 0 .. frames-1, or trees */
	LLFREE_ERR_DOUBLE_FREE, /* put of a frame that is (partly) free already */
	LLFREE_ERR_WRONG_ORDER, /* put with an order that does not match the allocation */
	LLFREE_ERR_IN_USE,      /* get_at of a frame that is (partly) allocated */
	LLFREE_ERR_KIND,        /* kind >= LLFREE_KINDS */
	LLFREE_ERR_CORE,        /* core index >= cores given at init */
	LLFREE_ERR_BUFFER,      /* metadata buffer missing, too small or misaligned */
	LLFREE_ERR_INIT,        /* bad init configuration: zero cores or frames, unknown mode */
	LLFREE_ERR_MAGIC,       /* RECOVER: the persistent meta record has a wrong magic */
	LLFREE_ERR_SIZE,        /* RECOVER: the meta record's frame count differs */
	LLFREE_ERR_CORRUPT,     /* validate/recover: counters disagree with the bitfields */
	LLFREE_ERR_OFFLINE,     /* get_at of a frame in a tree taken offline */
	LLFREE_ERR_ARG,         /* a NULL pointer argument (handle, config or output) */
	LLFREE_ERR_STOPPED,     /* a change after llfree_shutdown (init again to go on) */
} llfree_result_t;

/* Anti-fragmentation kinds (design 2): frames of different kinds do not share trees. */
typedef enum llfree_kind {
	LLFREE_KIND_IMMOVABLE = 0,
	LLFREE_KIND_MOVABLE = 1,
	LLFREE_KIND_HUGE = 2,
} llfree_kind_t;
#define LLFREE_KINDS 3

typedef enum llfree_init_mode {
	LLFREE_INIT_FREE = 0,    /* every frame free */
	LLFREE_INIT_ALLOC = 1,   /* every frame allocated (as huge areas) */
	LLFREE_INIT_RECOVER = 2, /* keep the lower level found in the buffer */
} llfree_init_mode_t;

/* Metadata the caller must provide, in bytes, each buffer LLFREE_ALIGN-aligned. */
typedef struct llfree_meta_size {
	size_t upper; /* volatile: tree entries and per-core reservations */
	size_t lower; /* bitfields, area entries, meta record (persistent if wanted) */
} llfree_meta_size_t;

typedef struct llfree_config {
	size_t cores;            /* 1 .. LLFREE_MAX_CORES; get/put/drain take a core below this */
	uint64_t frames;         /* 1 .. LLFREE_MAX_FRAMES */
	llfree_init_mode_t mode;
	bool persistent;         /* write back every lower-level update (platform hook) */
	void *upper;
	size_t upper_size;
	void *lower;
	size_t lower_size;
} llfree_config_t;

/*
 * The allocator's handle. Its fields are private to the library; the struct
 * is public only so that callers can place it without an allocator.
 */
typedef struct llfree {
	size_t cores;
	uint64_t frames;
	size_t trees;
	size_t areas;
	bool persistent;
	bool recovered_crashed;
	void *upper;
	void *lower;
	struct llfree_meta *meta;
	/* Layout inside the buffers (llfree/src/lower.c, upper.c). */
	struct llfree_bitfield *bitfields;         /* lower: one per area, padded to whole trees */
	_Atomic uint16_t *area_entries;            /* lower: per tree, one cache line per group */
	_Atomic uint64_t *tree_entries;            /* upper: one per tree */
	struct llfree_reservation *reservations;   /* upper: cores x LLFREE_KINDS, a line each */
	_Atomic size_t live_cores;                 /* cores; 0 once llfree_shutdown ran */
} llfree_t;

llfree_meta_size_t llfree_metadata_size(size_t cores, uint64_t frames);
const char *llfree_strerror(llfree_result_t res);

/*
 * Arguments: every function that returns llfree_result_t refuses a NULL
 * pointer with LLFREE_ERR_ARG, and checks every other argument before it
 * changes anything; a refused call leaves the metadata byte for byte as it
 * was (a get that finds no memory may have moved counts between cores, and
 * says LLFREE_ERR_MEMORY). The functions that return a count or a bool
 * (llfree_frames ... llfree_recovered_crashed) need a valid handle.
 */

/* Set up (or, with RECOVER, take over) an allocator in the given buffers. */
llfree_result_t llfree_init(llfree_t *self, const llfree_config_t *cfg);
/*
 * Orderly end: drains every core and clears the persistent crashed flag so
 * the next RECOVER is shallow. Afterwards every call that would change the
 * state (get, get_at, put, drain, offline, online, set_kind, shutdown) is
 * refused with LLFREE_ERR_STOPPED; queries still answer. No other call may
 * run while it does.
 */
llfree_result_t llfree_shutdown(llfree_t *self);

/* Allocate 2^order frames, naturally aligned; the first frame goes to *frame. */
llfree_result_t llfree_get(llfree_t *self, size_t core, unsigned order, llfree_kind_t kind,
			   uint64_t *frame);
/*
 * The same, and *served says the kind of the tree the frames came from: a
 * request is served from a tree of another kind when its own kind's trees
 * have no room (design: kinds keep frames apart only while memory lasts).
 */
llfree_result_t llfree_get_served(llfree_t *self, size_t core, unsigned order, llfree_kind_t kind,
				  uint64_t *frame, llfree_kind_t *served);
/*
 * Allocate exactly frame .. frame+2^order-1 (used to reserve ranges):
 * LLFREE_ERR_IN_USE if any of it is allocated, LLFREE_ERR_OFFLINE if it lies
 * in an offline tree.
 */
llfree_result_t llfree_get_at(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			      llfree_kind_t kind);
/*
 * Free 2^order frames from frame; refused input leaves the state as it was.
 * The core and kind only say where the count goes first (this core's
 * reservation of the frame's tree); any core may free any frame.
 *
 * What is checked, and what cannot be:
 *  - order, alignment to 2^order and range: always (ORDER, ALIGN, RANGE).
 *  - Orders 0..8 (below 2 MiB): the bitfield keeps one bit per frame and no
 *    block sizes. A free is accepted if every frame of the range is
 *    allocated, so freeing part of a block (one 4 KiB frame of an order-3
 *    block) or two neighbouring blocks as one (two order-0 frames as one
 *    order-1 block) is accepted and frees exactly those frames.
 *    LLFREE_ERR_DOUBLE_FREE: none of the frames is allocated;
 *    LLFREE_ERR_WRONG_ORDER: some are, some are not (the order is larger
 *    than the block, or the range overlaps a free neighbour).
 *  - Frames inside a 2 MiB (or larger) block: freeing a piece of order
 *    0..8 splits the 2 MiB area it lies in (the rest of the area stays
 *    allocated, to be freed piece by piece or as a whole: see below).
 *  - Orders 9 and up: each 2 MiB area records only "allocated as a whole".
 *    An order-9 free of one area of an order-10 block, or an order-10 free
 *    of two neighbouring order-9 blocks, is accepted. LLFREE_ERR_DOUBLE_FREE:
 *    every area is entirely free, or another free of the same block is
 *    running; LLFREE_ERR_WRONG_ORDER: otherwise (an area that was split, is
 *    partly allocated or free). A free of several areas is all or nothing,
 *    also against a concurrent free of an overlapping block.
 *  - A double free is caught only while the frames are still free: once they
 *    are handed out again, a second put frees the new owner's frames (as in
 *    any allocator that keeps no owner per frame).
 */
llfree_result_t llfree_put(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			   llfree_kind_t kind);
/* Give back the core's reservations. */
llfree_result_t llfree_drain(llfree_t *self, size_t core);
/* Give back every core's reservations (for example before taking trees offline). */
llfree_result_t llfree_drain_all(llfree_t *self);

/*
 * Trees (LLFREE_TREE_FRAMES frames each, tree t holds frames t *
 * LLFREE_TREE_FRAMES ..; the last may be partial). Offline takes trees
 * first .. first+count-1 out of service (memory hot-unplug, a balloon, a
 * region handed to a device): no get that starts after llfree_offline
 * returned hands out one of their frames (gets running meanwhile may), and
 * get_at refuses them with LLFREE_ERR_OFFLINE; frees into them are accepted
 * and counted, so llfree_free_in_range tells when a range is all free.
 * Online puts them back. Both are lock-free with concurrent gets and puts.
 * LLFREE_ERR_RANGE if a tree is past the last.
 */
llfree_result_t llfree_offline(llfree_t *self, size_t first_tree, size_t count);
llfree_result_t llfree_online(llfree_t *self, size_t first_tree, size_t count);
/*
 * Give trees a kind. fixed: they keep it (an entirely free tree no longer
 * falls back to the default kind, and other kinds take its free frames only
 * when nothing else is left); reservations of other kinds that hold them end.
 * Not fixed: they follow design 2 again (the kind of whoever reserves them
 * when entirely free).
 */
llfree_result_t llfree_set_kind(llfree_t *self, size_t first_tree, size_t count,
				llfree_kind_t kind, bool fixed);

typedef struct llfree_tree_info {
	llfree_kind_t kind;
	bool fixed;    /* kind set with llfree_set_kind(..., true) */
	bool offline;
	bool reserved; /* a core's reservation holds it */
	uint64_t free; /* free frames (entry and reservation) */
	uint64_t frames;
} llfree_tree_info_t;

/* Counts by kind of tree (a snapshot; exact when nothing runs). */
typedef struct llfree_counts {
	uint64_t free[LLFREE_KINDS];  /* free frames in online trees of each kind */
	uint64_t trees[LLFREE_KINDS]; /* online trees of each kind */
	uint64_t offline_free;        /* free frames in offline trees */
	uint64_t offline_trees;
} llfree_counts_t;

uint64_t llfree_frames(const llfree_t *self);
size_t llfree_cores(const llfree_t *self);
size_t llfree_trees(const llfree_t *self);
/* Free frames, offline trees included. */
uint64_t llfree_free_frames(const llfree_t *self);
/* Entirely free 2 MiB areas. */
uint64_t llfree_free_huge(const llfree_t *self);
/* True if all of frame .. frame+2^order-1 are free (false for bad arguments). */
bool llfree_is_free(const llfree_t *self, uint64_t frame, unsigned order);
/* True if the last RECOVER found the crashed flag set and recounted (deep recovery). */
bool llfree_recovered_crashed(const llfree_t *self);
/* How many of frame .. frame+2^order-1 are free (same argument checks as put). */
llfree_result_t llfree_free_in_range(const llfree_t *self, uint64_t frame, unsigned order,
				     uint64_t *free);
llfree_result_t llfree_counts(const llfree_t *self, llfree_counts_t *counts);
/* One tree: its kind, flags and free frames (LLFREE_ERR_RANGE past the last). */
llfree_result_t llfree_tree_info(const llfree_t *self, size_t tree, llfree_tree_info_t *info);

/* Check every counter against a recount of its level (quiescent state only). */
llfree_result_t llfree_validate(const llfree_t *self);
/* Print trees, reservations and counters through the platform's log hook. */
void llfree_dump(const llfree_t *self);

#endif /* LLFREE_H */
