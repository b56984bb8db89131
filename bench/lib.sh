# Shared helpers for bench/run.sh, bench/tls_run.sh and bench/mesh_run.sh; sourced, not run.
#
# Globals the callers set: NCPU, CLK_TCK, IDLE_DEADLINE, OUR_PIDS (every server we started, for
# background-CPU accounting), PORT / CPU_PIDS (per target: port, PIDs whose CPU is the target's),
# optionally URL (per target, default http://127.0.0.1:PORT/) and WRK_ARGS (extra wrk arguments).
# setup_pinning sets PIN_PROXY / PIN_ORIGIN / PIN_LOAD (command prefixes), PROXY_CPU, LOAD_CPU and
# PINNING (a description for the results); setup_tmp sets TMP and PIDS (killed on exit).

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# parse_bench_args HELP_LINES ARGS...: sets DURATION, ROUNDS, WARMUP from the environment (QUICK=1
# = 3 s, 1 round) and --duration/--rounds/--quick; --help prints lines HELP_LINES (sed range, e.g.
# 2,26) of the calling script's header comment.
parse_bench_args() {
  local help=$1
  shift
  DURATION="${DURATION:-10}"
  ROUNDS="${ROUNDS:-3}"
  WARMUP="${WARMUP:-2}"
  if [[ "${QUICK:-0}" == 1 ]]; then DURATION=3; ROUNDS=1; fi
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --duration) DURATION="$2"; shift 2 ;;
      --duration=*) DURATION="${1#*=}"; shift ;;
      --rounds) ROUNDS="$2"; shift 2 ;;
      --rounds=*) ROUNDS="${1#*=}"; shift ;;
      --quick) DURATION=3; ROUNDS=1; shift ;;
      -h|--help) sed -n "${help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
  done
  [[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || { echo "bad --duration: $DURATION" >&2; exit 2; }
  [[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 ]] || { echo "bad --rounds: $ROUNDS" >&2; exit 2; }
}

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
setup_pinning() {
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
}

# Temp dir and process bookkeeping: every server is started by the script as a child and its PID
# added to PIDS (or, from a subshell, appended to $TMP/pids); only those are killed on exit.
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Processes started in subshells (a load generator under $(...)) register in $TMP/pids.
  [[ -f "${TMP:-}/pids" ]] && PIDS+=($(cat "$TMP/pids"))
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
setup_tmp() {
  TMP="$(mktemp -d /tmp/meshproxy-bench.XXXXXX)"
  PIDS=()
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# free_ports N: N distinct free TCP ports on 127.0.0.1, space-separated.
free_ports() {
  python3 -c '
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# wait_body PORT PID WHAT [URL [CURL_ARGS...]]: wait until GET URL (default
# http://127.0.0.1:PORT/) returns the 100-byte $BODY; fail if PID dies first.
wait_body() {
  local port=$1 pid=$2 what=$3 url=${4:-http://127.0.0.1:$1/} i got
  shift $(($# < 4 ? $# : 4))
  # WAIT_BODY_TRIES: 0.1 s tries (more for a binary under valgrind).
  for i in $(seq "${WAIT_BODY_TRIES:-100}"); do
    kill -0 "$pid" 2>/dev/null || { log "$what (pid $pid) exited during start-up"; return 1; }
    got="$(curl -s -m 1 "$@" "$url" 2>/dev/null || true)"
    if [[ "$got" == "${BODY%$'\n'}" ]]; then return 0; fi
    sleep 0.1
  done
  log "$what on port $port did not serve the 100-byte body within $((${WAIT_BODY_TRIES:-100} / 10)) s"
  return 1
}

nginx_common() {  # $1 = dir, $2 = worker processes (default 1)
  cat <<EOF
worker_processes ${2:-1};
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
# re-measuring runs that other processes disturbed (at most twice per run). Callers set IDLE_DEADLINE=$((SECONDS + WAIT_IDLE)).
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

WRK_ARGS=()
declare -A URL=()
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
  { time "${PIN_LOAD[@]}" wrk -t1 -c"$c" -d"${d}s" --timeout 5s --latency "${WRK_ARGS[@]}" \
      "${URL[$t]:-http://127.0.0.1:${PORT[$t]}/}" \
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

# measure TARGET CONNS SECONDS OUTFILE -> prints "CPU BG PBUSY LBUSY" like run_wrk; a run during
# which other processes used > 0.25 cores is measured again (up to 2x) once they are quiet, within
# the WAIT_IDLE budget.
measure() {
  local t=$1 c=$2 d=$3 out=$4 attempt cpu bg pcore load
  for attempt in 1 2 3; do
    read -r cpu bg pcore load < <(run_wrk "$t" "$c" "$d" "$out")
    [[ -n "${load:-}" ]] || return 1
    busy "$bg" && [[ $attempt -lt 3 ]] && wait_quiet || break
    log "-c$c $t: disturbed (background $bg cores); measuring again"
  done
  echo "$cpu $bg $pcore $load"
}

vmhwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# The PIDs of PID's direct children (e.g. an nginx master's workers), space-separated.
child_pids() { { cat "/proc/$1/task/$1/children" 2>/dev/null || true; } | xargs; }
# Sum of a /proc/PID/status field (VmRSS, VmHWM: in kB) over the given PIDs.
status_kb() {
  local field=$1 p sum=0 v
  shift
  for p in "$@"; do
    v="$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null)"
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
