#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every libFuzzer harness in BUILD_DIR (tests/fuzz/fuzz_* and
# npu-bridge/*/fuzz_*) for SECONDS each, over a temporary copy of its seed
# corpus (tests/fuzz/corpus/<name>/), so the repo is never written. Prints
# each harness's final "Done N runs" line; exits 1 if any harness found a
# crash, leak, sanitizer report or timeout, and then keeps the work directory
# (reproducer and log) and says where it is.
#
# Build first, with clang:
#   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
#       -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}
[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in '' | *[!0-9]*) usage ;; esac
[ -d "$build/tests/fuzz" ] || { echo "$0: no $build/tests/fuzz (built with -Dfuzz=true?)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz.XXXXXX")
# A UBSan report must stop the run so libFuzzer saves the input.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

ran=0
failed=0
# Harnesses live in tests/fuzz, or beside the module they fuzz when its own
# meson.build defines them (npu-bridge/model: fuzz_nmodel).
for exe in "$build"/tests/fuzz/fuzz_* "$build"/npu-bridge/*/fuzz_*; do
	# Skip meson's object directories (fuzz_*.p).
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=${exe##*/fuzz_}
	dir=$work/$name
	mkdir -p "$dir/corpus"
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$dir/corpus/"
	fi

	status=ok
	if ! "$exe" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1; then
		status=FAILED
		failed=1
	fi
	ran=$((ran + 1))

	done_line=$(grep -E '^Done [0-9]+ runs' "$dir/log" | tail -n 1 || true)
	echo "fuzz_$name: $status: ${done_line:-no final line}"
	if [ $status != ok ]; then
		tail -n 40 "$dir/log" | sed 's/^/    /'
		for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
			[ -e "$a" ] && echo "    reproducer: $a (run: $exe $a)"
		done
	fi
done

if [ $ran -eq 0 ]; then
	echo "$0: no fuzz_* executables in $build/tests/fuzz" >&2
	rm -rf "$work"
	exit 2
fi
if [ $failed -ne 0 ]; then
	echo "findings kept in $work"
	exit 1
fi
rm -rf "$work"
