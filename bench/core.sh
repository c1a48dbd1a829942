#!/usr/bin/env bash
# Core measurements on the machine it runs on:
#   - kill -9 of a worker -> its replacement answering on its slot (median and max of N runs)
#   - jcluster start -i 2 -> both workers ready
#   - the primary's RSS when idle
# Usage: bench/core.sh [runs]   (default 10). Uses a temporary JCLUSTER_HOME and a free port on
# loopback; stops everything it started, by pid, on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-10}
bench_setup
cleanup() {
  stop_everything
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
worker_pid() { "$JC" ls --json bench | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['workers'][$1]['pid'])"; }

# Kills come every second here: tell the backoff that a second of readiness is a stable run, so
# each kill measures a plain replacement rather than a growing backoff (the crash-loop guard and
# backoff are tested in CrashLoopIT).
cat > "$JCLUSTER_HOME/bench.toml" <<TOML
[app]
name = "bench"
jar = "$JAR"
instances = 2
port = $PORT
[restart]
stable_after = "1s"
TOML
t0=$(now_ms)
"$JC" start "$JCLUSTER_HOME/bench.toml" >/dev/null
t1=$(now_ms)
start_ms=$((t1 - t0))

samples=()
for i in $(seq 1 "$RUNS"); do
  old=$(worker_pid 0)
  k=$(now_ms)
  kill -9 "$old"
  # Connections that hash to slot 0 wait in the primary's socket until the replacement serves them.
  while :; do
    body=$(curl -s --max-time 30 "http://127.0.0.1:$PORT/" || true)
    case $body in
      *"slot=0 pid="*) pid=${body#*slot=0 pid=}; pid=${pid%% *}; [ "$pid" != "$old" ] && break ;;
    esac
  done
  samples+=($(( $(now_ms) - k )))
  sleep 1  # let the new worker settle so runs do not overlap
done
sorted=$(printf '%s\n' "${samples[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}')
max=$(echo "$sorted" | tail -1)

sleep 5
primary=$(cat "$JCLUSTER_HOME/run/bench/primary.pid")
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/"$primary"/status)

{
echo
echo "### Core: start, kill -9 to serving, idle RSS ($(date -u +%F))"
echo
echo '`bench/core.sh '"$RUNS"'`'
echo
cat <<OUT
- machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)
- start -i 2 to both workers ready: ${start_ms} ms
- kill -9 to replacement answering on slot 0, ${RUNS} runs: median ${median} ms, max ${max} ms (all: ${samples[*]})
- primary RSS when idle: $((rss_kb / 1024)) MiB (${rss_kb} kB)
OUT
} | tee -a bench/RESULTS.md
