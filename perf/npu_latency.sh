#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# NPU sharing, latency: a paced tenant's p99 result latency beside a flooding
# tenant against alone, on one swnpu with a modelled 20k-frames/s engine
# (tests/func/test_npu.c's test_share_latency, run as a benchmark). Prints the
# rounds and one line "RATIO flood/alone p99 R"; the goal is R <= 1.2.
# "NOISY" instead means other jobs stalled the machine by more than what is
# measured: run it again on a quiet machine.
#   perf/npu_latency.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ninja -C "$BUILD" tests/func/test_npu >/dev/null
SLUICE_NPU_LATENCY=1 SLUICE_TEST_FILTER=test_share_latency "$BUILD/tests/func/test_npu" 2>&1 |
	grep -E "^(round|well-behaved|RATIO|NOISY)"
