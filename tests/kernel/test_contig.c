/*
 * Host unit tests of kernel/mm/contig.c (contiguous kernel buffers) over a
 * host LLFree instance standing in for the kernel's (frames.h stubbed, frame
 * number = physical address / 4 KiB as in the kernel). this_cpu_index()
 * reads %gs:0, so each test points GS at a fake per-CPU struct.
 *
 * The race the search must survive (another CPU takes an area between the
 * is_free check and the get_at) is injected by wrapping llfree_get_at
 * (-Wl,--wrap): the "other CPU" takes the area just before contig does.
 */
#include <asm/prctl.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/paging.h"
#include "arch/percpu.h"
#include "llfree.h"
#include "mm/contig.h"
#include "mm/frames.h"

#define AREAS 64
#define FRAMES ((uint64_t)AREAS * LLFREE_AREA_FRAMES)
#define AREA_BYTES ((size_t)LLFREE_AREA_FRAMES * LLFREE_FRAME_SIZE)

static llfree_t ll;
static struct percpu cpu0;
static uint64_t steal_frame = UINT64_MAX; /* get_at of this frame finds it taken */

llfree_t *frames_llfree(void) { return &ll; }

bool frames_get(unsigned order, llfree_kind_t kind, uint64_t *phys)
{
	uint64_t frame;
	if (llfree_get(&ll, 0, order, kind, &frame) != LLFREE_OK)
		return false;
	*phys = frame * LLFREE_FRAME_SIZE;
	return true;
}

void frames_put(uint64_t phys, unsigned order, llfree_kind_t kind)
{
	cr_assert_eq(llfree_put(&ll, 0, phys / LLFREE_FRAME_SIZE, order, kind), LLFREE_OK,
		     "bad free of 0x%llx order %u", (unsigned long long)phys, order);
}

void panic(const char *fmt, ...)
{
	cr_assert_fail("panic: %s", fmt);
	abort();
}

llfree_result_t __real_llfree_get_at(llfree_t *self, size_t core, uint64_t frame, unsigned order,
				     llfree_kind_t kind);
llfree_result_t __wrap_llfree_get_at(llfree_t *self, size_t core, uint64_t frame, unsigned order,
				     llfree_kind_t kind)
{
	if (frame == steal_frame) {
		steal_frame = UINT64_MAX;
		cr_assert_eq(__real_llfree_get_at(self, 1, frame, order, kind), LLFREE_OK);
	}
	return __real_llfree_get_at(self, core, frame, order, kind);
}

static void setup(void)
{
	cpu0.self = &cpu0;
	cpu0.index = 0;
	cr_assert_eq(syscall(SYS_arch_prctl, ARCH_SET_GS, &cpu0), 0, "arch_prctl(ARCH_SET_GS)");
	llfree_meta_size_t m = llfree_metadata_size(2, FRAMES);
	llfree_config_t cfg = {
		.cores = 2,
		.frames = FRAMES,
		.mode = LLFREE_INIT_FREE,
		.upper = aligned_alloc(LLFREE_ALIGN, (m.upper + 63) & ~(size_t)63),
		.upper_size = m.upper,
		.lower = aligned_alloc(LLFREE_ALIGN, (m.lower + 63) & ~(size_t)63),
		.lower_size = m.lower,
	};
	cr_assert_eq(llfree_init(&ll, &cfg), LLFREE_OK);
}

TestSuite(contig, .init = setup);

uint64_t kernel_load_offset; /* arch/image.h: the host has no kernel image */

static uint64_t phys_of(void *p)
{
	return virt_to_phys(p);
}

static uint64_t area_of(void *p)
{
	return phys_of(p) / AREA_BYTES;
}

/* The buffer's areas are allocated, and exactly `frames` frames left the allocator. */
static void assert_held(void *p, size_t bytes, uint64_t free_before)
{
	cr_assert_not_null(p);
	cr_assert_eq(phys_of(p) % 4096, 0, "page aligned");
	uint64_t frames = contig_frames(bytes);
	cr_assert_geq(frames * LLFREE_FRAME_SIZE, bytes);
	cr_assert_eq(llfree_free_frames(&ll), free_before - frames);
	for (uint64_t f = phys_of(p) / LLFREE_FRAME_SIZE; f < phys_of(p) / LLFREE_FRAME_SIZE + frames; f++)
		cr_assert(!llfree_is_free(&ll, f, 0), "frame %llu of the buffer is free",
			  (unsigned long long)f);
}

Test(contig, sizes_round_to_an_order_or_whole_areas)
{
	cr_assert_eq(contig_frames(1), 1);
	cr_assert_eq(contig_frames(4096), 1);
	cr_assert_eq(contig_frames(4097), 2);
	cr_assert_eq(contig_frames(3 * 4096), 4);
	cr_assert_eq(contig_frames(AREA_BYTES), LLFREE_AREA_FRAMES);
	cr_assert_eq(contig_frames(AREA_BYTES + 1), 2 * LLFREE_AREA_FRAMES);
	cr_assert_eq(contig_frames(5 * AREA_BYTES - 1), 5 * LLFREE_AREA_FRAMES);
	cr_assert_eq(contig_frames(40 * AREA_BYTES), 40 * LLFREE_AREA_FRAMES);
	cr_assert_null(contig_alloc(0));
}

Test(contig, small_buffer_is_one_allocation)
{
	uint64_t before = llfree_free_frames(&ll);
	void *p = contig_alloc(3 * 4096 + 5);
	assert_held(p, 3 * 4096 + 5, before);
	cr_assert_eq(phys_of(p) % (4 * 4096), 0, "aligned to its order");
	contig_free(p, 3 * 4096 + 5);
	cr_assert_eq(llfree_free_frames(&ll), before);
	cr_assert_eq(llfree_validate(&ll), LLFREE_OK);
}

Test(contig, large_buffer_is_a_run_of_areas_from_the_top)
{
	size_t bytes = 5 * AREA_BYTES - 100;
	uint64_t before = llfree_free_frames(&ll);
	void *p = contig_alloc(bytes);
	assert_held(p, bytes, before);
	cr_assert_eq(area_of(p), AREAS - 5);
	contig_free(p, bytes);
	cr_assert_eq(llfree_free_frames(&ll), before);
	cr_assert_eq(llfree_free_huge(&ll), AREAS);
	cr_assert_eq(llfree_validate(&ll), LLFREE_OK);
}

/* One frame in use inside the top areas: the run goes below it, never across. */
Test(contig, run_skips_an_area_with_one_frame_in_use)
{
	uint64_t used = (uint64_t)(AREAS - 3) * LLFREE_AREA_FRAMES + 17;
	cr_assert_eq(llfree_get_at(&ll, 1, used, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	uint64_t before = llfree_free_frames(&ll);
	void *p = contig_alloc(4 * AREA_BYTES);
	assert_held(p, 4 * AREA_BYTES, before);
	cr_assert_eq(area_of(p), AREAS - 3 - 4);
	contig_free(p, 4 * AREA_BYTES);
	cr_assert_eq(llfree_free_frames(&ll), before);
	cr_assert_eq(llfree_validate(&ll), LLFREE_OK);
}

/* Another CPU takes the run's third area after the check: what was taken goes back, the run moves below. */
Test(contig, area_taken_during_the_run_moves_the_run_below_it)
{
	uint64_t stolen_area = AREAS - 6 + 2;
	steal_frame = stolen_area * LLFREE_AREA_FRAMES;
	uint64_t before = llfree_free_frames(&ll);
	void *p = contig_alloc(6 * AREA_BYTES);
	cr_assert_eq(steal_frame, UINT64_MAX, "the injected race happened");
	assert_held(p, 6 * AREA_BYTES, before - LLFREE_AREA_FRAMES);
	cr_assert_eq(area_of(p), stolen_area - 6);
	for (uint64_t a = stolen_area + 1; a < AREAS; a++)
		cr_assert(llfree_is_free(&ll, a * LLFREE_AREA_FRAMES, LLFREE_HUGE_ORDER),
			  "area %llu was given back", (unsigned long long)a);
	contig_free(p, 6 * AREA_BYTES);
	cr_assert_eq(llfree_free_frames(&ll), before - LLFREE_AREA_FRAMES);
	cr_assert_eq(llfree_validate(&ll), LLFREE_OK);
}

Test(contig, too_large_takes_nothing)
{
	uint64_t before = llfree_free_frames(&ll);
	cr_assert_null(contig_alloc((AREAS + 1) * AREA_BYTES));
	cr_assert_eq(llfree_free_frames(&ll), before);
	/* Every area has a frame in use: no run of two, however much is free. */
	for (uint64_t a = 0; a < AREAS; a++)
		cr_assert_eq(llfree_get_at(&ll, 1, a * LLFREE_AREA_FRAMES + 1, 0, LLFREE_KIND_MOVABLE),
			     LLFREE_OK);
	before = llfree_free_frames(&ll);
	cr_assert_null(contig_alloc(2 * AREA_BYTES));
	cr_assert_eq(llfree_free_frames(&ll), before);
	cr_assert_eq(llfree_validate(&ll), LLFREE_OK);
}

Test(contig, whole_memory_fits_exactly)
{
	void *p = contig_alloc(AREAS * AREA_BYTES);
	assert_held(p, AREAS * AREA_BYTES, FRAMES);
	cr_assert_eq(area_of(p), 0);
	contig_free(p, AREAS * AREA_BYTES);
	cr_assert_eq(llfree_free_frames(&ll), FRAMES);
}
