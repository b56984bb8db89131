#!/usr/bin/env bash
# TLS benchmark: meshproxy (--concurrency 1) vs nginx (1 worker), same certificates (EC P-256 CA,
# server and client certs made here with openssl), in front of one nginx origin (1 worker,
# 100-byte body). Three scenarios, each measured with wrk, targets interleaved (nginx meshproxy)
# per round, medians over the rounds:
#   term    TLS termination: wrk -> https://proxy (keep-alive) -> plaintext origin.
#   orig    mTLS origination: wrk -> http://proxy -> proxy originates mTLS (client cert, verifies
#           the origin's chain and name) -> origin with ssl_verify_client on; keep-alive upstream.
#   hs      new handshakes: like term but every request is a new TLS connection (wrk with
#           `Connection: close`); req/s = handshakes/s. wrk resumes the session of its previous
#           connection (TLS 1.3 tickets) and both servers allow it, so these are resumed
#           handshakes (PSK + ECDHE, no certificate signature). A full-handshake variant needs
#           meshproxy to support disable_stateful_session_resumption (it keeps a server session
#           cache even with disable_stateless_session_resumption), which it does not yet.
#
#   bench/tls_run.sh [--duration S] [--rounds N] [--quick]
#
# Environment:
#   DURATION=10 ROUNDS=3 QUICK=1 WARMUP=2 WAIT_IDLE=0 PIN_LAYOUT NO_PIN KEEP_TMP MESHPROXY_BIN
#                    as in bench/run.sh
#   CONNS=50         wrk connections for term and orig
#   HS_CONNS=10      wrk connections for hs
#   SCENARIOS="term orig hs"
#   RESULTS=path     results file (default: bench/RESULTS.md; section between the tls-bench markers)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
CMDLINE="bench/tls_run.sh${*:+ $*}"
for v in MESHPROXY_BIN PIN_LAYOUT NO_PIN CONNS HS_CONNS SCENARIOS WARMUP WAIT_IDLE QUICK ROUNDS DURATION; do
  [[ -n "${!v:-}" ]] && CMDLINE="$v=${!v} $CMDLINE"
done

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"   # log, arguments, pinning, temp dir, ports, nginx snippets, CPU accounting, run_wrk
CONNS="${CONNS:-50}"
HS_CONNS="${HS_CONNS:-10}"
SCENARIOS="${SCENARIOS:-term orig hs}"
parse_bench_args 2,24 "$@"

MESHPROXY_BIN="${MESHPROXY_BIN:-$REPO_DIR/build/bin/meshproxy}"
RESULTS="${RESULTS:-$BENCH_DIR/RESULTS.md}"
REPORT="$BENCH_DIR/tls_report.py"
for tool in nginx wrk curl python3 taskset openssl; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x "$MESHPROXY_BIN" ]] || { echo "meshproxy binary not found: $MESHPROXY_BIN (set MESHPROXY_BIN)" >&2; exit 1; }

NCPU="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"
setup_pinning
PINNING="${PINNING//; \'direct\' has origin and wrk on separate cores/}"   # no direct target here
setup_tmp
cp "$MESHPROXY_BIN" "$TMP/meshproxy"   # a private copy: build/ may be relinked meanwhile
MESH_EXE="$TMP/meshproxy"

read -r P_ORIGIN P_ORIGIN_TLS P_NG_TERM P_NG_ORIG P_MESH_TERM P_MESH_ORIG P_ADMIN < <(free_ports 7)
log "ports: origin=$P_ORIGIN origin-mtls=$P_ORIGIN_TLS nginx=$P_NG_TERM/$P_NG_ORIG" \
  "meshproxy=$P_MESH_TERM/$P_MESH_ORIG admin=$P_ADMIN; tmp=$TMP"

BODY="$(python3 -c 'print(("meshproxy-bench-" * 7)[:99] + "\n", end="")')"   # exactly 100 bytes
BODY_NGINX="${BODY%$'\n'}\\n"

# ---- certificates: EC P-256 CA, server (DNS origin.bench, localhost, IP 127.0.0.1), client --
C="$TMP/certs"
mkdir -p "$C"
make_cert() {  # NAME SUBJECT EXTENSIONS
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" \
    -subj "$2" -out "$C/$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$C/$1.ext"
  openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
    -sha256 -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
  -subj "/CN=meshproxy bench CA" -days 2 -sha256 -out "$C/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
make_cert server "/CN=origin.bench" "subjectAltName=DNS:origin.bench,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth
keyUsage=critical,digitalSignature"
make_cert client "/CN=bench client" "subjectAltName=URI:spiffe://bench.local/ns/bench/sa/client
extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
openssl verify -CAfile "$C/ca.pem" "$C/server.pem" "$C/client.pem" >/dev/null

# ---- origin: nginx, 1 worker; plaintext server and an mTLS server (ssl_verify_client on) ----
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
    server {
        listen 127.0.0.1:$P_ORIGIN_TLS ssl backlog=4096;
        ssl_certificate $C/server.pem;
        ssl_certificate_key $C/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate $C/ca.pem;
        ssl_verify_client on;
        location / { default_type text/plain; return 200 "$BODY_NGINX"; }
    }
}
EOF
} > "$TMP/origin/nginx.conf"
"${PIN_ORIGIN[@]}" nginx -e "$TMP/origin/error.log" -p "$TMP/origin/" -c "$TMP/origin/nginx.conf" \
  -g 'daemon off;' >"$TMP/origin/stdout.log" 2>&1 &
PID_ORIGIN=$!; PIDS+=("$PID_ORIGIN")
wait_body "$P_ORIGIN" "$PID_ORIGIN" origin || { cat "$TMP/origin/error.log" >&2; exit 1; }
CLIENT_TLS=(--cacert "$C/ca.pem" --resolve "origin.bench:$P_ORIGIN_TLS:127.0.0.1")
wait_body "$P_ORIGIN_TLS" "$PID_ORIGIN" "origin (mTLS)" "https://origin.bench:$P_ORIGIN_TLS/" \
  "${CLIENT_TLS[@]}" --cert "$C/client.pem" --key "$C/client.key" || { cat "$TMP/origin/error.log" >&2; exit 1; }
# ssl_verify_client on: without a client certificate nginx answers 400, not the body
[[ "$(curl -s -o /dev/null -w '%{http_code}' "${CLIENT_TLS[@]}" "https://origin.bench:$P_ORIGIN_TLS/")" == 400 ]] \
  || { log "the mTLS origin accepted a client without a certificate"; exit 1; }

# ---- nginx proxy, 1 worker: TLS termination and mTLS origination ---------------------------
mkdir -p "$TMP/nginx"
{
  nginx_common "$TMP/nginx"
  cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/nginx")
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    ssl_certificate $C/server.pem;
    ssl_certificate_key $C/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    upstream origin {
        server 127.0.0.1:$P_ORIGIN;
        keepalive 64;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    upstream origin_tls {
        server 127.0.0.1:$P_ORIGIN_TLS;
        keepalive 64;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$P_NG_TERM ssl backlog=4096;
        location / { proxy_pass http://origin; }
    }
    server {
        listen 127.0.0.1:$P_NG_ORIG backlog=4096;
        location / {
            proxy_pass https://origin_tls;
            proxy_ssl_certificate $C/client.pem;
            proxy_ssl_certificate_key $C/client.key;
            proxy_ssl_trusted_certificate $C/ca.pem;
            proxy_ssl_verify on;
            proxy_ssl_name origin.bench;
            proxy_ssl_server_name on;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
            proxy_ssl_session_reuse on;
        }
    }
}
EOF
} > "$TMP/nginx/nginx.conf"
"${PIN_PROXY[@]}" nginx -e "$TMP/nginx/error.log" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" \
  -g 'daemon off;' >"$TMP/nginx/stdout.log" 2>&1 &
PID_NGINX=$!; PIDS+=("$PID_NGINX")
SRV_TLS=(--cacert "$C/ca.pem")
wait_body "$P_NG_TERM" "$PID_NGINX" "nginx (term)" "https://127.0.0.1:$P_NG_TERM/" "${SRV_TLS[@]}" \
  && wait_body "$P_NG_ORIG" "$PID_NGINX" "nginx (mTLS origination)" || { cat "$TMP/nginx/error.log" >&2; exit 1; }
PID_NGINX_WORKER="$(tr ' ' '\n' < "/proc/$PID_NGINX/task/$PID_NGINX/children" | grep -m1 . || true)"
[[ -n "$PID_NGINX_WORKER" ]] || { log "cannot find the nginx proxy's worker process"; exit 1; }

# ---- meshproxy: the same two listeners and two clusters ------------------------------------
MESH_YAML="$TMP/meshproxy-tls.yaml"
mesh_listener() {  # NAME PORT CLUSTER TLS(none|on)
  cat <<EOF
  - name: $1
    address:
      socket_address: { address: 127.0.0.1, port_value: $2 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: $1
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: $3 }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
EOF
  [[ $4 == none ]] && return
  cat <<EOF
      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_params: { tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3 }
            tls_certificates:
            - certificate_chain: { filename: $C/server.pem }
              private_key: { filename: $C/server.key }
EOF
}
mesh_cluster() {  # NAME PORT
  cat <<EOF
  - name: $1
    type: STATIC
    connect_timeout: 1s
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: $1
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: $2 }
EOF
}
{
  cat <<EOF
node: { id: bench, cluster: bench }
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: $P_ADMIN }
static_resources:
  listeners:
EOF
  mesh_listener tls_term "$P_MESH_TERM" origin on
  mesh_listener mtls_orig "$P_MESH_ORIG" origin_tls none
  echo "  clusters:"
  mesh_cluster origin "$P_ORIGIN"
  mesh_cluster origin_tls "$P_ORIGIN_TLS"
  cat <<EOF
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        sni: origin.bench
        common_tls_context:
          tls_params: { tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3 }
          tls_certificates:
          - certificate_chain: { filename: $C/client.pem }
            private_key: { filename: $C/client.key }
          validation_context:
            trusted_ca: { filename: $C/ca.pem }
            match_typed_subject_alt_names:
            - san_type: DNS
              matcher: { exact: origin.bench }
EOF
} > "$MESH_YAML"
"${PIN_PROXY[@]}" "$MESH_EXE" -c "$MESH_YAML" --concurrency 1 --log-level error \
  --admin-address "127.0.0.1:$P_ADMIN" >"$TMP/meshproxy.log" 2>&1 &
PID_MESH=$!; PIDS+=("$PID_MESH")
wait_body "$P_MESH_TERM" "$PID_MESH" "meshproxy (term)" "https://127.0.0.1:$P_MESH_TERM/" "${SRV_TLS[@]}" \
  && wait_body "$P_MESH_ORIG" "$PID_MESH" "meshproxy (mTLS origination)" || { cat "$TMP/meshproxy.log" >&2; exit 1; }

# What each endpoint negotiates with an OpenSSL client (the same library wrk uses).
negotiated() {  # PORT
  openssl s_client -connect "127.0.0.1:$1" -CAfile "$C/ca.pem" -brief </dev/null 2>&1 \
    | awk -F': ' '/^Protocol version/ {v = $2} /^Ciphersuite/ {c = $2} /^(Server Temp Key|Negotiated TLS1.3 group)/ {g = $2}
                  END { printf "%s %s %s", v, c, g }'
}
NEG_NGINX="$(negotiated "$P_NG_TERM")"; NEG_MESH="$(negotiated "$P_MESH_TERM")"
log "negotiated: nginx $NEG_NGINX; meshproxy $NEG_MESH"

# ---- measurement ----------------------------------------------------------------------------
TARGETS=(nginx meshproxy)
OUR_PIDS=("$PID_ORIGIN" $(cat "/proc/$PID_ORIGIN/task/$PID_ORIGIN/children") "$PID_NGINX" "$PID_NGINX_WORKER" "$PID_MESH")
declare -A CPU_PIDS=([nginx]="$PID_NGINX $PID_NGINX_WORKER" [meshproxy]="$PID_MESH")
declare -A PORT
scenario_setup() {  # SCENARIO: sets PORT, URL, WRK_ARGS and SC_CONNS for it
  WRK_ARGS=(); URL=()
  case "$1" in
    term|hs) PORT=([nginx]=$P_NG_TERM [meshproxy]=$P_MESH_TERM) ;;
    orig) PORT=([nginx]=$P_NG_ORIG [meshproxy]=$P_MESH_ORIG) ;;
    *) echo "unknown scenario: $1 (term orig hs)" >&2; exit 2 ;;
  esac
  if [[ $1 != orig ]]; then
    URL=([nginx]="https://127.0.0.1:${PORT[nginx]}/" [meshproxy]="https://127.0.0.1:${PORT[meshproxy]}/")
  fi
  SC_CONNS=$CONNS
  if [[ $1 == hs ]]; then WRK_ARGS=(-H 'Connection: close'); SC_CONNS=$HS_CONNS; fi
}

IDLE_DEADLINE=$((SECONDS + ${WAIT_IDLE:-0}))
BG_START="$(background_cores 2)"
if busy "$BG_START"; then
  log "WARNING: other processes are using $BG_START cores of $NCPU; results will be disturbed"
  wait_quiet && BG_START="$(background_cores 1)"
  log "background load before measuring: $BG_START cores"
fi

mesh_ssl_stats() {  # -> "handshakes session_reused" summed over meshproxy's listeners
  curl -s "http://127.0.0.1:$P_ADMIN/stats" | awk -F': ' '
    /^listener\..*ssl\.handshake:/ {h += $2} /^listener\..*ssl\.session_reused:/ {r += $2}
    END { print h + 0, r + 0 }'
}

RAW="$TMP/raw.tsv"
echo "scenario conns round target rps p50_us p90_us p99_us requests errors non2xx cpu_s bg_cores proxy_core_busy wrk_core_busy" > "$RAW"
RESUME="$TMP/resumption.txt"; : > "$RESUME"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
n_sc=$(wc -w <<<"$SCENARIOS")
log "measuring: scenarios {$SCENARIOS} x ${TARGETS[*]} x $ROUNDS round(s), ${DURATION}s each" \
  "(~$(( n_sc * (ROUNDS * ${#TARGETS[@]} * (DURATION + 1) + ${#TARGETS[@]} * (WARMUP + 1)) ))s)"
for sc in $SCENARIOS; do
  scenario_setup "$sc"
  c=$SC_CONNS
  if [[ "$WARMUP" -gt 0 ]]; then   # once per target and scenario: session caches, upstream pools
    for t in "${TARGETS[@]}"; do run_wrk "$t" "$c" "$WARMUP" "$TMP/warmup-$sc-$t.txt" >/dev/null; done
  fi
  for r in $(seq "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
      out="$TMP/wrk-$sc-r$r-$t.txt"
      [[ $t == meshproxy ]] && read -r h0 s0 < <(mesh_ssl_stats)
      read -r cpu bg pcore load < <(measure "$t" "$c" "$DURATION" "$out")
      [[ -n "${load:-}" ]] || exit 1
      if [[ $t == meshproxy ]]; then
        read -r h1 s1 < <(mesh_ssl_stats)
        echo "$sc $r $((h1 - h0)) $((s1 - s0))" >> "$RESUME"
      fi
      read -r rps p50 p90 p99 reqs errs non2xx < <(python3 "$BENCH_DIR/report.py" parse-wrk "$out")
      echo "$sc $c $r $t $rps $p50 $p90 $p99 $reqs $errs $non2xx $cpu $bg $pcore $load" >> "$RAW"
      log "$(printf -- '%-6s -c%-3s round %s %-10s %8.0f req/s  p50 %6.0fus  p99 %6.0fus  cpu %-5ss  err %s/%s  cores busy %s/%s  bg %s' \
        "$sc" "$c" "$r" "$t" "$rps" "$p50" "$p99" "$cpu" "$errs" "$non2xx" "$pcore" "$load" "$bg")"
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
RSS_NGINX="$(vmhwm_kb "$PID_NGINX_WORKER")"
RSS_MESH="$(vmhwm_kb "$PID_MESH")"

# ---- report ---------------------------------------------------------------------------------
MESH_VERSION="$("$MESH_EXE" --version 2>&1 | head -n1 || true), binary built $(date -r "$MESHPROXY_BIN" '+%F %H:%M')"
GIT_REV="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -n "$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null)" ]] && GIT_REV="$GIT_REV + uncommitted changes"
python3 - "$TMP/meta.json" <<PY
import json, os, platform, subprocess, sys, datetime
def first(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    return out.splitlines()[0] if out else "?"
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rel = os.path.relpath("$MESHPROXY_BIN", "$REPO_DIR")
json.dump({
    "command": """$CMDLINE""", "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    "nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
    "load_before": "$LOAD_BEFORE", "load_after": "$LOAD_AFTER", "bg_start": float("$BG_START"),
    "nginx_version": first("nginx -V 2>&1 | head -1").replace("nginx version: ", ""),
    "nginx_openssl": first("nginx -V 2>&1 | grep -i 'built with OpenSSL'"),
    "openssl_version": first("openssl version"), "wrk_version": " ".join(first("wrk -v").split()[:2]),
    "meshproxy_version": """$MESH_VERSION""", "git_rev": "$GIT_REV",
    "meshproxy_bin": rel if not rel.startswith("..") else "$MESHPROXY_BIN",
    "duration": $DURATION, "rounds": $ROUNDS, "warmup": $WARMUP, "conns": $CONNS, "hs_conns": $HS_CONNS,
    "scenarios": "$SCENARIOS".split(), "pinning": """$PINNING""",
    "negotiated": {"nginx": "$NEG_NGINX", "meshproxy": "$NEG_MESH"},
    "rss_kb": {"nginx": int("$RSS_NGINX"), "meshproxy": int("$RSS_MESH")},
}, open(sys.argv[1], "w"), indent=1)
PY
python3 "$REPORT" --raw "$RAW" --resumption "$RESUME" --meta "$TMP/meta.json" --results "$RESULTS"
log "wrote $RESULTS"
sed -n '/<!-- tls-bench:start -->/,/<!-- tls-bench:end -->/p' "$RESULTS"
