#!/bin/sh
# Builds and runs the preload library's unit tests (the *_test.c files beside this script, each
# linked with the library's files it tests), then the same again with AddressSanitizer and
# UndefinedBehaviorSanitizer. Maven runs it in the test phase; a failed check fails the build.
# usage: run.sh <work dir>   (CC picks the compiler, as for build.sh)
set -eu
work=$1
here=$(cd "$(dirname "$0")" && pwd)
main=$(cd "$here/../../../main/c" && pwd)
cc=${CC:-}
if [ -z "$cc" ]; then
  for c in cc gcc; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
[ -n "$cc" ] || { echo "jcluster: no C compiler for the preload library's tests: apt-get install -y gcc" >&2; exit 1; }
mkdir -p "$work"

# The library's files each test links.
sources() {
  case $1 in
    frame_test) echo "$main/frame.c" ;;
    http1_test) echo "$main/http1.c" ;;
    conns_test) echo "$main/conns.c" ;;
    protocols_test) echo "$main/protocols.c" ;;
    ports_test) echo "$main/init.c" ;;
    *) echo "jcluster: $1.c: say in run.sh which of the library's files it tests" >&2; exit 1 ;;
  esac
}

# run <label> <flags...>: builds every test with the flags and runs it.
run() {
  label=$1
  shift
  failed=0
  for t in "$here"/*_test.c; do
    name=$(basename "$t" .c)
    exe="$work/$name-$label"
    # shellcheck disable=SC2046 # sources is a list of files
    "$cc" -std=gnu11 -g -Wall -Wextra -Werror "$@" -o "$exe" "$t" $(sources "$name") -ldl -lpthread
    if ! "$exe"; then
      echo "jcluster: $name ($label) failed" >&2
      failed=1
    fi
  done
  return $failed
}

status=0
run plain -O2 || status=1
sanitize="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# shellcheck disable=SC2086
if echo 'int main(void){return 0;}' | "$cc" -x c $sanitize -o "$work/sanitizer-check" - 2>/dev/null; then
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 run sanitized $sanitize || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "jcluster: $cc cannot build with -fsanitize=address,undefined: install libasan and libubsan (Debian: apt-get install -y gcc, which brings libasan8 and libubsan1)" >&2
  status=1
else
  echo "jcluster: $cc cannot build with -fsanitize=address,undefined: the sanitized run of the preload library's tests is left out (under CI=true this fails)" >&2
fi
exit $status
