/*
 * Adapters behind the benchmarks' allocator interface (alloc.h): LLFree,
 * the buddy baseline, and a global spin-locked free list (strawman).
 */
#include "alloc.h"

#include "bench.h"
#include "list.h"

static const char *const kind_names[BALLOC_KINDS] = {
	[BALLOC_LLFREE] = "llfree",
	[BALLOC_BUDDY] = "buddy",
	[BALLOC_LIST] = "list",
};

const char *balloc_kind_name(enum balloc_kind k)
{
	return k < BALLOC_KINDS ? kind_names[k] : "?";
}

bool balloc_supports(enum balloc_kind k, unsigned order)
{
	switch (k) {
	case BALLOC_LLFREE:
		return order <= LLFREE_MAX_ORDER;
	case BALLOC_BUDDY:
		return order <= BUDDY_MAX_ORDER;
	default:
		return order == 0;
	}
}

static llfree_kind_t llfree_kind_for(unsigned order)
{
	return order >= LLFREE_HUGE_ORDER ? LLFREE_KIND_HUGE : LLFREE_KIND_MOVABLE;
}

/* Buffers are taken once by balloc_init and reused by balloc_reset. */
static bool take_buffer(struct balloc *a, unsigned i, size_t size)
{
	if (a->meta[i])
		return a->meta_size[i] == size;
	a->meta_size[i] = size;
	a->meta[i] = size ? a->env->alloc(size) : NULL;
	return !size || a->meta[i];
}

static const char *init_llfree(struct balloc *a)
{
	llfree_meta_size_t m = llfree_metadata_size(a->cores, a->frames);
	if (!take_buffer(a, 0, m.upper) || !take_buffer(a, 1, m.lower))
		return "llfree: no memory for metadata";
	llfree_config_t cfg = {
		.cores = a->cores,
		.frames = a->frames,
		.mode = LLFREE_INIT_FREE,
		.persistent = false,
		.upper = a->meta[0],
		.upper_size = m.upper,
		.lower = a->meta[1],
		.lower_size = m.lower,
	};
	llfree_result_t r = llfree_init(&a->u.llfree, &cfg);
	return r == LLFREE_OK ? NULL : llfree_strerror(r);
}

static const char *init_buddy(struct balloc *a)
{
	size_t size = buddy_metadata_size(a->cores, a->frames);
	if (!take_buffer(a, 0, size))
		return "buddy: no memory for metadata";
	buddy_result_t r = buddy_init(a->meta[0], size, a->cores, a->frames, &a->u.buddy);
	return r == BUDDY_OK ? NULL : buddy_strerror(r);
}

static const char *init_list(struct balloc *a)
{
	if (!take_buffer(a, 0, list_metadata_size(a->frames)))
		return "list: no memory for metadata";
	a->u.list = list_init(a->meta[0], a->frames, a->env->relax);
	return NULL;
}

const char *balloc_init(struct balloc *a, enum balloc_kind k, const struct bench_env *env,
			unsigned cores, uint64_t frames)
{
	*a = (struct balloc){ .kind = k, .cores = cores, .frames = frames, .env = env };
	const char *err = balloc_reset(a);
	if (err)
		balloc_fini(a);
	return err;
}

const char *balloc_reset(struct balloc *a)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return init_llfree(a);
	case BALLOC_BUDDY:
		return init_buddy(a);
	case BALLOC_LIST:
		return init_list(a);
	default:
		return "unknown allocator";
	}
}

void balloc_fini(struct balloc *a)
{
	for (unsigned i = 0; i < 2; i++) {
		if (a->meta[i])
			a->env->free(a->meta[i], a->meta_size[i]);
		a->meta[i] = NULL;
	}
}

int balloc_get(struct balloc *a, unsigned core, unsigned order, uint64_t *frame)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return (int)llfree_get(&a->u.llfree, core, order, llfree_kind_for(order), frame);
	case BALLOC_BUDDY:
		return (int)buddy_get(a->u.buddy, core, order, frame);
	default:
		return list_get(a->u.list, order, frame);
	}
}

int balloc_put(struct balloc *a, unsigned core, uint64_t frame, unsigned order)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return (int)llfree_put(&a->u.llfree, core, frame, order, llfree_kind_for(order));
	case BALLOC_BUDDY:
		return (int)buddy_put(a->u.buddy, core, frame, order);
	default:
		return list_put(a->u.list, frame, order);
	}
}

void balloc_drain(struct balloc *a, unsigned core)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		llfree_drain(&a->u.llfree, core);
		break;
	case BALLOC_BUDDY:
		buddy_drain(a->u.buddy, core);
		break;
	default:
		break;
	}
}

bool balloc_oom(const struct balloc *a, int err)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return err == LLFREE_ERR_MEMORY;
	case BALLOC_BUDDY:
		return err == BUDDY_ERR_MEMORY;
	default:
		return err == LIST_ERR_MEMORY;
	}
}

const char *balloc_strerror(const struct balloc *a, int err)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return llfree_strerror((llfree_result_t)err);
	case BALLOC_BUDDY:
		return buddy_strerror((buddy_result_t)err);
	default:
		return list_strerror(err);
	}
}

uint64_t balloc_free_frames(struct balloc *a)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return llfree_free_frames(&a->u.llfree);
	case BALLOC_BUDDY:
		return buddy_free_frames(a->u.buddy);
	default:
		return list_free_frames(a->u.list);
	}
}

uint64_t balloc_free_huge(struct balloc *a)
{
	switch (a->kind) {
	case BALLOC_LLFREE:
		return llfree_free_huge(&a->u.llfree);
	case BALLOC_BUDDY:
		return buddy_free_huge_listed(a->u.buddy);
	default:
		return list_free_huge(a->u.list);
	}
}

size_t balloc_metadata_bytes(const struct balloc *a)
{
	return a->meta_size[0] + a->meta_size[1];
}

const char *balloc_validate(struct balloc *a)
{
	switch (a->kind) {
	case BALLOC_LLFREE: {
		llfree_result_t r = llfree_validate(&a->u.llfree);
		return r == LLFREE_OK ? NULL : llfree_strerror(r);
	}
	case BALLOC_BUDDY:
		return buddy_validate(a->u.buddy) ? NULL : "buddy: validation failed";
	default:
		return list_validate(a->u.list);
	}
}
