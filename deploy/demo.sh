#!/usr/bin/env bash
# The meshproxy demo: builds everything, starts two versions of a demo service and meshproxy in
# front of them (deploy/examples/http-routes.yaml: a header match and a 90/10 canary), sends
# traffic through, and shows what happened.
#   ./deploy/demo.sh         set up, build, start, send traffic (processes keep running)
#   ./deploy/demo.sh stop    stop what the demo started
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state_dir=${MESHPROXY_DEMO_DIR:-/tmp/meshproxy-demo}
bin=$top/build/bin

stop_demo() {
  if [ -f "$state_dir/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$state_dir/pids"
    rm -f "$state_dir/pids"
    echo "demo stopped"
  else
    echo "no demo running"
  fi
}

if [ "${1:-}" = "stop" ]; then
  stop_demo
  exit 0
fi

./deploy/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
[ -f "$state_dir/pids" ] && stop_demo
mkdir -p "$state_dir"

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}

"$bin/mesh-test-server" --listen 127.0.0.1:10081 --mode http --name reviews-v1 \
  >"$state_dir/reviews-v1.log" 2>&1 &
echo $! >>"$state_dir/pids"
"$bin/mesh-test-server" --listen 127.0.0.1:10082 --mode http --name reviews-v2 \
  >"$state_dir/reviews-v2.log" 2>&1 &
echo $! >>"$state_dir/pids"
"$bin/meshproxy" -c deploy/examples/http-routes.yaml --concurrency 2 \
  >"$state_dir/access.log" 2>"$state_dir/meshproxy.log" &
echo $! >>"$state_dir/pids"
wait_port 10081
wait_port 10082
wait_port 15000
echo "meshproxy is $(curl -s 127.0.0.1:15000/ready)  (config: deploy/examples/http-routes.yaml)"

server_of() { sed -n 's/.*"server": "\([^"]*\)".*/\1/p'; }

echo
echo "== GET /hello through meshproxy (127.0.0.1:10080 -> reviews-v1)"
curl -s -D - -o /dev/null http://127.0.0.1:10080/hello | sed 's/^/  /'
echo "== the same request with 'x-canary: always' goes to: $(curl -s -H 'x-canary: always' http://127.0.0.1:10080/hello | server_of)"
echo
echo "== 200 requests to /reviews, split 90/10 between reviews-v1 and reviews-v2:"
for _ in $(seq 1 200); do curl -s http://127.0.0.1:10080/reviews | server_of; done | sort | uniq -c | sed 's/^/  /'
echo
echo "== what meshproxy counted (GET 127.0.0.1:15000/stats)"
curl -s 127.0.0.1:15000/stats | grep -E "(downstream_rq_2xx|upstream_rq_total|upstream_cx_total):" | sed 's/^/  /'
echo
echo "== the last access log lines (Envoy's default format)"
tail -n 3 "$state_dir/access.log" | sed 's/^/  /'
cat <<MSG

meshproxy keeps running: try
  curl -v 127.0.0.1:10080/reviews
  curl 127.0.0.1:15000/stats/prometheus
  curl 127.0.0.1:15000/config_dump
Logs are in $state_dir. Stop the demo with: ./deploy/demo.sh stop
MSG
