#!/usr/bin/env bash
# Installs every build and test dependency of meshproxy on Debian 12.
# clang, libclang-rt-14-dev (libFuzzer, the sanitizer runtimes, FuzzedDataProvider.h) and llvm
# (llvm-symbolizer) serve the sanitizer and fuzzing builds of tests/hardening.sh.
# Idempotent: packages already present are skipped, npm uses the committed lockfile.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config git ca-certificates
  libuv1-dev node-llhttp libssl-dev openssl
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc grpc-proto
  libabsl-dev libfmt-dev libnghttp2-dev libre2-dev libyaml-cpp-dev libxxhash-dev
  zlib1g-dev libbrotli-dev libzstd-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk nghttp2-client nginx haproxy iptables iproute2 procps psmisc
  python3 python3-yaml python3-jwt python3-cryptography python3-h2 nodejs
  prometheus
  clang libclang-rt-14-dev llvm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ships with Debian's nodejs only as a separate package; use it if no npm is on PATH.
if ! command -v npm >/dev/null 2>&1; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi

# The Envoy v3 API protos ship in @grpc/grpc-js-xds's deps/ folder and the OTLP protos in
# @opentelemetry/otlp-grpc-exporter-base's build/protos, both pinned by proto/package-lock.json.
if [ ! -d "$top/proto/node_modules/@grpc/grpc-js-xds/deps/envoy-api" ] \
  || [ ! -d "$top/proto/node_modules/@opentelemetry/otlp-grpc-exporter-base/build/protos" ]; then
  (cd "$top/proto" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
echo "setup: ok"
