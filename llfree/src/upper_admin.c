/*
 * Upper allocator of LLFree, what the OS asks of it besides get and put
 * (llfree.h): trees offline and online, fixed kinds, counts per kind and per
 * tree; and validation and the dump.
 */
#include "upper_res.h"

/* End every reservation that holds tree, but those of keep_kind (LLFREE_KINDS: none kept). */
static void end_reservations_of(const llfree_t *self, size_t tree, unsigned keep_kind)
{
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++)
		if (r % LLFREE_KINDS != keep_kind)
			upper_end_reservation(self, &self->reservations[r], tree);
}

/*
 * Offline: the flag first, so that no reservation, steal or debt takes the
 * tree any more, then the reservations that hold it end. A core that
 * reserved it just before the flag and swaps it in after this scan ends it
 * itself (drop_if_offline), before any get uses it.
 */
void upper_set_offline(const llfree_t *self, size_t tree, bool offline)
{
	tree_change_t change = { .flag = offline };
	tree_t seen;
	tree_update(&self->tree_entries[tree], tree_set_offline, &change, &seen);
	if (offline)
		end_reservations_of(self, tree, LLFREE_KINDS);
}

void upper_set_kind(const llfree_t *self, size_t tree, unsigned kind, bool fixed)
{
	tree_change_t change = { .kind = kind, .flag = fixed };
	tree_t seen;
	tree_update(&self->tree_entries[tree], tree_set_kind, &change, &seen);
	if (fixed)
		end_reservations_of(self, tree, kind);
}

/* The tree's count: its entry's and that of the reservation holding it. */
static int64_t tree_count_all(const llfree_t *self, size_t tree, tree_t entry)
{
	int64_t free = tree_count(entry);
	for (size_t r = 0; tree_reserved(entry) && r < self->cores * LLFREE_KINDS; r++) {
		reservation_t res =
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
		if (res_present(res) && res_tree(res) == tree)
			free += res_free(res);
	}
	return free;
}

void upper_tree_info(const llfree_t *self, size_t tree, llfree_tree_info_t *info)
{
	tree_t entry = tree_load(&self->tree_entries[tree]);
	int64_t free = tree_count_all(self, tree, entry);
	*info = (llfree_tree_info_t){ .kind = (llfree_kind_t)tree_kind(entry),
				      .fixed = tree_fixed(entry),
				      .offline = tree_offline(entry),
				      .reserved = tree_reserved(entry),
				      .free = free > 0 ? (uint64_t)free : 0,
				      .frames = lower_tree_capacity(self, tree) };
}

void upper_counts(const llfree_t *self, llfree_counts_t *counts)
{
	int64_t free[LLFREE_KINDS + 1] = { 0 }; /* the last: offline trees */
	*counts = (llfree_counts_t){ 0 };
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		unsigned bucket = tree_offline(entry) ? LLFREE_KINDS : tree_kind(entry);
		free[bucket] += tree_count_all(self, t, entry);
		if (bucket == LLFREE_KINDS)
			counts->offline_trees++;
		else
			counts->trees[bucket]++;
	}
	for (unsigned k = 0; k < LLFREE_KINDS; k++)
		counts->free[k] = free[k] > 0 ? (uint64_t)free[k] : 0;
	counts->offline_free = free[LLFREE_KINDS] > 0 ? (uint64_t)free[LLFREE_KINDS] : 0;
}

uint64_t upper_free_frames(const llfree_t *self)
{
	int64_t free = 0;
	for (size_t t = 0; t < self->trees; t++)
		free += tree_count(tree_load(&self->tree_entries[t]));
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++)
		free += res_free(atomic_load_explicit(&self->reservations[r].word,
						      memory_order_acquire));
	/* A debt read before the surplus that pays it could make a racing sum negative. */
	return free > 0 ? (uint64_t)free : 0;
}

static llfree_result_t validate_reservation(const llfree_t *self, size_t r)
{
	reservation_t res = atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
	if (!res_present(res))
		return res == 0 ? LLFREE_OK : LLFREE_ERR_CORRUPT;
	size_t tree = res_tree(res);
	if (tree >= self->trees) {
		llfree_log("llfree: reservation %llu: tree %llu out of range\n",
			   (unsigned long long)r, (unsigned long long)tree);
		return LLFREE_ERR_CORRUPT;
	}
	for (size_t other = 0; other < r; other++) {
		reservation_t o =
			atomic_load_explicit(&self->reservations[other].word, memory_order_acquire);
		if (res_present(o) && res_tree(o) == tree) {
			llfree_log("llfree: reservations %llu and %llu both hold tree %llu\n",
				   (unsigned long long)other, (unsigned long long)r,
				   (unsigned long long)tree);
			return LLFREE_ERR_CORRUPT;
		}
	}
	tree_t entry = tree_load(&self->tree_entries[tree]);
	uint32_t lower = lower_tree_free(self, tree);
	if (!tree_reserved(entry) || tree_count(entry) + res_free(res) != lower) {
		llfree_log("llfree: tree %llu: entry %u (debt %u)%s + reservation %u != areas %u\n",
			   (unsigned long long)tree, tree_free(entry), tree_debt(entry),
			   tree_reserved(entry) ? "" : " (not reserved)", res_free(res), lower);
		return LLFREE_ERR_CORRUPT;
	}
	return LLFREE_OK;
}

llfree_result_t upper_validate(const llfree_t *self)
{
	size_t present = 0, reserved = 0;
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++) {
		llfree_result_t result = validate_reservation(self, r);
		if (result != LLFREE_OK)
			return result;
		present += res_present(
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire));
	}
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		uint32_t lower = lower_tree_free(self, t);
		reserved += tree_reserved(entry);
		if (tree_free(entry) > lower_tree_capacity(self, t) ||
		    (tree_debt(entry) > 0 && tree_free(entry) > 0) ||
		    (!tree_reserved(entry) && tree_count(entry) != lower)) {
			llfree_log("llfree: tree %llu: entry %u (debt %u), areas %u, capacity %u\n",
				   (unsigned long long)t, tree_free(entry), tree_debt(entry), lower,
				   lower_tree_capacity(self, t));
			return LLFREE_ERR_CORRUPT;
		}
	}
	/* Each present reservation holds a distinct reserved tree; no reserved tree is orphaned. */
	if (present != reserved) {
		llfree_log("llfree: %llu reservations but %llu reserved trees\n",
			   (unsigned long long)present, (unsigned long long)reserved);
		return LLFREE_ERR_CORRUPT;
	}
	return LLFREE_OK;
}

/* Trees the dump lists one by one; the rest are summed up (a serial line is slow). */
#define DUMP_TREES 64

void upper_dump(const llfree_t *self)
{
	size_t listed = 0, full = 0, empty = 0;
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		uint32_t areas = lower_tree_free(self, t);
		/* Entirely free or entirely used unreserved trees are only counted. */
		if (!tree_reserved(entry) && (areas == 0 || areas == lower_tree_capacity(self, t))) {
			full += areas == 0;
			empty += areas != 0;
			continue;
		}
		if (listed++ < DUMP_TREES)
			llfree_log("llfree:  tree %llu: free %u/%u%s kind %s, debt %u, areas %u\n",
				   (unsigned long long)t, tree_free(entry),
				   lower_tree_capacity(self, t), tree_reserved(entry) ? " reserved" : "",
				   tree_kind_name(tree_kind(entry)), tree_debt(entry), areas);
	}
	llfree_log("llfree:  trees: %llu partial or reserved (%llu listed), %llu free, %llu full\n",
		   (unsigned long long)listed,
		   (unsigned long long)(listed < DUMP_TREES ? listed : DUMP_TREES),
		   (unsigned long long)empty, (unsigned long long)full);
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++) {
		reservation_t res =
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
		if (res_present(res))
			llfree_log("llfree:  core %llu %s: tree %llu, free %u, row %llu\n",
				   (unsigned long long)(r / LLFREE_KINDS),
				   tree_kind_name((unsigned)(r % LLFREE_KINDS)),
				   (unsigned long long)res_tree(res), res_free(res),
				   (unsigned long long)res_row(res));
	}
}
