#!/usr/bin/env bash
# Sets up dependencies, builds meshproxy, and runs every test (unit, integration, e2e, the desync
# corpus), then the hardening stages (tests/hardening.sh: ASan+UBSan tests, fuzzing, TSan).
# Usage: ./tests/run.sh [extra ctest args, e.g. -R integration]
#   Without arguments: the hardening stages, then the Release unit tests (one process) and
#   ctest for everything else.
#   With ctest args, only the Release ctest run happens (a developer's subset), unless
#   HARDENING=1. HARDENING=0 skips the hardening stages in any case.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# >>> hardening limits: what the hardening stages do in CI (tests/hardening.sh reads this block;
# each value can be set from the environment). Costs on an idle 2-core machine and what a
# developer runs in full: README, "Fuzzing and sanitizers".
#
# Which stages run. Each sanitizer tree compiles all of meshproxy_lib again (on an idle 2-core
# machine about 9 minutes for ASan, 9.5 for TSan, after the merge of HTTP/2 and load balancing;
# CI is then about 43 minutes of its 45), more than CI's time for hardening,
# so a CI run builds one of them, picked by the commit: ASan+UBSan with fuzzing when the last hex
# digit of `git rev-parse HEAD` is even, TSan when it is odd (the same commit always gets the same
# stages; a shallow clone works too). Outside a git checkout, all three.
if [ -z "${HARDENING_STAGES:-}" ]; then
  head=$(git -C "$top" rev-parse HEAD 2>/dev/null || echo "")
  case $head in
    "") HARDENING_STAGES="asan fuzz tsan" ;;
    *[02468aceACE]) HARDENING_STAGES="asan fuzz" ;;
    *) HARDENING_STAGES="tsan" ;;
  esac
fi
# ASan+UBSan unit tests: the parsers' (HTTP/1 and HTTP/2 codecs, request targets, the sniffer,
# the TLS ClientHello reader, YAML/JSON and bootstrap loading, JWT/JWKS). Globs under
# tests/unit/; only these files are compiled in the ASan tree. "all": every unit test.
ASAN_UNIT_TESTS=${ASAN_UNIT_TESTS:-"http/http1_*_test.cc;http/http2_*_test.cc;network/http_sniffer_test.cc;network/tls_client_hello_test.cc;config/yaml_to_json_test.cc;config/bootstrap_loader_test.cc;config/hcm_headers_with_underscores_test.cc;jwt_authn/jwt_parse_test.cc;jwt_authn/jwks_test.cc"}
# ASan+UBSan integration tests: the files whose traffic is hostile input to the parsers
# (smuggling and malformed requests, header names with '_', proxying over both codecs, rejected
# bootstraps); the desync corpus (conformance.desync*) and the fuzz corpora run there too.
# File names in tests/integration/. "all": every file (the load tests, mesh-control scenarios,
# gRPC interop and real configs add many minutes under ASan).
ASAN_INTEGRATION_TESTS=${ASAN_INTEGRATION_TESTS:-"http_smuggling_test.cc;headers_with_underscores_test.cc;http_proxy_test.cc;invalid_bootstrap_test.cc"}
# Optimization of the ASan tree: -O0 compiles in about 0.6 of the time of -O1, and compiling is
# most of the stage; -O1 fuzzes two to three times faster.
ASAN_OPT=${ASAN_OPT:--O0}
# Fuzzing (in the ASan tree): seconds per libFuzzer target, and which ("all": every target).
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
FUZZ_TARGETS=${FUZZ_TARGETS:-all}
# TSan: always the whole thread_tests binary (tests/CMakeLists.txt lists its files: the unit
# tests where threads meet); the TSan tree builds only that binary.
export HARDENING_STAGES ASAN_UNIT_TESTS ASAN_INTEGRATION_TESTS ASAN_OPT FUZZ_SECONDS FUZZ_TARGETS
# <<< hardening limits

./deploy/setup.sh || exit 1
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release || exit 1
start=$(date +%s)
cmake --build "$build_dir" -j2 || exit 1
echo "build took $(( $(date +%s) - start )) s"

hardening=${HARDENING:-$(( $# == 0 ))}
status=0
desync_ran=0
[ "$hardening" = 1 ] && [[ " $HARDENING_STAGES " == *" asan "* ]] && desync_ran=1
if [ "$hardening" = 1 ]; then
  start=$(date +%s)
  echo "hardening stages: $HARDENING_STAGES"
  BUILD_DIR="$build_dir" ./tests/hardening.sh $HARDENING_STAGES || status=1
  echo "hardening stages took $(( $(date +%s) - start )) s"
fi

# The Release suite runs last, so its ctest summary closes the output. With the ASan stage,
# the desync corpus already ran there (against the ASan build). Without ctest
# arguments the unit tests run as one process (34 s) instead of one ctest entry each (810
# process starts: 230 s); ctest then runs everything else.
exclude=()
start=$(date +%s)
if [ $# = 0 ]; then
  echo "unit tests: $build_dir/bin/unit_tests"
  (cd "$build_dir" && timeout 1200 bin/unit_tests --gtest_brief=1) || status=1
  exclude=(-E '^unit\.')
  [ "$desync_ran" = 1 ] && exclude=(-E '^unit\.|^conformance\.desync')
elif [ "$desync_ran" = 1 ]; then
  exclude=(-E '^conformance\.desync')
fi
(cd "$build_dir" && ctest --output-on-failure --timeout 600 "${exclude[@]}" "$@") || status=1
echo "tests took $(( $(date +%s) - start )) s"
exit $status
