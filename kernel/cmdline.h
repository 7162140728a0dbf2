/*
 * Kernel command line: space-separated key=value options.
 *
 * Each module declares its own options next to the variable they set, with
 * one of the KOPT_* macros below; the macro places a descriptor in the
 * `kopts` linker section, so adding an option never means editing a central
 * list. The section name is a C identifier, so the host linker provides
 * __start_kopts/__stop_kopts for unit tests; linker.ld defines the same
 * symbols for the kernel.
 *
 *     static uint64_t bench_rounds;
 *     KOPT_UINT(bench_rounds, "rounds", "10", "benchmark rounds per order");
 *
 * cmdline_parse() first applies every default (the same parser as the
 * command line reads the default string), then the words of the command
 * line, in order (a key given twice: the last one wins). A bool option may be
 * given as a bare key ("pagefault" = "pagefault=1"). An unknown key or an
 * invalid value prints ERROR msg="..." and the list of valid options; the
 * caller then ends the run with a failure verdict.
 *
 * Value syntax per type:
 *   bool    1 0 true false yes no on off
 *   uint    decimal or 0x-prefixed hex, 64 bits
 *   size    a uint with an optional binary suffix K M G T (or KiB MiB GiB TiB)
 *   enum    one of the listed names; the destination receives its index
 *   string  copied into a char array (truncation is an error)
 *   list    comma-separated uints into a struct kopt_list (e.g. cores=1,2,4)
 *   custom  a parse callback for anything else
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kopt_type { KOPT_BOOL, KOPT_UINT, KOPT_SIZE, KOPT_ENUM, KOPT_STRING, KOPT_LIST, KOPT_CUSTOM };

#define KOPT_LIST_MAX 32
struct kopt_list {
	size_t count;
	uint64_t items[KOPT_LIST_MAX];
};

/* Parses `value` into `dest`; on failure writes a reason to err and returns false. */
typedef bool (*kopt_parse_fn)(const char *value, void *dest, char *err, size_t err_size);

struct kopt {
	const char *key;
	const char *help;
	enum kopt_type type;
	void *dest;
	const char *def;            /* default, in command-line syntax; NULL: keep dest's initializer */
	const char *const *names;   /* KOPT_ENUM: NULL-terminated names */
	size_t dest_size;           /* KOPT_STRING: sizeof the char array */
	kopt_parse_fn parse;        /* KOPT_CUSTOM */
	const char *syntax;         /* KOPT_CUSTOM: shown in the help, e.g. "N[,M]" */
	const char *file;           /* the declaring source file: the help groups by it */
	unsigned line;              /* and lists in declaration order */
};
/* Descriptors from many files form one array in the section: no padding between them. */
_Static_assert(sizeof(struct kopt) % 8 == 0, "struct kopt must be a multiple of its alignment");

#define KOPT_DEFINE_(var, ...)                                                             \
	static const struct kopt kopt_desc_##var                                           \
		__attribute__((used, section("kopts"), aligned(8))) = { __VA_ARGS__,              \
									  .file = __FILE__, .line = __LINE__ }
#define KOPT_CHECK_(var, type)                                                             \
	_Static_assert(__builtin_types_compatible_p(__typeof__(var), type),                \
		       "option variable " #var " must be " #type)

/* `var` is a file-scope variable of the stated type; key, def and help are strings. */
#define KOPT_BOOL(var, key_, def_, help_)                                                  \
	KOPT_CHECK_(var, bool);                                                            \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_BOOL, .dest = &(var), .def = def_)
#define KOPT_UINT(var, key_, def_, help_)                                                  \
	KOPT_CHECK_(var, uint64_t);                                                        \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_UINT, .dest = &(var), .def = def_)
#define KOPT_SIZE(var, key_, def_, help_)                                                  \
	KOPT_CHECK_(var, uint64_t);                                                        \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_SIZE, .dest = &(var), .def = def_)
/* var: unsigned int; names_: a NULL-terminated const char *const[] */
#define KOPT_ENUM(var, key_, names_, def_, help_)                                          \
	KOPT_CHECK_(var, unsigned int);                                                    \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_ENUM, .dest = &(var),    \
		     .def = def_, .names = names_)
/* var: a char array (not a pointer) */
#define KOPT_STRING(var, key_, def_, help_)                                                \
	KOPT_CHECK_(var, char[sizeof(var)]);                                               \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_STRING, .dest = (var),   \
		     .def = def_, .dest_size = sizeof(var))
#define KOPT_LIST(var, key_, def_, help_)                                                  \
	KOPT_CHECK_(var, struct kopt_list);                                                \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_LIST, .dest = &(var), .def = def_)
#define KOPT_CUSTOM(var, key_, syntax_, parse_, def_, help_)                               \
	KOPT_DEFINE_(var, .key = key_, .help = help_, .type = KOPT_CUSTOM, .dest = &(var),  \
		     .def = def_, .parse = parse_, .syntax = syntax_)

/* Digits of a uint at *p (decimal or 0x hex), for custom parsers; advances *p past them. */
bool kopt_parse_uint_prefix(const char **p, uint64_t *out);

/* Apply defaults, then the command line. Prints the reason and the valid options on error. */
bool cmdline_parse(const char *cmdline);
/* The options with syntax, default and help: grouped by module (source file), in declaration order, aligned. */
void cmdline_print_help(void);
/* True when the command line said help=1: the caller prints nothing else and ends the run. */
bool cmdline_help_requested(void);

#endif
