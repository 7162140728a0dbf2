/*
 * LLFree progress tests (tests/llfree/progress.c, near_full.c, offline_race.c): one program
 * built against the library with its test hooks (-DLLFREE_TEST_HOOKS,
 * llfree/src/hooks.h), plain and under ThreadSanitizer.
 */
#ifndef TESTS_LLFREE_PROGRESS_H
#define TESTS_LLFREE_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common_stress.h"
#include "hooks.h"

/* Yield in every count-in-transit window (LLFREE_HOOK_TRANSIT_*). */
extern _Atomic bool progress_transit_yield;
/* Milliseconds per measured phase (LLFREE_PROGRESS_MS). */
extern uint64_t progress_ms;

/* 8 threads near full memory: spurious MEMORY per order and locality (near_full.c). */
void case_near_full(uint64_t seed);
/* Trees offline and online while threads get and put (offline_race.c). */
void case_offline_race(uint64_t seed);

#endif
