/*
 * Host unit tests of kernel/mm/memmap.c on random maps: small ones compared
 * with a byte-granular model, and maps over the whole address space that
 * must keep the builder's promises.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "memmap_check.h"
#include "rand.h"

/* ---- randomised comparison with a byte-granular model ------------------ */

/*
 * The model paints a small window across the 1 MiB line granule by granule,
 * straight from the rules in memmap.h: highest rank wins, kernel ranges
 * (widened to pages) then the first MiB take usable granules, and a free
 * granule survives only if its whole page is free of the same kind.
 */
#define MODEL_BASE 0xc0000ull
#define MODEL_GRAIN 0x100ull
#define MODEL_GRAINS 2048 /* 512 KiB: [0xc0000, 0x140000) */
#define MODEL_PER_PAGE (MEMMAP_PAGE / MODEL_GRAIN)

static int rank_of(enum memmap_type t)
{
	switch (t) {
	case MEMMAP_USABLE: return 0;
	case MEMMAP_ACPI: return 1;
	case MEMMAP_NVS: return 2;
	default: return 3;
	}
}

static const enum memmap_type by_rank[] = {MEMMAP_USABLE, MEMMAP_ACPI, MEMMAP_NVS, MEMMAP_RESERVED};

static enum memmap_type classify_fw(uint32_t t)
{
	return t == 1 ? MEMMAP_USABLE : t == 3 ? MEMMAP_ACPI : t == 4 ? MEMMAP_NVS : MEMMAP_RESERVED;
}

static void model(const struct boot_mmap_entry *e, size_t n, const struct boot_range *keep,
		  size_t keep_count, enum memmap_type *out /* 0: gap */)
{
	int rank[MODEL_GRAINS];
	for (size_t g = 0; g < MODEL_GRAINS; g++)
		rank[g] = -1;
	for (size_t i = 0; i < n; i++) {
		int r = rank_of(classify_fw(e[i].type));
		for (uint64_t a = e[i].base; a < e[i].base + e[i].length; a += MODEL_GRAIN) {
			size_t g = (a - MODEL_BASE) / MODEL_GRAIN;
			if (r > rank[g])
				rank[g] = r;
		}
	}
	for (size_t g = 0; g < MODEL_GRAINS; g++) {
		uint64_t a = MODEL_BASE + g * MODEL_GRAIN;
		out[g] = rank[g] < 0 ? 0 : by_rank[rank[g]];
		if (out[g] != MEMMAP_USABLE)
			continue;
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t lo = keep[k].start & ~(MEMMAP_PAGE - 1);
			uint64_t hi = (keep[k].end + MEMMAP_PAGE - 1) & ~(MEMMAP_PAGE - 1);
			if (keep[k].start != keep[k].end && lo <= a && a < hi)
				out[g] = MEMMAP_KERNEL;
		}
		if (out[g] == MEMMAP_USABLE && a < MEMMAP_LOW_END)
			out[g] = MEMMAP_LOW;
	}
	for (size_t p = 0; p < MODEL_GRAINS; p += MODEL_PER_PAGE) {
		bool any_free = false, uniform = true;
		for (size_t g = p; g < p + MODEL_PER_PAGE; g++) {
			any_free |= out[g] == MEMMAP_USABLE || out[g] == MEMMAP_LOW;
			uniform &= out[g] == out[p];
		}
		for (size_t g = p; any_free && !uniform && g < p + MODEL_PER_PAGE; g++) {
			if (out[g] == MEMMAP_USABLE || out[g] == MEMMAP_LOW)
				out[g] = 0;
		}
	}
}

Test(memmap, random_maps_match_model)
{
	static const uint32_t types[] = {1, 1, 1, 1, 1, 2, 3, 4, 5, 7, 20};
	uint64_t rng = 0x853c49e6748fea9bull;
	struct boot_mmap_entry e[24];
	struct boot_range keep[3];
	enum memmap_type want[MODEL_GRAINS];
	size_t outcomes[MEMMAP_ERR_COUNT] = {0};

	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + xorshift64(&rng) % ARRAY_LEN(e);
		for (size_t i = 0; i < n; i++) {
			uint64_t g = xorshift64(&rng) % MODEL_GRAINS;
			uint64_t len = xorshift64(&rng) % (MODEL_GRAINS / 4);
			if (g + len > MODEL_GRAINS)
				len = MODEL_GRAINS - g;
			if (xorshift64(&rng) % 3 == 0) /* page-aligned ones, like most firmware */
				g &= ~(MODEL_PER_PAGE - 1), len &= ~(MODEL_PER_PAGE - 1);
			e[i] = (struct boot_mmap_entry){MODEL_BASE + g * MODEL_GRAIN, len * MODEL_GRAIN,
							types[xorshift64(&rng) % ARRAY_LEN(types)]};
		}
		size_t keep_count = xorshift64(&rng) % (ARRAY_LEN(keep) + 1);
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t at = MODEL_BASE + xorshift64(&rng) % (MODEL_GRAINS * MODEL_GRAIN);
			uint64_t len = xorshift64(&rng) % (64 * KiB);
			if (at + len > MODEL_BASE + MODEL_GRAINS * MODEL_GRAIN)
				len = 0;
			keep[k] = (struct boot_range){at, at + len};
		}

		enum memmap_error err = memmap_build(FW(e, n), keep, keep_count, &map);
		cr_assert(err == MEMMAP_OK || err == MEMMAP_ERR_EMPTY, "round %d: %s", round,
			  memmap_strerror(err));
		outcomes[err]++;
		check_invariants(&map);
		model(e, n, keep, keep_count, want);

		/* walk the map and the grains together */
		size_t r = 0;
		for (size_t g = 0; g < MODEL_GRAINS; g++) {
			uint64_t a = MODEL_BASE + g * MODEL_GRAIN;
			while (r < map.count && map.ranges[r].end <= a)
				r++;
			enum memmap_type got = r < map.count && map.ranges[r].start <= a ? map.ranges[r].type : 0;
			if (got != want[g])
				print_map(&map);
			cr_assert_eq(got, want[g], "round %d at %#llx: got %s want %s", round,
				     (unsigned long long)a, got ? memmap_type_name(got) : "gap",
				     want[g] ? memmap_type_name(want[g]) : "gap");
		}
		cr_assert(map.count == 0 || (map.ranges[0].start >= MODEL_BASE &&
					     map.top_any <= MODEL_BASE + MODEL_GRAINS * MODEL_GRAIN));
	}
	/* both outcomes seen: the generator is not degenerate */
	cr_assert_gt(outcomes[MEMMAP_OK], 100);
	cr_assert_gt(outcomes[MEMMAP_ERR_EMPTY], 0);
}

/* ---- randomised maps over the whole address space ----------------------- */

static uint64_t random_address(uint64_t *rng)
{
	uint64_t r = xorshift64(rng);
	switch (r % 4) {
	case 0: return r >> 40;                           /* low memory */
	case 1: return 4 * GiB - (r >> 36);               /* below the 4 GiB line */
	case 2: return UINT64_MAX - (r >> 30);            /* the top of the address space */
	default: return r & ~(MEMMAP_PAGE - 1);           /* anywhere, page aligned */
	}
}

static bool intersects(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static bool covered_by_usable(const struct boot_mmap_entry *e, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].type == 1 && e[i].base <= addr && addr - e[i].base < e[i].length)
			return true;
	}
	return false;
}

/*
 * Whatever the input: the right error, or a map in which no byte the firmware
 * keeps is free or ours, no usable byte lies in a kernel range or the first
 * MiB, and every usable byte came from a usable entry.
 */
Test(memmap, random_wide_maps_keep_their_promises)
{
	uint64_t rng = 0xda942042e4dd58b5ull;
	struct boot_mmap_entry e[32];
	struct boot_range keep[4];
	size_t outcomes[MEMMAP_ERR_COUNT] = {0};

	for (int round = 0; round < 3000; round++) {
		size_t n = xorshift64(&rng) % ARRAY_LEN(e);
		bool overflow = false, bad_keep = false;
		for (size_t i = 0; i < n; i++) {
			uint64_t base = random_address(&rng);
			uint64_t len = xorshift64(&rng) >> (xorshift64(&rng) % 64);
			if (len > UINT64_MAX - base && xorshift64(&rng) % 16 != 0)
				len = UINT64_MAX - base; /* mostly valid, sometimes wrapping */
			e[i] = (struct boot_mmap_entry){base, len, (uint32_t)(xorshift64(&rng) % 8)};
			overflow |= len > UINT64_MAX - base;
		}
		size_t keep_count = xorshift64(&rng) % (ARRAY_LEN(keep) + 1);
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t a = random_address(&rng), b = a + (xorshift64(&rng) >> 40);
			keep[k] = xorshift64(&rng) % 50 ? (struct boot_range){a, b < a ? UINT64_MAX : b}
						       : (struct boot_range){a + 1, a};
			bad_keep |= keep[k].end < keep[k].start;
			overflow |= !bad_keep && keep[k].end > UINT64_MAX - MEMMAP_PAGE + 1;
		}

		enum memmap_error err = memmap_build(FW(e, n), keep, keep_count, &map);
		outcomes[err]++;
		if (overflow || bad_keep) {
			cr_assert(err == MEMMAP_ERR_OVERFLOW || err == MEMMAP_ERR_KEEP, "round %d: %s",
				  round, memmap_strerror(err));
			continue;
		}
		cr_assert(err == MEMMAP_OK || err == MEMMAP_ERR_EMPTY || err == MEMMAP_ERR_TOO_MANY,
			  "round %d: %s", round, memmap_strerror(err));
		if (err == MEMMAP_ERR_TOO_MANY)
			continue;
		check_invariants(&map);
		for (size_t r = 0; r < map.count; r++) {
			const struct memmap_range *m = &map.ranges[r];
			bool taken = m->type == MEMMAP_USABLE || m->type == MEMMAP_LOW ||
				     m->type == MEMMAP_KERNEL;
			for (size_t i = 0; taken && i < n; i++) {
				cr_assert(e[i].type == 1 || e[i].length == 0 ||
						  !intersects(m->start, m->end, e[i].base, e[i].base + e[i].length),
					  "round %d: %s range %zu over firmware type %u", round,
					  memmap_type_name(m->type), r, e[i].type);
			}
			if (m->type != MEMMAP_USABLE)
				continue;
			for (size_t k = 0; k < keep_count; k++)
				cr_assert(!intersects(m->start, m->end, keep[k].start, keep[k].end),
					  "round %d: usable range %zu over kernel range %zu", round, r, k);
			cr_assert(covered_by_usable(e, n, m->start) && covered_by_usable(e, n, m->end - 1),
				  "round %d: usable range %zu not from firmware RAM", round, r);
		}
	}
	cr_assert_gt(outcomes[MEMMAP_OK], 300);
	cr_assert_gt(outcomes[MEMMAP_ERR_OVERFLOW], 0);
	cr_assert_gt(outcomes[MEMMAP_ERR_KEEP], 0);
}
