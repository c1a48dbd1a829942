#!/usr/bin/env bash
# Zero-downtime reload benchmark: wrk -t2 -c64 against hello-netty with 2 workers while `jcluster
# reload` runs, 10 s apart, with each [reload] warmup given (default "0s 3s": without and with the
# warm-up), alternated ROUNDS times (default 2) so that they share the machine's load, in handoff mode
# (tcp_migrate_req=0); then listen=self (tcp_migrate_req=1) once per warm-up.
# Before each measured run the app serves wrk for 8 s, so that the steady rate is a warm one.
# Reports requests, non-2xx answers, socket errors, how long a reload took, the steady rate (median
# 1-s req/s away from reloads) and the lowest 1-s req/s during a reload or the 4 s after it, as a
# ratio of the steady rate. Appends the table, with the load average, to bench/RESULTS.md.
# Loopback only; stops what it starts; restores the sysctl.
# Usage: [ROUNDS=2] [SELF=0] [RESULTS=file] bench/reload.sh [seconds] [warmup ...]   (default 40 0s 3s)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${1:-40}
shift || true
WARMUPS=("$@")
[ ${#WARMUPS[@]} -gt 0 ] || WARMUPS=(0s 3s)
ROUNDS=${ROUNDS:-2}
SELF=${SELF:-1} # 0: no listen=self rows
bench_setup
MIGRATE_FILE=/proc/sys/net/ipv4/tcp_migrate_req
ORIGINAL_MIGRATE=$(cat $MIGRATE_FILE 2>/dev/null || echo "")
cleanup() {
  stop_everything
  [ -n "$ORIGINAL_MIGRATE" ] && echo "$ORIGINAL_MIGRATE" > $MIGRATE_FILE || true
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT

run() { # name listen migrate warmup
  local name=$1 listen=$2 migrate=$3 warmup=$4 port out reloads=0 failed=0 app conf
  if [ -n "$ORIGINAL_MIGRATE" ]; then echo "$migrate" > $MIGRATE_FILE; elif [ "$migrate" = 1 ]; then echo "| $name | no tcp_migrate_req on this kernel |"; return; fi
  port=$(free_port)
  app="bench-$listen-${warmup}"
  conf="$JCLUSTER_HOME/$app.toml"
  printf '[app]\nname = "%s"\njar = "%s"\ninstances = 2\nport = %s\nlisten = "%s"\n[reload]\nwarmup = "%s"\n' \
    "$app" "$JAR" "$port" "$listen" "$warmup" > "$conf"
  "$JC" start "$conf" >/dev/null
  wrk -t2 -c64 -d8s "http://127.0.0.1:$port/" >/dev/null 2>&1 # warm the first generation
  out=$(mktemp)
  wrk -t2 -c64 -d"${DURATION}s" -s bench/reload.lua "http://127.0.0.1:$port/" > "$out" 2>&1 &
  local wrk_pid=$! windows="" t0
  t0=$(date +%s)
  sleep 6
  # a reload takes a few seconds (more with a warm-up): start one only if it ends, with its 4 s after, before wrk does
  while kill -0 $wrk_pid 2>/dev/null && [ $(( $(date +%s) - t0 )) -lt $(( DURATION - 16 )) ]; do
    local s e
    s=$(date +%s.%N)
    if "$JC" reload "$app" >/dev/null 2>&1; then reloads=$((reloads + 1)); else failed=$((failed + 1)); fi
    e=$(date +%s.%N)
    windows="$windows $s:$e"
    sleep 10
  done
  wait $wrk_pid || true
  "$JC" stop "$app" >/dev/null
  python3 - "$out" "$name" "$warmup" "$reloads" "$failed" "$windows" <<'PY'
import math, re, statistics, sys
path, name, warmup, reloads, failed, windows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split()
text = open(path).read()
secs = {int(a): int(b) for a, b in re.findall(r"^second (\d+) (\d+)$", text, re.M)}
keys = sorted(secs)[1:-1]  # first and last seconds are partial
spans = [tuple(map(float, w.split(":"))) for w in windows]
# a second is "during a reload" from the reload's start to 4 s after its end (a cold worker is slow after it)
inside = [k for k in keys if any(math.floor(s) <= k <= e + 4 for s, e in spans)]
outside = [k for k in keys if k not in inside]
base = statistics.median(secs[k] for k in outside) if outside else 0
low = min((secs[k] for k in inside), default=base)
ratio = low / base if base else 0
took = statistics.median(e - s for s, e in spans) if spans else 0
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
errs = re.search(r"^errors connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", text, re.M).groups()
print(f"| {name} | {warmup} | {reloads} ok / {failed} failed | {took:.1f} s | {req} | {non2xx} | {errs[0]} / {errs[1]} / {errs[2]} / {errs[3]} "
      f"| {base:.0f} | {low} | **{ratio:.2f}** |")
PY
  rm -f "$out"
}

{
  echo
  echo "### Reload under load, with and without the warm-up ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/reload.sh $DURATION ${WARMUPS[*]}\` (ROUNDS=$ROUNDS): wrk -t2 -c64 -d${DURATION}s against hello-netty with 2 workers"
  echo "(warmed by 8 s of wrk first), \`jcluster reload\` 10 s apart, \`[reload] warmup\` as given; load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Steady = median 1-s req/s away from reloads; lowest = lowest 1-s req/s from a reload's start to 4 s after its end."
  echo
  echo "| mode | warmup | reloads | one reload took (median) | requests | non-2xx | socket errors connect / read / write / timeout | steady req/s | lowest 1-s req/s | lowest / steady |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for ((r = 1; r <= ROUNDS; r++)); do
    for w in "${WARMUPS[@]}"; do run "handoff, tcp_migrate_req=0" handoff 0 "$w"; done
  done
  [ "$SELF" = 0 ] || for w in "${WARMUPS[@]}"; do run "self, tcp_migrate_req=1" self 1 "$w"; done
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee -a "${RESULTS:-bench/RESULTS.md}"
