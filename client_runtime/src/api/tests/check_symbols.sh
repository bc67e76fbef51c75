#!/bin/sh
# Checks that mota.h's MOTA_API functions, include/mota/SYMBOLS and the functions libmota_api
# exports (global, default visibility) are the same list: nothing internal leaks, nothing
# declared is missing, and no exported name disappears unnoticed.
# With SHARED_LIBRARY, libmota.so's dynamic symbol table must be that list too.
# Usage: check_symbols.sh MOTA_H SYMBOLS LIBRARY [SHARED_LIBRARY]
set -eu
header=$1 symbols=$2 lib=$3 shared=${4:-}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mota_symbols_XXXXXX")
trap 'rm -rf "$dir"' EXIT
grep -o 'MOTA_API [^(]*(' "$header" | sed 's/($//' | awk '{print $NF}' | sed 's/^\*//' |
  grep '^mota_' | sort >"$dir/header"
grep -v '^#' "$symbols" | sort >"$dir/list"
readelf -sW "$lib" | awk '$4=="FUNC" && $5=="GLOBAL" && $6=="DEFAULT" && $7!="UND" {print $8}' |
  sort -u >"$dir/exported"
status=0
if ! diff -u "$dir/list" "$dir/header" >"$dir/d1"; then
  echo "mota.h (+) and SYMBOLS (-) disagree:" >&2; cat "$dir/d1" >&2; status=1
fi
if ! diff -u "$dir/list" "$dir/exported" >"$dir/d2"; then
  echo "the library's exported functions (+) and SYMBOLS (-) disagree:" >&2; cat "$dir/d2" >&2
  status=1
fi
if [ -n "$shared" ]; then
  nm -D --defined-only "$shared" | awk '{print $3}' | sort -u >"$dir/dynamic"
  if ! diff -u "$dir/list" "$dir/dynamic" >"$dir/d3"; then
    echo "$shared's dynamic symbols (+) and SYMBOLS (-) disagree:" >&2; cat "$dir/d3" >&2
    status=1
  fi
fi
[ $status -eq 0 ] && echo "$(wc -l <"$dir/list") symbols: mota.h, SYMBOLS and $lib $shared agree"
exit $status
