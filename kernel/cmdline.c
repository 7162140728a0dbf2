/*
 * Kernel command line parser; the option table is the `kopts` section
 * (see cmdline.h for the syntax).
 */
#include "cmdline.h"

#include "lib/printf.h"
#include "lib/string.h"

extern const struct kopt __start_kopts[], __stop_kopts[];
#define kopts_begin __start_kopts
#define kopts_end __stop_kopts

#define CMDLINE_MAX 1024
#define ERR_MAX 160
/* Longer key=SYNTAX columns push their help text right instead of widening every line. */
#define HELP_WIDTH_MAX 40

static bool help_requested;
KOPT_BOOL(help_requested, "help", "0", "print every option with its default and stop");

bool cmdline_help_requested(void) { return help_requested; }

static const struct kopt *find(const char *key)
{
	for (const struct kopt *o = kopts_begin; o < kopts_end; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true;
		if (strcmp(v, no[i]) == 0)
			return !(*out = false);
	}
	return false;
}

bool kopt_parse_uint_prefix(const char **p, uint64_t *out)
{
	const char *s = *p;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	uint64_t v = 0;
	const char *start = s;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false; /* overflow */
		v = v * base + d;
	}
	if (s == start)
		return false;
	*out = v;
	*p = s;
	return true;
}

static bool parse_uint(const char *v, uint64_t *out)
{
	return kopt_parse_uint_prefix(&v, out) && *v == '\0';
}

static bool parse_size(const char *v, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	uint64_t n;
	if (!kopt_parse_uint_prefix(&v, &n))
		return false;
	if (*v == '\0') {
		*out = n;
		return true;
	}
	for (unsigned i = 0; suffixes[i]; i++) {
		if (*v != suffixes[i] && *v != suffixes[i] + ('a' - 'A'))
			continue;
		if (strcmp(v + 1, "") != 0 && strcmp(v + 1, "iB") != 0 && strcmp(v + 1, "B") != 0)
			return false;
		unsigned shift = 10 * (i + 1);
		if (n > (UINT64_MAX >> shift))
			return false;
		*out = n << shift;
		return true;
	}
	return false;
}

static bool parse_list(const char *v, struct kopt_list *out)
{
	struct kopt_list l = { .count = 0 };
	for (;;) {
		if (l.count == KOPT_LIST_MAX || !kopt_parse_uint_prefix(&v, &l.items[l.count]))
			return false;
		l.count++;
		if (*v == '\0')
			break;
		if (*v++ != ',')
			return false;
	}
	*out = l;
	return true;
}

static bool parse_value(const struct kopt *o, const char *v, char *err)
{
	switch (o->type) {
	case KOPT_BOOL: return parse_bool(v, o->dest);
	case KOPT_UINT: return parse_uint(v, o->dest);
	case KOPT_SIZE: return parse_size(v, o->dest);
	case KOPT_LIST: return parse_list(v, o->dest);
	case KOPT_ENUM:
		for (unsigned i = 0; o->names[i]; i++) {
			if (strcmp(v, o->names[i]) == 0) {
				*(unsigned int *)o->dest = i;
				return true;
			}
		}
		return false;
	case KOPT_STRING: {
		size_t n = strlen(v);
		if (n >= o->dest_size) {
			ksnprintf(err, ERR_MAX, "longer than %zu characters", o->dest_size - 1);
			return false;
		}
		memcpy(o->dest, v, n + 1);
		return true;
	}
	case KOPT_CUSTOM: return o->parse(v, o->dest, err, ERR_MAX);
	}
	return false;
}

static const char *syntax(const struct kopt *o, char *buf, size_t size)
{
	switch (o->type) {
	case KOPT_BOOL: return "0|1";
	case KOPT_UINT: return "N";
	case KOPT_SIZE: return "SIZE[K|M|G|T]";
	case KOPT_LIST: return "N[,N...]";
	case KOPT_STRING: return "TEXT";
	case KOPT_CUSTOM: return o->syntax ? o->syntax : "VALUE";
	case KOPT_ENUM: {
		size_t len = 0;
		buf[0] = '\0';
		for (unsigned i = 0; o->names[i] && len < size; i++)
			len += (size_t)ksnprintf(buf + len, size - len, "%s%s", i ? "|" : "", o->names[i]);
		return buf;
	}
	}
	return "?";
}

/* "kernel/test/benchmarks.c" -> "benchmarks" */
static void module_name(const char *file, char *buf, size_t size)
{
	const char *base = file;
	for (const char *p = file; *p; p++)
		if (*p == '/')
			base = p + 1;
	size_t n = 0;
	while (base[n] && base[n] != '.' && n + 1 < size) {
		buf[n] = base[n];
		n++;
	}
	buf[n] = '\0';
}

static bool same_module(const struct kopt *a, const struct kopt *b) { return strcmp(a->file, b->file) == 0; }

/* The first descriptor of o's module in section (link) order. */
static bool first_of_module(const struct kopt *o)
{
	for (const struct kopt *p = kopts_begin; p < o; p++)
		if (same_module(p, o))
			return false;
	return true;
}

/* The option of o's module declared next after line `after` (0: its first), or NULL. */
static const struct kopt *next_in_module(const struct kopt *o, unsigned after)
{
	const struct kopt *best = NULL;
	for (const struct kopt *p = kopts_begin; p < kopts_end; p++)
		if (same_module(p, o) && p->line > after && (!best || p->line < best->line))
			best = p;
	return best;
}

static int help_width(void)
{
	char buf[128], left[160];
	int width = 0;
	for (const struct kopt *o = kopts_begin; o < kopts_end; o++) {
		int n = ksnprintf(left, sizeof(left), "%s=%s", o->key, syntax(o, buf, sizeof(buf)));
		width = n > width ? n : width;
	}
	return width < HELP_WIDTH_MAX ? width : HELP_WIDTH_MAX;
}

void cmdline_print_help(void)
{
	char buf[128], left[160], name[32];
	int width = help_width();
	kprintf("valid kernel command line options (key=value, separated by spaces), by module:\n");
	for (const struct kopt *m = kopts_begin; m < kopts_end; m++) {
		if (!first_of_module(m))
			continue;
		module_name(m->file, name, sizeof(name));
		kprintf("%s (%s)\n", name, m->file);
		for (const struct kopt *o = next_in_module(m, 0); o; o = next_in_module(m, o->line)) {
			ksnprintf(left, sizeof(left), "%s=%s", o->key, syntax(o, buf, sizeof(buf)));
			kprintf("  %-*s %s (default: %s)\n", width, left, o->help, o->def ? o->def : "-");
		}
	}
}

static bool apply(const struct kopt *o, const char *value, const char *what)
{
	char err[ERR_MAX] = "";
	char buf[128];
	if (parse_value(o, value, err))
		return true;
	kprintf("ERROR msg=\"invalid %s value '%s' for option %s: expected %s%s%s\"\n", what, value,
		o->key, syntax(o, buf, sizeof(buf)), err[0] ? ", " : "", err);
	return false;
}

static bool apply_defaults(void)
{
	bool ok = true;
	for (const struct kopt *o = kopts_begin; o < kopts_end; o++)
		if (o->def && !apply(o, o->def, "default"))
			ok = false;
	return ok;
}

/* One word "key=value" or "key" (bools); `word` is modified. */
static bool apply_word(char *word)
{
	char *value = word;
	while (*value && *value != '=')
		value++;
	bool bare = *value == '\0';
	if (!bare)
		*value++ = '\0';

	const struct kopt *o = find(word);
	if (!o) {
		kprintf("ERROR msg=\"unknown option '%s' on the kernel command line\"\n", word);
		return false;
	}
	if (bare && o->type != KOPT_BOOL) {
		kprintf("ERROR msg=\"option %s needs a value (%s=...)\"\n", word, word);
		return false;
	}
	return apply(o, bare ? "1" : value, "command-line");
}

bool cmdline_parse(const char *cmdline)
{
	char buf[CMDLINE_MAX];
	size_t n = strlen(cmdline);
	if (n >= sizeof(buf)) {
		kprintf("ERROR msg=\"kernel command line longer than %zu characters\"\n", sizeof(buf) - 1);
		return false;
	}
	memcpy(buf, cmdline, n + 1);

	bool ok = apply_defaults();
	for (char *p = buf; ok && *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		ok = apply_word(word);
	}
	if (!ok)
		cmdline_print_help();
	return ok;
}
