#!/usr/bin/env bash
# Zero-downtime reload benchmark: wrk -t2 -c64 against hello-netty with 2 workers while `jcluster
# reload` runs, 10 s apart, once per setting given, the settings taking turns over ROUNDS rounds (default
# 2) so that they share the machine's load, in handoff mode (tcp_migrate_req=0); then listen=self
# (tcp_migrate_req=1) once per setting (SELF=1).
# Before each measured run the app serves wrk for 8 s, so that the steady rate is a warm one (and its
# start cache, aot_cache = "auto", is made first). wrk runs for at least the seconds given, and until 6 s
# after the last reload. Reports requests, non-2xx answers, socket errors, how long a reload took, the
# steady rate (median 1-s req/s away from reloads), the lowest 1-s req/s and the mean one during a
# reload or the 4 s after it, as ratios of the steady rate, and the latency percentiles. Appends the
# table, with the load average, to bench/RESULTS.md. Loopback only; stops what it starts; restores the sysctl.
# Settings (joined with '+', e.g. warmup=6s+share=100):
#   warmup=D   [reload] warmup = "D" (a bare duration, 3s, says the same)
#   share=N    [reload] start_share = N (100: a new worker gets its full share at once, as before it existed)
#   jdk25      [app] java = Temurin 25 (JAVA25, else /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
#   cache=off  [app] aot_cache = false
#   dist=DIR   the jcluster distribution in DIR (another build, side by side with this one)
# Usage: [ROUNDS=2] [SELF=0] [RESULTS=file] bench/reload.sh [seconds] [setting ...]   (default 40 0s 3s)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${1:-40}
shift || true
SETTINGS=("$@")
[ ${#SETTINGS[@]} -gt 0 ] || SETTINGS=(0s 3s)
ROUNDS=${ROUNDS:-2}
SELF=${SELF:-1} # 0: no listen=self rows
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
bench_setup
OWN_JC=$JC
MIGRATE_FILE=/proc/sys/net/ipv4/tcp_migrate_req
ORIGINAL_MIGRATE=$(cat $MIGRATE_FILE 2>/dev/null || echo "")
cleanup() {
  stop_everything
  for d in "${SETTINGS[@]}"; do case $d in *dist=*) d=${d#*dist=}; JC=${d%%+*}/bin/jcluster stop_everything ;; esac; done
  [ -n "$ORIGINAL_MIGRATE" ] && echo "$ORIGINAL_MIGRATE" > $MIGRATE_FILE || true
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT

# the [app] and [reload] lines of a setting, and its distribution's jcluster (in JC)
lines() { # setting
  local part
  APP_LINES="" RELOAD_LINES="" JC=$OWN_JC
  for part in ${1//+/ }; do
    case $part in
      [0-9]*s|[0-9]*ms) RELOAD_LINES+="warmup = \"$part\""$'\n' ;;
      warmup=*) RELOAD_LINES+="warmup = \"${part#warmup=}\""$'\n' ;;
      share=*) RELOAD_LINES+="start_share = ${part#share=}"$'\n' ;;
      jdk25) APP_LINES+="java = \"$JAVA25\""$'\n' ;;
      cache=off) APP_LINES+="aot_cache = false"$'\n' ;;
      dist=*) JC=${part#dist=}/bin/jcluster ;;
      *) echo "unknown setting: $part" >&2; exit 2 ;;
    esac
  done
}

run() { # name listen migrate setting
  local name=$1 listen=$2 migrate=$3 setting=$4 port out reloads=0 failed=0 app conf cache t0
  if [ -n "$ORIGINAL_MIGRATE" ]; then echo "$migrate" > $MIGRATE_FILE; elif [ "$migrate" = 1 ]; then echo "| $name | no tcp_migrate_req on this kernel |"; return; fi
  lines "$setting"
  port=$(free_port)
  app="bench-$listen-$(echo "$setting" | tr -c 'a-zA-Z0-9.\n' '-' | cut -c1-40)"
  conf="$JCLUSTER_HOME/$app.toml"
  printf '[app]\nname = "%s"\njar = "%s"\ninstances = 2\nport = %s\nlisten = "%s"\n%s[reload]\n%s' \
    "$app" "$JAR" "$port" "$listen" "$APP_LINES" "$RELOAD_LINES" > "$conf"
  "$JC" start "$conf" >/dev/null
  cache=$(await_start_cache "$app")
  wrk -t2 -c64 -d8s "http://127.0.0.1:$port/" >/dev/null 2>&1 # warm the first generation
  out=$(mktemp)
  wrk -t2 -c64 -d900s -s bench/reload.lua "http://127.0.0.1:$port/" > "$out" 2>&1 &
  local wrk_pid=$! windows=""
  t0=$(date +%s)
  sleep 6
  # a reload every 10 s while it ends, with its 4 s after, before the seconds asked for; at least one
  while [ $((reloads + failed)) -eq 0 ] || [ $(( $(date +%s) - t0 )) -lt $(( DURATION - 16 )) ]; do
    local s e
    s=$(date +%s.%N)
    if "$JC" reload "$app" >/dev/null 2>&1; then reloads=$((reloads + 1)); else failed=$((failed + 1)); fi
    e=$(date +%s.%N)
    windows="$windows $s:$e"
    [ $(( $(date +%s) - t0 )) -lt $(( DURATION - 16 )) ] && sleep 10 || break
  done
  sleep 6
  while [ $(( $(date +%s) - t0 )) -lt "$DURATION" ]; do sleep 1; done
  kill -INT $wrk_pid 2>/dev/null || true # wrk prints its summary (and the script's done()) on SIGINT
  wait $wrk_pid || true
  "$JC" stop "$app" >/dev/null
  python3 - "$out" "$name" "$setting (cache: $cache)" "$reloads" "$failed" "$windows" <<'PY'
import math, re, statistics, sys
path, name, setting, reloads, failed, windows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split()
text = open(path).read()
secs = {int(a): int(b) for a, b in re.findall(r"^second (\d+) (\d+)$", text, re.M)}
keys = sorted(secs)[1:-1]  # first and last seconds are partial
spans = [tuple(map(float, w.split(":"))) for w in windows]
# a second is "during a reload" from the reload's start to 4 s after its end (a cold worker is slow after it)
inside = [k for k in keys if any(math.floor(s) <= k <= e + 4 for s, e in spans)]
outside = [k for k in keys if k not in inside]
base = statistics.median(secs[k] for k in outside) if outside else 0
low = min((secs[k] for k in inside), default=base)
mean = statistics.mean(secs[k] for k in inside) if inside else base
took = statistics.median(e - s for s, e in spans) if spans else 0
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
errs = re.search(r"^errors connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", text, re.M).groups()
lat = dict((k, int(v) / 1000) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^latency_us (.*)$", text, re.M).group(1)))
print(f"| {name} | {setting} | {reloads} ok / {failed} failed | {took:.1f} s | {req} | {non2xx} | {errs[0]} / {errs[1]} / {errs[2]} / {errs[3]} "
      f"| {base:.0f} | {low} | **{low / base if base else 0:.2f}** | {mean / base if base else 0:.2f} | {lat['p99']:.0f} / {lat['max']:.0f} |")
PY
  rm -f "$out"
}

{
  echo
  echo "### Reload under load ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`ROUNDS=$ROUNDS SELF=$SELF bench/reload.sh $DURATION ${SETTINGS[*]}\`: wrk -t2 -c64 against hello-netty with 2 workers"
  echo "(warmed by 8 s of wrk first, its start cache made), \`jcluster reload\` 10 s apart for ${DURATION} s; load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Steady = median 1-s req/s away from reloads; lowest and mean = of the 1-s req/s from a reload's start to 4 s after its end."
  echo
  echo "| mode | setting | reloads | one reload took (median) | requests | non-2xx | socket errors connect / read / write / timeout | steady req/s | lowest 1-s req/s | lowest / steady | mean / steady | latency p99 / max ms |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${SETTINGS[@]}"; do run "handoff, tcp_migrate_req=0" handoff 0 "$s"; done
  done
  [ "$SELF" = 0 ] || for s in "${SETTINGS[@]}"; do run "self, tcp_migrate_req=1" self 1 "$s"; done
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee -a "${RESULTS:-bench/RESULTS.md}"
