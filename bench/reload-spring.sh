#!/usr/bin/env bash
# What users feel while a Spring Boot service reloads: examples/hello-spring (a stock Spring Boot 3.5
# jar), 2 workers, under wrk -t2 -c64, `jcluster reload` back to back (1 s apart) until N reloads are
# done, once per setting given, the settings taking turns over ROUNDS rounds. Beside each run, one
# plain `java -jar` of the same jar to its first answer, on the otherwise idle machine (the yardstick
# of a reload's length). Reports failed reloads, non-2xx answers, socket errors (timeout: a request
# over wrk's 2 s), the latency percentiles and the longest, each reload's length against the plain
# start (idle, and beside the app under the same load), every reload's length, each new worker's start to
# ready (what a reload repeats once per slot) against the plain start, and appends the table to bench/RESULTS.md.
# Loopback only; stops what it starts.
# Settings (each adds lines to the example's jcluster.toml):
#   default        the example as it is
#   share=N        [reload] start_share = N   (a starting worker's share of the CPU, 1-100)
#   warmup=D       [reload] warmup = "D"
#   jdk25          [app] java = Temurin 25 (JAVA25, else /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
#   several joined with '+', e.g. share=10+warmup=5s
# Usage: [ROUNDS=1] bench/reload-spring.sh [reloads] [setting ...]   (default 10 default)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RELOADS=${1:-10}
shift || true
SETTINGS=("$@")
[ ${#SETTINGS[@]} -gt 0 ] || SETTINGS=(default)
ROUNDS=${ROUNDS:-1}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
bench_setup
SPRING=$PWD/examples/hello-spring/target/hello-spring.jar
[ -f "$SPRING" ] || mvn -B -q package -DskipTests -pl examples/hello-spring
trap 'stop_everything; rm -rf "$JCLUSTER_HOME"' EXIT

config() { # setting file: the example's config with the setting's lines
  local app="" reload="" part java=java
  for part in ${1//+/ }; do
    case $part in
      default) ;;
      share=*) reload="$reload"$'\n'"start_share = ${part#share=}" ;;
      warmup=*) reload="$reload"$'\n'"warmup = \"${part#warmup=}\"" ;;
      jdk25) java=$JAVA25; app="$app"$'\n'"java = \"$JAVA25\"" ;;
      *) echo "unknown setting: $part" >&2; exit 2 ;;
    esac
  done
  APP_LINES=$app RELOAD_LINES=$reload awk -v jar="$SPRING" '
    /^jar = / { print "jar = \"" jar "\""; next }
    { print }
    /^\[app\]$/ && ENVIRON["APP_LINES"] != "" { print substr(ENVIRON["APP_LINES"], 2) }
    /^\[reload\]$/ && ENVIRON["RELOAD_LINES"] != "" { print substr(ENVIRON["RELOAD_LINES"], 2) }' \
    examples/hello-spring/jcluster.toml > "$2"
  echo "$java"
}

run() { # setting
  local setting=$1 conf java plain loaded other out wrk_pid ok=0 failed=0 t times=() progress
  conf="$JCLUSTER_HOME/spring.toml"
  progress="$JCLUSTER_HOME/reload-progress.txt"
  : > "$progress"
  java=$(config "$setting" "$conf")
  plain=$(JAVA=$java plain_jvm_start "$SPRING" "$PORT" "--server.port=$PORT")
  "$JC" start "$conf" -i 2 -p "$PORT" --name spring >/dev/null
  # the start cache (aot_cache = "auto", the default) is made by a training run once the app has settled:
  # the reloads are measured with it, as the app runs from then on
  local state
  state=$(await_start_cache spring)
  # the first generation warms up under wrk; meanwhile one plain start beside it, on another port
  wrk -t2 -c64 -d120s "http://127.0.0.1:$PORT/" >/dev/null 2>&1 &
  wrk_pid=$!
  sleep 5
  other=$(free_port)
  loaded=$(JAVA=$java plain_jvm_start "$SPRING" "$other" "--server.port=$other")
  sleep 5
  kill $wrk_pid 2>/dev/null; wait $wrk_pid 2>/dev/null || true
  out=$(mktemp)
  wrk -t2 -c64 -d900s -s bench/reload.lua "http://127.0.0.1:$PORT/" > "$out" 2>&1 &
  wrk_pid=$!
  sleep 3
  while [ $((ok + failed)) -lt "$RELOADS" ]; do
    t=$(now_ms)
    # each progress line with the time it came: a new worker's "started pid" to its "ready"
    if "$JC" reload spring 2>&1 | while IFS= read -r line; do echo "$(now_ms) $line"; done >> "$progress"; then
      ok=$((ok + 1)); else failed=$((failed + 1)); fi
    times+=($(( $(now_ms) - t )))
    sleep 1
  done
  sleep 2
  kill -INT $wrk_pid 2>/dev/null || true # wrk prints its summary (and the script's done()) on SIGINT
  wait $wrk_pid || true
  "$JC" stop spring >/dev/null
  python3 - "$out" "$setting (start cache: $state)" "$ok" "$failed" "$plain" "$loaded" "${times[*]}" "$progress" <<'PY'
import re, statistics, sys
path, setting, ok, failed, plain, loaded, times, progress = sys.argv[1:9]
started, starts = {}, []
for line in open(progress):
    m = re.match(r"(\d+) .*?slot \d+: (?:started )?pid (\d+)(?: \(generation \d+\)| ready)", line)
    if m and " started pid " in line: started[m.group(2)] = int(m.group(1))
    elif m and m.group(2) in started: starts.append(int(m.group(1)) - started.pop(m.group(2)))
text = open(path).read()
times = [int(t) for t in times.split()]
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
e = dict(re.findall(r"(\w+)=(\d+)", re.search(r"^errors (.*)$", text, re.M).group(1)))
lat = dict((k, int(v) / 1000) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^latency_us (.*)$", text, re.M).group(1)))
longest = max(times) if times else 0
sec = lambda ms: f"{int(ms) / 1000:.1f} s" if ms.isdigit() else ms
ratio = lambda ms: f"{longest / int(ms):.1f}x" if ms.isdigit() else "-"
ratio_of = lambda xs, ms: f"{statistics.median(xs) / int(ms):.1f}x (longest {max(xs) / int(ms):.1f}x)" if xs and ms.isdigit() else "-"
print(f"| {setting} | {ok} ok / {failed} failed | {req} | {non2xx} | {e['connect']} / {e['read']} / {e['write']} | **{e['timeout']}** "
      f"| {lat['p50']:.0f} / {lat['p99']:.0f} / {lat['p999']:.0f} | **{lat['max']:.0f}** | {statistics.median(times) / 1000:.1f} / {longest / 1000:.1f} s "
      f"| {sec(plain)} / {sec(loaded)} | **{ratio(plain)}** / {ratio(loaded)} "
      f"| {' '.join(f'{t / 1000:.1f}' for t in times)} "
      f"| {statistics.median(starts) / 1000 if starts else 0:.1f} / {max(starts, default=0) / 1000:.1f} s "
      f"| {ratio_of(starts, plain)} / {ratio_of(starts, loaded)} |")
PY
  rm -f "$out"
}

{
  echo
  echo "### Spring Boot reloads under load ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`ROUNDS=$ROUNDS bench/reload-spring.sh $RELOADS ${SETTINGS[*]}\`: examples/hello-spring, 2 workers, wrk -t2 -c64 (2 s timeout),"
  echo "\`jcluster reload\` back to back (1 s apart); load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Plain start: one \`java -jar\` of the jar to its first answer on the idle machine just before the run, and one"
  echo "beside the running app under the same wrk load (what a cold start of the jar costs in those conditions)."
  echo
  echo "| setting | reloads | requests | non-2xx | socket errors connect / read / write | over 2 s | latency p50 / p99 / p99.9 ms | max ms | one reload median / longest | plain start idle / under load | longest reload / plain start idle / under load | every reload, s | a new worker's start to ready, median / longest | its median over the plain start idle / under load |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${SETTINGS[@]}"; do run "$s"; done
  done
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee -a "${RESULTS:-bench/RESULTS.md}"
