/*
 * kernel/cmdline.c on the host: options declared with the KOPT_* macros
 * in this file (plus cmdline.c's own help=), defaults, every value type, and
 * that every error names the option and lists the valid ones.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "kprintf_capture.h"
#include "lib/printf.h"

/* cmdline.c prints its errors with kprintf: caught in kprintf_text (kprintf_capture.h). */

static bool t_bool;
KOPT_BOOL(t_bool, "tbool", "0", "a bool");
static uint64_t t_uint;
KOPT_UINT(t_uint, "tuint", "7", "a uint");
static uint64_t t_size;
KOPT_SIZE(t_size, "tsize", "1M", "a size");
static const char *const t_names[] = { "red", "green", "blue", NULL };
static unsigned int t_enum;
KOPT_ENUM(t_enum, "tenum", t_names, "green", "an enum");
static char t_str[8];
KOPT_STRING(t_str, "tstr", "abc", "a string");
static struct kopt_list t_list;
KOPT_LIST(t_list, "tlist", "1,2", "a list");

static bool parse_even(const char *value, void *dest, char *err, size_t err_size)
{
	char *end;
	unsigned long long v = strtoull(value, &end, 10);
	if (*value == '\0' || *end != '\0' || v % 2) {
		snprintf(err, err_size, "%s is not an even number", value);
		return false;
	}
	*(uint64_t *)dest = v;
	return true;
}
static uint64_t t_even;
KOPT_CUSTOM(t_even, "teven", "EVEN", parse_even, "2", "an even number");

static void reset(void)
{
	kprintf_clear();
}

static void parse_ok(const char *cmdline)
{
	reset();
	cr_assert(cmdline_parse(cmdline), "\"%s\" refused: %s", cmdline, kprintf_text);
	cr_assert_eq(kprintf_len, 0, "\"%s\" printed: %s", cmdline, kprintf_text);
}

/* Fails, says `message`, and lists the valid options. */
static void parse_fails(const char *cmdline, const char *message)
{
	reset();
	cr_assert_not(cmdline_parse(cmdline), "\"%s\" accepted", cmdline);
	cr_assert(strstr(kprintf_text, message), "\"%s\": no \"%s\" in:\n%s", cmdline, message, kprintf_text);
	cr_assert(strstr(kprintf_text, "ERROR msg=\""), "\"%s\": no ERROR line in:\n%s", cmdline, kprintf_text);
	cr_assert(strstr(kprintf_text, "valid kernel command line options"), "no option list in:\n%s", kprintf_text);
	cr_assert(strstr(kprintf_text, "  tuint=N "), "option list lacks tuint:\n%s", kprintf_text);
	cr_assert(strstr(kprintf_text, "  tenum=red|green|blue "), "option list lacks tenum:\n%s", kprintf_text);
	cr_assert(strstr(kprintf_text, "  help=0|1 "), "option list lacks help:\n%s", kprintf_text);
}

Test(cmdline, defaults)
{
	t_uint = 99;
	parse_ok("");
	cr_assert_not(t_bool);
	cr_assert_eq(t_uint, 7);
	cr_assert_eq(t_size, 1 << 20);
	cr_assert_eq(t_enum, 1);
	cr_assert_str_eq(t_str, "abc");
	cr_assert_eq(t_list.count, 2);
	cr_assert_eq(t_list.items[0], 1);
	cr_assert_eq(t_list.items[1], 2);
	cr_assert_eq(t_even, 2);
	cr_assert_not(cmdline_help_requested());
}

Test(cmdline, every_type)
{
	parse_ok("tbool tuint=0x10 tsize=2G tenum=blue tstr=xyz tlist=4,8,16 teven=10");
	cr_assert(t_bool);
	cr_assert_eq(t_uint, 16);
	cr_assert_eq(t_size, 2ull << 30);
	cr_assert_eq(t_enum, 2);
	cr_assert_str_eq(t_str, "xyz");
	cr_assert_eq(t_list.count, 3);
	cr_assert_eq(t_list.items[2], 16);
	cr_assert_eq(t_even, 10);
}

Test(cmdline, bool_spellings)
{
	const char *yes[] = { "tbool=1", "tbool=true", "tbool=yes", "tbool=on", "tbool" };
	const char *no[] = { "tbool=0", "tbool=false", "tbool=no", "tbool=off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		parse_ok(yes[i]);
		cr_assert(t_bool, "%s", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		parse_ok(no[i]);
		cr_assert_not(t_bool, "%s", no[i]);
	}
}

Test(cmdline, sizes)
{
	parse_ok("tsize=4096");
	cr_assert_eq(t_size, 4096);
	parse_ok("tsize=4K");
	cr_assert_eq(t_size, 4096);
	parse_ok("tsize=4KiB");
	cr_assert_eq(t_size, 4096);
	parse_ok("tsize=3m");
	cr_assert_eq(t_size, 3ull << 20);
	parse_ok("tsize=1T");
	cr_assert_eq(t_size, 1ull << 40);
	parse_ok("tsize=0x10M");
	cr_assert_eq(t_size, 16ull << 20);
}

Test(cmdline, uint_limits)
{
	parse_ok("tuint=18446744073709551615");
	cr_assert_eq(t_uint, UINT64_MAX);
	parse_ok("tuint=0xffffffffffffffff");
	cr_assert_eq(t_uint, UINT64_MAX);
	parse_fails("tuint=18446744073709551616", "invalid command-line value '18446744073709551616' for option tuint");
	parse_fails("tuint=0x10000000000000000", "for option tuint");
	parse_fails("tsize=16777216T", "for option tsize");
}

Test(cmdline, last_one_wins_and_whitespace)
{
	parse_ok("  tuint=1 \t tuint=2\t");
	cr_assert_eq(t_uint, 2);
}

Test(cmdline, help_flag)
{
	parse_ok("help");
	cr_assert(cmdline_help_requested());
}

Test(cmdline, unknown_key)
{
	parse_fails("tuint=3 nosuch=1", "unknown option 'nosuch' on the kernel command line");
}

Test(cmdline, invalid_values)
{
	parse_fails("tuint=12a", "invalid command-line value '12a' for option tuint: expected N");
	parse_fails("tuint=", "invalid command-line value '' for option tuint");
	parse_fails("tuint=-1", "for option tuint");
	parse_fails("tbool=maybe", "invalid command-line value 'maybe' for option tbool: expected 0|1");
	parse_fails("tsize=1X", "for option tsize: expected SIZE[K|M|G|T]");
	parse_fails("tsize=1KB2", "for option tsize");
	parse_fails("tenum=purple", "for option tenum: expected red|green|blue");
	parse_fails("tstr=12345678", "for option tstr: expected TEXT, longer than 7 characters");
	parse_fails("tlist=1,", "for option tlist: expected N[,N...]");
	parse_fails("tlist=,1", "for option tlist");
	parse_fails("teven=3", "for option teven: expected EVEN, 3 is not an even number");
}

Test(cmdline, list_capacity)
{
	char line[256] = "tlist=";
	for (int i = 0; i < KOPT_LIST_MAX; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%d", i ? "," : "", i);
	parse_ok(line);
	cr_assert_eq(t_list.count, KOPT_LIST_MAX);
	cr_assert_eq(t_list.items[KOPT_LIST_MAX - 1], KOPT_LIST_MAX - 1);
	strcat(line, ",99");
	parse_fails(line, "for option tlist");
}

Test(cmdline, value_needed)
{
	parse_fails("tuint", "option tuint needs a value (tuint=...)");
}

Test(cmdline, too_long)
{
	static char line[2048];
	memset(line, 'a', sizeof(line) - 1);
	reset();
	cr_assert_not(cmdline_parse(line));
	cr_assert(strstr(kprintf_text, "kernel command line longer than"), "%s", kprintf_text);
}
