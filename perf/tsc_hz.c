/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tsc_hz: print the TSC frequency in Hz, calibrated against
 * CLOCK_MONOTONIC_RAW over a busy-waited interval (default 200 ms).
 *
 * The benchmark converts packets per second into TSC cycles per packet with
 * it. DPDK's rte_get_tsc_hz() does the same kind of calibration when the
 * kernel does not export the frequency; this tool lets the Python driver get
 * the number without linking EAL. Built by perf/bench_core.py into perf/out/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t ms = argc > 1 ? strtoull(argv[1], NULL, 10) : 200;
	uint64_t t0, t1, c0, c1;

	if (ms == 0 || ms > 10000) {
		fprintf(stderr, "usage: tsc_hz [MILLISECONDS (1..10000)]\n");
		return 2;
	}
	t0 = ns_now();
	c0 = __rdtsc();
	do {
		t1 = ns_now();
	} while (t1 - t0 < ms * 1000000ull);
	c1 = __rdtsc();
	t1 = ns_now();
	printf("%.0f\n", (double)(c1 - c0) * 1e9 / (double)(t1 - t0));
	return 0;
}
