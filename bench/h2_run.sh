#!/usr/bin/env bash
# Side-by-side HTTP/2 benchmark (issue 12): direct vs nginx vs HAProxy vs meshproxy, h2c on both
# sides of every proxy, measured with h2load (100 clients x 10 streams by default).
#
#   bench/h2_run.sh [--duration S] [--rounds N] [--quick]
#
# Workloads (WORKLOADS, space-separated):
#   small   GET of a 100-byte body            origin: nginx, `listen ... http2` (h2c)
#   64k     GET of a 64 KiB body              same origin
#   grpc    unary gRPC EmptyCall (POST, content-type application/grpc, a 5-byte gRPC frame)
#           origin: mesh-grpc-interop-server (grpc++, h2c)
# Proxies: nginx (listen http2; grpc_pass to the origin: nginx 1.22 speaks h2 upstream only that
# way, and grpc_pass carries plain h2 requests as well), HAProxy (bind proto h2, server proto h2),
# meshproxy (--concurrency 1, codec AUTO downstream, HttpProtocolOptions explicit http2 upstream).
#
# Environment equivalents / extra knobs:
#   DURATION=10      seconds per measured h2load run            (--duration)
#   ROUNDS=3         interleaved rounds per workload             (--rounds)
#   QUICK=1          DURATION=3 ROUNDS=1                         (--quick)
#   WARMUP=2         seconds of warm-up per target and workload (0: none)
#   NO_RESULTS=1     print the table only, leave RESULTS alone
#   CLIENTS=100      h2load -c;  STREAMS=10: h2load -m
#   WORKLOADS="small 64k grpc"
#   MESHPROXY_BIN    meshproxy binary (default: build/bin/meshproxy)
#   GRPC_SERVER_BIN  default: build/bin/mesh-grpc-interop-server
#   PIN_LAYOUT / NO_PIN / WAIT_IDLE / KEEP_TMP   as in bench/run.sh (bench/lib.sh)
#   RESULTS=path     results file (default: bench/RESULTS.md, between the h2-bench markers)
#
# Reported per workload and target: req/s, p50/p99 latency (from h2load's --log-file, per
# request), proxy CPU per request (utime+stime of the proxy's PIDs over the requests served),
# peak RSS (VmHWM), and the ratios meshproxy/nginx and meshproxy/HAProxy of req/s per CPU.
# Rounds are interleaved (every target once per round) so drift hits all targets alike.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
CMDLINE="bench/h2_run.sh${*:+ $*}"
for v in MESHPROXY_BIN PIN_LAYOUT NO_PIN WORKLOADS CLIENTS STREAMS WARMUP WAIT_IDLE QUICK ROUNDS DURATION; do
  [[ -n "${!v:-}" ]] && CMDLINE="$v=${!v} $CMDLINE"
done

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
parse_bench_args 2,30 "$@"
CLIENTS="${CLIENTS:-100}"
STREAMS="${STREAMS:-10}"
WORKLOADS="${WORKLOADS:-small 64k grpc}"
MESHPROXY_BIN="${MESHPROXY_BIN:-$REPO_DIR/build/bin/meshproxy}"
GRPC_SERVER_BIN="${GRPC_SERVER_BIN:-$REPO_DIR/build/bin/mesh-grpc-interop-server}"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"

for tool in nginx haproxy h2load curl python3 taskset; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x "$MESHPROXY_BIN" ]] || { echo "meshproxy binary not found: $MESHPROXY_BIN" >&2; exit 1; }
[[ " $WORKLOADS " != *" grpc "* || -x "$GRPC_SERVER_BIN" ]] ||
  { echo "gRPC server not found: $GRPC_SERVER_BIN (or drop grpc from WORKLOADS)" >&2; exit 1; }

NCPU="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"
setup_pinning
setup_tmp
cp "$MESHPROXY_BIN" "$TMP/meshproxy"   # a private copy: build/ may be relinked meanwhile

# Two ports per proxy: one in front of the nginx origin, one in front of the gRPC origin.
read -r P_ORIGIN P_GRPC P_NGINX P_NGINX_G P_HAPROXY P_HAPROXY_G P_MESH P_MESH_G P_ADMIN \
  < <(free_ports 9)
log "ports: origin=$P_ORIGIN grpc=$P_GRPC nginx=$P_NGINX/$P_NGINX_G haproxy=$P_HAPROXY/$P_HAPROXY_G meshproxy=$P_MESH/$P_MESH_G; tmp=$TMP"

BODY="$(python3 -c 'print(("meshproxy-bench-" * 7)[:99] + "\n", end="")')"   # 100 bytes
BODY_NGINX="${BODY%$'\n'}\\n"
mkdir -p "$TMP/origin/www"
head -c 65536 /dev/zero | tr '\0' 'x' > "$TMP/origin/www/64k"
printf '\0\0\0\0\0' > "$TMP/grpc-empty.bin"   # one uncompressed gRPC frame, empty message

# ---- origins ----------------------------------------------------------------------------------
{
  nginx_common "$TMP/origin"
  cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/origin")
    keepalive_requests 1000000;
    http2_max_requests 1000000;
    server {
        listen 127.0.0.1:$P_ORIGIN http2 backlog=4096;
        location = /small { default_type text/plain; return 200 "$BODY_NGINX"; }
        location = /64k { root $TMP/origin/www; }
    }
}
EOF
} > "$TMP/origin/nginx.conf"
"${PIN_ORIGIN[@]}" nginx -e "$TMP/origin/error.log" -p "$TMP/origin/" -c "$TMP/origin/nginx.conf" \
  -g 'daemon off;' >"$TMP/origin/stdout.log" 2>&1 &
PID_ORIGIN=$!; PIDS+=("$PID_ORIGIN")

PID_GRPC=""
if [[ " $WORKLOADS " == *" grpc "* ]]; then
  "${PIN_ORIGIN[@]}" "$GRPC_SERVER_BIN" --port="$P_GRPC" >"$TMP/grpc-server.log" 2>&1 &
  PID_GRPC=$!; PIDS+=("$PID_GRPC")
fi

# ---- nginx: h2c in, h2 to the origin through grpc_pass -----------------------------------------
mkdir -p "$TMP/nginx"
{
  nginx_common "$TMP/nginx"
  cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/nginx")
    keepalive_requests 1000000;
    http2_max_requests 1000000;
    http2_max_concurrent_streams 1024;
    upstream origin { server 127.0.0.1:$P_ORIGIN; keepalive 64; }
    upstream grpc_origin { server 127.0.0.1:$P_GRPC; keepalive 64; }
    server {
        listen 127.0.0.1:$P_NGINX http2 backlog=4096;
        location / { grpc_pass grpc://origin; }
    }
    server {
        listen 127.0.0.1:$P_NGINX_G http2 backlog=4096;
        location / { grpc_pass grpc://grpc_origin; }
    }
}
EOF
} > "$TMP/nginx/nginx.conf"
"${PIN_PROXY[@]}" nginx -e "$TMP/nginx/error.log" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" \
  -g 'daemon off;' >"$TMP/nginx/stdout.log" 2>&1 &
PID_NGINX=$!; PIDS+=("$PID_NGINX")

# ---- HAProxy: h2 both sides ---------------------------------------------------------------------
mkdir -p "$TMP/haproxy"
cat > "$TMP/haproxy/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 8192
defaults
    mode http
    http-reuse always
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend fe
    bind 127.0.0.1:$P_HAPROXY proto h2
    default_backend be
frontend fe_grpc
    bind 127.0.0.1:$P_HAPROXY_G proto h2
    default_backend be_grpc
backend be
    server origin 127.0.0.1:$P_ORIGIN proto h2
backend be_grpc
    server origin 127.0.0.1:$P_GRPC proto h2
EOF
"${PIN_PROXY[@]}" haproxy -f "$TMP/haproxy/haproxy.cfg" -db >"$TMP/haproxy/stdout.log" 2>&1 &
PID_HAPROXY=$!; PIDS+=("$PID_HAPROXY")

# ---- meshproxy: codec AUTO in, explicit HTTP/2 out ---------------------------------------------
mesh_listener() {  # NAME PORT CLUSTER
  cat <<EOF
  - name: $1
    address: { socket_address: { address: 127.0.0.1, port_value: $2 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: $1
          http2_protocol_options: { max_concurrent_streams: 1024 }
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes: [{ match: { prefix: / }, route: { cluster: $3 } }]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
EOF
}
mesh_cluster() {  # NAME PORT
  cat <<EOF
  - name: $1
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: $1
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $2 } } } }] }]
EOF
}
{
  echo "static_resources:"
  echo "  listeners:"
  mesh_listener h2 "$P_MESH" origin
  mesh_listener h2_grpc "$P_MESH_G" grpc_origin
  echo "  clusters:"
  mesh_cluster origin "$P_ORIGIN"
  mesh_cluster grpc_origin "$P_GRPC"
} > "$TMP/meshproxy.yaml"
"${PIN_PROXY[@]}" "$TMP/meshproxy" -c "$TMP/meshproxy.yaml" --concurrency 1 --log-level error \
  --admin-address "127.0.0.1:$P_ADMIN" >"$TMP/meshproxy.log" 2>&1 &
PID_MESH=$!; PIDS+=("$PID_MESH")

# ---- readiness ----------------------------------------------------------------------------------
wait_h2() {  # PORT PID WHAT PATH
  local i
  for i in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { log "$3 (pid $2) exited during start-up"; return 1; }
    [[ "$(curl -s -m 1 --http2-prior-knowledge -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$1$4" 2>/dev/null || true)" == 200 ]] && return 0
    sleep 0.1
  done
  log "$3 on port $1 did not answer $4 over h2c within 10 s"; return 1
}
for t in "$P_ORIGIN:$PID_ORIGIN:origin" "$P_NGINX:$PID_NGINX:nginx" \
         "$P_HAPROXY:$PID_HAPROXY:haproxy" "$P_MESH:$PID_MESH:meshproxy"; do
  IFS=: read -r port pid what <<<"$t"
  wait_h2 "$port" "$pid" "$what" /small || { tail -n 5 "$TMP"/*/error.log "$TMP"/*.log >&2 || true; exit 1; }
done
if [[ -n "$PID_GRPC" ]]; then
  for i in $(seq 100); do grep -q "listening on" "$TMP/grpc-server.log" && break; sleep 0.1; done
fi
PID_NGINX_WORKER="$(child_pids "$PID_NGINX")"

TARGETS=(direct nginx haproxy meshproxy)
declare -A PORT=([direct]=$P_ORIGIN [nginx]=$P_NGINX [haproxy]=$P_HAPROXY [meshproxy]=$P_MESH)
declare -A GPORT=([direct]=$P_GRPC [nginx]=$P_NGINX_G [haproxy]=$P_HAPROXY_G [meshproxy]=$P_MESH_G)
declare -A CPU_PIDS=([direct]="" [nginx]="$PID_NGINX $PID_NGINX_WORKER" [haproxy]="$PID_HAPROXY" [meshproxy]="$PID_MESH")
OUR_PIDS=("$PID_ORIGIN" "$PID_NGINX" $PID_NGINX_WORKER "$PID_HAPROXY" "$PID_MESH" ${PID_GRPC:+"$PID_GRPC"})
IDLE_DEADLINE=$((SECONDS + ${WAIT_IDLE:-0}))

# h2load_args WORKLOAD TARGET: the URL and options of one run.
h2load_args() {
  case "$1" in
    small) echo "http://127.0.0.1:${PORT[$2]}/small" ;;
    64k) echo "http://127.0.0.1:${PORT[$2]}/64k" ;;
    grpc) echo "-d $TMP/grpc-empty.bin -H content-type:application/grpc -H te:trailers" \
               "http://127.0.0.1:${GPORT[$2]}/grpc.testing.TestService/EmptyCall" ;;
  esac
}

# run_h2load WORKLOAD TARGET SECONDS OUT -> "REQS CPU_S P50_MS P99_MS"
run_h2load() {
  local w=$1 t=$2 d=$3 out=$4 pids before=0 after=0
  pids=(${CPU_PIDS[$t]})
  [[ ${#pids[@]} -gt 0 ]] && before="$(cpu_ticks "${pids[@]}")"
  # shellcheck disable=SC2046
  "${PIN_LOAD[@]}" timeout $((d + 30)) h2load -c "$CLIENTS" -m "$STREAMS" -t 1 -D "$d" \
    --log-file "$out.log" $(h2load_args "$w" "$t") > "$out" 2>&1 ||
    { log "h2load failed for $w/$t:"; tail -n 5 "$out" >&2; return 1; }
  [[ ${#pids[@]} -gt 0 ]] && after="$(cpu_ticks "${pids[@]}")"
  # --log-file: "start_time<TAB>status<TAB>duration_us" per request.
  python3 - "$out" "$out.log" "$((after - before))" "$CLK_TCK" "${#pids[@]}" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", text)
ok = int(m.group(2)) if m else 0
lat = sorted(int(l.split("\t")[2]) for l in open(sys.argv[2]) if l.count("\t") >= 2
             and l.split("\t")[1] in ("200",))
def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] / 1000.0 if lat else float("nan")
cpu = int(sys.argv[3]) / int(sys.argv[4]) if int(sys.argv[5]) > 0 else float("nan")
print(ok, cpu, pct(0.50), pct(0.99))
EOF
}

# ---- measure ------------------------------------------------------------------------------------
declare -A REQS=() CPU=() P50=() P99=()
[[ "${WAIT_IDLE:-0}" -gt 0 ]] && { wait_quiet || log "machine not quiet; measuring anyway"; }
for w in $WORKLOADS; do
  if [[ "$WARMUP" -gt 0 ]]; then
    for t in "${TARGETS[@]}"; do
      run_h2load "$w" "$t" "$WARMUP" "$TMP/warm-$w-$t" >/dev/null || exit 1
    done
  fi
  for r in $(seq "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
      read -r n cpu p50 p99 < <(run_h2load "$w" "$t" "$DURATION" "$TMP/run-$w-$t-$r") || exit 1
      log "$w $t round $r: $n ok in ${DURATION}s, proxy cpu ${cpu}s, p50 ${p50} ms, p99 ${p99} ms"
      REQS[$w.$t]="${REQS[$w.$t]:-} $n"; CPU[$w.$t]="${CPU[$w.$t]:-} $cpu"
      P50[$w.$t]="${P50[$w.$t]:-} $p50"; P99[$w.$t]="${P99[$w.$t]:-} $p99"
    done
  done
done
declare -A RSS=([nginx]="$(status_kb VmHWM $PID_NGINX_WORKER)" [haproxy]="$(status_kb VmHWM "$PID_HAPROXY")"
                [meshproxy]="$(status_kb VmHWM "$PID_MESH")" [direct]="-")

# ---- report: medians over rounds, ratios against nginx and HAProxy ------------------------------
{
  echo "<!-- h2-bench:start -->"
  echo "## HTTP/2 (bench/h2_run.sh)"
  echo
  echo "\`$CMDLINE\` on $(date -u '+%F %H:%M') UTC, $NCPU CPU(s); h2load -c$CLIENTS -m$STREAMS," \
       "${DURATION}s x $ROUNDS interleaved round(s), medians. $PINNING"
  echo
  echo "| workload | target | req/s | p50 ms | p99 ms | proxy CPU us/req | peak RSS KiB | req/s per CPU vs nginx | vs HAProxy |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for w in $WORKLOADS; do
    for t in "${TARGETS[@]}"; do
      python3 - "$w" "$t" "$DURATION" "${REQS[$w.$t]}" "${CPU[$w.$t]}" "${P50[$w.$t]}" \
        "${P99[$w.$t]}" "${RSS[$t]}" "${REQS[$w.nginx]}" "${CPU[$w.nginx]}" \
        "${REQS[$w.haproxy]}" "${CPU[$w.haproxy]}" <<'EOF'
import math, statistics as st, sys
w, t, d = sys.argv[1], sys.argv[2], float(sys.argv[3])
nums = lambda s: [float(x) for x in s.split()]
reqs, cpu, p50, p99 = (nums(sys.argv[i]) for i in range(4, 8))
def per_cpu(r, c):
    v = [a / b for a, b in zip(r, c) if b > 0 and not math.isnan(b)]
    return st.median(v) if v else float("nan")
mine = per_cpu(reqs, cpu)
ng = per_cpu(nums(sys.argv[9]), nums(sys.argv[10]))
ha = per_cpu(nums(sys.argv[11]), nums(sys.argv[12]))
us = st.median([c / r * 1e6 for r, c in zip(reqs, cpu) if r > 0]) if t != "direct" else float("nan")
f = lambda x, fmt: "-" if math.isnan(x) else fmt % x
ratio = lambda a, b: "-" if t in ("direct", "nginx", "haproxy") or math.isnan(a) or math.isnan(b) or b == 0 else "%.2fx" % (a / b)
print("| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |" % (
    w, t, st.median(reqs) / d, f(st.median(p50), "%.2f"), f(st.median(p99), "%.2f"),
    f(us, "%.1f"), sys.argv[8], ratio(mine, ng), ratio(mine, ha)))
EOF
    done
  done
  echo "<!-- h2-bench:end -->"
} > "$TMP/table.md"
cat "$TMP/table.md"
if [[ "${NO_RESULTS:-0}" != 1 ]]; then
  python3 - "$RESULTS" "$TMP/table.md" <<'EOF'
import os, re, sys
path, table = sys.argv[1], open(sys.argv[2]).read().strip() + "\n"
text = open(path).read() if os.path.exists(path) else ""
pat = re.compile(r"<!-- h2-bench:start -->.*?<!-- h2-bench:end -->\n?", re.S)
text = pat.sub(lambda m: table, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + table
open(path, "w").write(text)
EOF
  log "results written to $RESULTS"
fi
