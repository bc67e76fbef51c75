#!/usr/bin/env bash
# mota serve vs nginx (over `mota mirror export` of the same repository), the same wrk load on
# loopback: metadata GETs (timestamp.json) and 1 MiB Range GETs of a blob, at 64 and 512
# connections. Prints requests/s, bytes/s, errors, server CPU per request (us, from /proc) and
# the ratio mota/nginx per case.
#
#   bench/server/run.sh [BUILD_DIR] [SECONDS_PER_CASE]     (defaults: build-srvhttp, 10)
#   env THREADS=2 (server threads / nginx workers), WRK_THREADS=2, REPS=3, WORK=/tmp/mota-bench-server
#
# The repository is the shared MLP packaged once (reused from WORK when present) plus one
# synthetic 8 MiB blob named by its sha256 (model chunks are <= 256 KiB, too small for 1 MiB
# ranges). Both servers log every request to a file (nginx access_log buffered, mota --log).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(realpath "${1:-$ROOT/build-srvhttp}")"
SECONDS_PER_CASE="${2:-10}"
THREADS="${THREADS:-2}"
WRK_THREADS="${WRK_THREADS:-2}"
WORK="${WORK:-/tmp/mota-bench-server}"
MOTA="$BUILD/tools/mota/mota"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$MOTA" ] || { echo "build mota first: ninja -C $BUILD mota" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx is missing (scripts/setup.sh installs it)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$WORK"
cd "$WORK"

if [ ! -f repo/metadata/timestamp.json ]; then
  rm -rf keys staging repo
  mkdir -p keys
  for k in root targets snapshot timestamp; do "$MOTA" keygen -o "keys/$k" >/dev/null; done
  printf 'model: mlp\nversion: "1.0"\nsource: %s\ninputs:\n  input: [1, 784]\nvariants:\n  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n' \
    "$ROOT/../shared/models/mlp_784_256_10.onnx" > deploy.yaml
  "$MOTA" package deploy.yaml -o staging >/dev/null 2>&1
  "$MOTA" repo init --repo repo --root-key keys/root.key --threshold 1 \
    --targets-key keys/targets.key --snapshot-key keys/snapshot.key \
    --timestamp-key keys/timestamp.key >/dev/null
  "$MOTA" repo add staging --repo repo --targets-key keys/targets.key \
    --snapshot-key keys/snapshot.key --timestamp-key keys/timestamp.key >/dev/null
fi
BIG="$(find repo/blobs -type f -size +4M | head -1)"
if [ -z "$BIG" ]; then
  head -c $((8 << 20)) /dev/urandom > big.bin
  SUM="$(sha256sum big.bin | cut -c1-64)"
  mv big.bin "repo/blobs/$SUM"
  BIG="repo/blobs/$SUM"
fi
BLOB="$(basename "$BIG")"
BLOB_SIZE="$(stat -c %s "$BIG")"
"$MOTA" mirror export --repo repo -o mirror --force >/dev/null

# nginx over the mirror, with the example server block the export wrote.
NGX="$WORK/nginx"
rm -rf "$NGX"; mkdir -p "$NGX/logs"
NGINX_PORT=$(( 20000 + RANDOM % 20000 ))
sed "s/listen 8080;/listen 127.0.0.1:$NGINX_PORT reuseport; keepalive_requests 1000000;/" \
  mirror/nginx.conf.example > "$NGX/server.conf"
{
  [ "$(id -u)" = 0 ] && echo "user root;"
  echo "worker_processes $THREADS; pid $NGX/nginx.pid; error_log $NGX/logs/error.log;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log $NGX/logs/access.log combined buffer=64k;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $NGX/$t;"; done
  echo "  include $NGX/server.conf; }"
} > "$NGX/nginx.conf"
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!

"$MOTA" serve --repo repo --listen 127.0.0.1:0 --threads "$THREADS" --log "$WORK/serve.log" \
  > serve.out 2> serve.err &
SERVE_PID=$!
trap 'kill $SERVE_PID $NGINX_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening serve.out 2>/dev/null && break; sleep 0.05; done
MOTA_PORT="$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' serve.out)"
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/metadata/timestamp.json" && break; sleep 0.05; done

# CPU ticks (1/100 s) used so far by a process and its children (nginx: master + workers).
cpu_ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
  done
  echo $t
}

# wrk_case LABEL PORT PID CONNECTIONS PATH [lua] -> "req/s bytes/s errors cpu_us_per_request"
# (raw output: WORK/wrk-LABEL.txt)
wrk_case() {
  local label=$1 port=$2 pid=$3 conns=$4 path=$5 lua=${6:-}
  local out before after
  before=$(cpu_ticks "$pid")
  out="$(BLOB_SIZE=$BLOB_SIZE wrk -t"$WRK_THREADS" -c"$conns" -d"${SECONDS_PER_CASE}s" \
        ${lua:+-s "$lua"} "http://127.0.0.1:$port$path" 2>&1)"
  after=$(cpu_ticks "$pid")
  echo "$out" > "$WORK/wrk-$label.txt"
  local rps bps err non2xx n
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  bps="$(awk '/Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0;
          if (u=="KB") n*=1024; else if (u=="MB") n*=1048576; else if (u=="GB") n*=1073741824;
          printf "%.0f", n}' <<<"$out")"
  err="$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  n="$(awk '/requests in/ {print $1}' <<<"$out")"
  echo "$rps $bps $(( ${err:-0} + ${non2xx:-0} )) $(( (after - before) * 10000 / (n > 0 ? n : 1) ))"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

LUA="$ROOT/bench/server/range.lua"
REPS="${REPS:-3}"
echo "machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "threads=$THREADS wrk_threads=$WRK_THREADS ${SECONDS_PER_CASE}s per run, $REPS runs per server" \
     "and case, interleaved (mota, nginx, mota, ...); medians; errors summed over runs"
echo "blob $BLOB ($BLOB_SIZE bytes); mota :$MOTA_PORT, nginx :$NGINX_PORT"
printf '%-9s %5s | %10s %12s %5s %7s | %10s %12s %5s %7s | %5s %5s\n' case conns \
  "mota req/s" "mota B/s" errs "us/req" "nginx r/s" "nginx B/s" errs "us/req" "req x" "B x"
for conns in 64 512; do
  for kind in metadata range; do
    if [ $kind = metadata ]; then path=/metadata/timestamp.json; lua=""
    else path=/blobs/$BLOB; lua=$LUA; fi
    : > "$WORK/runs-mota"; : > "$WORK/runs-nginx"
    for rep in $(seq "$REPS"); do
      wrk_case mota-$kind-$conns-$rep "$MOTA_PORT" "$SERVE_PID" $conns $path $lua >> "$WORK/runs-mota"
      wrk_case nginx-$kind-$conns-$rep "$NGINX_PORT" "$NGINX_PID" $conns $path $lua >> "$WORK/runs-nginx"
    done
    col() { awk -v c="$2" '{print $c}' "$WORK/runs-$1" | median; }
    sum() { awk -v c="$2" '{s+=$c} END {print s}' "$WORK/runs-$1"; }
    m_rps=$(col mota 1); m_bps=$(col mota 2); m_err=$(sum mota 3); m_cpu=$(col mota 4)
    n_rps=$(col nginx 1); n_bps=$(col nginx 2); n_err=$(sum nginx 3); n_cpu=$(col nginx 4)
    printf '%-9s %5s | %10s %12s %5s %7s | %10s %12s %5s %7s | %5.2f %5.2f\n' \
      "$kind" $conns "$m_rps" "$m_bps" "$m_err" "$m_cpu" "$n_rps" "$n_bps" "$n_err" "$n_cpu" \
      "$(awk -v a="$m_rps" -v b="$n_rps" 'BEGIN {print a/b}')" \
      "$(awk -v a="$m_bps" -v b="$n_bps" 'BEGIN {print a/b}')"
  done
done
grep -H "Socket errors\|Non-2xx" "$WORK"/wrk-*.txt || echo "no socket errors, no non-2xx responses"
echo "per-response bytes (headers+body), metadata: mota $(curl -s -o /dev/null -w '%{size_header}+%{size_download}' "http://127.0.0.1:$MOTA_PORT/metadata/timestamp.json"), nginx $(curl -s -o /dev/null -w '%{size_header}+%{size_download}' "http://127.0.0.1:$NGINX_PORT/metadata/timestamp.json")"
