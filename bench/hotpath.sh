#!/usr/bin/env bash
# Hot-path cost counts of one or more meshproxy binaries on the plain HTTP/1.1 proxy path:
# heap allocations per request (LD_PRELOAD counter, bench/tools/malloc_count.c) and userland
# instructions per request (valgrind callgrind, all threads). Both are counts, not times, so
# they barely move with machine load: this is the before/after check for a change on the
# request path (e.g. `bench/hotpath.sh /path/to/old/meshproxy build/bin/meshproxy`).
#
#   bench/hotpath.sh [BINARY ...]      (default: build/bin/meshproxy)
#
# Environment: CONNS=50 (wrk connections), SECONDS_ALLOC=5, SECONDS_CALLGRIND=8, NO_CALLGRIND=1
# (skip the instruction count), KEEP_CALLGRIND=DIR (keep each binary's measured callgrind dump), CACHE_SIM=1 (callgrind's cache simulation: also L1 instruction
# and data misses and last-level misses per request; valgrind's model of this machine's caches,
# one thread at a time, so it shows working-set growth, not sharing between cores). Setup per binary: nginx origin (1 worker, `return 200` with a
# 100-byte body), meshproxy --concurrency 1 with an HTTP connection manager and one STATIC
# cluster, wrk -t1 -c$CONNS; a 2 s warm-up before counting. Prints one markdown table row per
# binary. Only processes started here are stopped (by PID).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"   # log, setup_tmp/cleanup, free_ports, wait_body, nginx snippets

CONNS="${CONNS:-50}"
SECONDS_ALLOC="${SECONDS_ALLOC:-5}"
SECONDS_CALLGRIND="${SECONDS_CALLGRIND:-8}"
BINARIES=("$@")
[[ ${#BINARIES[@]} -gt 0 ]] || BINARIES=("$REPO_DIR/build/bin/meshproxy")
for tool in nginx wrk curl gcc python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
if [[ "${NO_CALLGRIND:-0}" != 1 ]]; then
  command -v valgrind >/dev/null && command -v callgrind_control >/dev/null \
    || { echo "missing valgrind/callgrind_control (or set NO_CALLGRIND=1)" >&2; exit 1; }
fi

setup_tmp
BODY="$(python3 -c 'print(("meshproxy-bench-" * 7)[:99] + "\n", end="")')"   # as bench/run.sh
BODY_NGINX="${BODY%$'\n'}\\n"
read -r P_ORIGIN P_MESH P_ADMIN < <(free_ports 3)
gcc -O2 -shared -fPIC -o "$TMP/malloc_count.so" "$BENCH_DIR/tools/malloc_count.c"

mkdir -p "$TMP/origin"
{
  nginx_common "$TMP/origin"
  cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/origin")
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$P_ORIGIN backlog=4096;
        location / { default_type text/plain; return 200 "$BODY_NGINX"; }
    }
}
EOF
} > "$TMP/origin/nginx.conf"
nginx -e "$TMP/origin/error.log" -p "$TMP/origin/" -c "$TMP/origin/nginx.conf" \
  -g 'daemon off;' >"$TMP/origin/stdout.log" 2>&1 &
PID_ORIGIN=$!; PIDS+=("$PID_ORIGIN")
wait_body "$P_ORIGIN" "$PID_ORIGIN" "origin nginx" || { cat "$TMP/origin/error.log" >&2; exit 1; }

cat > "$TMP/mesh.yaml" <<EOF
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: $P_ADMIN } }
static_resources:
  listeners:
  - name: hotpath_in
    address: { socket_address: { address: 127.0.0.1, port_value: $P_MESH } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: hotpath
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: origin }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: origin
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: origin
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $P_ORIGIN } } }
EOF

# start_mesh LOG PREFIX...: meshproxy under an optional wrapper; sets PID_MESH; waits for a body.
start_mesh() {
  local logf=$1; shift
  "$@" -c "$TMP/mesh.yaml" --concurrency 1 --log-level error \
    --admin-address "127.0.0.1:$P_ADMIN" >"$logf" 2>&1 &
  PID_MESH=$!; PIDS+=("$PID_MESH")
  wait_body "$P_MESH" "$PID_MESH" meshproxy || { tail -5 "$logf" >&2; return 1; }
}
stop_mesh() {
  kill -TERM "$PID_MESH" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$PID_MESH" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PID_MESH" 2>/dev/null || true
  wait "$PID_MESH" 2>/dev/null || true
}
# wrk_requests SECONDS: runs wrk against meshproxy, prints the number of completed requests.
wrk_requests() {
  wrk -t1 -c"$CONNS" -d"$1"s "http://127.0.0.1:$P_MESH/" | awk '/requests in/ {print $1}'
}

CACHE_SIM="${CACHE_SIM:-0}"
if [[ "$CACHE_SIM" == 1 ]]; then
  echo "| binary | allocations / request | instructions / request (userland, callgrind) | I1 misses | D1 misses (r+w) | LL misses (i+d) |"
  echo "|---|---:|---:|---:|---:|---:|"
else
  echo "| binary | allocations / request | instructions / request (userland, callgrind) |"
  echo "|---|---:|---:|"
fi
for bin in "${BINARIES[@]}"; do
  [[ -x "$bin" ]] || { echo "not executable: $bin" >&2; exit 1; }
  # Allocations: SIGWINCH makes the preloaded counter print its totals (meshproxy handles
  # SIGUSR1/SIGUSR2 itself; SIGWINCH's default action is to ignore, so it is safe to send).
  start_mesh "$TMP/alloc.log" env LD_PRELOAD="$TMP/malloc_count.so" "$bin"
  wrk_requests 2 >/dev/null
  kill -WINCH "$PID_MESH"; sleep 0.2
  requests=$(wrk_requests "$SECONDS_ALLOC")
  kill -WINCH "$PID_MESH"; sleep 0.2
  stop_mesh
  allocs=$(grep '^MALLOCS' "$TMP/alloc.log" | tail -2 | awk -v n="$requests" '
    NR == 1 { a = $2 + $4 + $5 } NR == 2 { b = $2 + $4 + $5 }
    END { if (n > 0) printf "%.2f", (b - a) / n; else print "n/a" }')
  instr="skipped"
  if [[ "${NO_CALLGRIND:-0}" != 1 ]]; then
    out="$TMP/callgrind.out"
    rm -f "$out"*
    cache_flag=()
    [[ "$CACHE_SIM" == 1 ]] && cache_flag=(--cache-sim=yes)
    WAIT_BODY_TRIES=900 start_mesh "$TMP/callgrind.log" valgrind --tool=callgrind "${cache_flag[@]}" \
      --callgrind-out-file="$out" "$bin"
    wrk_requests 2 >/dev/null
    callgrind_control -z "$PID_MESH" >/dev/null 2>&1   # zero the counts of start-up and warm-up
    requests=$(wrk_requests "$SECONDS_CALLGRIND")
    callgrind_control -d "$PID_MESH" >/dev/null 2>&1
    stop_mesh
    # KEEP_CALLGRIND=DIR keeps the measured dump for callgrind_annotate (one file per binary).
    if [[ -n "${KEEP_CALLGRIND:-}" ]]; then
      mkdir -p "$KEEP_CALLGRIND"
      cp "$out.1" "$KEEP_CALLGRIND/callgrind.$(basename "$bin").$requests"
    fi
    # The dump taken right after the measured run (the final dump at exit holds the shutdown).
    total=$(awk '/^summary:/ {s += $2} END {print s + 0}' "$out.1")
    instr=$(awk -v t="$total" -v n="$requests" 'BEGIN {
      if (n > 0) printf "%.1f k (%d requests)", t / n / 1000, n; else print "n/a" }')
    if [[ "$CACHE_SIM" == 1 ]]; then
      # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw; summary lines hold them in that order.
      misses=$(awk -v n="$requests" '/^events:/ { for (i = 2; i <= NF; i++) col[$i] = i }
        /^summary:/ { for (e in col) s[e] += $col[e] }
        END { if (n > 0) printf "%.1f | %.1f | %.2f", s["I1mr"] / n,
              (s["D1mr"] + s["D1mw"]) / n, (s["ILmr"] + s["DLmr"] + s["DLmw"]) / n;
              else print "n/a | n/a | n/a" }' "$out.1")
      instr="$instr | $misses"
    fi
  fi
  echo "| \`$bin\` | $allocs | $instr |"
done
