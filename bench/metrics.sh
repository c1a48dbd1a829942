#!/usr/bin/env bash
# Metrics and top: what the live figures cost, measured on the machine it runs on.
#   1. CPU of the primary at the default 1 s interval: 2 workers idle, 2 workers under load, 32 small-heap workers idle
#   2. CPU of `jcluster top` while it runs (in tmux, 200x50), and of the primary streaming to it
#   3. hello-netty requests per second, and worker CPU per request, under jcluster (agent + request
#      metrics + heartbeats + primary) against the same two workers without jcluster (no agent, no
#      metrics), in alternating wrk rounds; medians, since other load on the machine makes single runs noisy
# Usage: bench/metrics.sh            (WINDOW=60 ROUNDS=8 WRK_SECONDS=5 WORKERS_BIG=32 to change)
# Loopback only; a temporary JCLUSTER_HOME and free ports; bounded in time (each step has a deadline);
# stops everything it started, by pid, on exit. Installs wrk and tmux with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
WINDOW=${WINDOW:-60}
ROUNDS=${ROUNDS:-8}
WRK_SECONDS=${WRK_SECONDS:-5}
WORKERS_BIG=${WORKERS_BIG:-32}
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need tmux tmux
need python3 python3
[ -x cli/target/jcluster/bin/jcluster ] && [ -f examples/hello-netty/target/hello-netty.jar ] \
  || mvn -B -q package -DskipTests
JC=$PWD/cli/target/jcluster/bin/jcluster
JAR=$PWD/examples/hello-netty/target/hello-netty.jar
WORK=$(mktemp -d /tmp/jcluster-bench-metrics.XXXXXX)
export JCLUSTER_HOME=$WORK/home
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
STARTED=()  # pids this script started outside jcluster
cleanup() {
  tmux -S "$WORK/tmux.sock" kill-server >/dev/null 2>&1 || true
  "$JC" stop all >/dev/null 2>&1 || true
  for p in "${STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  # whatever is left of this home (a primary or worker that did not stop), by pid
  for p in $(grep -l "$JCLUSTER_HOME" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# percent of one core used by pid $1 over $2 seconds
cpu_percent() {
  local a b
  a=$(cpu_ticks "$1"); sleep "$2"; b=$(cpu_ticks "$1")
  python3 -c "print(f'{($b - $a) / $TICK / $2 * 100:.2f}')"
}
primary_pid() { cat "$JCLUSTER_HOME/run/$1/primary.pid"; }
wait_until() {  # seconds, command...
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 1; done
}
wrk_rps() { wrk -t2 -c64 -d"${WRK_SECONDS}s" --latency "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2}'; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. the primary at 1 Hz ----
PORT=$(free_port)
cat > "$WORK/bench.toml" <<EOF
[app]
name = "bench"
jar = "$JAR"
instances = 2
port = $PORT
jvm_args = ["-Xmx64m"]
EOF
"$JC" start "$WORK/bench.toml" >/dev/null
sleep 5
P=$(primary_pid bench)
primary_idle_2=$(cpu_percent "$P" "$WINDOW")
# under load: the heartbeats now carry latency and lag histograms
wrk -t1 -c16 -d"$((WINDOW + 5))s" "http://127.0.0.1:$PORT/" >/dev/null &
WRK=$!; STARTED+=("$WRK")
sleep 3
primary_load_2=$(cpu_percent "$P" "$WINDOW")
wait "$WRK" || true

BIG_PORT=$(free_port)
cat > "$WORK/big.toml" <<EOF
[app]
name = "big"
jar = "$JAR"
instances = $WORKERS_BIG
port = $BIG_PORT
jvm_args = ["-Xmx24m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1"]
[reload]
ready_timeout = "5m"
EOF
big_start=$(date +%s)
"$JC" start "$WORK/big.toml" >/dev/null
big_ready_s=$(( $(date +%s) - big_start ))
sleep 10
PB=$(primary_pid big)
primary_idle_big=$(cpu_percent "$PB" "$WINDOW")
primary_rss_big_kb=$(awk '/VmRSS/ {print $2}' "/proc/$PB/status")
"$JC" stop big >/dev/null

# ---- 2. jcluster top ----
TERM=xterm-256color tmux -S "$WORK/tmux.sock" new-session -d -s top -x 200 -y 50 \
  "env JCLUSTER_HOME=$JCLUSTER_HOME LANG=C.UTF-8 $JC top bench"
TOP=$(tmux -S "$WORK/tmux.sock" display -p -t top '#{pane_pid}')
wrk -t1 -c8 -d"$((WINDOW + 10))s" "http://127.0.0.1:$PORT/" >/dev/null &
WRK=$!; STARTED+=("$WRK")
sleep 8
top_ticks_a=$(cpu_ticks "$TOP"); prim_ticks_a=$(cpu_ticks "$P")
sleep "$WINDOW"
top_ticks_b=$(cpu_ticks "$TOP"); prim_ticks_b=$(cpu_ticks "$P")
top_cpu=$(python3 -c "print(f'{($top_ticks_b - $top_ticks_a) / $TICK / $WINDOW * 100:.2f}')")
primary_with_top=$(python3 -c "print(f'{($prim_ticks_b - $prim_ticks_a) / $TICK / $WINDOW * 100:.2f}')")
top_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$TOP/status")
wait "$WRK" || true
tmux -S "$WORK/tmux.sock" send-keys -t top q
sleep 2
tmux -S "$WORK/tmux.sock" kill-server >/dev/null 2>&1 || true

# ---- 3. requests per second with and without jcluster ----
# `jcluster start` runs the primary and its workers in a session of their own (setsid). With the
# kernel's autogroup scheduling (sched_autogroup_enabled=1) CPU is shared between sessions first, so
# on a busy machine the comparison is only fair when the plain JVMs also run in one session of
# their own, apart from wrk: otherwise the side that shares wrk's session wins by scheduling alone.
PLAIN_PORT=$(free_port)
setsid bash -c "java -Xmx64m -jar '$JAR' $PLAIN_PORT > '$WORK/plain-1.log' 2>&1 & echo \$! > '$WORK/plain-1.pid';
                java -Xmx64m -jar '$JAR' $PLAIN_PORT > '$WORK/plain-2.log' 2>&1 & echo \$! > '$WORK/plain-2.pid'; wait" \
  < /dev/null > /dev/null 2>&1 &
STARTED+=("$!")
disown "$!"  # killed by pid at the end; no job notice
wait_until 30 curl -sf "http://127.0.0.1:$PLAIN_PORT/" -o /dev/null
PLAIN=("$(cat "$WORK/plain-1.pid")" "$(cat "$WORK/plain-2.pid")")
STARTED+=("${PLAIN[@]}")
JW=($("$JC" ls --json bench | python3 -c "import json,sys; print(' '.join(str(w['pid']) for w in json.load(sys.stdin)[0]['workers']))"))
ticks_of() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
# one wrk run: "<req/s> <worker CPU microseconds per request>"
measure() {
  local port=$1; shift
  local a b out
  a=$(ticks_of "$@")
  out=$(wrk -t2 -c64 -d"${WRK_SECONDS}s" "http://127.0.0.1:$port/")
  b=$(ticks_of "$@")
  python3 -c "import sys; o=sys.argv[1].split(); print(o[0], ($b - $a) / $TICK * 1e6 / float(o[1]))" \
    "$(echo "$out" | awk '/Requests\/sec/ {rps=$2} /requests in/ {n=$1} END {print rps, n}')"
}
# Warm up: the plain JVMs start cold (the jcluster ones served the load above). Run both until each
# one's rate is within 10% of its previous run, for at most 12 rounds.
settled() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if b > 0 and abs(a-b)/b < 0.1 else 1)" "$1" "$2"; }
pj=0; pp=0
for w in $(seq 1 12); do
  cj=$(measure "$PORT" "${JW[@]}" | cut -d' ' -f1)
  cp=$(measure "$PLAIN_PORT" "${PLAIN[@]}" | cut -d' ' -f1)
  if settled "$cj" "$pj" && settled "$cp" "$pp"; then break; fi
  pj=$cj; pp=$cp
done
warmup_rounds=$w
: > "$WORK/ab.txt"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    echo "jcluster $(measure "$PORT" "${JW[@]}")" >> "$WORK/ab.txt"
    echo "plain $(measure "$PLAIN_PORT" "${PLAIN[@]}")" >> "$WORK/ab.txt"
  else
    echo "plain $(measure "$PLAIN_PORT" "${PLAIN[@]}")" >> "$WORK/ab.txt"
    echo "jcluster $(measure "$PORT" "${JW[@]}")" >> "$WORK/ab.txt"
  fi
done
summary=$(python3 - "$WORK/ab.txt" <<'PY'
import sys, statistics
runs = {"jcluster": [], "plain": []}
for line in open(sys.argv[1]):
    name, rps, cpu = line.split()
    runs[name].append((float(rps), float(cpu)))
def med(name, i): return statistics.median(r[i] for r in runs[name])
jr, pr, jc, pc = med("jcluster", 0), med("plain", 0), med("jcluster", 1), med("plain", 1)
print(f"{jr:.0f} {pr:.0f} {(pr - jr) / pr * 100:+.1f} {jc:.2f} {pc:.2f} {(jc - pc) / pc * 100:+.1f}")
print(" ".join(f"{r[0]:.0f}" for r in runs["jcluster"]))
print(" ".join(f"{r[0]:.0f}" for r in runs["plain"]))
PY
)
read -r jc_rps plain_rps rps_cost jc_cpu plain_cpu cpu_cost <<<"$(echo "$summary" | sed -n 1p)"
jc_all=$(echo "$summary" | sed -n 2p)
plain_all=$(echo "$summary" | sed -n 3p)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<OUT
jcluster metrics benchmark ($(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1))
load average at start: $LOAD_START, at end: $LOAD_END
primary CPU at 1 Hz, ${WINDOW}s windows (% of one core):
  2 workers idle:                        ${primary_idle_2}%
  2 workers under load (wrk -c16):       ${primary_load_2}%
  2 workers, top attached, under load:   ${primary_with_top}%
  ${WORKERS_BIG} small-heap workers idle:          ${primary_idle_big}%  (primary RSS $((primary_rss_big_kb / 1024)) MiB; all ${WORKERS_BIG} ready after ${big_ready_s}s)
jcluster top (200x50, 1 frame/s, ${WINDOW}s): ${top_cpu}% of one core, RSS $((top_rss_kb / 1024)) MiB
hello-netty, 2 workers, wrk -t2 -c64 -d${WRK_SECONDS}s, ${ROUNDS} rounds alternating (ABBA) after ${warmup_rounds} warm-up rounds, medians:
  under jcluster (agent + metrics): ${jc_rps} req/s, ${jc_cpu} us of worker CPU per request   (runs: ${jc_all})
  same JVMs without jcluster:       ${plain_rps} req/s, ${plain_cpu} us of worker CPU per request   (runs: ${plain_all})
  cost of jcluster's agent and metrics: ${rps_cost}% of RPS, ${cpu_cost}% CPU per request
OUT
