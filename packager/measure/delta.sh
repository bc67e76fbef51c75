#!/bin/bash
# Measures the release-to-release delta through the real tools (issue 5: new bytes <= 5% of a
# variant's wire bytes when only the classifier changes). Packages examples/mobilenet_v2 as
# release 1, then release 2 from a copy whose last Gemm differs in 10 rows
# (modify_classifier.py), publishes both into a fresh repository, and prints per variant the
# bytes of blobs release 2 adds vs the variant's wire bytes (its distinct stored chunks).
#
# Usage: packager/measure/delta.sh MOTA_BINARY [WORKDIR]   (calib/ and eval/ must exist in
# examples/mobilenet_v2: see its README.md)
set -euo pipefail
MOTA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLE=$(realpath "$HERE/../../examples/mobilenet_v2")
SHARED=${MOTA_SHARED_DIR:-$(realpath "$HERE/../../../shared")}
W=${2:-$(mktemp -d)}
mkdir -p "$W/keys"
NOW=1790000000
for k in root targets snapshot timestamp team; do
  [ -f "$W/keys/$k.key" ] || "$MOTA" keygen -o "$W/keys/$k" >/dev/null
done
/usr/bin/python3 "$HERE/modify_classifier.py" "$SHARED/models/mobilenet_v2.onnx" "$W/mod.onnx"

# The example's spec with absolute paths; only `source` differs between the releases.
spec() {  # $1: the ONNX, $2: the output spec
  sed -e "s|^source: .*|source: $1|" -e "s|^  dir: calib |  dir: $EXAMPLE/calib |" \
      -e "s|^  eval: eval |  eval: $EXAMPLE/eval |" "$EXAMPLE/deploy.yaml" >"$2"
}
spec "$SHARED/models/mobilenet_v2.onnx" "$W/r1.yaml"
spec "$W/mod.onnx" "$W/r2.yaml"
for r in 1 2; do
  rm -rf "$W/s$r"
  /usr/bin/time -f "package r$r: %e s" "$MOTA" package "$W/r$r.yaml" -o "$W/s$r" --release "$r" \
    >"$W/package$r.log" 2>&1 || { tail -20 "$W/package$r.log"; exit 1; }
  tail -1 "$W/package$r.log"
done
rm -rf "$W/repo"
KEYS=(--targets-key "$W/keys/targets.key" --snapshot-key "$W/keys/snapshot.key"
      --timestamp-key "$W/keys/timestamp.key")
"$MOTA" repo init --repo "$W/repo" --root-key "$W/keys/root.key" "${KEYS[@]}" --now $NOW
"$MOTA" repo add "$W/s1" --repo "$W/repo" --delegation-key "$W/keys/team.key" "${KEYS[@]}" \
  --now $((NOW + 60))
ls "$W/repo/blobs" >"$W/blobs_r1.txt"
"$MOTA" repo add "$W/s2" --repo "$W/repo" --delegation-key "$W/keys/team.key" "${KEYS[@]}" \
  --now $((NOW + 120))
"$MOTA" repo verify --repo "$W/repo" --now $((NOW + 180))

/usr/bin/python3 - "$W" <<'PY'
import glob, json, os, sys
w = sys.argv[1]
before = set(open(f"{w}/blobs_r1.txt").read().split())
print(f"{'variant':10} {'wire bytes':>12} {'new blob bytes':>15} {'new/wire':>9}  chunks new/all")
for index in sorted(glob.glob(f"{w}/s2/targets/models/*/*.r2.json")):
    doc = json.load(open(index))
    chunks = {c["sha256"]: c["zstd_size"] for c in doc["chunks"]}
    wire = sum(chunks.values())
    new = {h: s for h, s in chunks.items() if h not in before}
    name = os.path.basename(index).rsplit(".r2.json", 1)[0]
    print(f"{name:10} {wire:12d} {sum(new.values()):15d} {100.0 * sum(new.values()) / wire:8.2f}%"
          f"  {len(new)}/{len(chunks)}")
PY
