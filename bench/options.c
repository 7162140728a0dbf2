/*
 * Benchmark option parser shared by the kernel command line and the host
 * program's flags (options.h). Freestanding: no libc beyond cstring.h.
 */
#include "options.h"

#include "cstring.h"

static const char *const bench_names[BENCH_KINDS] = {
	[BENCH_BULK] = "bulk",
	[BENCH_REPEAT] = "repeat",
	[BENCH_RAND] = "rand",
	[BENCH_FRAG] = "frag",
};

const char *bench_name(enum bench_kind b)
{
	return b < BENCH_KINDS ? bench_names[b] : "?";
}

void bench_opts_default(struct bench_opts *o)
{
	*o = (struct bench_opts){
		.benches = { BENCH_BULK, BENCH_REPEAT, BENCH_RAND },
		.nbenches = 3,
		.allocs = { BALLOC_LLFREE, BALLOC_BUDDY },
		.nallocs = 2,
		.orders = { 0, 9 },
		.norders = 2,
		.ncores = 0,
		.iterations = BENCH_DEFAULT_ITERATIONS,
		.rounds = BENCH_DEFAULT_ROUNDS,
		.mem_percent = BENCH_DEFAULT_MEM_PERCENT,
		.memory = 0,
	};
}

/* Decimal number in [min, max]; the whole string must be digits. */
static bool parse_uint(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Calls item(ctx, s, n) for each comma-separated item; stops at the first failure. */
static bool for_each_item(const char *list, bool (*item)(void *ctx, const char *s, size_t n),
			  void *ctx)
{
	const char *s = list;
	for (;;) {
		size_t n = 0;
		while (s[n] && s[n] != ',')
			n++;
		if (!item(ctx, s, n))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

static bool word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(s, word, n) == 0;
}

struct list_ctx {
	unsigned *out; /* as unsigned: enums are stored through this too */
	unsigned n, max;
	uint64_t min, maxval;
	const char *const *names; /* NULL: numbers */
	unsigned nnames;
};

static bool add_item(void *p, const char *s, size_t n)
{
	struct list_ctx *c = p;
	if (c->n >= c->max)
		return false;
	if (c->names) {
		for (unsigned i = 0; i < c->nnames; i++) {
			if (word_is(s, n, c->names[i])) {
				c->out[c->n++] = i;
				return true;
			}
		}
		return false;
	}
	uint64_t v;
	if (!parse_uint(s, n, c->min, c->maxval, &v))
		return false;
	c->out[c->n++] = (unsigned)v;
	return true;
}

/* Parses into a scratch list so that a bad value leaves the options unchanged. */
static bool parse_list(const char *value, struct list_ctx *c, unsigned *dst, unsigned *ndst)
{
	unsigned tmp[BENCH_MAX_LIST];
	c->out = tmp;
	c->n = 0;
	if (!for_each_item(value, add_item, c) || c->n == 0)
		return false;
	for (unsigned i = 0; i < c->n; i++)
		dst[i] = tmp[i];
	*ndst = c->n;
	return true;
}

/* A list of names from `names`, as their indices; at most nnames items. */
static bool parse_names(const char *value, const char *const *names, unsigned nnames,
			unsigned *dst, unsigned *ndst)
{
	struct list_ctx c = { .max = nnames, .names = names, .nnames = nnames };
	return parse_list(value, &c, dst, ndst);
}

/* SIZE: bytes with an optional K, M, G or T suffix (powers of 1024; KiB etc. also accepted). */
static bool parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s), digits = 0;
	while (digits < n && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	unsigned shift = 0;
	const char *suffix = s + digits;
	if (*suffix) {
		static const char units[] = "KMGT";
		unsigned u = 0;
		while (units[u] && units[u] != (suffix[0] & ~0x20))
			u++;
		if (!units[u])
			return false;
		shift = 10 * (u + 1);
		if (!(suffix[1] == '\0' || strcmp(suffix + 1, "iB") == 0 ||
		      strcmp(suffix + 1, "B") == 0))
			return false;
	}
	uint64_t v;
	if (!parse_uint(s, digits, 1, UINT64_MAX >> shift, &v))
		return false;
	*out = v << shift;
	return true;
}

static const char *parse_number(const char *value, uint64_t min, uint64_t max, unsigned *dst,
				const char *err)
{
	uint64_t v;
	if (!parse_uint(value, strlen(value), min, max, &v))
		return err;
	*dst = (unsigned)v;
	return NULL;
}

/* "mem" is the old name of "mem_percent" (read like a RAM size, which it is not). */
static const char *const option_keys[] = { "bench",  "alloc",  "orders", "cores",      "iterations",
					    "rounds", "mem_percent", "mem", "memory" };

bool bench_option_known(const char *key)
{
	for (unsigned i = 0; i < sizeof(option_keys) / sizeof(option_keys[0]); i++)
		if (strcmp(key, option_keys[i]) == 0)
			return true;
	return false;
}

const char *bench_option(struct bench_opts *o, const char *key, const char *value)
{
	unsigned idx[BENCH_MAX_LIST], n;
	if (strcmp(key, "bench") == 0) {
		if (!parse_names(value, bench_names, BENCH_KINDS, idx, &n))
			return "bench: expected a comma-separated list of bulk, repeat, rand, frag";
		for (unsigned i = 0; i < n; i++)
			o->benches[i] = (enum bench_kind)idx[i];
		o->nbenches = n;
		return NULL;
	}
	if (strcmp(key, "alloc") == 0) {
		const char *names[BALLOC_KINDS];
		for (unsigned i = 0; i < BALLOC_KINDS; i++)
			names[i] = balloc_kind_name((enum balloc_kind)i);
		if (!parse_names(value, names, BALLOC_KINDS, idx, &n))
			return "alloc: expected a comma-separated list of llfree, buddy, list";
		for (unsigned i = 0; i < n; i++)
			o->allocs[i] = (enum balloc_kind)idx[i];
		o->nallocs = n;
		return NULL;
	}
	if (strcmp(key, "orders") == 0) {
		struct list_ctx c = { .max = BENCH_MAX_LIST, .min = 0, .maxval = BENCH_MAX_ORDER };
		return parse_list(value, &c, o->orders, &o->norders)
			       ? NULL
			       : "orders: expected a comma-separated list of orders 0..10";
	}
	if (strcmp(key, "cores") == 0) {
		struct list_ctx c = { .max = BENCH_MAX_LIST, .min = 1, .maxval = BENCH_MAX_CORES };
		return parse_list(value, &c, o->cores, &o->ncores)
			       ? NULL
			       : "cores: expected a comma-separated list of up to 32 core counts 1..1024";
	}
	if (strcmp(key, "iterations") == 0)
		return parse_number(value, 1, 1000000, &o->iterations,
				    "iterations: expected a number 1..1000000");
	if (strcmp(key, "rounds") == 0)
		return parse_number(value, 1, 1000000, &o->rounds,
				    "rounds: expected a number 1..1000000");
	if (strcmp(key, "mem_percent") == 0 || strcmp(key, "mem") == 0)
		return parse_number(value, 1, 100, &o->mem_percent,
				    "mem_percent: expected a percentage 1..100 of the benchmarks' free memory "
				    "(a size in bytes is memory=SIZE)");
	if (strcmp(key, "memory") == 0)
		return parse_size(value, &o->memory)
			       ? NULL
			       : "memory: expected a size in bytes with optional suffix K, M, G, T "
				 "(e.g. 4G)";
	return "unknown option; valid: bench alloc orders cores iterations rounds mem_percent memory";
}

unsigned bench_cores(const struct bench_opts *o, unsigned cpus, unsigned *out, unsigned max)
{
	unsigned n = 0;
	if (o->ncores) {
		for (unsigned i = 0; i < o->ncores && n < max; i++)
			out[n++] = o->cores[i];
		return n;
	}
	for (unsigned c = 1; c < cpus && n < max; c *= 2)
		out[n++] = c;
	if (n < max && cpus > 0)
		out[n++] = cpus;
	return n;
}
