#!/usr/bin/env bash
# Rolling deploys across a fleet, timed host by host: examples/fleet/fleet.sh builds 3 hosts (network
# namespaces, jcluster with 2 workers of hello-netty each) behind HAProxy; under wrk -t2 -c16 through
# HAProxy, each round deploys a new jar (hello-netty with one file added, so a release of its own) twice:
# once taking each host out by readiness first (cordon, reload, uncordon), once reloading each host in
# place; which goes first alternates from round to round. Reports, for every deploy, each host's time out
# of the balancer, its reload and its way back, and the lowest 1-s rate through HAProxy during the deploy
# as a ratio of the steady rate (the median 1-s rate of the 8 s before it), then failed requests.
# Appends the table, with the load average, to bench/RESULTS.md. Root only (network namespaces);
# nothing outside the fleet's namespaces; stops what it starts.
# Usage: [RESULTS=file] flock -x /tmp/jcluster-heavy.lock bench/fleet.sh [rounds]   (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
RESULTS=${RESULTS:-bench/RESULTS.md}
command -v wrk >/dev/null && command -v haproxy >/dev/null && command -v curl >/dev/null \
  || { apt-get update -qq && apt-get install -y -qq wrk haproxy curl iproute2 >/dev/null; }
[ -x cli/target/jcluster/bin/jcluster ] && [ -f examples/hello-netty/target/hello-netty.jar ] || mvn -B -q package -DskipTests
export JCLUSTER=$PWD/cli/target/jcluster/bin/jcluster
JAR=$PWD/examples/hello-netty/target/hello-netty.jar
JAVA_HOME_=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
WORK=$(mktemp -d /tmp/jcluster-fleet-bench.XXXXXX)
FLEET="$PWD/examples/fleet/fleet.sh"
cleanup() {
  [ -n "${WRK_PID:-}" ] && { kill "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; }
  "$FLEET" down "$WORK/fleet" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

release() { # n -> a jar of its own: hello-netty with release.txt = n
  local dir="$WORK/release-$1"
  mkdir -p "$dir"
  cp "$JAR" "$dir/hello-netty.jar"
  echo "$1" > "$dir/release.txt"
  (cd "$dir" && "$JAVA_HOME_/bin/jar" uf hello-netty.jar release.txt)
  echo "$dir/hello-netty.jar"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$FLEET" up "$WORK/fleet" "$(release 0)" 3 >/dev/null
"$FLEET" load "$WORK/fleet" 3600 > "$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
sleep 10
: > "$WORK/deploys.txt"
n=0
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then modes="out in-place"; else modes="in-place out"; fi
  for mode in $modes; do
    n=$((n + 1))
    jar=$(release "$n")
    s=$(date +%s)
    if [ "$mode" = out ]; then out=$("$FLEET" deploy "$WORK/fleet" "$jar" 2>&1) || true
    else out=$("$FLEET" deploy "$WORK/fleet" "$jar" --in-place 2>&1) || true; fi
    e=$(date +%s)
    printf 'deploy %s %s %s %s\n%s\n' "$round" "$mode" "$s" "$e" "$out" >> "$WORK/deploys.txt"
    sleep 8
  done
done
kill -INT "$WRK_PID" # wrk reports what it has at SIGINT
wait "$WRK_PID" || true
WRK_PID=
python3 - "$WORK/wrk.txt" "$WORK/deploys.txt" "$ROUNDS" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(uname -r)" \
    "$(java -version 2>&1 | head -1)" >> "$RESULTS" <<'PY'
import re, statistics, sys
wrk, deploys, rounds, before, after, kernel, java = sys.argv[1:8]
text = open(wrk).read()
per = {int(s): int(c) for s, c in re.findall(r"^second (\d+) (\d+)$", text, re.M)}
requests = int(re.search(r"^requests (\d+)$", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)$", text, re.M).group(1))
errors = re.search(r"^errors (.*)$", text, re.M).group(1)
rows, ratios, totals = [], {"out": [], "in-place": []}, {"out": [], "in-place": []}
blocks = re.split(r"^deploy ", open(deploys).read(), flags=re.M)[1:]
for b in blocks:
    head, *lines = b.strip().split("\n")
    rnd, mode, s, e = head.split()
    s, e = int(s), int(e)
    steady = statistics.median([per.get(t, 0) for t in range(s - 8, s)])
    low = min(per.get(t, 0) for t in range(s, e + 1))
    hosts = {m[0]: m[1:] for m in re.findall(r"^(h\d): out ([\d.]+) s, reload ([\d.]+) s, back ([\d.]+) s, total ([\d.]+) s$", "\n".join(lines), re.M)}
    ok = "deployed" in lines[-1] if lines else False
    cells = []
    for h in ("h1", "h2", "h3"):
        o, r, k, t = hosts.get(h, ("-",) * 4)
        cells.append(f"{o} / {r} / {k}" if mode == "out" else f"{r}")
        if h in hosts: totals[mode].append(float(t))
    ratio = low / steady if steady else 0
    ratios[mode].append(ratio)
    rows.append(f"| {rnd} | {'taken out by readiness' if mode == 'out' else 'reloaded in place'} | " + " | ".join(cells)
                + f" | {e - s} s | {steady:.0f} | {ratio:.2f} | {'ok' if ok else 'FAILED: ' + (lines[-1] if lines else '?')} |")
print(f"\n### Fleet deploys, host by host ({rounds} rounds)\n")
print(f"`bench/fleet.sh {rounds}`: 3 hosts (network namespaces on one bridge), each jcluster with 2 workers of hello-netty,"
      f" behind HAProxy (health checks on /readyz every 500 ms, fall 2, rise 2, slowstart 5s); wrk -t2 -c16 through HAProxy"
      f" all along; each deploy is a new jar (hello-netty with one file added). {kernel}, {java}; load average before:"
      f" {before}, after: {after}. Per host: out of the balancer / reload / back in, seconds (in place: the reload only).\n")
print("| round | deploy | h1 | h2 | h3 | deploy | steady req/s | lowest 1-s rate / steady | result |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows: print(r)
fmt = lambda xs: f"{statistics.median(xs):.2f} ({min(xs):.2f}-{max(xs):.2f})" if xs else "-"
print(f"\nLowest 1-s rate over the steady one, median (range): taken out {fmt(ratios['out'])}, in place {fmt(ratios['in-place'])}."
      f" Per host, all phases: taken out {fmt(totals['out'])} s, in place {fmt(totals['in-place'])} s."
      f" Requests: {requests}; non-2xx: {non2xx}; socket errors: {errors}.")
PY
tail -n 20 "$RESULTS"
