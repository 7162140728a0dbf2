/*
 * llfree_log on the host: stderr, with an optional prefix. Tests that make
 * the library refuse on purpose (a RECOVER of a wrong magic, say) set the
 * prefix around those calls, so that a reader of a passing run sees that the
 * library's diagnostics were expected and not a failure.
 */
#include "llfree_platform.h"

#include <stdarg.h>
#include <stdatomic.h>

static _Atomic(const char *) log_prefix;

void llfree_host_log_prefix(const char *prefix)
{
	atomic_store(&log_prefix, prefix);
}

void llfree_host_log(const char *fmt, ...)
{
	const char *prefix = atomic_load(&log_prefix);
	va_list ap;
	va_start(ap, fmt);
	flockfile(stderr); /* prefix and line together, between threads */
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	funlockfile(stderr);
	va_end(ap);
}
