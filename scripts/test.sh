#!/usr/bin/env bash
# Installs the dependencies, builds everything into build/ (Release, Ninja, warnings as errors)
# and runs every test. This is what CI runs (.ci/run). Works from any directory.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -LE slow        extra arguments go to ctest (here: skip tests labelled slow)
#
# Environment: MOTA_BUILD_DIR (default <repo>/build), MOTA_SHARED_DIR (default <repo>/../shared,
# the models folder's parent), MOTA_JOBS (build parallelism, default: number of cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MOTA_BUILD_DIR:-$ROOT/build}"
JOBS="${MOTA_JOBS:-$(nproc)}"

# setup.sh returns at once when every package is present; otherwise it installs them, as root
# or through sudo.
"$ROOT/scripts/setup.sh"

cmake_args=(-S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOTA_WERROR=ON
            -DMOTA_BUILD_TESTS=ON)
if [ -n "${MOTA_SHARED_DIR:-}" ]; then
  cmake_args+=("-DMOTA_SHARED_DIR=$(cd "$MOTA_SHARED_DIR" && pwd)")
fi

echo "== configure ($BUILD)"
cmake "${cmake_args[@]}"
echo "== build (-j$JOBS)"
start=$SECONDS
cmake --build "$BUILD" -j "$JOBS"
echo "== build took $((SECONDS - start)) s"
echo "== test"
start=$SECONDS
# A per-test timeout turns a hang into a failure instead of a stuck CI job.
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 900 "$@"
echo "== tests took $((SECONDS - start)) s"
