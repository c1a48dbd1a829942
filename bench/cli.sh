#!/usr/bin/env bash
# CLI start-up on the machine it runs on (target: median `jcluster ls` <= 150 ms):
#   - `jcluster ls` with hello-netty running (2 workers), with the CLI's class-data archive
#   - `jcluster --version` (the JVM and picocli, no primary)
#   - `jcluster ls` from a copy of the distribution without the archive, for comparison
#   - a JVM hello world (`java -cp dir Hello`), the yardstick: `ls` at most 2.5x it
# hyperfine runs each command N times (default 60) after 5 warm-ups. The commands take turns in
# rounds of N/3 runs, so that a slow spell of a shared machine does not land on one of them.
# Usage: bench/cli.sh [runs]. Uses a temporary JCLUSTER_HOME and a free port on loopback; stops
# everything it started, by pid, on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-60}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
bench_setup
NOCDS=$JCLUSTER_HOME/dist-without-archive
cleanup() {
  stop_everything
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$JC" start "$JAR" --name bench -i 2 -p "$PORT" >/dev/null
cp -a cli/target/jcluster "$NOCDS"
rm -f "$NOCDS"/lib/jcluster.jsa*

# The yardstick (target: `ls` at most 2.5x it): a JVM hello world, the same java, default flags.
mkdir -p "$JCLUSTER_HOME/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$JCLUSTER_HOME/hello/Hello.java"
javac -d "$JCLUSTER_HOME/hello" "$JCLUSTER_HOME/hello/Hello.java"

names=("jcluster ls" "jcluster --version" "jcluster ls, no archive" "java Hello (JVM hello world)")
cmds=("$JC ls" "$JC --version" "$NOCDS/bin/jcluster ls" "java -cp $JCLUSTER_HOME/hello Hello")
per_round=$(( (RUNS + 2) / 3 ))
samples=("" "" "" "")
for round in 1 2 3; do
  for i in 0 1 2 3; do
    hyperfine -N --warmup 5 --runs "$per_round" --export-json "$JCLUSTER_HOME/h.json" "${cmds[$i]}" >/dev/null 2>&1
    samples[$i]+=" $(python3 -c 'import json,sys; print(" ".join("%.1f" % (t * 1000) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' "$JCLUSTER_HOME/h.json")"
  done
done

stats() {  # median, p10, p90, min of the samples given as arguments
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {
    m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    printf "%.0f ms | %.0f ms | %.0f ms | %.0f ms | %d", m, a[int(NR*0.1)+1], a[int(NR*0.9)], a[1], NR }'
}

{
echo
echo "### CLI start-up ($(date -u +%F))"
echo
echo '`bench/cli.sh '"$RUNS"'`: hyperfine, hello-netty running with 2 workers; each command run in 3 rounds'
echo "taking turns with the others. $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1);"
echo "load average before: $load_before."
echo
echo "| command | median | p10 | p90 | min | runs |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in 0 1 2 3; do
  # shellcheck disable=SC2086
  echo "| \`${names[$i]}\` | $(stats ${samples[$i]}) |"
done
median_of() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# shellcheck disable=SC2086
echo
# shellcheck disable=SC2086
echo "\`jcluster ls\` median over the hello world's: $(awk -v a="$(median_of ${samples[0]})" -v b="$(median_of ${samples[3]})" 'BEGIN {printf "%.2f", a / b}')x."
} | tee -a bench/RESULTS.md
