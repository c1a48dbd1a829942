#!/usr/bin/env bash
# The primary's own cost (a small, quiet primary), in one run on the machine it runs on:
#   - start: from `jcluster start` to the primary spawning its first worker (its log line), and from
#     the last worker's "ready" line to the CLI returning; hello-netty with 2 workers, N rounds
#   - footprint: the idle primary's RSS and CPU with 2 workers and with 32, sampled every minute for
#     M minutes after a minute of warm-up; PM2's daemon beside it (2 instances of a 10-line Node
#     cluster app) in the same run, for the ratio
# Appends a "Primary footprint and start" section to bench/RESULTS.md (with the load average) and
# stops everything it started, by pid.
# Usage: bench/primary.sh [rounds] [minutes] [big]   (defaults 5, 3, 32; every step is bounded in time)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-5}
MINUTES=${2:-3}
BIG=${3:-32}
PM2_VERSION=7.0.4
bench_setup
command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/primary-bench.XXXXXX)
export PM2_HOME=$WORK/pm2-home
PM2=$WORK/node_modules/.bin/pm2
cleanup() {
  [ -x "$PM2" ] && "$PM2" kill >/dev/null 2>&1 || true
  stop_everything
  rm -rf "$WORK" "$JCLUSTER_HOME"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
log_ms() { # the timestamp of the first line of primary.log matching $2, in ms
  local line
  line=$(grep -m1 -- "$2" "$JCLUSTER_HOME/logs/$1/primary.log" | cut -d' ' -f1) || return 1
  date -d "$line" +%s%3N
}
last_ms() {
  local line
  line=$(grep -- "$2" "$JCLUSTER_HOME/logs/$1/primary.log" | tail -1 | cut -d' ' -f1) || return 1
  date -d "$line" +%s%3N
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# ---- start ----
to_spawn=(); to_return=()
for r in $(seq 1 "$ROUNDS"); do
  app=start$r
  t0=$(now_ms)
  "$JC" start "$JAR" --name "$app" -i 2 -p "$PORT" >/dev/null
  t1=$(now_ms)
  to_spawn+=($(( $(log_ms "$app" "started worker") - t0 )))
  to_return+=($(( t1 - $(last_ms "$app" " ready (") )))
  "$JC" stop "$app" >/dev/null
done
spawn_median=$(printf '%s\n' "${to_spawn[@]}" | median)
return_median=$(printf '%s\n' "${to_return[@]}" | median)

# ---- footprint: sample a pid every minute ----
footprint() { # name pid -> "rss_min-rss_max cpu_min-cpu_max" over $MINUTES minutes
  local pid=$2 rs=() cs=() a b
  sleep 60
  for m in $(seq 1 "$MINUTES"); do
    a=$(ticks "$pid"); sleep 60; b=$(ticks "$pid")
    cs+=("$(awk -v d=$((b - a)) -v hz="$hz" 'BEGIN {printf "%.2f", d * 100 / hz / 60}')")
    rs+=($(( $(rss_kb "$pid") / 1024 )))
  done
  echo "$(printf '%s\n' "${rs[@]}" | sort -n | head -1)-$(printf '%s\n' "${rs[@]}" | sort -n | tail -1) MiB," \
       "$(printf '%s\n' "${cs[@]}" | sort -n | head -1)-$(printf '%s\n' "${cs[@]}" | sort -n | tail -1) %"
}

"$JC" start "$JAR" --name small -i 2 -p "$PORT" >/dev/null
small_pid=$(cat "$JCLUSTER_HOME/run/small/primary.pid")
small_threads=$(awk '/Threads/ {print $2}' "/proc/$small_pid/status")
small=$(footprint small "$small_pid")
"$JC" stop small >/dev/null

BIG_PORT=$(free_port)
"$JC" start "$JAR" --name big -i "$BIG" -p "$BIG_PORT" --jvm-arg=-Xmx48m >/dev/null
big_pid=$(cat "$JCLUSTER_HOME/run/big/primary.pid")
big=$(footprint big "$big_pid")
"$JC" stop big >/dev/null

# ---- PM2's daemon, in the same run ----
( cd "$WORK" && npm install --silent --no-audit --no-fund "pm2@$PM2_VERSION" >/dev/null 2>&1 ) || true
pm2_line="not measured (PM2 could not be installed)"
if [ -x "$PM2" ]; then
  NODE_PORT=$(free_port)
  cat > "$WORK/app.js" <<'JS'
require('http').createServer((q, s) => s.end('hello from node pid=' + process.pid + '\n')).listen(process.env.PORT);
JS
  PORT=$NODE_PORT "$PM2" start "$WORK/app.js" -i 2 --name bench >/dev/null
  pm2_pid=$(cat "$PM2_HOME/pm2.pid")
  pm2_line=$(footprint pm2 "$pm2_pid")
fi

{
  echo
  echo "### Primary footprint and start ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/primary.sh $ROUNDS $MINUTES $BIG\`; load average at the start: $LOAD_BEFORE. RSS and CPU of one core over"
  echo "each of $MINUTES minutes after a minute of warm-up (lowest-highest minute)."
  echo
  echo "| figure | value |"
  echo "| --- | --- |"
  echo "| \`jcluster start\` to the first worker spawned (median of $ROUNDS) | ${spawn_median} ms (${to_spawn[*]}) |"
  echo "| last worker ready to the CLI returning (median of $ROUNDS) | ${return_median} ms (${to_return[*]}) |"
  echo "| idle primary, 2 hello-netty workers | $small, $small_threads threads |"
  echo "| idle primary, $BIG hello-netty workers | $big |"
  echo "| PM2 $PM2_VERSION daemon, 2 instances of a Node app | $pm2_line |"
} | tee -a bench/RESULTS.md
