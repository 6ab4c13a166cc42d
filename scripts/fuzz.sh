#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang and -fsanitize=fuzzer,address,undefined
# in their own build folder and runs each for a bounded time on its corpus
# (tests/fuzz/corpus/<target>/). New inputs the fuzzer finds go to the build folder, not
# into the repository; crashes are copied to tests/fuzz/crashes/<target>/ and fail the run.
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS each (default 60)
#   scripts/fuzz.sh report sql_splitter
#   FUZZ_SECONDS=600 scripts/fuzz.sh
#
# Needs no database. Prints execs/s and total execs per target (docs/RELIABILITY.md).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build_dir=${BAMORT_FUZZ_BUILD_DIR:-$here/build-fuzz}
jobs=${FUZZ_BUILD_JOBS:-2}

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: installing clang and the libFuzzer runtime (apt-get)"
  apt-get install -y clang libclang-rt-14-dev >/dev/null || { echo "fuzz: clang is not installable here" >&2; exit 1; }
fi

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  for f in "$here"/tests/fuzz/*_fuzzer.cc; do t=$(basename "$f" _fuzzer.cc); targets+=("$t"); done
fi

CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBAMORT_BUILD_FUZZERS=ON >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzzer"); done
cmake --build "$build_dir" -j"$jobs" --target "${build_targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=() failed=0
for t in "${targets[@]}"; do
  seeds=$here/tests/fuzz/corpus/$t
  work=$build_dir/fuzz-corpus/$t
  crashes=$build_dir/fuzz-crashes/$t
  mkdir -p "$work" "$crashes"
  log=$build_dir/fuzz-$t.log
  echo "fuzz: $t for ${seconds}s (seeds: tests/fuzz/corpus/$t)"
  rc=0
  (cd "$crashes" && "$build_dir/tests/${t}_fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds") >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" != 0 ]; then
    failed=1
    mkdir -p "$here/tests/fuzz/crashes/$t"
    cp "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* "$crashes"/oom-* "$here/tests/fuzz/crashes/$t/" 2>/dev/null || true
    summary+=("$(printf '%-14s FAILED (exit %s): see %s; inputs copied to tests/fuzz/crashes/%s' "$t" "$rc" "$log" "$t")")
  else
    summary+=("$(printf '%-14s ok  %8s s  %12s execs  %8s execs/s  cov %s' "$t" "$seconds" "${execs:-?}" "${speed:-?}" "${cov:-?}")")
  fi
done
echo
echo "fuzz summary (FUZZ_SECONDS=$seconds):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
