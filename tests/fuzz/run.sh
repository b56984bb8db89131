#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time over its committed seed corpus.
# Usage: tests/fuzz/run.sh [seconds per target, default 60] [target ...]
#   FUZZ_BUILD_DIR  the clang build with -DMESHPROXY_FUZZ=ON (default: build-sanitize)
#   FUZZ_OUT        where new corpus entries and crash inputs go (default: $FUZZ_BUILD_DIR/fuzz-out)
# The committed corpus (tests/fuzz/corpus/<target>/) is only read. A crash, leak, timeout or
# broken invariant stops that target; its input is saved as $FUZZ_OUT/<target>/crash-* (or
# leak-*, timeout-*), the script goes on with the next target and exits 1 at the end.
# Turn such an input into a unit test with the fix (tests/unit/...), and add it to the
# target's corpus folder so fuzz.<target>.corpus replays it.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-$top/build-sanitize}
out=${FUZZ_OUT:-$build/fuzz-out}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(http1_server_codec_fuzz http1_client_codec_fuzz tls_client_hello_fuzz
           http_sniffer_fuzz bootstrap_fuzz xds_resource_fuzz jwt_fuzz jwks_fuzz)
fi
declare -A dict=([http1_server_codec_fuzz]=http.dict [http1_client_codec_fuzz]=http.dict
                 [bootstrap_fuzz]=bootstrap.dict)

# The desync corpus's requests (../shared/conformance/desync, not part of this repo) are good
# extra seeds for the server codec when it is there: written at run time, never committed.
desync_seeds() {
  local dir=$1 corpus
  for corpus in "${DESYNC_DIR:-}" "$top/../shared/conformance/desync" /work/shared/conformance/desync; do
    [ -n "$corpus" ] && [ -f "$corpus/corpus.json" ] || continue
    python3 - "$corpus/corpus.json" "$dir" <<'PY'
import base64, json, os, sys
cases = json.load(open(sys.argv[1]))["cases"]
for c in cases:
    raw = base64.b64decode(c["raw_b64"])
    if len(raw) <= 16384:
        with open(os.path.join(sys.argv[2], c["id"]), "wb") as f:
            f.write(b"\0\0\0\0" + raw)
PY
    return 0
  done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/bin/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin missing (build it: cmake --build $build --target fuzz_targets)" >&2
    failed+=("$t(missing)")
    continue
  fi
  work="$out/$t"
  mkdir -p "$work/corpus" "$work/extra"
  extra=()
  if [ "$t" = http1_server_codec_fuzz ]; then
    desync_seeds "$work/extra" && extra=("$work/extra")
  fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=16384
        -print_final_stats=1 -artifact_prefix="$work/")
  [ -n "${dict[$t]:-}" ] && args+=(-dict="$top/tests/fuzz/${dict[$t]}")
  echo "fuzz: $t for ${seconds}s"
  # New inputs go to the scratch corpus (first folder); the committed one is read only.
  # Run from the scratch folder: nothing a target does lands in the source tree.
  if (cd "$work" && "$bin" "${args[@]}" "$work/corpus" "$top/tests/fuzz/corpus/$t" "${extra[@]}" \
        >"$work/log.txt" 2>&1); then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)" "$work/log.txt" | tr '\n' ' '
    echo
  else
    echo "fuzz: $t FAILED; last lines of $work/log.txt:" >&2
    tail -40 "$work/log.txt" >&2
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each with no finding"
