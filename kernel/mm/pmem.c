/*
 * Persistent memory: finding the range, mapping it, and the persistent
 * LLFree instance (see pmem.h for the layout and the modes).
 */
#include "mm/pmem.h"

#include "arch/paging.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "firmware/nfit.h"
#include "lib/align.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "platform/llfree_platform.h"
#include "mm/contig.h"

#define MIB (1ull << 20)
#define CACHE_LINE 64u
/* Physical alignment of the managed frames: the largest order (llfree.h). */
#define MANAGED_ALIGN ((uint64_t)LLFREE_FRAME_SIZE << LLFREE_MAX_ORDER)

/* The log region's first line: says which geometry wrote the logs. */
struct pmem_log_header {
	uint64_t magic;
	uint64_t cores;
	uint64_t bytes_per_core;
	uint64_t reserved[5];
};
_Static_assert(sizeof(struct pmem_log_header) == PMEM_LOG_HEADER_BYTES, "log header is one line");
_Static_assert(PMEM_LOG_BYTES % CACHE_LINE == 0, "a log is whole cache lines");

static const char *const mode_names[] = { "off", "overwrite", "recover", NULL };
static unsigned opt_mode;
static uint64_t opt_size, opt_at;
KOPT_ENUM(opt_mode, "pmem", mode_names, "off",
	  "persistent LLFree instance: off, overwrite (init FREE), recover (keep the state found)");
KOPT_SIZE(opt_size, "pmem_size", "0",
	  "declare RAM persistent when there is no NFIT: size of the range (with pmem_at)");
KOPT_SIZE(opt_at, "pmem_at", "0", "physical start of the pmem_size range (4 KiB aligned)");


static struct pmem_info info;
static llfree_t llfree;
static bool ready;
static uint8_t *range; /* virtual address of the range's start */

static const char *mode_name(enum pmem_mode mode)
{
	return mode_names[mode];
}

static const char *writeback_name(void)
{
	switch (llfree_writeback_insn) {
	case LLFREE_WB_CLWB:
		return "clwb";
	case LLFREE_WB_CLFLUSHOPT:
		return "clflushopt";
	default:
		return "clflush";
	}
}

/* Whole 4 KiB pages, not wrapping around. */
static bool whole_pages(uint64_t base, uint64_t size)
{
	return base % PAGE_SIZE == 0 && size % PAGE_SIZE == 0 && base + size >= base;
}

/* Above the first MiB and clear of the kernel image. */
static bool clear_of_kernel(uint64_t base, uint64_t end)
{
	uint64_t image0 = kernel_phys_start(), image1 = kernel_phys_end();
	return base >= MEMMAP_LOW_END && !(base < image1 && image0 < end);
}

/*
 * A range pmem_map will refuse (range_ok) stays in the memory map: kept out,
 * a range from 0 would take all RAM and the boot would stop at the memory map
 * ("no usable RAM") instead of at pmem_map, which says what is wrong.
 */
bool pmem_cmdline_range(struct boot_range *out)
{
	if (opt_mode == PMEM_OFF || opt_size == 0 || !whole_pages(opt_at, opt_size) ||
	    !clear_of_kernel(opt_at, opt_at + opt_size))
		return false;
	*out = (struct boot_range){ opt_at, opt_at + opt_size };
	return true;
}

/* The first persistent-memory SPA range of the NFIT; false if there is none. */
static bool find_nfit(const struct acpi *acpi)
{
	const struct acpi_sdt_header *table;
	struct nfit_info nfit;
	if (!acpi || acpi_find_table(acpi, NFIT_SIGNATURE, 0, &table) != ACPI_OK)
		return false;
	enum acpi_error err = nfit_parse(table, &nfit);
	if (err != ACPI_OK && err != ACPI_ERR_TOO_MANY) {
		kprintf("WARN msg=\"NFIT unusable: %s\"\n", acpi_strerror(err));
		return false;
	}
	if (nfit.range_count == 0)
		return false;
	if (nfit.range_count > 1)
		kprintf("WARN msg=\"NFIT lists %zu persistent ranges: using the first\"\n", nfit.range_count);
	info.base = nfit.ranges[0].base;
	info.size = nfit.ranges[0].length;
	info.source = "nfit";
	return true;
}

/* NFIT first, else the command line; prints why it found nothing. */
static bool find_range(const struct acpi *acpi)
{
	if (find_nfit(acpi)) {
		if (opt_size)
			kprintf("WARN msg=\"pmem: NFIT range found, pmem_size/pmem_at ignored\"\n");
		return true;
	}
	if (opt_size == 0) {
		kprintf("ERROR msg=\"pmem=%s: no NFIT persistent-memory range and no pmem_size=SIZE pmem_at=ADDR\"\n",
			mode_name(opt_mode));
		return false;
	}
	info.base = opt_at;
	info.size = opt_size;
	info.source = "cmdline";
	return true;
}

/* Every byte of [base, end) lies in some range of the map, of any type. */
static bool in_memory_map(const struct memmap *map, uint64_t base, uint64_t end)
{
	uint64_t at = base;
	for (size_t i = 0; i < map->count && at < end; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (r->start <= at && at < r->end)
			at = r->end;
	}
	return at >= end;
}

/*
 * An NFIT range must not be RAM the volatile allocator owns; a command-line
 * range is RAM the memory map kept out (KERNEL type), or a range the firmware
 * reports otherwise (reserved persistent memory), never a hole where writes go
 * nowhere, and never the first MiB or the kernel image (KERNEL type too).
 */
static bool range_ok(const struct memmap *map)
{
	uint64_t end = info.base + info.size;
	uint64_t image0 = kernel_phys_start(), image1 = kernel_phys_end();
	if (!whole_pages(info.base, info.size)) {
		kprintf("ERROR msg=\"pmem: range 0x%llx+0x%llx is not whole 4 KiB pages\"\n",
			(unsigned long long)info.base, (unsigned long long)info.size);
		return false;
	}
	if (!clear_of_kernel(info.base, end)) {
		kprintf("ERROR msg=\"pmem: range 0x%llx-0x%llx overlaps the first MiB or the kernel image "
			"0x%llx-0x%llx\"\n", (unsigned long long)info.base, (unsigned long long)end,
			(unsigned long long)image0, (unsigned long long)image1);
		return false;
	}
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (r->type == MEMMAP_USABLE && r->start < end && info.base < r->end) {
			kprintf("ERROR msg=\"pmem: range 0x%llx-0x%llx overlaps usable RAM 0x%llx-0x%llx\"\n",
				(unsigned long long)info.base, (unsigned long long)end,
				(unsigned long long)r->start, (unsigned long long)r->end);
			return false;
		}
	}
	if (!strcmp(info.source, "cmdline") && !in_memory_map(map, info.base, end)) {
		kprintf("ERROR msg=\"pmem: range 0x%llx-0x%llx is not all in the firmware memory map: no memory there\"\n",
			(unsigned long long)info.base, (unsigned long long)end);
		return false;
	}
	return true;
}

/* Offsets of the layout in pmem.h; false if no frame is left to manage. */
static bool compute_layout(void)
{
	llfree_meta_size_t meta = llfree_metadata_size(1, info.size / PAGE_SIZE);
	info.logs_at = align_up(meta.lower, PAGE_SIZE);
	uint64_t logs_end = info.logs_at + align_up(PMEM_LOG_HEADER_BYTES + PMEM_LOG_CORES * PMEM_LOG_BYTES,
						     PAGE_SIZE);
	info.managed_at = align_up(info.base + logs_end, MANAGED_ALIGN) - info.base;
	if (info.managed_at >= info.size) {
		kprintf("ERROR msg=\"pmem: range of %llu MiB too small: metadata and logs end at %llu KiB, "
			"frames start at the next %llu MiB boundary\"\n",
			(unsigned long long)(info.size / MIB), (unsigned long long)(logs_end >> 10),
			(unsigned long long)(MANAGED_ALIGN / MIB));
		return false;
	}
	info.frames = (info.size - info.managed_at) / PAGE_SIZE;
	return true;
}

static struct pmem_log_header *log_header(void)
{
	return (struct pmem_log_header *)(range + info.logs_at);
}

void *pmem_log(unsigned core)
{
	return range + info.logs_at + PMEM_LOG_HEADER_BYTES + (uint64_t)core * PMEM_LOG_BYTES;
}

void pmem_persist(const void *addr, size_t len)
{
	uintptr_t line = (uintptr_t)addr & ~(uintptr_t)(CACHE_LINE - 1);
	for (; line < (uintptr_t)addr + len; line += CACHE_LINE)
		llfree_writeback((const void *)line);
	llfree_fence();
}

/*
 * Overwrite in three steps, so that a crash at any point leaves a range that
 * RECOVER either refuses or finds consistent: the log header is invalidated
 * first, LLFree is initialised (its magic is written last), then the logs
 * are zeroed and the header written last.
 */
static void logs_invalidate(void)
{
	struct pmem_log_header *h = log_header();
	h->magic = 0;
	pmem_persist(h, sizeof(*h));
}

static void logs_reset(void)
{
	struct pmem_log_header *h = log_header();
	memset(pmem_log(0), 0, (size_t)PMEM_LOG_CORES * PMEM_LOG_BYTES);
	pmem_persist(pmem_log(0), (size_t)PMEM_LOG_CORES * PMEM_LOG_BYTES);
	*h = (struct pmem_log_header){ .magic = PMEM_LOG_MAGIC,
				       .cores = PMEM_LOG_CORES,
				       .bytes_per_core = PMEM_LOG_BYTES };
	pmem_persist(h, sizeof(*h));
}

static bool logs_check(void)
{
	const struct pmem_log_header *h = log_header();
	if (h->magic != PMEM_LOG_MAGIC || h->cores != PMEM_LOG_CORES || h->bytes_per_core != PMEM_LOG_BYTES) {
		kprintf("ERROR msg=\"pmem recover: log header magic 0x%llx cores %llu bytes %llu, this kernel "
			"writes 0x%llx %u %u: refusing (pmem=overwrite starts afresh)\"\n",
			(unsigned long long)h->magic, (unsigned long long)h->cores,
			(unsigned long long)h->bytes_per_core, (unsigned long long)PMEM_LOG_MAGIC,
			PMEM_LOG_CORES, PMEM_LOG_BYTES);
		return false;
	}
	return true;
}

static bool init_llfree(unsigned cores)
{
	llfree_meta_size_t need = llfree_metadata_size(cores, info.frames);
	void *upper = contig_alloc(need.upper); /* volatile: from the frame allocator */
	if (!upper) {
		kprintf("ERROR msg=\"pmem: no memory for %zu bytes of volatile LLFree metadata\"\n", need.upper);
		return false;
	}
	llfree_config_t cfg = {
		.cores = cores,
		.frames = info.frames,
		.mode = info.mode == PMEM_RECOVER ? LLFREE_INIT_RECOVER : LLFREE_INIT_FREE,
		.persistent = true,
		.upper = upper,
		.upper_size = need.upper,
		.lower = range,
		.lower_size = info.logs_at,
	};
	uint64_t t0 = tsc_begin();
	llfree_result_t r = llfree_init(&llfree, &cfg);
	if (r == LLFREE_OK)
		r = llfree_validate(&llfree);
	info.recover_ns = tsc_ticks_to_ns(tsc_end() - t0);
	if (r != LLFREE_OK) {
		kprintf("ERROR msg=\"pmem=%s refused: %s (%s range 0x%llx, %llu frames)%s\"\n",
			mode_name(info.mode), llfree_strerror(r), info.source, (unsigned long long)info.base,
			(unsigned long long)info.frames,
			info.mode == PMEM_RECOVER ? "; the range is left as it was, pmem=overwrite starts afresh" : "");
		return false;
	}
	info.deep = info.mode == PMEM_RECOVER && llfree_recovered_crashed(&llfree);
	return true;
}

bool pmem_map(const struct acpi *acpi, const struct memmap *map)
{
	info.mode = (enum pmem_mode)opt_mode;
	if (info.mode == PMEM_OFF)
		return true;
	if (!find_range(acpi) || !range_ok(map) || !compute_layout())
		return false;
	range = paging_map_wb(info.base, info.size);
	return true;
}

bool pmem_init(unsigned cores)
{
	if (info.mode == PMEM_OFF)
		return true;
	if (info.mode == PMEM_RECOVER && !logs_check())
		return false;
	if (info.mode == PMEM_OVERWRITE)
		logs_invalidate();
	if (!init_llfree(cores))
		return false;
	if (info.mode == PMEM_OVERWRITE)
		logs_reset();
	ready = true;
	kprintf("MEM pmem=%s source=%s base=0x%llx size=%llu logs_at=0x%llx managed_at=0x%llx managed_frames=%llu "
		"free_frames=%llu writeback=%s recovery=%s init_us=%llu\n",
		mode_name(info.mode), info.source, (unsigned long long)info.base, (unsigned long long)info.size,
		(unsigned long long)info.logs_at, (unsigned long long)info.managed_at,
		(unsigned long long)info.frames, (unsigned long long)llfree_free_frames(&llfree), writeback_name(),
		info.mode != PMEM_RECOVER ? "none" : info.deep ? "deep" : "shallow",
		(unsigned long long)(info.recover_ns / 1000));
	return true;
}

llfree_t *pmem_llfree(void)
{
	return ready ? &llfree : NULL;
}

const struct pmem_info *pmem_info(void)
{
	return &info;
}

void pmem_shutdown(void)
{
	if (ready)
		llfree_shutdown(&llfree);
}
