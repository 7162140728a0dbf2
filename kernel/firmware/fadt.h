/*
 * FADT (signature "FACP"): the ACPI PM timer for TSC calibration, and the reset register
 * for reboot=1 (dev/reset.h).
 * Follows the ACPI Specification 6.5, 5.2.9 Fixed ACPI Description Table
 * (5.2.9.1 FADT flags), 4.8.3.3 Power Management Timer, 5.2.3.2 Generic
 * Address Structure.
 *
 * The FADT grew over the revisions: ACPI 1.0 tables are 116 bytes and end
 * after the flags, ACPI 2.0 added RESET_REG and the 64-bit X_ blocks. Fields
 * beyond a table's length are read as absent, never out of bounds.
 */
#ifndef KERNEL_FIRMWARE_FADT_H
#define KERNEL_FIRMWARE_FADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"

#define FADT_SIGNATURE "FACP"

/* The fields we read, at their spec offsets; the rest are kept as padding. */
struct fadt {
	struct acpi_sdt_header sdt;     /* 0 */
	uint32_t firmware_ctrl;         /* 36 */
	uint32_t dsdt;                  /* 40 */
	uint8_t reserved0;              /* 44: INT_MODEL in ACPI 1.0 */
	uint8_t preferred_pm_profile;   /* 45 */
	uint16_t sci_int;               /* 46 */
	uint32_t smi_cmd;               /* 48 */
	uint8_t acpi_enable;            /* 52 */
	uint8_t acpi_disable;           /* 53 */
	uint8_t s4bios_req;             /* 54 */
	uint8_t pstate_cnt;             /* 55 */
	uint32_t pm1a_evt_blk;          /* 56 */
	uint32_t pm1b_evt_blk;          /* 60 */
	uint32_t pm1a_cnt_blk;          /* 64 */
	uint32_t pm1b_cnt_blk;          /* 68 */
	uint32_t pm2_cnt_blk;           /* 72 */
	uint32_t pm_tmr_blk;            /* 76: I/O port of the PM timer */
	uint32_t gpe0_blk;              /* 80 */
	uint32_t gpe1_blk;              /* 84 */
	uint8_t pm1_evt_len;            /* 88 */
	uint8_t pm1_cnt_len;            /* 89 */
	uint8_t pm2_cnt_len;            /* 90 */
	uint8_t pm_tmr_len;             /* 91: 4 when the timer exists */
	uint8_t gpe0_blk_len;           /* 92 */
	uint8_t gpe1_blk_len;           /* 93 */
	uint8_t gpe1_base;              /* 94 */
	uint8_t cst_cnt;                /* 95 */
	uint16_t p_lvl2_lat;            /* 96 */
	uint16_t p_lvl3_lat;            /* 98 */
	uint16_t flush_size;            /* 100 */
	uint16_t flush_stride;          /* 102 */
	uint8_t duty_offset;            /* 104 */
	uint8_t duty_width;             /* 105 */
	uint8_t day_alrm;               /* 106 */
	uint8_t mon_alrm;               /* 107 */
	uint8_t century;                /* 108 */
	uint16_t iapc_boot_arch;        /* 109 */
	uint8_t reserved1;              /* 111 */
	uint32_t flags;                 /* 112: FADT_FLAG_* */
	/* ACPI 1.0 tables end here (length 116). */
	struct acpi_gas reset_reg;      /* 116 */
	uint8_t reset_value;            /* 128 */
	uint16_t arm_boot_arch;         /* 129 */
	uint8_t fadt_minor_version;     /* 131 */
	uint64_t x_firmware_ctrl;       /* 132 */
	uint64_t x_dsdt;                /* 140 */
	struct acpi_gas x_pm1a_evt_blk; /* 148 */
	struct acpi_gas x_pm1b_evt_blk; /* 160 */
	struct acpi_gas x_pm1a_cnt_blk; /* 172 */
	struct acpi_gas x_pm1b_cnt_blk; /* 184 */
	struct acpi_gas x_pm2_cnt_blk;  /* 196 */
	struct acpi_gas x_pm_tmr_blk;   /* 208 */
	struct acpi_gas x_gpe0_blk;     /* 220 */
	struct acpi_gas x_gpe1_blk;     /* 232 */
	/* ACPI 2.0 tables end here (length 244). */
	struct acpi_gas sleep_control_reg; /* 244 */
	struct acpi_gas sleep_status_reg;  /* 256 */
	uint64_t hypervisor_vendor_id;  /* 268 */
} __attribute__((packed));
_Static_assert(sizeof(struct fadt) == 276, "FADT is 276 bytes in ACPI 6.x (5.2.9)");
_Static_assert(offsetof(struct fadt, pm_tmr_blk) == 76, "PM_TMR_BLK at offset 76");
_Static_assert(offsetof(struct fadt, pm_tmr_len) == 91, "PM_TMR_LEN at offset 91");
_Static_assert(offsetof(struct fadt, flags) == 112, "FADT flags at offset 112");
_Static_assert(offsetof(struct fadt, reset_reg) == 116, "RESET_REG at offset 116");
_Static_assert(offsetof(struct fadt, x_pm_tmr_blk) == 208, "X_PM_TMR_BLK at offset 208");

#define FADT_V1_LENGTH 116u /* ACPI 1.0: through the flags */

/* Fixed feature flags (5.2.9.1). */
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)     /* PM timer is 32 bits wide, else 24 */
#define FADT_FLAG_RESET_REG_SUP (1u << 10)  /* RESET_REG is valid */
#define FADT_FLAG_HW_REDUCED_ACPI (1u << 20) /* no fixed hardware: no PM timer */
/* IA-PC boot architecture flags (5.2.9.3, table 5.11). */
#define FADT_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* The ACPI PM timer ticks at 3.579545 MHz (4.8.3.3). */
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_TIMER_LEN 4u

struct fadt_pm_timer {
	bool present;
	uint8_t address_space;  /* ACPI_GAS_SYSTEM_IO (the usual) or ACPI_GAS_SYSTEM_MEMORY */
	uint64_t address;       /* I/O port or physical address of TMR_VAL */
	uint8_t bits;           /* 24 or 32 (TMR_VAL_EXT) */
	bool from_x_block;      /* taken from X_PM_TMR_BLK rather than PM_TMR_BLK */
};

struct fadt_reset {
	bool present;
	struct acpi_gas reg;    /* write `value` here to reset the machine */
	uint8_t value;
};

struct fadt_info {
	uint8_t revision;       /* the table header's */
	bool cmos_rtc_absent;   /* IAPC_BOOT_ARCH says there is no CMOS RTC */
	struct fadt_pm_timer pm_timer;
	struct fadt_reset reset;
};

/*
 * Parse a validated FADT. The PM timer comes from X_PM_TMR_BLK when the table
 * covers it, its address is non-zero and it is in system memory or I/O space;
 * else from PM_TMR_BLK when non-zero and PM_TMR_LEN is 4. HW-reduced
 * platforms have none. No timer is still ACPI_OK with pm_timer.present false:
 * the caller falls back to HPET/PIT and says so. The reset register is
 * reported when RESET_REG_SUP is set and the table covers it; the caller
 * checks its address space.
 * Errors: ACPI_ERR_SIGNATURE, ACPI_ERR_TABLE_SHORT (below 116 bytes).
 */
enum acpi_error fadt_parse(const struct acpi_sdt_header *table, struct fadt_info *out);

#endif
