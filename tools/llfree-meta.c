/*
 * llfree-meta: LLFree's metadata bytes for memory sizes 1 GiB .. 1 TiB
 * (design 1: about 33-37 KiB per GiB plus 64 bytes per core and kind).
 *
 *   llfree-meta [--cores N]    table for N cores (default 1), then the
 *                              total for 16, 64 and 256 cores
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llfree.h"

#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--cores N]\n"
		"Print LLFree's metadata bytes (upper: tree entries and per-core\n"
		"reservations; lower: bitfields, area entries, meta record) for memory\n"
		"sizes 1 GiB, 2 GiB, ... 1 TiB, for N cores (default 1), and the total\n"
		"for 16, 64 and 256 cores. Geometry: %u areas per tree (%u MiB).\n",
		prog, LLFREE_AREAS_PER_TREE, LLFREE_TREE_FRAMES * LLFREE_FRAME_SIZE >> 20);
}

static int parse_cores(const char *text, size_t *cores)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || end == text || *end || value == 0 || value > 1u << 20)
		return -1;
	*cores = (size_t)value;
	return 0;
}

static void print_size(uint64_t bytes)
{
	if (bytes >= TIB)
		printf("%5" PRIu64 " TiB", bytes / TIB);
	else
		printf("%5" PRIu64 " GiB", bytes / GIB);
}

int main(int argc, char **argv)
{
	size_t cores = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, argv[0]);
			return 0;
		}
		if (!strcmp(argv[i], "--cores") && i + 1 < argc && !parse_cores(argv[i + 1], &cores)) {
			i++;
			continue;
		}
		usage(stderr, argv[0]);
		return 2;
	}
	static const size_t MANY[] = { 16, 64, 256 };
	printf("LLFree metadata, %u areas per tree, %zu core%s (bytes)\n", LLFREE_AREAS_PER_TREE,
	       cores, cores == 1 ? "" : "s");
	printf("   memory        upper        lower        total  per GiB     16 cores     64 cores"
	       "    256 cores\n");
	for (uint64_t bytes = GIB; bytes <= TIB; bytes *= 2) {
		uint64_t frames = bytes / LLFREE_FRAME_SIZE;
		llfree_meta_size_t m = llfree_metadata_size(cores, frames);
		uint64_t total = (uint64_t)m.upper + m.lower;
		print_size(bytes);
		printf(" %12zu %12zu %12" PRIu64 " %8" PRIu64, m.upper, m.lower, total,
		       total / (bytes / GIB));
		for (size_t i = 0; i < sizeof(MANY) / sizeof(MANY[0]); i++) {
			llfree_meta_size_t c = llfree_metadata_size(MANY[i], frames);
			printf(" %12" PRIu64, (uint64_t)c.upper + c.lower);
		}
		printf("\n");
	}
	return 0;
}
