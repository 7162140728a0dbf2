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
	LLFREE_ERR_MEMORY,      /* no free frame of this order (after drain and steal) */
	LLFREE_ERR_ORDER,       /* order > LLFREE_MAX_ORDER */
	LLFREE_ERR_ALIGN,       /* frame not aligned to 2^order */
	LLFREE_ERR_RANGE,       /* frame .. frame+2^order-1 not inside 0 .. frames-1 */
	LLFREE_ERR_DOUBLE_FREE, /* put of a frame that is (partly) free already */
	LLFREE_ERR_WRONG_ORDER, /* put with an order that does not match the allocation */
	LLFREE_ERR_IN_USE,      /* get_at of a frame that is (partly) allocated */
	LLFREE_ERR_KIND,        /* kind >= LLFREE_KINDS */
	LLFREE_ERR_CORE,        /* core index >= cores given at init */
	LLFREE_ERR_BUFFER,      /* metadata buffer missing, too small or misaligned */
	LLFREE_ERR_INIT,        /* bad init arguments: zero cores or frames, unknown mode */
	LLFREE_ERR_MAGIC,       /* RECOVER: the persistent meta record has a wrong magic */
	LLFREE_ERR_SIZE,        /* RECOVER: the meta record's frame count differs */
	LLFREE_ERR_CORRUPT,     /* validate/recover: counters disagree with the bitfields */
	LLFREE_ERR_OFFLINE,     /* get_at of a frame in a tree taken offline */
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
} llfree_t;

llfree_meta_size_t llfree_metadata_size(size_t cores, uint64_t frames);
const char *llfree_strerror(llfree_result_t res);

/* Set up (or, with RECOVER, take over) an allocator in the given buffers. */
llfree_result_t llfree_init(llfree_t *self, const llfree_config_t *cfg);
/* Orderly end: clears the persistent crashed flag so the next RECOVER is shallow. */
llfree_result_t llfree_shutdown(llfree_t *self);

/* Allocate 2^order frames, naturally aligned; the first frame goes to *frame. */
llfree_result_t llfree_get(llfree_t *self, size_t core, unsigned order, llfree_kind_t kind,
			   uint64_t *frame);
/* Allocate exactly frame .. frame+2^order-1 (used to reserve ranges). */
llfree_result_t llfree_get_at(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			      llfree_kind_t kind);
/* Free 2^order frames from frame; bad input leaves the state as it was. */
llfree_result_t llfree_put(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			   llfree_kind_t kind);
/* Give back the core's reservations. */
llfree_result_t llfree_drain(llfree_t *self, size_t core);

uint64_t llfree_frames(const llfree_t *self);
size_t llfree_cores(const llfree_t *self);
uint64_t llfree_free_frames(const llfree_t *self);
/* Entirely free 2 MiB areas. */
uint64_t llfree_free_huge(const llfree_t *self);
/* True if all of frame .. frame+2^order-1 are free (false for bad arguments). */
bool llfree_is_free(const llfree_t *self, uint64_t frame, unsigned order);
/* True if the last RECOVER found the crashed flag set and recounted (deep recovery). */
bool llfree_recovered_crashed(const llfree_t *self);

/* Check every counter against a recount of its level (quiescent state only). */
llfree_result_t llfree_validate(const llfree_t *self);
/* Print trees, reservations and counters through the platform's log hook. */
void llfree_dump(const llfree_t *self);

#endif /* LLFREE_H */
