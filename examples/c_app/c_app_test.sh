#!/bin/sh
# ctest driver for mota_c_app: MODE MOTA_CLI C_APP MLP_ONNX. Each mode works in its own temp dir.
#   file       convert the MLP, run the app on the .mota file (zero input): prints the top 5
#   update     package the MLP, make a signed repository, let the app update from file:// and run
#   client_run `mota client run` on what the app installed (zeros, an .npy, errors)
#   bad_model  a damaged .mota file: the app exits 1 with the status and the path
set -eu
mode=$1 mota=$2 app=$3 onnx=$4
dir=$(mktemp -d "${TMPDIR:-/tmp}/mota_c_app_XXXXXX")
trap 'rm -rf "$dir"' EXIT

expect() {  # expect PATTERN FILE
  if ! grep -q -- "$1" "$2"; then
    echo "expected '$1' in the output:" >&2
    cat "$2" >&2
    exit 1
  fi
}

make_repo() {  # a signed repository in $dir/repo with release 1 of "mlp" (variant cpu-fp32)
  mkdir "$dir/keys"
  for k in root targets snapshot timestamp; do "$mota" keygen -o "$dir/keys/$k" >/dev/null; done
  cat >"$dir/deploy.yaml" <<YAML
model: mlp
version: "1.0"
source: $onnx
inputs:
  input: [1, 784]
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
    priority: 10
YAML
  "$mota" package "$dir/deploy.yaml" -o "$dir/staging" >/dev/null
  "$mota" repo init --repo "$dir/repo" --root-key "$dir/keys/root.key" --threshold 1 \
    --targets-key "$dir/keys/targets.key" --snapshot-key "$dir/keys/snapshot.key" \
    --timestamp-key "$dir/keys/timestamp.key" >/dev/null
  "$mota" repo add "$dir/staging" --repo "$dir/repo" --targets-key "$dir/keys/targets.key" \
    --snapshot-key "$dir/keys/snapshot.key" --timestamp-key "$dir/keys/timestamp.key" >/dev/null
}

case $mode in
  file)
    "$mota" convert "$onnx" -o "$dir/mlp.mota" >/dev/null
    "$app" "$dir/mlp.mota" >"$dir/out" 2>&1
    expect "output output f32 \[1,10\]" "$dir/out"
    expect "top 5: index" "$dir/out"
    "$app" --backend reference "$dir/mlp.mota" >"$dir/out_ref" 2>&1
    expect "on backend reference" "$dir/out_ref"
    ;;
  update)
    make_repo
    "$app" --server "file://$dir/repo" --data "$dir/data" --root "$dir/repo/metadata/1.root.json" \
      mlp >"$dir/out" 2>&1
    expect "active: mlp release 1 variant cpu-fp32 on auto (new)" "$dir/out"
    expect "top 1: index" "$dir/out"
    # Again: already current, nothing new, still runs.
    "$app" --server "file://$dir/repo" --data "$dir/data" mlp >"$dir/out2" 2>&1
    expect "(already active)" "$dir/out2"
    expect "top 1: index" "$dir/out2"
    ;;
  client_run)
    # `mota client run` opens what the app's update installed, through the same C API.
    make_repo
    "$app" --server "file://$dir/repo" --data "$dir/data" --root "$dir/repo/metadata/1.root.json" \
      mlp >"$dir/out" 2>&1
    "$mota" client run mlp --data "$dir/data" >"$dir/run" 2>&1
    expect "model mlp: $dir/data/models/mlp/1-cpu-fp32.mota on backend" "$dir/run"
    expect "input  input .* f32  \[1,784\] .* zeros" "$dir/run"
    expect "output output .* f32  \[1,10\]" "$dir/run"
    python3 - "$dir/x.npy" <<'PY'
import struct, sys
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 784), }"
header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<784f", *[(i % 13) / 13.0 for i in range(784)]))
PY
    "$mota" client run mlp --data "$dir/data" --input "input=$dir/x.npy" --backend reference \
      --json >"$dir/json" 2>&1
    expect '"source": "'"$dir/x.npy"'"' "$dir/json"
    expect '"backend": "reference"' "$dir/json"
    if "$mota" client run mlp --data "$dir/data" --input "pixels=$dir/x.npy" >"$dir/bad" 2>&1; then
      echo "an unknown input name was accepted" >&2; exit 1
    fi
    expect "no input named 'pixels' (its inputs: 'input')" "$dir/bad"
    if "$mota" client run mlp --data "$dir/empty" >"$dir/none" 2>&1; then
      echo "a data dir with nothing installed was accepted" >&2; exit 1
    fi
    expect "run an update first" "$dir/none"
    ;;
  bad_model)
    "$mota" convert "$onnx" -o "$dir/mlp.mota" >/dev/null
    head -c 3000 "$dir/mlp.mota" >"$dir/cut.mota"
    if "$app" "$dir/cut.mota" >"$dir/out" 2>&1; then
      echo "the app accepted a truncated model" >&2
      exit 1
    fi
    expect "opening the model failed: " "$dir/out"
    expect "$dir/cut.mota" "$dir/out"
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
echo "mota_c_app $mode: ok"
