#!/usr/bin/env bash
# The start cache (`[app] aot_cache`) against none, side by side in one run, interleaved round by
# round (the order of the two alternates), for the Spring Boot example and hello-netty on a JDK 25
# (JCLUSTER_BENCH_JDK25, else /usr/lib/jvm/*25*), and the Spring Boot example on the default JDK 17:
#   - `jcluster start -i 2` to both workers answering, with the cache (made beforehand, its training
#     run timed apart) and with aot_cache = false
#   - two plain `java -jar` of the same jar started together (JDK 25, no cache) to both answering
#   - kill -9 of slot 0's worker to a new pid answering (no spare)
#   - PSS of the two workers together (/proc/<pid>/smaps_rollup), after a few requests
#   - that every worker of the cached runs maps the cache (/proc/<pid>/maps)
# Appends a "Start cache" section to bench/RESULTS.md with the load average, and stops everything it
# started, by pid. Bounded: every start and wait has a timeout.
# Usage: bench/warm.sh [rounds] [cases]   (default 3 rounds of spring25,netty25,spring17)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-3}
bench_setup
J25=${JCLUSTER_BENCH_JDK25:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)}/bin/java
[ -x "$J25" ] || { echo "bench/warm.sh needs a JDK 25 (set JCLUSTER_BENCH_JDK25 to its home)" >&2; exit 2; }
J17=$(readlink -f "$(command -v java)")
SPRING=$PWD/examples/hello-spring/target/hello-spring.jar
NETTY=$JAR
WORK=$(mktemp -d /tmp/warm-bench.XXXXXX)
PLAIN_PIDS=()
cleanup() {
  local p
  for p in "${PLAIN_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  stop_everything
  rm -rf "$JCLUSTER_HOME" "$WORK"
}
trap cleanup EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
answers() { curl -s --max-time 1 "http://127.0.0.1:$1/" | grep -q "pid="; }
await_http() { # port seconds
  local i
  for i in $(seq 1 $(($2 * 50))); do answers "$1" && return 0; sleep 0.02; done
  return 1
}
config() { # name jar java aot_cache port
  cat > "$WORK/$1.toml" <<TOML
[app]
name = "$1"
jar = "$2"
java = "$3"
instances = 2
port = $5
aot_cache = $4
TOML
}
pids() { "$JC" ls --json "$1" | python3 -c 'import json,sys; print(" ".join(str(w["pid"]) for w in json.load(sys.stdin)[0]["workers"]))'; }
cache_state() { "$JC" describe --json "$1" | python3 -c 'import json,sys; c=json.load(sys.stdin)["cache"]; print(c["state"].split(" ")[0], c.get("file") or "-")'; }
pss_kib() { local p t=0; for p in "$@"; do t=$((t + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo "$t"; }

# the last $2 "ready (…, N ms after start)" figures of app $1's primary.log: a worker's own JVM start to ready
worker_ms() { grep -o '[0-9]* ms after start)' "$JCLUSTER_HOME/logs/$1/primary.log" | tail -"$2" | cut -d' ' -f1; }

# makes the cache of app $1 (aot_cache = "auto"): one start, until describe says ready; prints ms to ready cache
make_cache() {
  local t state file deadline
  t=$(now_ms)
  timeout 300 "$JC" start "$WORK/$1.toml" >/dev/null
  deadline=$(( $(date +%s) + 400 ))
  while :; do
    read -r state file <<<"$(cache_state "$1")"
    [ "$state" = ready ] && break
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no cache for $1 within 400 s" >&2; "$JC" describe "$1" >&2; exit 1; }
    sleep 1
  done
  echo "$(( $(now_ms) - t ))"
  timeout 120 "$JC" stop "$1" >/dev/null
}

# one round of app $1 on port $2: "<start ms> <kill ms> <pss KiB> <mapped yes|no|-> <worker ms> <replacement ms>"
# (worker ms: the slower worker's own start to ready, as primary.log says; replacement ms: the replacement's)
one_run() {
  local app=$1 port=$2 t start kill pss mapped=- p pl worker replacement
  t=$(now_ms)
  timeout 300 "$JC" start "$WORK/$app.toml" >/dev/null
  await_http "$port" 60
  start=$(( $(now_ms) - t ))
  worker=$(worker_ms "$app" 2 | sort -n | tail -1)
  for _ in 1 2 3 4 5 6 7 8 9 10; do answers "$port" || true; done
  pl=$(pids "$app")
  pss=$(pss_kib $pl)
  if grep -q '^aot_cache = "auto"' "$WORK/$app.toml"; then
    mapped=yes
    for p in $pl; do grep -q "$JCLUSTER_HOME/cache/.*\.\(aot\|jsa\)" "/proc/$p/maps" || mapped=no; done
  fi
  kill -9 "${pl%% *}"
  kill=$(python3 bench/poll.py "$port" 120000 $pl)
  sleep 1
  replacement=$(worker_ms "$app" 1)
  if [ "$mapped" = yes ]; then
    for p in $(pids "$app"); do grep -q "$JCLUSTER_HOME/cache/.*\.\(aot\|jsa\)" "/proc/$p/maps" || mapped=no; done
  fi
  timeout 120 "$JC" stop "$app" >/dev/null
  echo "$start $kill $pss $mapped $worker $replacement"
}

# two plain JVMs of jar $1 with java $2 started together, to both answering; prints ms
plain_pair() {
  local jar=$1 java=$2 p1 p2 a b t ms
  a=$(free_port); b=$(free_port)
  t=$(now_ms)
  local args_a=() args_b=()
  case "$jar" in *spring*) args_a=("--server.port=$a"); args_b=("--server.port=$b") ;; esac
  PORT=$a "$java" -jar "$jar" "${args_a[@]}" >/dev/null 2>&1 & p1=$!
  PORT=$b "$java" -jar "$jar" "${args_b[@]}" >/dev/null 2>&1 & p2=$!
  PLAIN_PIDS=("$p1" "$p2")
  if await_http "$a" 120 && await_http "$b" 120; then ms=$(( $(now_ms) - t )); else ms=timeout; fi
  kill "$p1" "$p2" 2>/dev/null; wait "$p1" "$p2" 2>/dev/null || true
  PLAIN_PIDS=()
  echo "$ms"
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}')" "$1" "$2"; }
spread() { python3 -c "import sys; v = sorted(float(x) for x in sys.argv[1:] if x != 'timeout'); print(f'{v[0]:.2f}-{v[-1]:.2f}' if v else '-')" "$@"; }

# name:jar:java for the three cases; each has an "-on" (aot_cache = "auto", cache made) and an "-off" app
CASES=()
for c in "spring25:$SPRING:$J25" "netty25:$NETTY:$J25" "spring17:$SPRING:$J17"; do
  [[ ",${2:-spring25,netty25,spring17}," == *",${c%%:*},"* ]] && CASES+=("$c")
done
declare -A TRAIN PORTS
for c in "${CASES[@]}"; do
  IFS=: read -r name jar java <<<"$c"
  PORTS[$name]=$(free_port)
  config "$name-on" "$jar" "$java" '"auto"' "${PORTS[$name]}"
  config "$name-off" "$jar" "$java" false "${PORTS[$name]}"
  echo "making the cache of $name" >&2
  TRAIN[$name]=$(make_cache "$name-on")
done

declare -A START KILL PSS PLAIN MAPPED WORKER REPL
for round in $(seq 1 "$ROUNDS"); do
  for c in "${CASES[@]}"; do
    IFS=: read -r name jar java <<<"$c"
    order="on off"; [ $((round % 2)) = 0 ] && order="off on"
    for v in $order; do
      echo "round $round: $name-$v" >&2
      read -r s k p m w r <<<"$(one_run "$name-$v" "${PORTS[$name]}")"
      START[$name-$v]+="$s "; KILL[$name-$v]+="$k "; PSS[$name-$v]+="$p "; WORKER[$name-$v]+="$w "; REPL[$name-$v]+="$r "
      [ "$v" = on ] && [ "$m" != yes ] && MAPPED[$name]=no
    done
    [ "$name" = spring17 ] || PLAIN[$name]+="$(plain_pair "$jar" "$java") "
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

row() { # label name figure-array-name
  local -n fig=$3
  local on=(${fig[$2-on]}) off=(${fig[$2-off]}) ratios=() i mon moff
  for i in "${!on[@]}"; do ratios+=("$(ratio "${on[$i]}" "${off[$i]}")"); done
  mon=$(printf '%s\n' "${on[@]}" | median); moff=$(printf '%s\n' "${off[@]}" | median)
  echo "| $1 | $moff (${off[*]}) | $mon (${on[*]}) | $(ratio "$mon" "$moff") (per round: ${ratios[*]}; $(spread "${ratios[@]}")) |"
}
{
  echo
  echo "## Start cache: the AOT cache and CDS against none ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/warm.sh $ROUNDS ${2:-}\`: 2 workers, the app with \`aot_cache = \"auto\"\` (its cache made beforehand) and with"
  echo "\`aot_cache = false\` alternated round by round; medians of $ROUNDS rounds, every sample listed, and the ratio of"
  echo "each round (on / off) with their spread. $("$J25" -version 2>&1 | head -1) for the *25 rows; $("$J17" -version 2>&1 | head -1) for spring17."
  echo "Load average before: $LOAD_BEFORE; after: $LOAD_AFTER (other work on this shared machine slows both sides alike)."
  echo
  echo "| figure | without the cache | with the cache | with / without |"
  echo "| --- | --- | --- | --- |"
  for c in "${CASES[@]}"; do
    IFS=: read -r name jar java <<<"$c"
    row "$name: \`jcluster start -i 2\` to both answering, ms" "$name" START
    row "$name: the slower worker's own JVM start to ready (primary.log), ms" "$name" WORKER
    [ "$name" = spring17 ] && continue
    row "$name: kill -9 of a worker to a new pid answering, ms" "$name" KILL
    row "$name: the replacement's own JVM start to ready (primary.log), ms" "$name" REPL
    row "$name: PSS of the 2 workers together, KiB" "$name" PSS
  done
  echo
  for c in "${CASES[@]}"; do
    IFS=: read -r name jar java <<<"$c"
    on=(${START[$name-on]})
    if [ "$name" != spring17 ]; then
      pl=(${PLAIN[$name]})
      rs=(); for i in "${!on[@]}"; do rs+=("$(ratio "${on[$i]}" "${pl[$i]}")"); done
      echo "- $name: two plain \`java -jar\` started together, no cache, to both answering: $(printf '%s\n' "${pl[@]}" | median) ms (${pl[*]});"\
        "\`jcluster start -i 2\` with the cache / that: $(ratio "$(printf '%s\n' "${on[@]}" | median)" "$(printf '%s\n' "${pl[@]}" | median)") (per round: ${rs[*]})."
    fi
    echo "- $name: the training run, from the start that made it to the cache ready (after both workers were ready): ${TRAIN[$name]} ms;"\
      "every worker of the cached runs mapped the cache: ${MAPPED[$name]:-yes}."
  done
} | tee -a bench/RESULTS.md
