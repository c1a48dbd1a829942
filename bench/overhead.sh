#!/usr/bin/env bash
# What running under jcluster costs: one worker under jcluster (the agent, its heartbeats, the
# preload library measuring requests at the socket) against the same jar as a plain `java -jar`, on
# loopback, for examples/hello-netty and the stock Spring Boot example (examples/hello-spring).
# Both servers run side by side, each in a session of its own (jcluster starts its workers with
# setsid; with the kernel's autogroup the CPU is shared between sessions first, so the plain JVM gets
# one too, and wrk stays in the script's). Once the app's start cache is made (its training run
# done: it runs once the app has settled, and would take CPU from the measured runs), each is warmed
# up under wrk, then the measured wrk runs alternate between them (ABBA), so both see the same
# machine. Two layouts:
#   unpinned  the servers and wrk -t2 share both cores, as the scheduler likes
#   pinned    the servers on CPU 0 (taskset), wrk -t1 on CPU 1
# Per app and layout it prints every run, the median requests per second of each, their spread
# (min-max), the ratio of the medians and the median of the per-round ratios, and the server's CPU
# per request (utime+stime from /proc); it appends the table to bench/RESULTS.md.
# Usage: bench/overhead.sh [rounds] [warm-up seconds] [seconds per run] [apps] [layouts]
#        (defaults 5, 20, 10, "netty spring", "unpinned pinned"; about 11 minutes with them on a quiet machine)
# To find where a difference comes from: JCLUSTER_ARGS adds arguments to `jcluster start` (say
# "--jvm-arg -XX:MaxRAMPercentage=25"), PLAIN_ARGS JVM arguments to the plain java, PLAIN_ENV
# variables to its environment ("SERVER_TOMCAT_MBEANREGISTRY_ENABLED=true"), PLAIN_SESSION=shared
# runs it in the script's session (beside wrk) instead of its own; NO_APPEND=1 leaves
# bench/RESULTS.md alone.
# Loopback only; stops everything it starts, by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-5}
WARM=${2:-20}
SECS=${3:-10}
APPS=${4:-netty spring}
LAYOUTS=${5:-unpinned pinned}
CONNS=64
read -r -a JCLUSTER_EXTRA <<< "${JCLUSTER_ARGS:-}"
read -r -a PLAIN_EXTRA <<< "${PLAIN_ARGS:-}"
read -r -a PLAIN_VARS <<< "${PLAIN_ENV:-}"
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
bench_setup # wrk, curl, the built distribution, JCLUSTER_HOME, JC, JAR (hello-netty), PORT
SPRING=$PWD/examples/hello-spring/target/hello-spring.jar
[ -f "$SPRING" ] || mvn -B -q package -DskipTests -pl examples/hello-spring
JAVA=$(command -v java)
PLAIN=() # pids of the plain JVMs
cleanup() {
  local p
  for p in "${PLAIN[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  stop_everything
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT
OUT=$(mktemp /tmp/overhead.XXXXXX)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

jar_of() { case $1 in netty) echo "$JAR" ;; spring) echo "$SPRING" ;; esac; }

await_answer() { # port
  local i
  for i in $(seq 1 240); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" && return 0
    sleep 0.5
  done
  echo "no answer on port $1" >&2
  return 1
}

# The CPU ticks (utime+stime) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One wrk run against a port: "<requests/s> <server cpu us per request>".
measure() { # port pid layout seconds
  local port=$1 pid=$2 layout=$3 secs=$4 t0 t1 out rps reqs
  t0=$(ticks "$pid")
  if [ "$layout" = pinned ]; then
    out=$(taskset -c 1 wrk -t1 -c$CONNS -d"${secs}s" "http://127.0.0.1:$port/")
  else
    out=$(wrk -t2 -c$CONNS -d"${secs}s" "http://127.0.0.1:$port/")
  fi
  t1=$(ticks "$pid")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then echo "$out" >&2; fi
  awk -v r="$rps" -v n="$reqs" -v d="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.0f %.1f\n", r, (n > 0 ? d / hz * 1e6 / n : 0) }'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

for app in $APPS; do
  jar=$(jar_of "$app")
  for layout in $LAYOUTS; do
    pin=()
    [ "$layout" = pinned ] && pin=(taskset -c 0)
    a_port=$(free_port)
    b_port=$(free_port)
    # A: one worker under jcluster (the primary and the worker inherit the pinning).
    "${pin[@]}" "$JC" start "$jar" -i 1 -p "$a_port" --name "over-$app" "${JCLUSTER_EXTRA[@]}" >/dev/null
    # B: the same jar, plain. The port as jcluster gives it: PORT (hello-netty), SERVER_PORT (Spring Boot).
    session=(setsid)
    [ "${PLAIN_SESSION:-own}" = shared ] && session=()
    env PORT="$b_port" SERVER_PORT="$b_port" "${PLAIN_VARS[@]}" "${pin[@]}" "${session[@]}" "$JAVA" "${PLAIN_EXTRA[@]}" -jar "$jar" >/dev/null 2>&1 &
    PLAIN+=($!)
    b_pid=$!
    await_answer "$a_port"
    await_answer "$b_port"
    [ "$(cat "/proc/$b_pid/comm")" = java ] || { echo "the plain JVM is not pid $b_pid" >&2; exit 1; }
    a_pid=$("$JC" ls "over-$app" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["workers"][0]["pid"])')
    echo "$app $layout: start cache $(await_start_cache "over-$app"); warming up both for ${WARM}s each" >&2
    measure "$a_port" "$a_pid" "$layout" "$WARM" >/dev/null
    measure "$b_port" "$b_pid" "$layout" "$WARM" >/dev/null
    : > "$OUT.a"; : > "$OUT.b"; : > "$OUT.r"
    for r in $(seq 1 "$ROUNDS"); do
      if [ $((r % 2)) = 1 ]; then order="a b"; else order="b a"; fi
      for who in $order; do
        if [ "$who" = a ]; then measure "$a_port" "$a_pid" "$layout" "$SECS" >> "$OUT.a"
        else measure "$b_port" "$b_pid" "$layout" "$SECS" >> "$OUT.b"; fi
      done
      paste -d' ' <(tail -1 "$OUT.a") <(tail -1 "$OUT.b") | awk '{printf "%.4f\n", $1 / $3}' >> "$OUT.r"
      echo "$app $layout round $r: jcluster $(tail -1 "$OUT.a" | cut -d' ' -f1) req/s, plain $(tail -1 "$OUT.b" | cut -d' ' -f1) req/s" >&2
    done
    "$JC" stop "over-$app" >/dev/null
    kill "$b_pid"; wait "$b_pid" 2>/dev/null || true
    a_med=$(cut -d' ' -f1 "$OUT.a" | median); b_med=$(cut -d' ' -f1 "$OUT.b" | median)
    a_cpu=$(cut -d' ' -f2 "$OUT.a" | median); b_cpu=$(cut -d' ' -f2 "$OUT.b" | median)
    r_med=$(median < "$OUT.r")
    {
      printf '%-6s %-8s jcluster %6.0f req/s (%s..%s) %5.1f us CPU/req | plain %6.0f req/s (%s..%s) %5.1f us CPU/req | ratio of medians %.3f, per-round ratios median %.3f (%s..%s)\n' \
        "$app" "$layout" "$a_med" "$(cut -d' ' -f1 "$OUT.a" | sort -n | head -1)" "$(cut -d' ' -f1 "$OUT.a" | sort -n | tail -1)" "$a_cpu" \
        "$b_med" "$(cut -d' ' -f1 "$OUT.b" | sort -n | head -1)" "$(cut -d' ' -f1 "$OUT.b" | sort -n | tail -1)" "$b_cpu" \
        "$(awk -v a="$a_med" -v b="$b_med" 'BEGIN {print a / b}')" "$r_med" "$(sort -n "$OUT.r" | head -1)" "$(sort -n "$OUT.r" | tail -1)"
      echo "       runs jcluster: $(cut -d' ' -f1 "$OUT.a" | tr '\n' ' ')  us CPU/req: $(cut -d' ' -f2 "$OUT.a" | tr '\n' ' ')"
      echo "       runs plain:    $(cut -d' ' -f1 "$OUT.b" | tr '\n' ' ')  us CPU/req: $(cut -d' ' -f2 "$OUT.b" | tr '\n' ' ')"
      echo "       per-round ratios: $(tr '\n' ' ' < "$OUT.r")"
    } >> "$OUT"
  done
done
rm -f "$OUT.a" "$OUT.b" "$OUT.r"

SUMMARY=$(cat "$OUT")
rm -f "$OUT"
echo "$SUMMARY"
[ "${NO_APPEND:-}" = 1 ] && exit 0
{
  echo
  echo "## Overhead: one worker under jcluster against plain java -jar"
  echo
  echo "\`bench/overhead.sh $ROUNDS $WARM $SECS \"$APPS\" \"$LAYOUTS\"\` on $(date -u +%Y-%m-%d), $(nproc) cores, $("$JAVA" -version 2>&1 | head -1),"
  echo "load average $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after; wrk -c$CONNS (unpinned: -t2, both cores shared;"
  echo "pinned: servers on CPU 0, wrk -t1 on CPU 1), ${WARM}s warm-up per server, $ROUNDS alternating runs of ${SECS}s each${JCLUSTER_ARGS:+; jcluster start ... $JCLUSTER_ARGS}${PLAIN_ARGS:+; plain java $PLAIN_ARGS}${PLAIN_ENV:+; plain env $PLAIN_ENV}${PLAIN_SESSION:+; plain JVM in the session of the script and wrk}:"
  echo
  echo '```'
  echo "$SUMMARY"
  echo '```'
} >> bench/RESULTS.md
