/*
 * Persistent memory: a second LLFree instance whose lower level survives a
 * crash of the whole machine (design llfree.md section 3; docs/pmem.md).
 *
 * Finding the range, in order:
 *   1. ACPI NFIT: the first System Physical Address range of type Persistent
 *      Memory (ACPI 6.0, 5.2.25.2), as QEMU exposes an `-device nvdimm`;
 *   2. the command line: pmem_size=SIZE pmem_at=ADDR declares a RAM range
 *      persistent (Linux's memmap=nn!ss, for machines without an NFIT; the
 *      range is kept out of the volatile allocator by pmem_cmdline_range()).
 * The range is mapped write-back at DIRECT_MAP_BASE + phys.
 *
 * Layout of the range (offsets from its start; every part page aligned):
 *
 *   0                  LLFree lower level: meta record {magic, frames,
 *                      crashed} in the first 64 bytes, then bitfields and
 *                      area entries; sized for every frame of the range
 *   logs_at            log header (64 bytes: magic, log geometry), then
 *                      PMEM_LOG_CORES per-core logs of PMEM_LOG_BYTES each
 *                      (format: kernel/test/crash.h)
 *   managed_at         the managed frames: LLFree frame n is physical
 *                      base + managed_at + n * 4 KiB. managed_at makes that
 *                      address aligned to the largest order (LLFREE_MAX_ORDER,
 *                      16 MiB), as the library's contract asks
 *   size               end of the range
 *
 * The layout depends only on the range's size, never on the core count, so
 * a boot with another --smp finds the same offsets. Init modes (pmem=):
 *   off        the default: no persistent instance
 *   overwrite  zero the logs, LLFree init FREE (whatever was there is lost)
 *   recover    LLFree RECOVER: magic and frame count must match (else the
 *              boot fails with the reason; nothing is written), deep
 *              recount when the crashed flag is set, then validate
 * The upper level (trees, reservations) is volatile, from the frame allocator.
 */
#ifndef KERNEL_MM_PMEM_H
#define KERNEL_MM_PMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"
#include "firmware/boot_info.h"
#include "llfree.h"
#include "mm/memmap.h"

/* Per-core logs in persistent memory: enough for every CPU run_cores can start here. */
#define PMEM_LOG_CORES 256u
#define PMEM_LOG_BYTES 1024u
#define PMEM_LOG_HEADER_BYTES 64u
#define PMEM_LOG_MAGIC 0x474f4c4d454d5050ull /* "PPMEMLOG" little-endian */

enum pmem_mode { PMEM_OFF = 0, PMEM_OVERWRITE = 1, PMEM_RECOVER = 2 };

struct pmem_info {
	enum pmem_mode mode;
	const char *source;       /* "nfit" or "cmdline" */
	uint64_t base, size;      /* the whole range, physical */
	uint64_t logs_at;         /* offsets from base (layout above) */
	uint64_t managed_at;
	uint64_t frames;          /* managed frames */
	bool deep;                /* RECOVER found the crashed flag set and recounted */
	uint64_t recover_ns;      /* llfree_init RECOVER + validate */
};

/*
 * The command-line range (pmem_size/pmem_at) when pmem is on, for the
 * memory map's keep list, so that the volatile allocator never hands it
 * out. False when there is none, or none pmem_map would accept (left in
 * the map so that the boot reaches pmem_map's reason). Valid after
 * cmdline_parse.
 */
bool pmem_cmdline_range(struct boot_range *out);

/*
 * Find the range (NFIT or pmem_size/pmem_at), check it and map it
 * write-back. True when pmem is off or the range is mapped; false (reason
 * printed) on no range, a range over usable RAM, or one too small. Before
 * the APs start: the mapping is then made while no other CPU runs (paging
 * also never changes a present entry, so none could hold a stale one;
 * docs/hardware.md, Persistent memory mapping).
 */
bool pmem_map(const struct acpi *acpi, const struct memmap *map);

/*
 * Set up the persistent instance for `cores` cores on the range pmem_map
 * mapped, as pmem= says; prints the `MEM pmem=...` line. True when pmem is
 * off or ready; false (reason printed) when a RECOVER is refused (wrong
 * magic or size, corrupt counters) or the volatile metadata does not fit.
 * After pmem_map, frames_init and the AP start.
 */
bool pmem_init(unsigned cores);

/* NULL when pmem is off or pmem_init failed. */
llfree_t *pmem_llfree(void);
const struct pmem_info *pmem_info(void);
/* Core `core`'s log (PMEM_LOG_BYTES, 64-byte aligned); core < PMEM_LOG_CORES. */
void *pmem_log(unsigned core);
/* Write back every cache line of [addr, addr+len) and fence (llfree_platform.h). */
void pmem_persist(const void *addr, size_t len);
/* Orderly end: drain, clear the crashed flag (the next RECOVER is shallow). */
void pmem_shutdown(void);

#endif
