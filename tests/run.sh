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

./deploy/setup.sh || exit 1
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release || exit 1
start=$(date +%s)
cmake --build "$build_dir" -j2 || exit 1
echo "build took $(( $(date +%s) - start )) s"

hardening=${HARDENING:-$(( $# == 0 ))}
status=0
if [ "$hardening" = 1 ]; then
  start=$(date +%s)
  BUILD_DIR="$build_dir" ./tests/hardening.sh || status=1
  echo "hardening stages took $(( $(date +%s) - start )) s"
fi

# The Release suite runs last, so its ctest summary closes the output. With the hardening
# stages, the desync corpus already ran there (against the ASan build). Without ctest
# arguments the unit tests run as one process (34 s) instead of one ctest entry each (810
# process starts: 230 s); ctest then runs everything else.
exclude=()
start=$(date +%s)
if [ $# = 0 ]; then
  echo "unit tests: $build_dir/bin/unit_tests"
  (cd "$build_dir" && timeout 1200 bin/unit_tests --gtest_brief=1) || status=1
  exclude=(-E '^unit\.')
  [ "$hardening" = 1 ] && exclude=(-E '^unit\.|^conformance\.desync')
elif [ "$hardening" = 1 ]; then
  exclude=(-E '^conformance\.desync')
fi
(cd "$build_dir" && ctest --output-on-failure --timeout 600 "${exclude[@]}" "$@") || status=1
echo "tests took $(( $(date +%s) - start )) s"
exit $status
