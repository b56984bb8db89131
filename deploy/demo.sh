#!/usr/bin/env bash
# The meshproxy demo: a small mesh on loopback, configured only by mesh-control.
#
#   mesh-control (ADS 127.0.0.1:15010, admin 15014) serves a copy of deploy/examples/mesh/
#                and is the mesh's CA (root in $state_dir/ca, SPIFFE workload certs over SDS)
#   client-sidecar  meshproxy, outbound listener 127.0.0.1:10080, admin 15000
#        | `reviews` route: weighted canary reviews-v1 90 / reviews-v2 10
#        | mutual TLS, STRICT (spiffe://cluster.local/ns/default/sa/productpage -> .../sa/reviews)
#        v
#   server-sidecar  meshproxy, inbound listeners 127.0.0.1:10181 (v1) and 10182 (v2), admin 15100
#        v
#   reviews-v1 127.0.0.1:10081, reviews-v2 127.0.0.1:10082 (mesh-test-server)
#
# It sends traffic through both sidecars and prints the split, then changes the canary weight
# by editing the route file in the copy, and shows the split change with nothing restarted.
#   ./deploy/demo.sh             set up, build, start, send traffic (processes keep running)
#   ./deploy/demo.sh --no-build  the same with the binaries already in build/bin
#   ./deploy/demo.sh stop        stop what the demo started
# The static example (deploy/examples/http-routes.yaml, no control plane) runs on its own:
#   build/bin/meshproxy -c deploy/examples/http-routes.yaml
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state_dir=${MESHPROXY_DEMO_DIR:-/tmp/meshproxy-demo}
bin=$top/build/bin
mesh_dir=$state_dir/mesh # the copy mesh-control serves; edit it, not the repository

stop_demo() {
  if [ -f "$state_dir/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$state_dir/pids"
    rm -f "$state_dir/pids"
    echo "demo stopped"
  else
    echo "no demo running"
  fi
}

case "${1:-}" in
  stop)
    stop_demo
    exit 0
    ;;
  --no-build) ;;
  "")
    ./deploy/setup.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j2
    ;;
  *)
    echo "usage: $0 [--no-build | stop]" >&2
    exit 2
    ;;
esac
[ -f "$state_dir/pids" ] && stop_demo
mkdir -p "$state_dir"

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 did not open; logs are in $state_dir" >&2
  return 1
}

# Starts a background process with its output in $state_dir/<name>.log and records its PID.
start() {
  local name=$1
  shift
  "$@" >"$state_dir/$name.log" 2>&1 &
  echo $! >>"$state_dir/pids"
}

rm -rf "$mesh_dir"
mkdir -p "$mesh_dir"
cp -R deploy/examples/mesh/all deploy/examples/mesh/nodes "$mesh_dir/"

start reviews-v1 "$bin/mesh-test-server" --listen 127.0.0.1:10081 --mode http --name reviews-v1
start reviews-v2 "$bin/mesh-test-server" --listen 127.0.0.1:10082 --mode http --name reviews-v2
start mesh-control "$bin/mesh-control" --listen 127.0.0.1:15010 --admin 127.0.0.1:15014 \
  --resources "$mesh_dir" --ca-dir "$state_dir/ca"
wait_port 15010
start server-sidecar "$bin/meshproxy" -c deploy/examples/mesh/bootstrap-server.yaml --concurrency 1
start client-sidecar "$bin/meshproxy" -c deploy/examples/mesh/bootstrap-client.yaml --concurrency 1
for port in 10081 10082 10181 10182 10080; do wait_port "$port"; done
sidecar_pids=$(tail -n 2 "$state_dir/pids" | tr '\n' ' ')
echo "mesh-control serves $mesh_dir; client sidecar is $(curl -s 127.0.0.1:15000/ready)," \
  "server sidecar is $(curl -s 127.0.0.1:15100/ready)"
echo
echo "== mesh-control status (what each sidecar was sent and ACKed)"
"$bin/mesh-control" status --admin 127.0.0.1:15014 | sed 's/^/  /'

server_of() { sed -n 's/.*"server": "\([^"]*\)".*/\1/p'; }
show_split() {
  echo "== 200 requests to 127.0.0.1:10080/reviews (client sidecar -> server sidecar -> app):"
  for _ in $(seq 1 200); do curl -s --max-time 5 http://127.0.0.1:10080/reviews | server_of; done |
    sort | uniq -c | sed 's/^/  /'
}

echo
echo "== one request, with the headers both sidecars added"
curl -s -D - -o /dev/null http://127.0.0.1:10080/reviews | grep -iE '^(HTTP|x-inbound|server|x-envoy)' |
  sed 's/^/  /'
echo
echo "== the sidecar-to-sidecar hop is mutual TLS"
xfcc=$(curl -s http://127.0.0.1:10080/reviews | sed -n 's/.*"x-forwarded-client-cert": "\([^"]*\)".*/\1/p')
echo "  the app saw x-forwarded-client-cert: $xfcc"
if curl -s --max-time 3 -o /dev/null http://127.0.0.1:10181/reviews; then
  echo "  plaintext to the server sidecar's inbound port 10181 was ACCEPTED (unexpected!)" >&2
else
  echo "  plaintext to the server sidecar's inbound port 10181 is refused (curl exit $?)"
fi
echo "  server sidecar TLS handshakes: $(curl -s 127.0.0.1:15100/stats |
  sed -n 's/^listener\.127\.0\.0\.1_10181\.ssl\.handshake: //p') on 127.0.0.1:10181"
echo "  certificates issued by mesh-control (GET 127.0.0.1:15014/nodes):"
curl -s 127.0.0.1:15014/nodes | grep -o '"id":"[^"]*"\|"certificate":{[^}]*}' | paste - - |
  sed 's/^/    /'
echo
show_split

routes=$mesh_dir/all/reviews-routes.yaml
rds_updates() { curl -s 127.0.0.1:15000/stats | sed -n 's/^control_plane\.rds\.update_success: //p'; }
before=$(rds_updates)
echo
echo "== editing $routes: weights 90/10 -> 50/50"
sed -e 's/weight: 90 }/weight: 50 }/' -e 's/weight: 10 }/weight: 50 }/' "$routes" >"$routes.new"
mv "$routes.new" "$routes" # an atomic replace, as editors and kubectl cp do
for _ in $(seq 1 100); do
  [ "$(rds_updates)" != "$before" ] && break
  sleep 0.1
done
echo "   client sidecar applied the new route version (control_plane.rds.update_success" \
  "$before -> $(rds_updates)); mesh-control status:"
"$bin/mesh-control" status --admin 127.0.0.1:15014 | sed 's/^/  /'
echo
show_split
for pid in $sidecar_pids; do
  kill -0 "$pid" 2>/dev/null || echo "sidecar $pid is gone! see $state_dir/*.log" >&2
done
echo "   the sidecars were not restarted (still PIDs $sidecar_pids)"
cat <<MSG

Everything keeps running. Try
  \$EDITOR $routes      # change the weights again
  build/bin/mesh-control status --admin 127.0.0.1:15014
  curl 127.0.0.1:15014/nodes                       # the same as JSON
  curl 127.0.0.1:15000/config_dump                 # the client sidecar's dynamic config
Logs are in $state_dir. Stop the demo with: ./deploy/demo.sh stop
MSG
