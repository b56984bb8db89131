#!/usr/bin/env bash
# The hardening stages of ./tests/run.sh, after the Release build (before its tests run):
#   1. ASan+UBSan (clang, -O1): unit tests (one process), a subset of integration tests (only
#      their files are compiled), the desync corpus runs,
#      and the fuzz corpora replayed (build dir: build-sanitize, also holds the fuzz targets).
#   2. Fuzzing: each libFuzzer target for FUZZ_SECONDS (default 20) over its seed corpus.
#   3. TSan (clang, -O0): the unit tests where threads meet (thread_tests; build dir: build-tsan).
# The desync corpus runs here against the ASan meshproxy (hostile input, memory checked), so
# tests/run.sh leaves it out of the Release run when the hardening stages run.
# Both sanitizer trees link the Release tree's envoy_api (MESHPROXY_ENVOY_API_FROM) instead of
# compiling the generated protobuf code twice more, and build only what they run.
#
# Usage: tests/hardening.sh [asan|fuzz|tsan ...]   (default: all three, in that order)
#   BUILD_DIR (default build): the Release tree whose envoy_api is reused; it must be built.
#   FUZZ_SECONDS: time per fuzz target.
# Each stage prints how long it took; the script exits 1 if any stage failed, after running all.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
release=$(cd "${BUILD_DIR:-build}" && pwd)
stages=("$@")
((${#stages[@]})) || stages=(asan fuzz tsan)
jobs=${JOBS:-2}

# Integration tests under ASan+UBSan: the files whose traffic crosses the most proxy code (the
# HTTP/1 codec both ways, smuggling and malformed input, header-name actions, routing, upstream
# errors and upgrades, TLS both ways, TCP proxy, filter-chain matching and hot config changes
# over xDS, admin) and the process lifecycle (signals, rejected bootstraps: exits are where
# use-after-free hides). The ASan tree builds only these files (MESHPROXY_INTEGRATION_TESTS).
# Left out, for CI time: the long load tests (xds_hot_apply's wrk runs), the mesh_control_*
# scenarios, the real-config corpus, gRPC interop, fd exhaustion and e2e, which add minutes
# under ASan and little code the chosen ones do not reach.
asan_integration_files='http_proxy_test.cc;http_smuggling_test.cc;headers_with_underscores_test.cc;http_routing_test.cc;http_upstream_test.cc;tls_inbound_test.cc;tls_upstream_test.cc;tcp_proxy_test.cc;filter_chain_match_test.cc;filter_chain_hot_update_test.cc;xds_protocol_test.cc;xds_sds_test.cc;admin_test.cc;signals_test.cc;invalid_bootstrap_test.cc'
# Unit tests under TSan: the thread_tests binary (tests/CMakeLists.txt lists its files), the
# tests where threads meet: the worker/main-thread handoff of EventLoop::post and
# Worker::publish, stats shared by workers and read by admin, the access log writer thread and
# lanes, the admin server's loop thread. The TSan tree builds only that binary.

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
timed() {  # timed NAME command...
  local name=$1 start rc
  shift
  start=$(date +%s)
  "$@"
  rc=$?
  echo "hardening: $name took $(($(date +%s) - start)) s (exit $rc)"
  ((rc == 0)) || failed+=("$name")
  return $rc
}

asan_build() {
  # -O1: the fuzz targets and the integration tests run much faster than at -O0.
  configure build-sanitize ON -O1 -DMESHPROXY_FUZZ=ON \
    -DMESHPROXY_INTEGRATION_TESTS="$asan_integration_files" &&
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
  FUZZ_BUILD_DIR="$top/build-sanitize" tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"
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
