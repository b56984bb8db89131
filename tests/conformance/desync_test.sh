#!/usr/bin/env bash
# conformance.desync: the public HTTP/1.1 desync corpus (shared/conformance/desync, kept outside
# this repo) against meshproxy. Starts the corpus's origin and a meshproxy that forwards every
# request to it, runs the corpus's run.py, then judges its per-case results:
#   - every case that is not marked debatable must pass,
#   - except the ones listed in desync_expected_failures.txt (each with its reason), which must
#     still fail: one that passes is reported, so the list is trimmed when a fix lands.
# Exit 77 (ctest: skipped) when the corpus is not found, except in CI (CI=true), where that fails.
# Env: MESHPROXY_BIN (default build/bin/meshproxy), DESYNC_DIR (the corpus folder).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${MESHPROXY_BIN:-$top/build/bin/meshproxy}
corpus=""
for d in "${DESYNC_DIR:-}" "$top/../shared/conformance/desync" /work/shared/conformance/desync; do
  if [ -n "$d" ] && [ -f "$d/run.py" ] && [ -f "$d/corpus.json" ]; then corpus=$d; break; fi
done
if [ -z "$corpus" ]; then
  echo "desync corpus not found (set DESYNC_DIR, or put shared/ beside the repo)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi

work=$(mktemp -d -t meshproxy-desync.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
waitport() {
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys;s=socket.socket();s.settimeout(0.2);sys.exit(0 if s.connect_ex(('127.0.0.1',$1))==0 else 1)" && return 0
    sleep 0.1
  done
  return 1
}
origin_port=$(freeport); proxy_port=$(freeport); admin_port=$(freeport)
: >"$work/origin.log"
python3 "$corpus/origin.py" "$origin_port" "$work/origin.log" >"$work/origin.out" 2>&1 &
pids+=($!)
cat >"$work/bootstrap.yaml" <<YAML
admin: {address: {socket_address: {address: 127.0.0.1, port_value: $admin_port}}}
static_resources:
  listeners:
  - name: http_in
    address: {socket_address: {address: 127.0.0.1, port_value: $proxy_port}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
          route_config: {virtual_hosts: [{name: a, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: o}}]}]}
  clusters:
  - name: o
    type: STATIC
    connect_timeout: 1s
    load_assignment: {cluster_name: o, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $origin_port}}}}]}]}
YAML
"$bin" -c "$work/bootstrap.yaml" --concurrency 1 -l warn >"$work/proxy.out" 2>&1 &
pids+=($!)
if ! waitport "$proxy_port" || ! waitport "$origin_port"; then
  echo "meshproxy or the origin did not come up"
  tail -20 "$work/proxy.out" "$work/origin.out"
  exit 1
fi

timeout 900 python3 "$corpus/run.py" "$proxy_port" "$work/origin.log" --results "$work/results.jsonl" \
  >"$work/run.txt" 2>&1
echo "run.py: $(tail -1 "$work/run.txt")"
if ! kill -0 "${pids[1]}" 2>/dev/null; then
  echo "meshproxy exited during the run:"
  tail -30 "$work/proxy.out"
  exit 1
fi

python3 - "$corpus/corpus.json" "$work/results.jsonl" "$here/desync_expected_failures.txt" <<'PY'
import json, sys
cases = {c["id"]: c for c in json.load(open(sys.argv[1]))["cases"]}
results = [json.loads(line) for line in open(sys.argv[2])]
expected = {}
for line in open(sys.argv[3]):
    line = line.split("#", 1)[0].strip()
    if line:
        case_id, _, reason = line.partition(" ")
        expected[case_id] = reason.strip()
unexpected, fixed, debatable_failed = [], [], []
for r in results:
    cid = r["id"]
    if cid in expected:
        if r["pass"]:
            fixed.append(cid)
    elif not r["pass"]:
        if cases[cid].get("debatable"):
            debatable_failed.append(cid)
        else:
            unexpected.append("%s: %s (%s)" % (cid, r["why"], r["detail"]))
missing = [c for c in cases if c not in {r["id"] for r in results}]
passed = sum(r["pass"] for r in results)
print("desync: %d/%d cases pass; %d debatable fail (allowed); %d expected failures listed"
      % (passed, len(results), len(debatable_failed), len(expected)))
for u in unexpected:
    print("FAIL (not debatable, not expected): " + u)
for f in fixed:
    print("PASSES but listed in desync_expected_failures.txt (remove it): " + f)
if missing:
    print("cases with no result: %s" % ", ".join(missing[:10]))
sys.exit(1 if unexpected or fixed or missing else 0)
PY
