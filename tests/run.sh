#!/usr/bin/env bash
# Sets up dependencies, builds meshproxy, and runs every test (unit, integration, e2e).
# Usage: ./tests/run.sh [extra ctest args, e.g. -R integration]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./deploy/setup.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
start=$(date +%s)
cmake --build "$build_dir" -j2
echo "build took $(( $(date +%s) - start )) s"
cd "$build_dir"
ctest --output-on-failure --timeout 600 "$@"
