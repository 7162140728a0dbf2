/*
 * The benchmark tests' view of a run's output (bench_capture.h): every line
 * bench_env.print writes is kept, and tests look for tags, keys and words.
 */
#include "bench_capture.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/env.h"

char *out[OUT_MAX];
unsigned nout;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void capture(const char *line)
{
	pthread_mutex_lock(&out_lock);
	if (nout < OUT_MAX)
		out[nout++] = strdup(line);
	pthread_mutex_unlock(&out_lock);
}

void clear_output(void)
{
	for (unsigned i = 0; i < nout; i++)
		free(out[i]);
	nout = 0;
}

bool get_key(const char *line, const char *key, uint64_t *v)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	char *end;
	*v = strtoull(p + strlen(pat), &end, 10);
	return *end == ' ' || *end == '\0';
}

bool has_word(const char *line, const char *pair)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s ", pair);
	size_t n = strlen(pair);
	size_t len = strlen(line);
	return strstr(line, pat) || (len > n && strcmp(line + len - n, pair) == 0 &&
				     line[len - n - 1] == ' ');
}

struct bench_env test_env(uint64_t frames)
{
	struct bench_env env;
	struct host_info info;
	cr_assert(host_env_init(&env, &info, frames));
	if (env.cpus < 2)
		env.cpus = 2; /* two threads even on one CPU: spinning yields then */
	env.print = capture;
	clear_output();
	return env;
}

unsigned count_tag(const char *tag)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nout; i++)
		n += strncmp(out[i], tag, strlen(tag)) == 0;
	return n;
}

void dump_output(void)
{
	for (unsigned i = 0; i < nout; i++)
		fprintf(stderr, "  %s\n", out[i]);
}
