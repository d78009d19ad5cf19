#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS NEW_INPUTS SECONDS [libFuzzer flags...]
# Runs a harness of tests/fuzz on its committed corpus for SECONDS (or until -runs=N), writing
# new inputs to NEW_INPUTS only; a crash, leak, timeout or out-of-memory fails it, with the
# reproducer left in NEW_INPUTS/../artifacts/.
set -euo pipefail
fuzzer=$1 corpus=$2 found=$3 seconds=$4
shift 4
artifacts="$(dirname "$found")/artifacts/$(basename "$found")"
mkdir -p "$found" "$artifacts"
# The leak suppressions and detect_odr_violation=0 are built in (tests/support/sanitizer_defaults.cpp).
export LSAN_OPTIONS="${LSAN_OPTIONS:-}:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1"
exec "$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -malloc_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$found" "$corpus"
