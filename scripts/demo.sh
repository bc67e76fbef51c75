#!/usr/bin/env bash
# The mota tour, end to end with the real tools: convert MobileNetV2 from ONNX, package it into
# three device variants (cpu fp32, cpu fp16, vulkan fp16 that needs a Vulkan GPU), make keys and
# a signed TUF repository, serve it with `mota serve` on a free loopback port, update a "device"
# with `mota client update` (it prints the variant it chose and why), update again (nothing to
# download), show `mota client status`, run the installed model, and stop the server.
# Everything happens in a temporary folder that is removed at the end (also on failure).
#
# Usage: scripts/demo.sh               installs the dependencies and builds `mota` first
#        MOTA_CLI=build/tools/mota/mota scripts/demo.sh   uses that binary (ctest: mota_demo)
#
# Environment: MOTA_SHARED_DIR (default <repo>/../shared: holds models/mobilenet_v2.onnx),
# MOTA_BUILD_DIR (default <repo>/build), MOTA_JOBS (build parallelism), MOTA_DEMO_MODEL
# (default mobilenet_v2; squeezenet1_1 and resnet18 work too), MOTA_DEMO_INPUT (its input shape,
# default [1, 3, 224, 224]), MOTA_DEMO_TIMEOUT (seconds per step, default 120).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${MOTA_SHARED_DIR:-$ROOT/../shared}"
if [ -z "${MOTA_SHARED_DIR:-}" ] && [ ! -d "$SHARED/models" ] && [ -d /work/shared/models ]; then
  SHARED=/work/shared
fi
BUILD="${MOTA_BUILD_DIR:-$ROOT/build}"
JOBS="${MOTA_JOBS:-$(nproc)}"
MODEL="${MOTA_DEMO_MODEL:-mobilenet_v2}"
INPUT_SHAPE="${MOTA_DEMO_INPUT:-[1, 3, 224, 224]}"
STEP_TIMEOUT="${MOTA_DEMO_TIMEOUT:-120}"
ONNX="$SHARED/models/$MODEL.onnx"

step() { printf '\n== %s\n' "$*"; }
# Every tool call is bounded: a hung step fails the demo instead of holding it forever.
run() { timeout "$STEP_TIMEOUT" "$@"; }

if [ ! -f "$ONNX" ]; then
  echo "demo: $ONNX not found; set MOTA_SHARED_DIR to the folder that holds models/" >&2
  exit 1
fi
ONNX="$(cd "$(dirname "$ONNX")" && pwd)/$(basename "$ONNX")"

if [ -n "${MOTA_CLI:-}" ]; then
  MOTA="$(cd "$(dirname "$MOTA_CLI")" && pwd)/$(basename "$MOTA_CLI")"
else
  step "setup"
  "$ROOT/scripts/setup.sh"
  step "build the mota CLI ($BUILD)"
  # Same configuration as scripts/test.sh, so the two share one build folder.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOTA_WERROR=ON \
    -DMOTA_BUILD_TESTS=ON "-DMOTA_SHARED_DIR=$SHARED" >/dev/null
  cmake --build "$BUILD" -j "$JOBS" --target mota
  MOTA="$BUILD/tools/mota/mota"
fi

DEMO="$(mktemp -d "${TMPDIR:-/tmp}/mota_demo.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DEMO"
}
trap cleanup EXIT

step "convert: mota convert $MODEL.onnx"
run "$MOTA" convert "$ONNX" -o "$DEMO/$MODEL.mota"

step "package: three variants (cpu fp32, cpu fp16, vulkan fp16 for devices with a Vulkan GPU)"
cat >"$DEMO/deploy.yaml" <<EOF
model: $MODEL
version: "1.0.0"
source: $ONNX
inputs:
  input: $INPUT_SHAPE
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
    priority: 10
  - id: cpu-fp16
    backend: cpu
    precision: fp16
    priority: 50
  - id: gpu-fp16
    backend: vulkan
    precision: fp16
    requires:
      gpu:
        api: vulkan
    priority: 100
EOF
run "$MOTA" package "$DEMO/deploy.yaml" -o "$DEMO/staging" 2>"$DEMO/package.log" ||
  { cat "$DEMO/package.log" >&2; exit 1; }

step "keys and a signed repository: mota keygen, mota repo init, mota repo add"
for k in root targets snapshot timestamp; do
  run "$MOTA" keygen -o "$DEMO/keys/$k" >/dev/null
done
KEYS=(--targets-key "$DEMO/keys/targets.key" --snapshot-key "$DEMO/keys/snapshot.key"
      --timestamp-key "$DEMO/keys/timestamp.key")
run "$MOTA" repo init --repo "$DEMO/repo" --root-key "$DEMO/keys/root.key" --threshold 1 "${KEYS[@]}"
run "$MOTA" repo add "$DEMO/staging" --repo "$DEMO/repo" "${KEYS[@]}"

step "serve: mota serve on a free loopback port (with the telemetry endpoint)"
# The admin token (0600) and online keys enable the database: rollouts and POST /v1/telemetry.
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DEMO/token")
"$MOTA" serve --repo "$DEMO/repo" --listen 127.0.0.1:0 --threads 2 --log off \
  --database "$DEMO/server.db" --token-file "$DEMO/token" \
  --snapshot-key "$DEMO/keys/snapshot.key" --timestamp-key "$DEMO/keys/timestamp.key" \
  >"$DEMO/serve.out" 2>"$DEMO/serve.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL="$(sed -n 's/^mota serve: listening on \(http:\/\/[^ ]*\).*/\1/p' "$DEMO/serve.out")"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DEMO/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "demo: mota serve did not start" >&2; cat "$DEMO/serve.err" >&2; exit 1; }
echo "serving $DEMO/repo at $URL"

# The device: its profile is detected; the root.json is what an app ships as its trust anchor.
DEVICE=(--data "$DEMO/device" --detect --install-id demo-device)
step "update: mota client update $MODEL --url $URL (verify, download, self-test, activate)"
run "$MOTA" client update "$MODEL" --url "$URL" --root "$DEMO/repo/metadata/1.root.json" \
  "${DEVICE[@]}" --telemetry --explain

step "update again: nothing new, nothing downloaded"
run "$MOTA" client update "$MODEL" --url "$URL" "${DEVICE[@]}" --quiet

step "status: mota client status $MODEL"
run "$MOTA" client status "$MODEL" --data "$DEMO/device"

STATUS_JSON="$(run "$MOTA" client status "$MODEL" --data "$DEMO/device" --json)"
ACTIVE="$(sed -n 's/^ *"active_path": "\(.*\)",\{0,1\}$/\1/p' <<<"$STATUS_JSON")"
# Keys are sorted, so the first "backend" is the active version's: the one its self-test passed on.
BACKEND="$(sed -n 's/^ *"backend": "\(.*\)",\{0,1\}$/\1/p' <<<"$STATUS_JSON" | head -n 1)"
if "$MOTA" client --help | grep -q '^  run  '; then
  step "run: mota client run $MODEL (the active version, through the C API)"
  run "$MOTA" client run "$MODEL" --data "$DEMO/device"
else
  step "run: mota run on the active version ($ACTIVE, backend $BACKEND)"
  run "$MOTA" run "$ACTIVE" --seed 0 --backend "$BACKEND"
fi

step "stop the server"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" && echo "mota serve stopped"
SERVER_PID=""
echo "demo: done"
