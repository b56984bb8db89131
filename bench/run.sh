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

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"   # log, arguments, pinning, temp dir, ports, nginx snippets, CPU accounting, run_wrk
CONNS="${CONNS:-50 1}"
parse_bench_args 2,26 "$@"

MESHPROXY_BIN="${MESHPROXY_BIN:-$REPO_DIR/build/bin/meshproxy}"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
MESH_HTTP_YAML="$BENCH_DIR/meshproxy-http.yaml"
MESH_TCP_YAML="$BENCH_DIR/meshproxy-tcp.yaml"
REPORT="$BENCH_DIR/report.py"

for tool in nginx haproxy wrk curl python3 taskset; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x "$MESHPROXY_BIN" ]] || { echo "meshproxy binary not found: $MESHPROXY_BIN (set MESHPROXY_BIN)" >&2; exit 1; }


NCPU="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"
setup_pinning

setup_tmp

# Run a private copy of meshproxy: build/ may be relinked by someone else while we measure, and
# both the HTTP attempt and the tcp_proxy fallback should use (and report) the same binary.
cp "$MESHPROXY_BIN" "$TMP/meshproxy"
MESH_EXE="$TMP/meshproxy"

# ---- ports ----------------------------------------------------------------------------------
read -r P_ORIGIN P_NGINX P_HAPROXY P_MESH P_ADMIN < <(free_ports 5)
log "ports: origin=$P_ORIGIN nginx=$P_NGINX haproxy=$P_HAPROXY meshproxy=$P_MESH admin=$P_ADMIN; tmp=$TMP"

BODY="$(python3 -c 'print(("meshproxy-bench-" * 7)[:99] + "\n", end="")')"   # exactly 100 bytes
BODY_NGINX="${BODY%$'\n'}\\n"                                                      # as an nginx string



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


OUR_PIDS=("$PID_ORIGIN" $(cat "/proc/$PID_ORIGIN/task/$PID_ORIGIN/children") "$PID_NGINX" "$PID_NGINX_WORKER" \
  "$PID_HAPROXY" "$PID_MESH")


IDLE_DEADLINE=$((SECONDS + ${WAIT_IDLE:-0}))   # see wait_quiet in lib.sh

BG_START="$(background_cores 2)"
if busy "$BG_START"; then
  log "WARNING: other processes are using $BG_START cores of $NCPU; results will be disturbed"
  wait_quiet && BG_START="$(background_cores 1)"
  log "background load before measuring: $BG_START cores"
fi

RAW="$TMP/raw.tsv"
echo "conns round target rps p50_us p90_us p99_us requests errors non2xx cpu_s bg_cores proxy_core_busy wrk_core_busy" > "$RAW"


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
      read -r cpu bg pcore load < <(measure "$t" "$c" "$DURATION" "$out")
      [[ -n "${load:-}" ]] || exit 1
      read -r rps p50 p90 p99 reqs errs non2xx < <(python3 "$REPORT" parse-wrk "$out")
      echo "$c $r $t $rps $p50 $p90 $p99 $reqs $errs $non2xx $cpu $bg $pcore $load" >> "$RAW"
      log "$(printf -- '-c%-3s round %s %-10s %8.0f req/s  p50 %6.0fus  p99 %6.0fus  cpu %-5ss  err %s/%s  cores busy %s/%s  bg %s' \
        "$c" "$r" "$t" "$rps" "$p50" "$p99" "$cpu" "$errs" "$non2xx" "$pcore" "$load" "$bg")"
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

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
