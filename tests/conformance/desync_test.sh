#!/usr/bin/env bash
# conformance.desync*: the public HTTP/1.1 desync corpus (shared/conformance/desync, kept outside
# this repo) against meshproxy. Starts the corpus's origin and a meshproxy that forwards every
# request to it, runs the corpus's run.py, then judges its per-case results.
#
# Usage: desync_test.sh [ACTION]
#   ACTION is the HCM's common_http_protocol_options.headers_with_underscores_action:
#   - ALLOW (default; Envoy's default): the whole corpus. Every case not marked debatable must
#     pass; debatable ones may fail.
#   - REJECT_REQUEST or DROP_HEADER: only the cases with a '_' in a field name (the action
#     changes nothing else, and the ALLOW run covers the rest). Every one must pass, debatable
#     or not: by its rule with REJECT_REQUEST, by its rule or its debatable alt_rule with
#     DROP_HEADER (a dropped look-alike forwards the request, which alt_rule
#     forward_or_reject accepts).
#   In every mode, the cases listed for that ACTION in desync_expected_failures.txt (each with
#   its reason) must still fail: one that passes is reported, so the list is trimmed when a fix
#   lands.
# Exit 77 (ctest: skipped) when the corpus is not found, except in CI (CI=true), where that fails.
# Env: MESHPROXY_BIN (default build/bin/meshproxy), DESYNC_DIR (the corpus folder).
set -uo pipefail
action=${1:-ALLOW}
case $action in
  ALLOW | REJECT_REQUEST | DROP_HEADER) ;;
  *) echo "unknown headers_with_underscores_action $action" >&2; exit 2 ;;
esac
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
          common_http_protocol_options: {headers_with_underscores_action: $action}
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

only=()
if [ "$action" != ALLOW ]; then
  # The cases with a '_' in a header field name of the request head.
  ids=$(python3 - "$corpus/corpus.json" <<'PY'
import base64, json, sys
ids = []
for c in json.load(open(sys.argv[1]))["cases"]:
    head = base64.b64decode(c["raw_b64"]).split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\n")[1:] if b":" in line]
    if any(b"_" in name for name in names):
        ids.append(c["id"])
print(",".join(ids))
PY
  )
  only=(--only "$ids")
  echo "headers_with_underscores_action $action: the cases with '_' in a field name: $ids"
fi
timeout 900 python3 "$corpus/run.py" "$proxy_port" "$work/origin.log" --results "$work/results.jsonl" \
  "${only[@]}" >"$work/run.txt" 2>&1
echo "run.py: $(tail -1 "$work/run.txt")"
if ! kill -0 "${pids[1]}" 2>/dev/null; then
  echo "meshproxy exited during the run:"
  tail -30 "$work/proxy.out"
  exit 1
fi

python3 - "$corpus/corpus.json" "$work/results.jsonl" "$here/desync_expected_failures.txt" \
  "$action" "${#only[@]}" <<'PY'
import json, sys
cases = {c["id"]: c for c in json.load(open(sys.argv[1]))["cases"]}
results = [json.loads(line) for line in open(sys.argv[2])]
action, subset = sys.argv[4], sys.argv[5] != "0"
expected = {}
for line in open(sys.argv[3]):
    line = line.split("#", 1)[0].strip()
    if line:
        mode, case_id, reason = (line.split(None, 2) + [""])[:3]
        if mode == action:
            expected[case_id] = reason
unexpected, fixed, debatable_failed = [], [], []
for r in results:
    cid = r["id"]
    debatable = bool(cases[cid].get("debatable"))
    if cid in expected:
        if r["pass"]:
            fixed.append(cid)
        continue
    if r["pass"]:
        continue
    if debatable and (action == "ALLOW" or (action == "DROP_HEADER" and r.get("alt_pass"))):
        debatable_failed.append(cid)
    else:
        unexpected.append("%s%s: %s (%s)" % (cid, " (debatable)" if debatable else "", r["why"],
                                            r["detail"]))
ran = {r["id"] for r in results}
missing = [] if subset else [c for c in cases if c not in ran]
missing += [c for c in expected if c not in ran]
passed = sum(r["pass"] for r in results)
print("desync (%s): %d/%d cases pass; %d debatable fail (allowed%s); %d expected failures listed"
      % (action, passed, len(results), len(debatable_failed),
         ", they pass their alt_rule" if action == "DROP_HEADER" else "", len(expected)))
for u in unexpected:
    print("FAIL (not allowed in this mode, not expected): " + u)
for f in fixed:
    print("PASSES but listed for %s in desync_expected_failures.txt (remove it): %s" % (action, f))
if missing:
    print("cases with no result: %s" % ", ".join(missing[:10]))
sys.exit(1 if unexpected or fixed or missing or not results else 0)
PY
