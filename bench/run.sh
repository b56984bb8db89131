#!/usr/bin/env bash
# Side-by-side HTTP/1.1 benchmark: direct vs nginx vs HAProxy vs meshproxy, in front of one
# nginx origin (1 worker, 100-byte body), measured with wrk at -c50 and -c1.
#
#   bench/run.sh [--duration S] [--rounds N] [--quick]
#
# Environment equivalents / extra knobs:
#   DURATION=10      seconds per measured wrk run            (--duration)
#   ROUNDS=3         interleaved rounds per connection count  (--rounds)
#   QUICK=1          DURATION=3 ROUNDS=1                      (--quick)
#   WARMUP=2         seconds of warm-up per target before the first measurement
#   CONNS="50 1"     connection counts to measure
#   MESHPROXY_BIN    meshproxy binary (default: build/bin/meshproxy)
#   PIN_LAYOUT=origin-with-proxy   CPU placement: origin-with-proxy (proxy + origin on core 0,
#                    wrk on core 1; see "CPU placement" below for why), split (proxy on core 0;
#                    wrk + origin on core 1), none
#   NO_PIN=1         same as PIN_LAYOUT=none
#   MESH_MODE=auto   meshproxy config: auto (HTTP connection manager, falling back to tcp_proxy
#                    if the binary cannot serve it), http (no fallback), tcp (tcp_proxy only)
#   KEEP_TMP=1       keep the temp dir (configs, logs, raw wrk output)
#   WAIT_IDLE=0      time budget (s) for waiting until other processes go quiet: before measuring,
#                    and to re-measure (up to 2x) a run during which they used > 0.25 cores (the
#                    machine is shared; a compile on 2 cores ruins the numbers). 0 = never wait.
#   RESULTS=path     results file (default: bench/RESULTS.md)
#
# Every server is started here as a child process with its own config in a temp dir, on ports
# picked free at runtime, and only those PIDs are killed on exit. Results go to bench/RESULTS.md
# between the http-bench markers; other sections of that file are kept.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
CMDLINE="bench/run.sh${*:+ $*}"
for v in MESHPROXY_BIN MESH_MODE PIN_LAYOUT NO_PIN CONNS WARMUP WAIT_IDLE QUICK ROUNDS DURATION; do
  [[ -n "${!v:-}" ]] && CMDLINE="$v=${!v} $CMDLINE"
done

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-2}"
CONNS="${CONNS:-50 1}"
if [[ "${QUICK:-0}" == 1 ]]; then DURATION=3; ROUNDS=1; fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --duration=*) DURATION="${1#*=}"; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rounds=*) ROUNDS="${1#*=}"; shift ;;
    --quick) DURATION=3; ROUNDS=1; shift ;;
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || { echo "bad --duration: $DURATION" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 ]] || { echo "bad --rounds: $ROUNDS" >&2; exit 2; }

MESHPROXY_BIN="${MESHPROXY_BIN:-$REPO_DIR/build/bin/meshproxy}"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
MESH_HTTP_YAML="$BENCH_DIR/meshproxy-http.yaml"
MESH_TCP_YAML="$BENCH_DIR/meshproxy-tcp.yaml"
REPORT="$BENCH_DIR/report.py"

for tool in nginx haproxy wrk curl python3 taskset; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x "$MESHPROXY_BIN" ]] || { echo "meshproxy binary not found: $MESHPROXY_BIN (set MESHPROXY_BIN)" >&2; exit 1; }

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- CPU placement --------------------------------------------------------------------------
# 2 cores. Default PIN_LAYOUT=origin-with-proxy: the proxy under test and the origin on core 0,
# wrk alone on core 1. Measured here: with the suggested "split" layout (proxy alone on core 0,
# wrk + origin on core 1) the wrk+origin core is ~100% busy at -c50 for every HTTP proxy (its
# per-request cost, incl. loopback softirq, is about the proxy's), so all proxies hit the same
# ~40k req/s ceiling and a proxy faster than nginx could not show it. With origin-with-proxy,
# core 0 is the only saturated core (wrk's core stays ~40-50% busy), so req/s = 1 / (proxy +
# origin CPU per request): it follows the proxy's efficiency, diluted by the origin's fixed
# ~13 us/request, and was also far more stable round to round. CPU per request of the proxy
# came out the same in both layouts. The "proxy's core busy" / "wrk's core busy" columns show
# which side limited each row; PIN_LAYOUT=split|none are kept for comparison.
NCPU="$(nproc)"
PIN_LAYOUT="${PIN_LAYOUT:-origin-with-proxy}"
[[ "${NO_PIN:-0}" == 1 || "$NCPU" -lt 2 ]] && PIN_LAYOUT=none
case "$PIN_LAYOUT" in
  split)
    PIN_PROXY=(taskset -c 0); PIN_ORIGIN=(taskset -c 1); PIN_LOAD=(taskset -c 1); PROXY_CPU=0; LOAD_CPU=1
    PINNING="PIN_LAYOUT=split: proxy under test alone on core 0; wrk and the origin nginx on core 1. Each proxy owns one core; 'direct' has wrk and origin sharing one core (a reference, not an upper bound)." ;;
  origin-with-proxy)
    PIN_PROXY=(taskset -c 0); PIN_ORIGIN=(taskset -c 0); PIN_LOAD=(taskset -c 1); PROXY_CPU=0; LOAD_CPU=1
    PINNING="PIN_LAYOUT=origin-with-proxy (default): proxy under test and the origin nginx on core 0; wrk alone on core 1. Core 0 is meant to be the only bottleneck, so req/s = 1 / (proxy + origin CPU per request) follows the proxy's efficiency, diluted by the origin's fixed cost; 'direct' has origin and wrk on separate cores. (With PIN_LAYOUT=split, proxy alone on core 0 and wrk + origin on core 1, the wrk+origin core saturates at -c50 first and every proxy hits the same ceiling.)" ;;
  none)
    PIN_PROXY=(); PIN_ORIGIN=(); PIN_LOAD=(); PROXY_CPU=""; LOAD_CPU=""
    PINNING="PIN_LAYOUT=none: nothing pinned; all processes float over $NCPU CPU(s), so req/s reflects the whole machine's CPU per request (proxy + wrk + origin)." ;;
  *) echo "bad PIN_LAYOUT: $PIN_LAYOUT (split, origin-with-proxy, none)" >&2; exit 2 ;;
esac

# ---- temp dir, process bookkeeping, cleanup -------------------------------------------------
TMP="$(mktemp -d /tmp/meshproxy-bench.XXXXXX)"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "temp dir kept: $TMP"; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a private copy of meshproxy: build/ may be relinked by someone else while we measure, and
# both the HTTP attempt and the tcp_proxy fallback should use (and report) the same binary.
cp "$MESHPROXY_BIN" "$TMP/meshproxy"
MESH_EXE="$TMP/meshproxy"

# ---- ports ----------------------------------------------------------------------------------
read -r P_ORIGIN P_NGINX P_HAPROXY P_MESH P_ADMIN < <(python3 -c '
import socket
ss = []
for _ in range(5):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))')
log "ports: origin=$P_ORIGIN nginx=$P_NGINX haproxy=$P_HAPROXY meshproxy=$P_MESH admin=$P_ADMIN; tmp=$TMP"

BODY="$(python3 -c 'print(("meshproxy-bench-" * 7)[:99] + "\n", end="")')"   # exactly 100 bytes
BODY_NGINX="${BODY%$'\n'}\\n"                                                      # as an nginx string

# Wait until GET http://127.0.0.1:PORT/ returns the 100-byte body; fail if PID dies first.
wait_body() {
  local port=$1 pid=$2 what=$3 i got
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { log "$what (pid $pid) exited during start-up"; return 1; }
    got="$(curl -s -m 1 "http://127.0.0.1:$port/" 2>/dev/null || true)"
    if [[ "$got" == "${BODY%$'\n'}" ]]; then return 0; fi
    sleep 0.1
  done
  log "$what on port $port did not serve the 100-byte body within 10 s"
  return 1
}

nginx_common() {  # $1 = dir
  cat <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_temp_paths() {  # $1 = dir
  cat <<EOF
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
EOF
}

# ---- origin: nginx, 1 worker, 100-byte body -------------------------------------------------
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
        location / {
            default_type text/plain;
            return 200 "$BODY_NGINX";
        }
    }
}
EOF
} > "$TMP/origin/nginx.conf"
"${PIN_ORIGIN[@]}" nginx -e "$TMP/origin/error.log" -p "$TMP/origin/" -c "$TMP/origin/nginx.conf" \
  -g 'daemon off;' >"$TMP/origin/stdout.log" 2>&1 &
PID_ORIGIN=$!; PIDS+=("$PID_ORIGIN")
wait_body "$P_ORIGIN" "$PID_ORIGIN" origin || { cat "$TMP/origin/error.log" >&2; exit 1; }
[[ "$(curl -s "http://127.0.0.1:$P_ORIGIN/" | wc -c)" == 100 ]] || { log "origin body is not 100 bytes"; exit 1; }

# ---- nginx reverse proxy --------------------------------------------------------------------
mkdir -p "$TMP/nginx"
{
  nginx_common "$TMP/nginx"
  cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/nginx")
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream origin {
        server 127.0.0.1:$P_ORIGIN;
        keepalive 64;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$P_NGINX backlog=4096;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
} > "$TMP/nginx/nginx.conf"
"${PIN_PROXY[@]}" nginx -e "$TMP/nginx/error.log" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" \
  -g 'daemon off;' >"$TMP/nginx/stdout.log" 2>&1 &
PID_NGINX=$!; PIDS+=("$PID_NGINX")
wait_body "$P_NGINX" "$PID_NGINX" "nginx proxy" || { cat "$TMP/nginx/error.log" >&2; exit 1; }
PID_NGINX_WORKER="$(tr ' ' '\n' < "/proc/$PID_NGINX/task/$PID_NGINX/children" | grep -m1 . || true)"
[[ -n "$PID_NGINX_WORKER" ]] || { log "cannot find the nginx proxy's worker process"; exit 1; }

# ---- HAProxy --------------------------------------------------------------------------------
mkdir -p "$TMP/haproxy"
cat > "$TMP/haproxy/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
    timeout http-request 30s

frontend fe
    bind 127.0.0.1:$P_HAPROXY
    default_backend be

backend be
    server origin 127.0.0.1:$P_ORIGIN
EOF
"${PIN_PROXY[@]}" haproxy -f "$TMP/haproxy/haproxy.cfg" -db >"$TMP/haproxy/stdout.log" 2>&1 &
PID_HAPROXY=$!; PIDS+=("$PID_HAPROXY")
wait_body "$P_HAPROXY" "$PID_HAPROXY" haproxy || { cat "$TMP/haproxy/stdout.log" >&2; exit 1; }

# ---- meshproxy ------------------------------------------------------------------------------
# Bootstraps are regenerated on every run (ports differ); they are left in bench/ for reference.
mesh_bootstrap_head() {
  cat <<EOF
# Generated by bench/run.sh on every run (ports are picked at runtime); edits are overwritten.
node:
  id: bench
  cluster: bench
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: $P_ADMIN }
static_resources:
  listeners:
  - name: bench_in
    address:
      socket_address: { address: 127.0.0.1, port_value: $P_MESH }
    filter_chains:
    - filters:
EOF
}
mesh_bootstrap_cluster() {
  cat <<EOF
  clusters:
  - name: origin
    type: STATIC
    connect_timeout: 1s
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: origin
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: $P_ORIGIN }
EOF
}
{
  mesh_bootstrap_head
  cat <<EOF
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench_http
          route_config:
            name: local_route
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
EOF
  mesh_bootstrap_cluster
} > "$MESH_HTTP_YAML"
{
  mesh_bootstrap_head
  cat <<EOF
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: bench_tcp
          cluster: origin
          idle_timeout: 300s
EOF
  mesh_bootstrap_cluster
} > "$MESH_TCP_YAML"

# start_mesh CONFIG LOGNAME: starts meshproxy, waits for admin /ready = LIVE; sets PID_MESH.
start_mesh() {
  local cfg=$1 logf="$TMP/$2" i
  "${PIN_PROXY[@]}" "$MESH_EXE" -c "$cfg" --concurrency 1 --log-level error \
    --admin-address "127.0.0.1:$P_ADMIN" >"$logf" 2>&1 &
  PID_MESH=$!; PIDS+=("$PID_MESH")
  for i in $(seq 50); do
    kill -0 "$PID_MESH" 2>/dev/null || return 1
    [[ "$(curl -s -m 1 "http://127.0.0.1:$P_ADMIN/ready" 2>/dev/null || true)" == LIVE* ]] && return 0
    sleep 0.1
  done
  return 1
}
stop_mesh() {
  kill -TERM "$PID_MESH" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$PID_MESH" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PID_MESH" 2>/dev/null || true
  wait "$PID_MESH" 2>/dev/null || true
}

MESH_MODE_WANT="${MESH_MODE:-auto}"
case "$MESH_MODE_WANT" in auto|http|tcp) ;; *) echo "bad MESH_MODE: $MESH_MODE_WANT (auto, http, tcp)" >&2; exit 2 ;; esac
MESH_MODE=http; MESH_HTTP_ERROR=""
if [[ "$MESH_MODE_WANT" != tcp ]] && start_mesh "$MESH_HTTP_YAML" meshproxy-http.log \
     && wait_body "$P_MESH" "$PID_MESH" "meshproxy (http)"; then
  log "meshproxy serves the HTTP connection-manager config"
else
  if [[ "$MESH_MODE_WANT" == tcp ]]; then
    MESH_HTTP_ERROR="tcp_proxy mode forced with MESH_MODE=tcp"
  else
    MESH_HTTP_ERROR="$(grep -v '^\s*$' "$TMP/meshproxy-http.log" | tail -n 3 | tr '\n' ' ' | sed 's/`/'"'"'/g; s/ *$//')"
    [[ -n "$MESH_HTTP_ERROR" ]] || MESH_HTTP_ERROR="meshproxy did not become ready / did not serve the body"
    log "meshproxy HTTP config not usable: $MESH_HTTP_ERROR"
    stop_mesh
    [[ "$MESH_MODE_WANT" == http ]] && { log "MESH_MODE=http: not falling back"; cat "$TMP/meshproxy-http.log" >&2; exit 1; }
  fi
  log "using tcp_proxy mode (bench/meshproxy-tcp.yaml)"
  MESH_MODE=tcp
  if ! { start_mesh "$MESH_TCP_YAML" meshproxy-tcp.log && wait_body "$P_MESH" "$PID_MESH" "meshproxy (tcp_proxy)"; }; then
    log "meshproxy failed to start in tcp_proxy mode too:"; cat "$TMP/meshproxy-tcp.log" >&2; exit 1
  fi
fi
MESH_LABEL="meshproxy"; [[ $MESH_MODE == tcp ]] && MESH_LABEL="meshproxy (tcp_proxy mode)"

# ---- measurement ----------------------------------------------------------------------------
TARGETS=(direct nginx haproxy meshproxy)
declare -A PORT=([direct]=$P_ORIGIN [nginx]=$P_NGINX [haproxy]=$P_HAPROXY [meshproxy]=$P_MESH)
declare -A CPU_PIDS=([direct]="" [nginx]="$PID_NGINX $PID_NGINX_WORKER" [haproxy]="$PID_HAPROXY" [meshproxy]="$PID_MESH")
CLK_TCK="$(getconf CLK_TCK)"

# utime+stime in clock ticks, summed over the given PIDs (process-wide: /proc/PID/stat fields
# 14 and 15 include every thread of the process, live or exited).
cpu_ticks() {
  local files=() p
  for p in "$@"; do files+=("/proc/$p/stat"); done
  awk '{ sub(/^.*\) /, ""); split($0, f, " "); s += f[12] + f[13] } END { print s + 0 }' "${files[@]}"
}

# Busy CPU ticks of the whole machine (user nice system irq softirq steal; not idle/iowait).
sys_busy_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# "busy total" ticks of the proxy's and of wrk's CPU (their utilisation); zeros when not pinned.
cpu_busy_total() {
  if [[ -z "$LOAD_CPU" ]]; then echo "0 0 0 0"; return; fi
  awk -v a="cpu$PROXY_CPU" -v b="cpu$LOAD_CPU" '
    $1 == a || $1 == b { busy[$1] = $2 + $3 + $4 + $7 + $8 + $9; tot[$1] = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }
    END { print busy[a] + 0, tot[a] + 0, busy[b] + 0, tot[b] + 0 }' /proc/stat
}
OUR_PIDS=("$PID_ORIGIN" $(cat "/proc/$PID_ORIGIN/task/$PID_ORIGIN/children") "$PID_NGINX" "$PID_NGINX_WORKER" \
  "$PID_HAPROXY" "$PID_MESH")

# Cores' worth of CPU used by processes other than ours over SECONDS (sampled while we are idle).
background_cores() {
  local secs=$1 b0 o0 b1 o1
  b0="$(sys_busy_ticks)"; o0="$(cpu_ticks "${OUR_PIDS[@]}")"
  sleep "$secs"
  b1="$(sys_busy_ticks)"; o1="$(cpu_ticks "${OUR_PIDS[@]}")"
  awk -v b="$((b1 - b0))" -v o="$((o1 - o0))" -v hz="$CLK_TCK" -v s="$secs" -v n="$NCPU" \
    'BEGIN { x = (b - o) / hz / s; if (x < 0) x = 0; if (x > n) x = n; printf "%.2f\n", x }' 
}

# WAIT_IDLE is one time budget for the whole run: waiting for quiet before starting, and
# re-measuring runs that other processes disturbed (at most twice per run).
IDLE_DEADLINE=$((SECONDS + ${WAIT_IDLE:-0}))
busy() { awk -v x="$1" 'BEGIN { exit !(x > 0.25) }'; }
wait_quiet() {  # -> 0 once quiet, 1 if the WAIT_IDLE budget ran out
  local bg
  while [[ $SECONDS -lt $IDLE_DEADLINE ]]; do
    bg="$(background_cores 3)"
    busy "$bg" || return 0
    log "other processes use $bg cores; waiting (WAIT_IDLE budget: $((IDLE_DEADLINE - SECONDS)) s left)"
  done
  return 1
}

BG_START="$(background_cores 2)"
if busy "$BG_START"; then
  log "WARNING: other processes are using $BG_START cores of $NCPU; results will be disturbed"
  wait_quiet && BG_START="$(background_cores 1)"
  log "background load before measuring: $BG_START cores"
fi

RAW="$TMP/raw.tsv"
echo "conns round target rps p50_us p90_us p99_us requests errors non2xx cpu_s bg_cores proxy_core_busy wrk_core_busy" > "$RAW"

# run_wrk TARGET CONNS SECONDS OUTFILE -> prints "CPU BG PBUSY LBUSY": CPU seconds of the proxy
# during the run ("-" for direct), the cores' worth of CPU that processes other than ours (servers,
# wrk) used meanwhile (background noise from whatever else runs on the machine), and how busy the
# proxy's core and wrk's core were, 0..1 ("-" when not pinned). A core near 1 is the bottleneck.
run_wrk() {
  local t=$1 c=$2 d=$3 out=$4 before=0 after=0 pids b0 b1 o0 o1 t0 t1 wrk_cpu pb0 pt0 lb0 lt0 pb1 pt1 lb1 lt1
  pids=(${CPU_PIDS[$t]})
  for p in "${OUR_PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { log "server pid $p died"; return 1; }; done
  [[ ${#pids[@]} -gt 0 ]] && before="$(cpu_ticks "${pids[@]}")"
  b0="$(sys_busy_ticks)"; o0="$(cpu_ticks "${OUR_PIDS[@]}")"; t0="$(date +%s.%N)"
  read -r pb0 pt0 lb0 lt0 < <(cpu_busy_total)
  local TIMEFORMAT='%U %S'
  { time "${PIN_LOAD[@]}" wrk -t1 -c"$c" -d"${d}s" --timeout 5s --latency "http://127.0.0.1:${PORT[$t]}/" \
      > "$out" 2>&1 ; } 2> "$out.time" || { log "wrk failed for $t:"; cat "$out" >&2; return 1; }
  b1="$(sys_busy_ticks)"; o1="$(cpu_ticks "${OUR_PIDS[@]}")"; t1="$(date +%s.%N)"
  read -r pb1 pt1 lb1 lt1 < <(cpu_busy_total)
  [[ ${#pids[@]} -gt 0 ]] && after="$(cpu_ticks "${pids[@]}")"
  wrk_cpu="$(awk '{print $1 + $2}' "$out.time")"
  awk -v np="${#pids[@]}" -v cpu="$((after - before))" -v b="$((b1 - b0))" -v o="$((o1 - o0))" \
      -v w="$wrk_cpu" -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" -v n="$NCPU" \
      -v lb="$((lb1 - lb0))" -v lt="$((lt1 - lt0))" -v pb="$((pb1 - pb0))" -v pt="$((pt1 - pt0))" 'BEGIN {
    bg = ((b - o) / hz - w) / (t1 - t0); if (bg < 0) bg = 0; if (bg > n) bg = n
    load = lt > 0 ? sprintf("%.2f", lb / lt) : "-"
    pcore = pt > 0 ? sprintf("%.2f", pb / pt) : "-"
    if (np == 0) printf "- %.3f %s %s\n", bg, pcore, load; else printf "%.2f %.3f %s %s\n", cpu / hz, bg, pcore, load }' 
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
n_runs=$(( $(wc -w <<<"$CONNS") * ROUNDS * ${#TARGETS[@]} ))
est=$(( n_runs * (DURATION + 1) + ${#TARGETS[@]} * (WARMUP + 1) ))
log "measuring: ${TARGETS[*]} x conns {$CONNS} x $ROUNDS round(s), ${DURATION}s each (~${est}s); meshproxy mode: $MESH_MODE"
first=1
for c in $CONNS; do
  if [[ $first == 1 && "$WARMUP" -gt 0 ]]; then   # once per target: caches, upstream keepalive pools
    for t in "${TARGETS[@]}"; do
      run_wrk "$t" "$c" "$WARMUP" "$TMP/warmup-c$c-$t.txt" >/dev/null
    done
  fi
  first=0
  for r in $(seq "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
      out="$TMP/wrk-c$c-r$r-$t.txt"
      for attempt in 1 2 3; do
        read -r cpu bg pcore load < <(run_wrk "$t" "$c" "$DURATION" "$out")
        [[ -n "${load:-}" ]] || exit 1
        busy "$bg" && [[ $attempt -lt 3 ]] && wait_quiet || break
        log "-c$c round $r $t: disturbed (background $bg cores); measuring again"
      done
      read -r rps p50 p90 p99 reqs errs non2xx < <(python3 "$REPORT" parse-wrk "$out")
      echo "$c $r $t $rps $p50 $p90 $p99 $reqs $errs $non2xx $cpu $bg $pcore $load" >> "$RAW"
      log "$(printf -- '-c%-3s round %s %-10s %8.0f req/s  p50 %6.0fus  p99 %6.0fus  cpu %-5ss  err %s/%s  cores busy %s/%s  bg %s' \
        "$c" "$r" "$t" "$rps" "$p50" "$p99" "$cpu" "$errs" "$non2xx" "$pcore" "$load" "$bg")"
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

vmhwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
RSS_NGINX="$(vmhwm_kb "$PID_NGINX_WORKER")"
RSS_HAPROXY="$(vmhwm_kb "$PID_HAPROXY")"
RSS_MESH="$(vmhwm_kb "$PID_MESH")"

# ---- report ---------------------------------------------------------------------------------
MESH_VERSION="$("$MESH_EXE" --version 2>&1 | head -n1 || true), binary built $(date -r "$MESHPROXY_BIN" '+%F %H:%M')"
GIT_REV="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -n "$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null)" ]] && GIT_REV="$GIT_REV + uncommitted changes"
export GIT_REV MESH_VERSION BG_START CMDLINE DURATION ROUNDS WARMUP CONNS PINNING PIN_LAYOUT MESH_MODE MESH_HTTP_ERROR MESH_LABEL MESHPROXY_BIN \
  LOAD_BEFORE LOAD_AFTER RSS_NGINX RSS_HAPROXY RSS_MESH REPO_DIR
python3 - "$TMP/meta.json" <<'PY'
import json, os, platform, subprocess, sys, datetime
e = os.environ
def run(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return (p.stdout + p.stderr).strip().splitlines()[0] if (p.stdout + p.stderr).strip() else "?"
model = "?"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip(); break
nginx_v = run("nginx -v").replace("nginx version: ", "")
haproxy_v = " ".join(run("haproxy -v").split()[:3]).replace(" version", "")
wrk_v = " ".join(run("wrk -v").split()[:2])
mesh_bin = e["MESHPROXY_BIN"]
mesh_v = e.get("MESH_VERSION") or "?"
rel = os.path.relpath(mesh_bin, e["REPO_DIR"])
meta = {
    "command": e["CMDLINE"], "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    "nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
    "load_before": e["LOAD_BEFORE"], "load_after": e["LOAD_AFTER"], "bg_start": float(e["BG_START"]),
    "nginx_version": nginx_v, "haproxy_version": haproxy_v, "wrk_version": wrk_v,
    "meshproxy_version": mesh_v, "git_rev": e["GIT_REV"], "meshproxy_bin": rel if not rel.startswith("..") else mesh_bin,
    "duration": int(e["DURATION"]), "rounds": int(e["ROUNDS"]), "warmup": int(e["WARMUP"]),
    "conns": [int(c) for c in e["CONNS"].split()], "pinning": e["PINNING"], "pin_layout": e["PIN_LAYOUT"],
    "mesh_mode": e["MESH_MODE"], "mesh_http_error": e.get("MESH_HTTP_ERROR", ""),
    "targets": [
        {"id": "direct", "label": "direct (no proxy)", "rss_kb": None},
        {"id": "nginx", "label": f"nginx {nginx_v.split('/')[-1]} proxy", "rss_kb": int(e["RSS_NGINX"])},
        {"id": "haproxy", "label": f"HAProxy {haproxy_v.split()[-1].split('-')[0]}", "rss_kb": int(e["RSS_HAPROXY"])},
        {"id": "meshproxy", "label": e["MESH_LABEL"], "rss_kb": int(e["RSS_MESH"])},
    ],
}
with open(sys.argv[1], "w") as f:
    json.dump(meta, f, indent=1)
PY
python3 "$REPORT" write --raw "$RAW" --meta "$TMP/meta.json" --results "$RESULTS"
log "wrote $RESULTS"
sed -n '/<!-- http-bench:start -->/,/<!-- http-bench:end -->/p' "$RESULTS"
