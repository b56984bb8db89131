#!/usr/bin/env bash
# The meshproxy demo: builds everything, starts a demo upstream and meshproxy in front of it
# (deploy/examples/tcp-proxy.yaml), sends traffic through, and shows what happened.
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

"$bin/mesh-test-server" --listen 127.0.0.1:10001 --mode echo --name demo-upstream \
  >"$state_dir/upstream.log" 2>&1 &
echo $! >>"$state_dir/pids"
"$bin/meshproxy" -c deploy/examples/tcp-proxy.yaml --concurrency 2 >"$state_dir/meshproxy.log" 2>&1 &
echo $! >>"$state_dir/pids"
wait_port 10001
wait_port 15000
echo "meshproxy is $(curl -s 127.0.0.1:15000/ready)"

echo
echo "== sending 5 messages through meshproxy (127.0.0.1:10000 -> echo upstream 127.0.0.1:10001)"
for i in 1 2 3 4 5; do
  reply=$(python3 - "$i" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", 10000), timeout=5)
c.sendall(f"hello through meshproxy #{sys.argv[1]}\n".encode())
c.shutdown(socket.SHUT_WR)
data = b""
while chunk := c.recv(65536):
    data += chunk
print(data.decode().strip())
PY
)
  echo "  echoed: $reply"
done

echo
echo "== what meshproxy counted (GET 127.0.0.1:15000/stats)"
curl -s 127.0.0.1:15000/stats | grep -E "downstream_cx_total|upstream_cx_total|bytes_total|worker_" | sed 's/^/  /'
echo
echo "== meshproxy's log (one line per proxied connection)"
grep "tcp demo_tcp" "$state_dir/meshproxy.log" | sed 's/^/  /'
cat <<MSG

meshproxy keeps running: try
  curl 127.0.0.1:15000/stats/prometheus
  curl 127.0.0.1:15000/config_dump
Logs are in $state_dir. Stop the demo with: ./deploy/demo.sh stop
MSG
