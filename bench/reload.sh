#!/usr/bin/env bash
# Zero-downtime reload benchmark: wrk -t2 -c64 -d30s against hello-netty with 2 workers while
# `jcluster reload` runs every 5 s, three ways:
#   1. handoff (default) with net.ipv4.tcp_migrate_req=0
#   2. handoff with tcp_migrate_req=1
#   3. listen=self with tcp_migrate_req=1
# Reports requests, non-2xx answers, socket errors and the requests/s dip during reloads, and
# appends the table to bench/RESULTS.md. Loopback only; stops what it starts; restores the sysctl.
# Usage: bench/reload.sh [seconds]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${1:-30}
bench_setup
MIGRATE_FILE=/proc/sys/net/ipv4/tcp_migrate_req
ORIGINAL_MIGRATE=$(cat $MIGRATE_FILE 2>/dev/null || echo "")
cleanup() {
  stop_everything
  [ -n "$ORIGINAL_MIGRATE" ] && echo "$ORIGINAL_MIGRATE" > $MIGRATE_FILE || true
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT

run() { # name listen migrate
  local name=$1 listen=$2 migrate=$3 port out reloads=0 failed=0
  if [ -n "$ORIGINAL_MIGRATE" ]; then echo "$migrate" > $MIGRATE_FILE; elif [ "$migrate" = 1 ]; then echo "| $name | no tcp_migrate_req on this kernel |"; return; fi
  port=$(free_port)
  "$JC" start "$JAR" -i 2 -p "$port" --name "bench-$listen" --listen "$listen" >/dev/null
  out=$(mktemp)
  wrk -t2 -c64 -d"${DURATION}s" -s bench/reload.lua "http://127.0.0.1:$port/" > "$out" 2>&1 &
  local wrk_pid=$! windows=""
  sleep 5
  while kill -0 $wrk_pid 2>/dev/null; do
    local s e
    s=$(date +%s)
    if "$JC" reload "bench-$listen" >/dev/null 2>&1; then reloads=$((reloads + 1)); else failed=$((failed + 1)); fi
    e=$(date +%s)
    windows="$windows $s:$e"
    sleep 5
  done
  wait $wrk_pid || true
  "$JC" stop "bench-$listen" >/dev/null
  python3 - "$out" "$name" "$reloads" "$failed" "$windows" <<'PY'
import re, statistics, sys
path, name, reloads, failed, windows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split()
text = open(path).read()
secs = {int(a): int(b) for a, b in re.findall(r"^second (\d+) (\d+)$", text, re.M)}
keys = sorted(secs)[1:-1]  # first and last seconds are partial
spans = [tuple(map(int, w.split(":"))) for w in windows]
inside = [k for k in keys if any(s <= k <= e for s, e in spans)]
outside = [k for k in keys if k not in inside]
base = statistics.median(secs[k] for k in outside) if outside else 0
low = min((secs[k] for k in inside), default=base)
dip = 100.0 * (1 - low / base) if base else 0
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
errs = re.search(r"^errors connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", text, re.M).groups()
print(f"| {name} | {reloads} ok / {failed} failed | {req} | {non2xx} | {errs[0]} / {errs[1]} / {errs[2]} / {errs[3]} "
      f"| {base:.0f} | {low} ({dip:.0f}% dip) |")
PY
  rm -f "$out"
}

{
  echo
  echo "### Reload under load ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/reload.sh $DURATION\`: wrk -t2 -c64 -d${DURATION}s against hello-netty with 2 workers, \`jcluster reload\` every 5 s."
  echo
  echo "| mode | reloads | requests | non-2xx | socket errors connect / read / write / timeout | median req/s outside reloads | lowest req/s during a reload |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  run "handoff, tcp_migrate_req=0" handoff 0
  run "handoff, tcp_migrate_req=1" handoff 1
  run "self, tcp_migrate_req=1" self 1
} | tee -a bench/RESULTS.md
