#!/usr/bin/env bash
# The mesh path, measured the way Istio publishes its sidecar figures:
#
#   load client -> client sidecar (outbound) -> STRICT mTLS -> server sidecar (inbound) -> origin
#
# Both meshproxy sidecars run with --concurrency 2 and get everything from mesh-control: a
# mesh.yaml (STRICT mTLS) generates their clusters and inbound chains, mesh-control's CA issues
# their SPIFFE certificates over SDS. The same path with nginx 1.22 as both sidecars (mTLS
# origination with proxy_ssl_certificate, termination with ssl_verify_client, keep-alive
# upstreams, certificates from mesh-control's CA), and "direct" (the client to the origin, no
# sidecars) as the baseline for the added latency. All on loopback, nothing pinned.
#
#   bench/mesh_run.sh [--duration S] [--rounds N] [--quick] [--smoke]
#
# Runs, targets interleaved within each (load, connections, round):
#   fixed  RATE req/s (1000) with bench/tools/fixed-rate-load: open loop, latency measured from
#          each request's intended send time (coordinated omission corrected, like wrk2).
#   sat    wrk, closed loop: as many req/s as the machine gives.
# Every request is a POST with a BODY_SIZE (1 KB) body; every response carries 1 KB.
#
# Environment:
#   DURATION=30 ROUNDS=1 WARMUP=5   seconds measured per run / rounds / warm-up seconds per
#                    run (--quick: 3 s, 1 round; WARMUP=2)
#   CONNS="16 64"    connection counts
#   RATE=1000        the fixed rate, req/s
#   TARGETS="direct nginx meshproxy meshproxy-log meshproxy-prom"   fixed-rate targets
#   SAT_TARGETS="direct nginx meshproxy meshproxy-log"              saturating targets
#                    meshproxy-log: a second meshproxy pair with file access logs on both sides;
#                    meshproxy-prom: the meshproxy pair while a loop scrapes both sidecars'
#                    admin /stats/prometheus every SCRAPE_INTERVAL (15) s
#   CONCURRENCY=2    worker threads per sidecar (meshproxy --concurrency, nginx worker_processes)
#   BODY_SIZE=1024   request and response body bytes
#   WAIT_IDLE=0      time budget (s) for waiting until other processes are quiet, before
#                    measuring and to re-measure (up to 2x) a disturbed run; see bench/lib.sh
#   MESHPROXY_BIN MESH_CONTROL_BIN LOAD_BIN   binaries (default: build/bin/...)
#   RESULTS=path     results file (default bench/RESULTS.md, section between the mesh-bench
#                    markers); RESULTS=none writes nothing
#   IDLE_SECS=5      seconds over which the sidecars' CPU with no traffic is measured first
#   KEEP_TMP=1       keep the temp dir (configs, logs, raw output)
#
# --smoke (the test suite's run, ~15 s): 200 req/s and a 1 s wrk run through direct and the
# meshproxy pair only, RESULTS=none, and any failed, non-2xx or missing response is an error.
# Every run fails the script if it completes no request. Only the PIDs started here are killed.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
CMDLINE="bench/mesh_run.sh${*:+ $*}"
for v in CONNS RATE TARGETS SAT_TARGETS CONCURRENCY BODY_SIZE WARMUP WAIT_IDLE QUICK ROUNDS DURATION; do
  [[ -n "${!v:-}" ]] && CMDLINE="$v=${!v} $CMDLINE"
done

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"   # log, arguments, temp dir, ports, nginx snippets, CPU accounting
# shellcheck source=bench/mesh_configs.sh
source "$BENCH_DIR/mesh_configs.sh"   # mesh.yaml and node listeners, sidecar bootstrap, nginx

SMOKE=0
ARGS=()
for a in "$@"; do
  if [[ $a == --smoke ]]; then SMOKE=1; else ARGS+=("$a"); fi
done
if [[ $SMOKE == 1 ]]; then
  DURATION=1; WARMUP=1; ROUNDS=1; RATE=200; CONNS=4; WAIT_IDLE=0; RESULTS=none
  TARGETS="direct meshproxy"; SAT_TARGETS="direct meshproxy"
fi
[[ " ${ARGS[*]:-} " == *" --quick "* || "${QUICK:-0}" == 1 ]] && WARMUP="${WARMUP:-2}"
DURATION="${DURATION:-30}"; ROUNDS="${ROUNDS:-1}"; WARMUP="${WARMUP:-5}"
parse_bench_args 2,43 ${ARGS[@]+"${ARGS[@]}"}

CONNS="${CONNS:-16 64}"
RATE="${RATE:-1000}"
TARGETS="${TARGETS-direct nginx meshproxy meshproxy-log meshproxy-prom}"
SAT_TARGETS="${SAT_TARGETS-direct nginx meshproxy meshproxy-log}"
CONCURRENCY="${CONCURRENCY:-2}"
BODY_SIZE="${BODY_SIZE:-1024}"
SCRAPE_INTERVAL="${SCRAPE_INTERVAL:-15}"
MESHPROXY_BIN="${MESHPROXY_BIN:-$REPO_DIR/build/bin/meshproxy}"
MESH_CONTROL_BIN="${MESH_CONTROL_BIN:-$REPO_DIR/build/bin/mesh-control}"
LOAD_BIN="${LOAD_BIN:-$REPO_DIR/build/bin/fixed-rate-load}"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
for tool in nginx wrk curl python3 openssl timeout; do   # the smoke run skips (77) without them
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit $((SMOKE == 1 ? 77 : 1)); }
done
for bin in "$MESHPROXY_BIN" "$MESH_CONTROL_BIN" "$LOAD_BIN"; do
  [[ -x "$bin" ]] || { echo "binary not found: $bin (build it, or set MESHPROXY_BIN / MESH_CONTROL_BIN / LOAD_BIN)" >&2; exit 1; }
done
[[ "$BODY_SIZE" =~ ^[1-9][0-9]*$ ]] || { echo "bad BODY_SIZE: $BODY_SIZE" >&2; exit 2; }

NCPU="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"
setup_tmp
# Private copies: build/ may be relinked by someone else while we measure.
cp "$MESHPROXY_BIN" "$TMP/meshproxy"; cp "$MESH_CONTROL_BIN" "$TMP/mesh-control"; cp "$LOAD_BIN" "$TMP/fixed-rate-load"
MESH_EXE="$TMP/meshproxy"; LOAD_EXE="$TMP/fixed-rate-load"

# Loopback stands in for the pods: the service port P_APP is the origin's port on 127.0.0.1;
# each server sidecar owns a "pod IP" on which it listens on that same port.
read -r P_APP P_ADS P_MC_ADMIN P_OUT P_OUT_LOG P_NG_OUT A_CLIENT A_SERVER A_CLIENT_LOG A_SERVER_LOG \
  < <(free_ports 10)
IP_SERVER=127.0.0.2; IP_SERVER_LOG=127.0.0.3; IP_NG_SERVER=127.0.0.4
SVC="app.default.svc.cluster.local"; SVC_LOG="app-logged.default.svc.cluster.local"
log "ports: origin/service=$P_APP ads=$P_ADS outbound=$P_OUT/$P_OUT_LOG nginx=$P_NG_OUT; tmp=$TMP"

BODY="$(python3 -c "import sys; n = int(sys.argv[1]); print(('meshproxy-bench-' * (n // 16 + 1))[:n - 1])" "$BODY_SIZE")"
BODY+=$'\n'   # BODY_SIZE bytes, newline-terminated (wait_body compares it)

# ---- origin: nginx, 1 worker, BODY_SIZE response; /identity echoes the caller's identity ----
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
        listen 127.0.0.1:$P_APP backlog=4096;
        location / { default_type text/plain; return 200 "${BODY%$'\n'}\\n"; }
        location = /identity {
            add_header x-seen-xfcc "\$http_x_forwarded_client_cert" always;
            add_header x-seen-peer "\$remote_addr" always;
            return 200 "ok\\n";
        }
    }
}
EOF
} > "$TMP/origin/nginx.conf"
nginx -e "$TMP/origin/error.log" -p "$TMP/origin/" -c "$TMP/origin/nginx.conf" -g 'daemon off;' \
  >"$TMP/origin/stdout.log" 2>&1 &
PID_ORIGIN=$!; PIDS+=("$PID_ORIGIN")
wait_body "$P_APP" "$PID_ORIGIN" origin || { cat "$TMP/origin/error.log" >&2; exit 1; }

# ---- mesh-control: mesh.yaml + the loopback listeners ---------------------------------------
# mesh.yaml generates each sidecar's Istio layout: outbound clusters with mTLS to the service's
# SPIFFE ID (app's), inbound chains and the inbound cluster to 127.0.0.1:P_APP from 127.0.0.6.
# Its listeners assume iptables capture (virtualOutbound 0.0.0.0:15001 with original_dst,
# virtualInbound 0.0.0.0:15006), which loopback does not have and which two sidecars on one
# host cannot both bind. So each node's directory replaces those two listeners by name (the
# documented override) with the same chains bound where the traffic goes: the client's
# outbound on 127.0.0.1:P_OUT routing to the generated outbound cluster, the server's inbound
# on its pod IP and the service port, mirroring mesh_layout.cc's virtualInbound chain (mTLS,
# XFCC, tls_inspector); the listener each node does not use is kept but not bound.
write_mesh_dir "$TMP/mesh"
NEED_LOG_PAIR=0
[[ " $TARGETS $SAT_TARGETS " == *" meshproxy-log "* ]] && NEED_LOG_PAIR=1
client_node client "$P_OUT" "$SVC" ""
server_node server "$IP_SERVER" ""
if [[ $NEED_LOG_PAIR == 1 ]]; then
  client_node client-log "$P_OUT_LOG" "$SVC_LOG" "$TMP/access-client.log"
  server_node server-log "$IP_SERVER_LOG" "$TMP/access-server.log"
fi

"$TMP/mesh-control" --listen "127.0.0.1:$P_ADS" --admin "127.0.0.1:$P_MC_ADMIN" --resources "$MESH" \
  --ca-dir "$TMP/ca" --log-level warn >"$TMP/mesh-control.log" 2>&1 &
PID_MC=$!; PIDS+=("$PID_MC")
for _ in $(seq 100); do
  curl -sf -m 1 -o /dev/null "http://127.0.0.1:$P_MC_ADMIN/ready" && break
  kill -0 "$PID_MC" 2>/dev/null || { log "mesh-control exited:"; cat "$TMP/mesh-control.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf -m 1 -o /dev/null "http://127.0.0.1:$P_MC_ADMIN/ready" \
  || { log "mesh-control did not load $MESH:"; curl -s "http://127.0.0.1:$P_MC_ADMIN/resources" >&2; exit 1; }

# ---- the meshproxy sidecars: one bootstrap, identity from flags as `mesh-control inject` sets --
write_sidecar_bootstrap "$TMP/sidecar-bootstrap.yaml"
declare -A SIDECAR_PID=()
start_sidecar() {  # NODE SERVICE_ACCOUNT ADMIN_PORT [POD_IP]
  local extra=()
  [[ -n "${4:-}" ]] && extra=(--node-metadata "POD_IP=$4" --node-metadata "APP_PORTS=$P_APP")
  "$MESH_EXE" -c "$TMP/sidecar-bootstrap.yaml" --concurrency "$CONCURRENCY" --log-level error \
    --admin-address "127.0.0.1:$3" --service-node "$1" --service-cluster "$2.default" \
    --node-metadata NAMESPACE=default --node-metadata "SERVICE_ACCOUNT=$2" "${extra[@]}" \
    >"$TMP/sidecar-$1.log" 2>&1 &
  SIDECAR_PID[$1]=$!; PIDS+=("$!")
}
start_sidecar server app "$A_SERVER" "$IP_SERVER"
start_sidecar client client "$A_CLIENT"
if [[ $NEED_LOG_PAIR == 1 ]]; then
  start_sidecar server-log app "$A_SERVER_LOG" "$IP_SERVER_LOG"
  start_sidecar client-log client "$A_CLIENT_LOG"
fi
mesh_fail() { log "$1"; tail -n 20 "$TMP"/sidecar-*.log >&2; curl -s "http://127.0.0.1:$P_MC_ADMIN/nodes" >&2; exit 1; }
wait_body "$P_OUT" "${SIDECAR_PID[client]}" "the meshproxy path" || mesh_fail "the meshproxy path does not serve"
if [[ $NEED_LOG_PAIR == 1 ]]; then
  wait_body "$P_OUT_LOG" "${SIDECAR_PID[client-log]}" "the logged meshproxy path" || mesh_fail "the logged meshproxy path does not serve"
fi
# The hop really is mutual TLS with mesh identities: the origin sees the client's SPIFFE ID
# (put there by the server sidecar from the verified certificate) and the inbound source
# address; plaintext to the server sidecar is refused.
seen="$(curl -s -m 5 -D - -o /dev/null "http://127.0.0.1:$P_OUT/identity" | tr -d '\r')"
[[ "$seen" == *"x-seen-xfcc: "*"URI=spiffe://cluster.local/ns/default/sa/client"* && "$seen" == *"x-seen-peer: 127.0.0.6"* ]] \
  || mesh_fail "the origin did not see the client's SPIFFE identity from 127.0.0.6: $seen"
if curl -s -m 2 -o /dev/null "http://$IP_SERVER:$P_APP/"; then
  mesh_fail "the server sidecar answered plaintext (STRICT mTLS expected)"
fi
log "meshproxy path ok: mTLS with spiffe://cluster.local/ns/default/sa/client, plaintext refused"

# ---- nginx as both sidecars, with certificates from mesh-control's CA ------------------------
NEED_NGINX=0
[[ " $TARGETS $SAT_TARGETS " == *" nginx "* ]] && NEED_NGINX=1
C="$TMP/certs"; mkdir -p "$C"
mesh_cert() {  # NAME SANS: an EC P-256 certificate signed by mesh-control's root
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" \
    -subj "/O=cluster.local" -out "$C/$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n' "$2" > "$C/$1.ext"
  openssl x509 -req -in "$C/$1.csr" -CA "$TMP/ca/root-cert.pem" -CAkey "$TMP/ca/root-key.pem" \
    -CAcreateserial -days 2 -sha256 -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
# nginx checks a peer's name against DNS SANs only (not SPIFFE URIs), so the server's carries
# both; the client's URI SAN is what the meshproxy inbound would check.
mesh_cert ng-server "URI:spiffe://cluster.local/ns/default/sa/app,DNS:$SVC"
mesh_cert ng-client "URI:spiffe://cluster.local/ns/default/sa/client"
mesh_cert probe "URI:spiffe://cluster.local/ns/default/sa/probe"
openssl verify -CAfile "$TMP/ca/root-cert.pem" "$C/ng-server.pem" "$C/ng-client.pem" >/dev/null

declare -A NGINX_PID=()
if [[ $NEED_NGINX == 1 ]]; then
  write_nginx_sidecar_confs
  for side in ng-server ng-client; do
    nginx -e "$TMP/$side/error.log" -p "$TMP/$side/" -c "$TMP/$side/nginx.conf" -g 'daemon off;' \
      >"$TMP/$side/stdout.log" 2>&1 &
    NGINX_PID[$side]=$!; PIDS+=("$!")
  done
  wait_body "$P_NG_OUT" "${NGINX_PID[ng-client]}" "the nginx path" \
    || { cat "$TMP/ng-server/error.log" "$TMP/ng-client/error.log" >&2; exit 1; }
  # ssl_verify_client on: without a client certificate nginx answers 400, not the body
  [[ "$(curl -sk -m 5 -o /dev/null -w '%{http_code}' "https://$IP_NG_SERVER:$P_APP/")" == 400 ]] \
    || { log "the nginx server sidecar accepted a client without a certificate"; exit 1; }
fi

# What a server sidecar negotiates with an OpenSSL client presenting a mesh certificate.
negotiated() {  # IP
  openssl s_client -connect "$1:$P_APP" -cert "$C/probe.pem" -key "$C/probe.key" \
    -CAfile "$TMP/ca/root-cert.pem" -brief </dev/null 2>&1 \
    | awk -F': ' '/^Protocol version/ {v = $2} /^Ciphersuite/ {c = $2} /^(Server Temp Key|Negotiated TLS1.3 group)/ {g = $2}
                  END { printf "%s %s %s", v, c, g }'
}
NEG_MESH="$(negotiated "$IP_SERVER")"
NEG_NGINX="-"; [[ $NEED_NGINX == 1 ]] && NEG_NGINX="$(negotiated "$IP_NG_SERVER")"
log "negotiated: meshproxy $NEG_MESH; nginx $NEG_NGINX"

# ---- targets --------------------------------------------------------------------------------
declare -A URL=([direct]="http://127.0.0.1:$P_APP/" [meshproxy]="http://127.0.0.1:$P_OUT/"
  [meshproxy-prom]="http://127.0.0.1:$P_OUT/" [meshproxy-log]="http://127.0.0.1:$P_OUT_LOG/"
  [nginx]="http://127.0.0.1:$P_NG_OUT/")
declare -A CLIENT_PIDS=([direct]="" [meshproxy]="${SIDECAR_PID[client]}" [meshproxy-prom]="${SIDECAR_PID[client]}")
declare -A SERVER_PIDS=([direct]="" [meshproxy]="${SIDECAR_PID[server]}" [meshproxy-prom]="${SIDECAR_PID[server]}")
declare -A SCRAPE_PORTS=([meshproxy-prom]="$A_CLIENT $A_SERVER")
if [[ $NEED_LOG_PAIR == 1 ]]; then
  CLIENT_PIDS[meshproxy-log]="${SIDECAR_PID[client-log]}"; SERVER_PIDS[meshproxy-log]="${SIDECAR_PID[server-log]}"
fi
if [[ $NEED_NGINX == 1 ]]; then   # master + workers
  CLIENT_PIDS[nginx]="${NGINX_PID[ng-client]} $(child_pids "${NGINX_PID[ng-client]}")"
  SERVER_PIDS[nginx]="${NGINX_PID[ng-server]} $(child_pids "${NGINX_PID[ng-server]}")"
fi
for t in $TARGETS $SAT_TARGETS; do
  [[ -n "${URL[$t]:-}" ]] || { echo "unknown target: $t (direct nginx meshproxy meshproxy-log meshproxy-prom)" >&2; exit 2; }
done
OUR_PIDS=("$PID_ORIGIN" $(child_pids "$PID_ORIGIN") "$PID_MC" "${SIDECAR_PID[@]}")
for side in "${!NGINX_PID[@]}"; do OUR_PIDS+=("${NGINX_PID[$side]}" $(child_pids "${NGINX_PID[$side]}")); done
declare -A RSS_IDLE=()
for t in meshproxy nginx; do
  [[ -n "${CLIENT_PIDS[$t]:-}" ]] || continue
  RSS_IDLE[$t]="$(status_kb VmRSS ${CLIENT_PIDS[$t]}) $(status_kb VmRSS ${SERVER_PIDS[$t]})"
done

cat > "$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.body = string.rep("x", $BODY_SIZE)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

# ---- one measured run -------------------------------------------------------------------------
# The load runs in the background; CPU (utime+stime of each sidecar's processes, all threads),
# machine busy time and RSS are sampled inside its measured window (after the warm-up), so the
# figures are steady state.
snapshot() {  # TARGET LOAD_PID -> "client_ticks server_ticks load_ticks busy ours time"
  local c=0 s=0 l=0
  [[ -n "${CLIENT_PIDS[$1]}" ]] && c="$(cpu_ticks ${CLIENT_PIDS[$1]})"
  [[ -n "${SERVER_PIDS[$1]}" ]] && s="$(cpu_ticks ${SERVER_PIDS[$1]})"
  [[ -n "$2" && -e "/proc/$2/stat" ]] && l="$(cpu_ticks "$2")"
  echo "$c $s $l $(sys_busy_ticks) $(cpu_ticks "${OUR_PIDS[@]}") $(date +%s.%N)"
}
scrape_loop() {  # ADMIN_PORTS...: what a Prometheus server does every SCRAPE_INTERVAL
  while :; do
    for p in "$@"; do
      curl -s -m 5 -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$p/stats/prometheus" >> "$TMP/scrapes.txt" || true
    done
    sleep "$SCRAPE_INTERVAL"
  done
}
# run_load KIND TARGET CONNS OUT -> "client_cpu_s server_cpu_s wall_s bg_cores client_rss_kb server_rss_kb"
run_load() {
  local kind=$1 t=$2 c=$3 out=$4 lead win tpid lpid s0 s1 spid="" cmd
  for p in "${OUR_PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { log "server pid $p died"; return 1; }; done
  if [[ $kind == fixed ]]; then
    cmd=("$LOAD_EXE" --url "${URL[$t]}" --rate "$RATE" --connections "$c" --duration "$DURATION"
         --warmup "$WARMUP" --body-size "$BODY_SIZE" --timeout 5 --json)
    lead="$(awk -v w="$WARMUP" 'BEGIN { print w + 0.3 }')"
  else
    cmd=(wrk -t1 -c"$c" -d"${DURATION}s" --timeout 5s --latency -s "$TMP/post.lua" "${URL[$t]}")
    lead=0.3
  fi
  win="$(awk -v d="$DURATION" 'BEGIN { w = d - 0.6; print (w < 0.2 ? 0.2 : w) }')"
  [[ -n "${SCRAPE_PORTS[$t]:-}" ]] && { scrape_loop ${SCRAPE_PORTS[$t]} & spid=$!; echo "$spid" >> "$TMP/pids"; }
  timeout $((WARMUP + DURATION + 30)) "${cmd[@]}" > "$out" 2> "$out.err" &
  tpid=$!
  echo "$tpid" >> "$TMP/pids"   # killed by cleanup if the script is interrupted
  sleep "$lead"
  lpid="$(child_pids "$tpid")"
  s0="$(snapshot "$t" "$lpid")"
  sleep "$win"
  s1="$(snapshot "$t" "$lpid")"
  local crss=0 srss=0
  [[ -n "${CLIENT_PIDS[$t]}" ]] && crss="$(status_kb VmRSS ${CLIENT_PIDS[$t]})"
  [[ -n "${SERVER_PIDS[$t]}" ]] && srss="$(status_kb VmRSS ${SERVER_PIDS[$t]})"
  local rc=0
  wait "$tpid" || rc=$?
  if [[ -n $spid ]]; then kill "$spid" $(child_pids "$spid") 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi
  sed -i "/^\(${tpid}\|${spid:-x}\)\$/d" "$TMP/pids"   # gone: never signal a recycled PID
  [[ $rc == 0 ]] || { log "$kind load on $t failed (exit $rc):"; cat "$out" "$out.err" >&2; return 1; }
  awk -v hz="$CLK_TCK" -v n="$NCPU" -v np="${CLIENT_PIDS[$t]:+1}" -v cr="$crss" -v sr="$srss" \
      -v a="$s0" -v b="$s1" 'BEGIN {
    split(a, x, " "); split(b, y, " "); wall = y[6] - x[6]
    bg = ((y[4] - x[4]) - (y[5] - x[5]) - (y[3] - x[3])) / hz / wall
    if (bg < 0) bg = 0; if (bg > n) bg = n
    if (np == "") printf "- - %.3f %.3f - -\n", wall, bg
    else printf "%.3f %.3f %.3f %.3f %d %d\n", (y[1] - x[1]) / hz, (y[2] - x[2]) / hz, wall, bg, cr, sr }'
}
# parse KIND OUT -> "rps p50 p90 p99 p999 u_p50 u_p90 u_p99 completed errors non2xx"
parse() {
  if [[ $1 == fixed ]]; then
    python3 - "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l, u = d["latency"], d["latency_uncorrected"]
print(d["achieved_rps"], l["p50_us"], l["p90_us"], l["p99_us"], l["p999_us"], u["p50_us"], u["p90_us"],
      u["p99_us"], d["completed"], d["errors"] + d["timeouts"] + d["unsent"] + d["connect_errors"], d["non2xx"])
PY
  else
    read -r rps p50 p90 p99 reqs errs non2xx < <(python3 "$BENCH_DIR/report.py" parse-wrk "$2")
    echo "$rps $p50 $p90 $p99 - - - - $reqs $errs $non2xx"
  fi
}
# measure KIND TARGET CONNS OUT: run_load, again (up to 2x) if other processes disturbed it.
measure() {
  local attempt res bg
  for attempt in 1 2 3; do
    res="$(run_load "$@")" || return 1
    bg="$(cut -d' ' -f4 <<<"$res")"
    busy "$bg" && [[ $attempt -lt 3 ]] && wait_quiet || break
    log "$1 -c$3 $2: disturbed (background $bg cores); measuring again"
  done
  echo "$res"
}

IDLE_DEADLINE=$((SECONDS + ${WAIT_IDLE:-0}))
BG_START="$(background_cores 2)"
if busy "$BG_START"; then
  log "WARNING: other processes are using $BG_START cores of $NCPU; results will be disturbed"
  wait_quiet && BG_START="$(background_cores 1)"
  log "background load before measuring: $BG_START cores"
fi

# CPU the sidecars use with no traffic at all (timers, the xDS stream): a floor under every
# per-request figure at a low rate.
declare -A CPU_IDLE=()
if [[ "${IDLE_SECS:-5}" -gt 0 && $SMOKE == 0 ]]; then
  s0="$(for t in meshproxy nginx; do [[ -n "${CLIENT_PIDS[$t]:-}" ]] && echo "$t $(cpu_ticks ${CLIENT_PIDS[$t]}) $(cpu_ticks ${SERVER_PIDS[$t]})"; done)"
  sleep "${IDLE_SECS:-5}"
  while read -r t c s; do
    CPU_IDLE[$t]="$(awk -v c0="$c" -v s0="$s" -v c1="$(cpu_ticks ${CLIENT_PIDS[$t]})" -v s1="$(cpu_ticks ${SERVER_PIDS[$t]})" \
      -v hz="$CLK_TCK" -v d="${IDLE_SECS:-5}" 'BEGIN { printf "%.4f %.4f", (c1 - c0) / hz / d, (s1 - s0) / hz / d }')"
  done <<<"$s0"
  log "idle vCPU (client server): meshproxy ${CPU_IDLE[meshproxy]:-} nginx ${CPU_IDLE[nginx]:-}"
fi

RAW="$TMP/raw.tsv"
echo "kind conns round target rps p50_us p90_us p99_us p999_us u_p50_us u_p90_us u_p99_us completed errors non2xx client_cpu_s server_cpu_s wall_s bg_cores client_rss_kb server_rss_kb" > "$RAW"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
n_runs=$(( $(wc -w <<<"$CONNS") * ROUNDS * ($(wc -w <<<"$TARGETS") + $(wc -w <<<"$SAT_TARGETS")) ))
log "measuring: $n_runs runs of ${DURATION}s (+${WARMUP}s warm-up each), ~$(( n_runs * (DURATION + WARMUP + 2) / 60 + 1 )) min"
FAILED=0
ACCESS_LINES=0
for kind in fixed sat; do
  [[ $kind == fixed ]] && targets=$TARGETS || targets=$SAT_TARGETS
  for c in $CONNS; do
    if [[ $kind == sat && "$WARMUP" -gt 0 ]]; then   # pools and caches warm before wrk's runs
      for t in $targets; do
        timeout $((WARMUP + 30)) wrk -t1 -c"$c" -d"${WARMUP}s" -s "$TMP/post.lua" "${URL[$t]}" > "$TMP/warmup-$t-$c.txt" 2>&1 \
          || { log "warm-up of $t failed"; cat "$TMP/warmup-$t-$c.txt" >&2; exit 1; }
      done
    fi
    for r in $(seq "$ROUNDS"); do
      for t in $targets; do
        out="$TMP/$kind-c$c-r$r-$t.out"
        res="$(measure "$kind" "$t" "$c" "$out")" || exit 1
        read -r rps p50 p90 p99 p999 up50 up90 up99 done errs non2xx < <(parse "$kind" "$out") || true
        [[ -n "${non2xx:-}" ]] || { log "cannot parse $out"; cat "$out" >&2; exit 1; }
        read -r ccpu scpu wall bg crss srss <<<"$res"
        echo "$kind $c $r $t $rps $p50 $p90 $p99 $p999 $up50 $up90 $up99 $done $errs $non2xx $ccpu $scpu $wall $bg $crss $srss" >> "$RAW"
        log "$(printf -- '%-5s -c%-3s r%s %-14s %8.0f req/s  p50 %6.0fus  p99 %6.0fus  cpu %s+%s s  done %s err %s non2xx %s  bg %s' \
          "$kind" "$c" "$r" "$t" "$rps" "$p50" "$p99" "$ccpu" "$scpu" "$done" "$errs" "$non2xx" "$bg")"
        if [[ $t == meshproxy-log ]]; then   # count and truncate: a saturating run logs ~100 MB
          for f in "$TMP"/access-*.log; do
            ACCESS_LINES=$((ACCESS_LINES + $(wc -l < "$f"))); : > "$f"
          done
        fi
        if [[ "$done" == 0 ]]; then log "no request completed through $t: the path is broken"; FAILED=1; fi
        if [[ $SMOKE == 1 && ( "$errs" != 0 || "$non2xx" != 0 ) ]]; then
          log "smoke: $t had $errs failed and $non2xx non-2xx requests"; FAILED=1
        fi
      done
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
[[ $FAILED == 0 ]] || exit 1

# ---- report ---------------------------------------------------------------------------------
declare -A RSS_PEAK=()
for t in meshproxy meshproxy-log nginx; do
  [[ -n "${CLIENT_PIDS[$t]:-}" ]] || continue
  RSS_PEAK[$t]="$(status_kb VmHWM ${CLIENT_PIDS[$t]}) $(status_kb VmHWM ${SERVER_PIDS[$t]})"
done
SCRAPES=0; SCRAPE_BYTES=0
if [[ -f "$TMP/scrapes.txt" ]]; then
  SCRAPES="$(wc -l < "$TMP/scrapes.txt")"; SCRAPE_BYTES="$(sort -n "$TMP/scrapes.txt" | tail -n1)"
fi
if [[ "$RESULTS" == none ]]; then
  log "smoke/none: not writing results (raw data: $RAW)"
  [[ "${KEEP_TMP:-0}" == 1 ]] || cat "$RAW" >&2
  exit 0
fi
kv_json() {  # NAME of an associative array of "client server" pairs -> JSON object
  local -n arr=$1
  local first=1 k
  printf '{'
  for k in "${!arr[@]}"; do
    [[ $first == 1 ]] || printf ','
    first=0
    printf '"%s": [%s]' "$k" "$(tr ' ' ',' <<<"${arr[$k]}")"
  done
  printf '}'
}
GIT_REV="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -n "$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null)" ]] && GIT_REV="$GIT_REV + uncommitted changes"
python3 - "$TMP/meta.json" <<PY
import json, os, platform, subprocess, sys, datetime
def first(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    return out.splitlines()[0] if out else "?"
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({
    "command": """$CMDLINE""", "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    "nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
    "load_before": "$LOAD_BEFORE", "load_after": "$LOAD_AFTER", "bg_start": float("$BG_START"),
    "nginx_version": first("nginx -v 2>&1").replace("nginx version: ", ""),
    "openssl_version": first("openssl version"), "wrk_version": " ".join(first("wrk -v").split()[:2]),
    "meshproxy_version": first("$MESH_EXE --version") + ", binary built " +
        datetime.datetime.fromtimestamp(os.path.getmtime("$MESHPROXY_BIN")).strftime("%Y-%m-%d %H:%M"),
    "git_rev": "$GIT_REV", "duration": $DURATION, "rounds": $ROUNDS, "warmup": $WARMUP, "rate": $RATE,
    "conns": "$CONNS".split(), "concurrency": $CONCURRENCY, "body_size": $BODY_SIZE,
    "scrape_interval": $SCRAPE_INTERVAL, "scrapes": int("$SCRAPES"), "scrape_bytes": int("${SCRAPE_BYTES:-0}"),
    "access_log_lines": int("$ACCESS_LINES"),
    "negotiated": {"meshproxy": "$NEG_MESH", "nginx": "$NEG_NGINX"},
    "rss_idle_kb": $(kv_json RSS_IDLE), "rss_peak_kb": $(kv_json RSS_PEAK), "cpu_idle": $(kv_json CPU_IDLE),
}, open(sys.argv[1], "w"), indent=1)
PY
python3 "$BENCH_DIR/mesh_report.py" --raw "$RAW" --meta "$TMP/meta.json" --results "$RESULTS"
log "wrote $RESULTS"
sed -n '/<!-- mesh-bench:start -->/,/<!-- mesh-bench:end -->/p' "$RESULTS"
