#!/usr/bin/env bash
# The hardening stages of ./tests/run.sh, after the Release build (before its tests run):
#   1. ASan+UBSan (clang, ASAN_OPT): the parsers' unit tests (one process), the integration
#      tests of hostile input, the desync corpus, and the fuzz corpora replayed (build dir:
#      build-sanitize, which also holds the fuzz targets). Only those test files are compiled.
#   2. Fuzzing: each libFuzzer target (FUZZ_TARGETS) for FUZZ_SECONDS over its seed corpus.
#   3. TSan (clang, -O0): the unit tests where threads meet (thread_tests; build dir: build-tsan).
# The limits of a CI run are the variables below; a developer widens them (README).
# The desync corpus runs here against the ASan meshproxy (hostile input, memory checked), so
# tests/run.sh leaves it out of the Release run when the hardening stages run.
# Both sanitizer trees link the Release tree's envoy_api (MESHPROXY_ENVOY_API_FROM) instead of
# compiling the generated protobuf code twice more, and build only what they run.
#
# Usage: tests/hardening.sh [asan|fuzz|tsan ...]   (default: HARDENING_STAGES, in that order)
#   BUILD_DIR (default build): the Release tree whose envoy_api is reused; it must be built.
#   JOBS (default 2): parallel compile jobs.
# Each stage prints its wall and CPU time; the script exits 1 if any stage failed, after
# running all.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
release=$(cd "${BUILD_DIR:-build}" && pwd)
jobs=${JOBS:-2}

# The limits of each stage (ASAN_UNIT_TESTS, ASAN_INTEGRATION_TESTS, ASAN_OPT, FUZZ_SECONDS,
# FUZZ_TARGETS, HARDENING_STAGES) are set in one place, tests/run.sh, with what each costs;
# run alone, this script takes the same CI values unless the environment sets them.
eval "$(sed -n '/^# >>> hardening limits/,/^# <<< hardening limits/p' tests/run.sh)"
stages=("$@")
((${#stages[@]})) || read -ra stages <<<"$HARDENING_STAGES"

sanitizer_env() {  # sanitizer_env [REPORT_DIR]: with a dir, reports go to files there
  local log=""
  if [ -n "${1:-}" ]; then
    rm -rf "$1" && mkdir -p "$1"
    log=":log_path=$1/report"
  fi
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1$log"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1$log"
  export LSAN_OPTIONS="suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tests/sanitizers/tsan.supp$log"
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)}
  export TSAN_SYMBOLIZER_PATH=$ASAN_SYMBOLIZER_PATH
}

# Every process of a test run (the test binaries and the meshproxy/mesh-control they start)
# writes its sanitizer reports to REPORT_DIR/report.<pid>: a finding in a child process fails
# the stage even when its test did not look at the child's exit status.
check_reports() {  # check_reports REPORT_DIR
  local f found=0
  for f in "$1"/report.*; do
    [ -e "$f" ] || continue
    found=1
    echo "=== sanitizer report $f"
    head -80 "$f"
  done
  return $found
}

configure() {  # configure DIR SANITIZERS OPT [extra cmake args]
  local dir=$1 sanitize=$2 opt=$3
  shift 3
  CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$opt -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$opt -gline-tables-only" \
    -DMESHPROXY_SANITIZE="$sanitize" -DMESHPROXY_ENVOY_API_FROM="$release/proto" "$@" >/dev/null
}

failed=()
timed() {  # timed NAME command...: wall time, and CPU time of every process it waited for
  local name=$1 rc TIMEFORMAT
  shift
  TIMEFORMAT="hardening: $name took %0R s wall, %0U s user + %0S s sys CPU"
  time {
    "$@"
    rc=$?
  }
  echo "hardening: $name exit $rc"
  ((rc == 0)) || failed+=("$name")
  return $rc
}

all_is_empty() { [ "$1" = all ] && echo "" || echo "$1"; }
asan_build() {
  configure build-sanitize ON "$ASAN_OPT" -DMESHPROXY_FUZZ=ON \
    -DMESHPROXY_UNIT_TESTS="$(all_is_empty "$ASAN_UNIT_TESTS")" \
    -DMESHPROXY_INTEGRATION_TESTS="$(all_is_empty "$ASAN_INTEGRATION_TESTS")" &&
    cmake --build build-sanitize -j"$jobs" --target unit_tests integration_tests fuzz_targets
}
asan_test() {
  local reports=$top/build-sanitize/sanitizer-reports rc=0
  sanitizer_env "$reports"
  # Unit tests: one process for all of them (a ctest entry per test would start the
  # sanitized binary ~900 times, minutes of start-up alone).
  echo "asan: unit_tests"
  (cd build-sanitize && timeout 1200 bin/unit_tests --gtest_brief=1) || rc=1
  (cd build-sanitize &&
    ctest -j"$jobs" --output-on-failure --timeout 600 \
      -R "^integration\.|^fuzz\..*\.corpus$|^conformance\.desync") || rc=1
  check_reports "$reports" || rc=1
  return $rc
}
fuzz_run() {
  sanitizer_env
  local targets=()
  [ "$FUZZ_TARGETS" = all ] || read -ra targets <<<"$FUZZ_TARGETS"
  FUZZ_BUILD_DIR="$top/build-sanitize" tests/fuzz/run.sh "$FUZZ_SECONDS" "${targets[@]}"
}
tsan_build() {
  # -O0: a few short tests run here, and -O0 compiles about a third faster.
  configure build-tsan thread -O0 -DMESHPROXY_FUZZ=OFF &&
    cmake --build build-tsan -j"$jobs" --target thread_tests
}
tsan_test() {
  local reports=$top/build-tsan/sanitizer-reports rc=0
  sanitizer_env "$reports"
  (cd build-tsan && timeout 900 bin/thread_tests --gtest_brief=1) || rc=1
  check_reports "$reports" || rc=1
  return $rc
}

for stage in "${stages[@]}"; do
  case $stage in
    asan) timed asan-build asan_build && timed asan-tests asan_test ;;
    fuzz) timed fuzz fuzz_run ;;
    tsan) timed tsan-build tsan_build && timed tsan-tests tsan_test ;;
    *) echo "unknown stage $stage (asan, fuzz, tsan)" >&2; exit 2 ;;
  esac
done
if ((${#failed[@]})); then
  echo "hardening: failed: ${failed[*]}"
  exit 1
fi
echo "hardening: ${stages[*]} passed"
