#!/bin/sh
# Builds the preload library from the C files beside this script with the system C compiler; Maven
# runs it in the compile phase.
# usage: build.sh <output.so>   (CC picks the compiler; default cc, then gcc; CFLAGS are added)
set -eu
out=$1
dir=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-}
if [ -z "$cc" ]; then
  for c in cc gcc; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
if [ -z "$cc" ]; then
  echo "jcluster: no C compiler to build $(basename "$out"), the preload library every worker of an app that links nothing needs." >&2
  echo "jcluster: install one and build again: apt-get install -y gcc" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086 # CFLAGS is a list of flags
"$cc" -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden -Wall -Wextra ${CFLAGS:-} -o "$out.tmp" "$dir"/*.c -ldl -lpthread
mv -f "$out.tmp" "$out"
