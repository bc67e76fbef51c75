#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/*_fuzz.cc) for a bounded time with ASan + UBSan.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Builds build-fuzz (clang-14, MOTA_FUZZ=ON, no toolchain/server/XNNPACK) if needed, then runs
# each target under `nice` over a work corpus (build-fuzz/fuzz-corpus/<target>, kept between
# runs) seeded read-only from tests/fuzz/seeds.txt. Prints one line per target: executions,
# seconds, new corpus files, crash or not. A crash, leak, timeout or broken round-trip rule stops
# that target; its input is kept as build-fuzz/fuzz-crashes/<target>/crash-* (copy it to
# tests/fuzz/regressions/<target>/ once fixed) and the script exits 1 after the other targets.
# Environment: FUZZ_JOBS (ninja -j, default 2), FUZZ_BUILD (build dir, default build-fuzz),
# FUZZ_NO_BUILD=1 (use the binaries as they are), FUZZ_PARALLEL=1 (run the targets at the same time, one core each, on a machine with cores to
# spare), FUZZ_NICE (nice level of the fuzzers, default 10).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
all=$(awk '!/^#/ && NF {print $1}' tests/fuzz/seeds.txt)
targets=${*:-$all}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DMOTA_FUZZ=ON \
    -DMOTA_BUILD_TOOLCHAIN=OFF -DMOTA_BUILD_SERVER=OFF -DMOTA_WITH_XNNPACK=OFF \
    -DMOTA_WERROR=OFF >/dev/null || exit 2
fi
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  nice ninja -C "$build" -j"${FUZZ_JOBS:-2}" $(for t in $targets; do echo "mota_fuzz_$t"; done) \
    >/dev/null || { echo "fuzz.sh: build failed (run ninja -C $build to see why)"; exit 2; }
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One target: prints its result line; returns 1 when it found something.
run_target() {
  local t=$1 work crashes seeds seed_dirs dict before log start rc elapsed execs result
  work="$build/fuzz-corpus/$t"
  crashes="$build/fuzz-crashes/$t"
  mkdir -p "$work" "$crashes"
  seeds=$(awk -v t="$t" '$1 == t {for (i = 2; i <= NF; i++) print $i}' tests/fuzz/seeds.txt)
  [ -d "tests/fuzz/regressions/$t" ] && seeds="$seeds tests/fuzz/regressions/$t"
  # libFuzzer takes folders; single seed files are copied into a folder of their own.
  seed_dirs=""
  for s in $seeds; do
    if [ -f "$s" ]; then
      mkdir -p "$build/fuzz-seedfiles/$t" && cp -f "$s" "$build/fuzz-seedfiles/$t/"
      s="$build/fuzz-seedfiles/$t"
    fi
    case " $seed_dirs " in *" $s "*) ;; *) seed_dirs="$seed_dirs $s" ;; esac
  done
  dict=""
  [ -f "tests/fuzz/dicts/$t.dict" ] && dict="-dict=tests/fuzz/dicts/$t.dict"
  before=$(ls "$work" | wc -l)
  log="$build/fuzz-$t.log"
  start=$(date +%s)
  nice -n "${FUZZ_NICE:-10}" "$build/tests/fuzz/mota_fuzz_$t" -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
    $dict -artifact_prefix="$crashes/" "$work" $seed_dirs >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  result=ok
  [ $rc -ne 0 ] && result="FAILED (rc $rc): $(ls -t "$crashes" | head -1) - see $log"
  printf '%-14s %10s %6s %8s  %s\n' "$t" "${execs:-?}" "$elapsed" \
    "$(( $(ls "$work" | wc -l) - before ))" "$result"
  [ $rc -eq 0 ]
}

status=0
printf '%-14s %10s %6s %8s  %s\n' target execs seconds new_files result
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
  for t in $targets; do run_target "$t" >"$build/fuzz-$t.result" & done
  wait
  for t in $targets; do
    cat "$build/fuzz-$t.result"
    grep -q FAILED "$build/fuzz-$t.result" && status=1
  done
else
  for t in $targets; do run_target "$t" || status=1; done
fi
exit $status
