#!/usr/bin/env bash
# Class-data archives (`[app] cds = true`) against none, side by side in one run, for the Spring Boot
# example (hello-spring, one worker, listen = "self") and hello-netty (one worker, handoff):
#   - `jcluster start` to ready (it returns when every worker is ready), cds off and on, alternated
#     run by run so that both see the same load; the cds-on app's archive is made by a first start
#     (timed apart: for Spring Boot it extracts the jar and runs the training run before its worker;
#     for other jars the first worker writes the archive at its stop)
#   - for Spring Boot, also its extracted jar run with cds off (how much is the extraction alone), and
#     Spring's own "process running for" figure (JVM start to context refreshed)
#   - the worker's own start to ready as primary.log says it, and the CPU time (user + system) the
#     worker JVM had used when `start` returned: on a shared, loaded machine CPU time moves far less
#     with the load than wall time does
#   - that every cds-on worker mapped its app's archive (/proc/<pid>/maps)
# Appends a "Class-data archives" section to bench/RESULTS.md with the load average, and stops
# everything it started, by pid.
# Usage: bench/cds.sh [runs]   (default 5; each start is bounded by `timeout 180`)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-5}
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
SPRING=$PWD/examples/hello-spring/target/hello-spring.jar
NETTY=$PWD/examples/hello-netty/target/hello-netty.jar
[ -x cli/target/jcluster/bin/jcluster ] && [ -f "$SPRING" ] && [ -f "$NETTY" ] || mvn -o -B -q package -DskipTests
JC=$PWD/cli/target/jcluster/bin/jcluster
export JCLUSTER_HOME
JCLUSTER_HOME=$(mktemp -d /tmp/jcluster-cds-bench.XXXXXX)
WORK=$(mktemp -d /tmp/cds-bench.XXXXXX)
trap 'stop_everything; rm -rf "$JCLUSTER_HOME" "$WORK"' EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

config() { # name jar port cds listen
  cat > "$WORK/$1.toml" <<EOF
[app]
name = "$1"
jar = "$2"
instances = 1
port = $3
listen = "$5"
cds = $4
EOF
}

worker_pid() { "$JC" ls --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["workers"][0]["pid"])'; }

# One start of app $1 on port $2: prints "<ms to ready> <mapped: yes|no|-> <spring's 'process running for' in ms or ->
# <the worker's start to ready as the primary logs it, in ms> <the worker's CPU time at ready, in ms>".
one_start() {
  local app=$1 port=$2 t0 t1 pid mapped=- spring=- worker=- cpu=-
  t0=$(date +%s%N)
  timeout 180 "$JC" start "$WORK/$app.toml" >/dev/null
  t1=$(date +%s%N)
  curl -fsS -m 20 "http://127.0.0.1:$port/" >/dev/null
  pid=$(worker_pid "$app")
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000 / hz}' "/proc/$pid/stat")
  if grep -q '^cds = true' "$WORK/$app.toml"; then
    if grep -q "$JCLUSTER_HOME/cache/$app/cds/.*\.jsa" "/proc/$pid/maps"; then mapped=yes; else mapped=no; fi
  fi
  spring=$(grep -o 'process running for [0-9.]*' "$JCLUSTER_HOME/logs/$app/0.log" 2>/dev/null | tail -1 \
    | awk '{printf "%d", $4 * 1000}')
  worker=$(grep -o '[0-9]* ms after start)' "$JCLUSTER_HOME/logs/$app/primary.log" | tail -1 | cut -d' ' -f1)
  timeout 120 "$JC" stop "$app" >/dev/null
  echo "$(( (t1 - t0) / 1000000 )) $mapped ${spring:--} ${worker:--} $cpu"
}

ROWS=()
for pair in "hello-spring:$SPRING:self" "hello-netty:$NETTY:handoff"; do
  IFS=: read -r name jar listen <<<"$pair"
  port=$(free_port)
  config "$name-off" "$jar" "$port" false "$listen"
  config "$name-on" "$jar" "$port" true "$listen"
  read -r dump_ms _ dump_spring _ _ <<<"$(one_start "$name-on" "$port")"
  ls "$JCLUSTER_HOME/cache/$name-on/cds/"*.jsa >/dev/null # the first run's worker wrote the archive at its stop
  off=(); on=(); ext=(); off_spring=(); on_spring=(); ext_spring=(); off_w=(); on_w=(); off_cpu=(); on_cpu=(); mapped_all=yes
  extracted=$(ls "$JCLUSTER_HOME/cache/$name-on/boot/"*/"$(basename "$jar")" 2>/dev/null | head -1 || true)
  [ -n "$extracted" ] && config "$name-ext" "$extracted" "$port" false "$listen"
  for _ in $(seq "$RUNS"); do
    read -r ms _ sp w c <<<"$(one_start "$name-off" "$port")"; off+=("$ms"); off_spring+=("$sp"); off_w+=("$w"); off_cpu+=("$c")
    if [ -n "$extracted" ]; then
      read -r ms _ sp _ _ <<<"$(one_start "$name-ext" "$port")"; ext+=("$ms"); ext_spring+=("$sp")
    fi
    read -r ms mapped sp w c <<<"$(one_start "$name-on" "$port")"; on+=("$ms"); on_spring+=("$sp"); on_w+=("$w"); on_cpu+=("$c")
    [ "$mapped" = yes ] || mapped_all=no
  done
  m_off=$(printf '%s\n' "${off[@]}" | median)
  m_on=$(printf '%s\n' "${on[@]}" | median)
  ratio=$(python3 -c "print(f'{$m_on / $m_off:.2f}')")
  m_ext=-
  [ -n "$extracted" ] && m_ext="$(printf '%s\n' "${ext[@]}" | median) ms (${ext[*]})"
  w_off=$(printf '%s\n' "${off_w[@]}" | median)
  w_on=$(printf '%s\n' "${on_w[@]}" | median)
  w_ratio=$(python3 -c "print(f'{$w_on / $w_off:.2f}')")
  c_off=$(printf '%s\n' "${off_cpu[@]}" | median)
  c_on=$(printf '%s\n' "${on_cpu[@]}" | median)
  c_ratio=$(python3 -c "print(f'{$c_on / $c_off:.2f}')")
  min_ratio=$(python3 -c "print(f'{min([$(IFS=,; echo "${on[*]}")]) / min([$(IFS=,; echo "${off[*]}")]):.2f}')")
  row="| $name | ${m_off} ms (${off[*]}) | ${m_ext} | ${m_on} ms (${on[*]}) | ${ratio}× (fastest: ${min_ratio}×) | ${w_off} → ${w_on} ms (${w_ratio}×) | ${c_off} → ${c_on} ms (${c_ratio}×) | ${dump_ms} ms | $mapped_all |"
  if [ "$name" = hello-spring ]; then
    s_off=$(printf '%s\n' "${off_spring[@]}" | median)
    s_on=$(printf '%s\n' "${on_spring[@]}" | median)
    s_ext=$(printf '%s\n' "${ext_spring[@]}" | median)
    s_ratio=$(python3 -c "print(f'{$s_on / $s_off:.2f}')")
    SPRING_ROW="Spring's own \"process running for\" (JVM start to context refreshed), medians: fat jar ${s_off} ms,\
 extracted without archive ${s_ext} ms, extracted with archive ${s_on} ms (${s_ratio}× the fat jar); first run ${dump_spring} ms."
  fi
  ROWS+=("$row")
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo
  echo "## Class-data archives ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/cds.sh $RUNS\`: \`jcluster start\` to ready (every worker ready), one worker, cds off and on alternated"
  echo "run by run; the cds-on app's archive was made by a first start (its time apart: Spring Boot's includes the\
 extraction and the training run). $(java -version 2>&1 | head -1)."
  echo "Load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
  echo
  echo "| app | cds off, median (runs) | extracted jar, cds off | cds on, median (runs) | on / off | worker start to ready (primary.log), off → on | worker CPU time at ready, off → on | first start (makes the archive) | archive mapped in every cds-on worker |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "$SPRING_ROW"
} | tee -a bench/RESULTS.md
