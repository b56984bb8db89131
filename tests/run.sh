#!/usr/bin/env bash
# Sets up dependencies, builds meshproxy, and runs every test (unit, integration, e2e, the desync
# corpus), then the hardening stages (tests/hardening.sh: ASan+UBSan tests, fuzzing, TSan).
# Usage: ./tests/run.sh [extra ctest args, e.g. -R integration]
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
# stages, the desync corpus already ran there (against the ASan build).
exclude=()
[ "$hardening" = 1 ] && exclude=(-E '^conformance\.desync')
start=$(date +%s)
(cd "$build_dir" && ctest --output-on-failure --timeout 600 "${exclude[@]}" "$@") || status=1
echo "ctest took $(( $(date +%s) - start )) s"
exit $status
