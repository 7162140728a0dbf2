/*
 * Differential test of LLFree against a reference model (tests/llfree/
 * model.c, model_ops.c): seeded random sequences of every API call, each
 * checked against a bitmap model of what the library promises (llfree.h).
 *
 * The model: one byte per frame (allocated or not), one per 2 MiB area
 * (allocated as a whole: huge), one per tree (offline). It predicts the
 * exact result of every put, get_at, is_free and free_in_range, and for a
 * get whether a free aligned block exists. After every call: the free
 * frame and free huge area counts, and (at a rate) validate; after every
 * refused call: both metadata buffers byte for byte as before.
 */
#ifndef TESTS_LLFREE_MODEL_H
#define TESTS_LLFREE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common_stress.h"
#include "llfree.h"

typedef struct model {
	uint64_t frames, areas, trees;
	uint8_t *used;    /* per frame: handed out */
	uint8_t *huge;    /* per area: allocated as a whole (order >= 9) */
	uint8_t *offline; /* per tree */
	uint64_t free;    /* frames not used */
} model_t;

/* The allocator under test, in its own buffers (replaced by a deep recovery). */
typedef struct sut {
	llfree_t ll;
	llfree_config_t cfg;
	llfree_meta_size_t size;
	uint8_t *upper, *lower;
	uint8_t *snap_upper, *snap_lower; /* before a call that may be refused */
} sut_t;

typedef struct model_run {
	sut_t s;
	model_t m;
	stress_rng_t rng;
	size_t cores;
	uint64_t ops;
	char last[160]; /* the call being checked, for failure messages */
	/* What the run did, printed per size. */
	uint64_t gets, memory, refused, recovers;
} model_run_t;

void model_init(model_t *m, uint64_t frames);
void model_free(model_t *m);
void model_reset_offline(model_t *m);
uint64_t model_tree(uint64_t frame);
/* Expected result of a put / get_at (argument checks included). */
llfree_result_t model_put_result(const model_t *m, uint64_t frame, unsigned order);
llfree_result_t model_get_at_result(const model_t *m, uint64_t frame, unsigned order);
void model_put(model_t *m, uint64_t frame, unsigned order);
void model_get(model_t *m, uint64_t frame, unsigned order);
bool model_is_free(const model_t *m, uint64_t frame, unsigned order);
uint64_t model_free_in_range(const model_t *m, uint64_t frame, unsigned order);
/* Is there a free aligned block of this order in an online tree? */
bool model_has_block(const model_t *m, unsigned order);
uint64_t model_free_areas(const model_t *m);
uint64_t model_free_in_tree(const model_t *m, uint64_t tree);

/* Allocator set up in fresh buffers (FREE); torn down. */
void sut_init(sut_t *s, size_t cores, uint64_t frames);
void sut_free(sut_t *s);
void sut_snap(sut_t *s);
/* The buffers are byte for byte as at sut_snap. */
bool sut_unchanged(const sut_t *s);

/* Checks of the library against the model (fail the run with r->last). */
void model_check_counts(model_run_t *r, bool validate);
void model_check_every_frame(model_run_t *r);

/* One size: ops random calls from the run's seed (model_ops.c). */
void model_run_size(uint64_t seed, uint64_t frames, size_t cores, uint64_t ops);

#endif
