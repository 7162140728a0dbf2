/* The global spin-locked free list strawman (list.h). */
#include "list.h"

#include <stdbool.h>

#include "bench_spinlock.h"

#define LIST_END UINT64_MAX
#define LIST_ALLOCATED (UINT64_MAX - 1)
#define AREA_FRAMES 512

struct list_alloc {
	_Alignas(64) struct bench_spinlock lock;
	_Alignas(64) uint64_t head;
	uint64_t nfree;
	uint64_t frames;
	void (*relax)(void);
	uint64_t next[]; /* per frame: next free frame, LIST_END, or LIST_ALLOCATED */
};

size_t list_metadata_size(uint64_t frames)
{
	return sizeof(struct list_alloc) + (size_t)frames * sizeof(uint64_t);
}

struct list_alloc *list_init(void *buf, uint64_t frames, void (*relax)(void))
{
	struct list_alloc *l = buf;
	bench_spin_init(&l->lock);
	for (uint64_t i = 0; i < frames; i++)
		l->next[i] = i + 1 < frames ? i + 1 : LIST_END;
	l->head = frames ? 0 : LIST_END;
	l->nfree = frames;
	l->frames = frames;
	l->relax = relax;
	return l;
}

static void lock(struct list_alloc *l)
{
	bench_spin_lock_relax(&l->lock, l->relax);
}

static void unlock(struct list_alloc *l)
{
	bench_spin_unlock(&l->lock);
}

int list_get(struct list_alloc *l, unsigned order, uint64_t *frame)
{
	if (order != 0)
		return LIST_ERR_ORDER;
	lock(l);
	uint64_t f = l->head;
	if (f != LIST_END) {
		l->head = l->next[f];
		l->next[f] = LIST_ALLOCATED;
		l->nfree--;
	}
	unlock(l);
	if (f == LIST_END)
		return LIST_ERR_MEMORY;
	*frame = f;
	return LIST_OK;
}

int list_put(struct list_alloc *l, uint64_t frame, unsigned order)
{
	if (order != 0)
		return LIST_ERR_ORDER;
	if (frame >= l->frames)
		return LIST_ERR_RANGE;
	int res = LIST_OK;
	lock(l);
	if (l->next[frame] != LIST_ALLOCATED) {
		res = LIST_ERR_DOUBLE_FREE;
	} else {
		l->next[frame] = l->head;
		l->head = frame;
		l->nfree++;
	}
	unlock(l);
	return res;
}

uint64_t list_free_frames(const struct list_alloc *l)
{
	return l->nfree;
}

uint64_t list_free_huge(const struct list_alloc *l)
{
	uint64_t huge = 0;
	for (uint64_t area = 0; area + AREA_FRAMES <= l->frames; area += AREA_FRAMES) {
		uint64_t i = 0;
		while (i < AREA_FRAMES && l->next[area + i] != LIST_ALLOCATED)
			i++;
		huge += i == AREA_FRAMES;
	}
	return huge;
}

const char *list_validate(const struct list_alloc *l)
{
	uint64_t n = 0;
	for (uint64_t f = l->head; f != LIST_END; f = l->next[f]) {
		if (f >= l->frames || l->next[f] == LIST_ALLOCATED || ++n > l->frames)
			return "list: broken free list";
	}
	return n == l->nfree ? NULL : "list: free count differs from the list length";
}

const char *list_strerror(int err)
{
	static const char *const names[] = {
		[LIST_OK] = "ok",
		[LIST_ERR_MEMORY] = "no free frame",
		[LIST_ERR_ORDER] = "list supports order 0 only",
		[LIST_ERR_RANGE] = "frame out of range",
		[LIST_ERR_DOUBLE_FREE] = "double free",
	};
	return err >= 0 && err <= LIST_ERR_DOUBLE_FREE ? names[err] : "unknown list error";
}
