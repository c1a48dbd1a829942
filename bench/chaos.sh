#!/usr/bin/env bash
# Chaos soak: wrk load against hello-netty under jcluster (3 workers, handoff) while, every 2-5 s,
# one of these happens at random: kill -9 of a worker, SIGSTOP of a worker (the primary must find
# it hung, dump and replace it), a rolling reload, a scale up or down.
# Reports requests, errors, restarts and leaked processes. Errors are explained only by requests
# in flight on a killed (or stopped) worker: before each kill or stop, the script counts the
# victim's established connections on the port, and the sum bounds the acceptable errors.
# Usage: bench/chaos.sh [seconds]   (default 180). Loopback only; stops everything it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${1:-180}
bench_setup
WRK_PID=
cleanup() {
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null || true
  stop_everything
  rm -rf "$JCLUSTER_HOME"
}
trap cleanup EXIT

cat > "$JCLUSTER_HOME/chaos.toml" <<TOML
[app]
name = "chaos"
jar = "$JAR"
instances = 3
port = $PORT
[restart]
stable_after = "2s"
max_failures = 1000
[reload]
drain_timeout = "5s"
[health]
heartbeat_interval = "500ms"
heartbeat_timeout = "3s"
TOML
"$JC" start "$JCLUSTER_HOME/chaos.toml" >/dev/null

# Established connections of pid on the port: its socket inodes that /proc/net/tcp* lists as ESTABLISHED (01) on $PORT.
established() {
  local pid=$1 hexport
  hexport=$(printf ':%04X' "$PORT")
  local inodes
  inodes=$(ls -l /proc/"$pid"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | sort -u)
  [ -z "$inodes" ] && { echo 0; return; }
  awk -v port="$hexport" 'NR>1 && $4=="01" && index($2, port)>0 {print $10}' /proc/net/tcp /proc/net/tcp6 \
    | sort -u | comm -12 - <(echo "$inodes") | wc -l
}
worker_pids() { "$JC" ls --json chaos | python3 -c "import json,sys; print(' '.join(str(w['pid']) for w in json.load(sys.stdin)[0]['workers'] if w['pid'] and w['state']=='ready'))"; }

out=$(mktemp)
wrk -t2 -c64 -d"${DURATION}s" --timeout 10s -s bench/reload.lua "http://127.0.0.1:$PORT/" > "$out" 2>&1 &
WRK_PID=$!
kills=0 stops=0 reloads=0 reload_failures=0 scales=0 in_flight_bound=0 instances=3
end=$(( $(date +%s) + DURATION - 5 ))
sleep 3
while [ "$(date +%s)" -lt "$end" ]; do
  pids=($(worker_pids))
  action=$((RANDOM % 5))
  if [ "${#pids[@]}" -gt 0 ] && [ $action -le 1 ]; then
    victim=${pids[$((RANDOM % ${#pids[@]}))]}
    n=$(established "$victim")
    in_flight_bound=$((in_flight_bound + n))
    if [ $action -eq 0 ]; then kill -9 "$victim" && kills=$((kills + 1)); else kill -STOP "$victim" && stops=$((stops + 1)); fi
  elif [ $action -eq 2 ]; then
    if "$JC" reload chaos >/dev/null 2>&1; then reloads=$((reloads + 1)); else reload_failures=$((reload_failures + 1)); fi
  else
    if [ $instances -ge 4 ] || { [ $instances -gt 1 ] && [ $((RANDOM % 2)) -eq 0 ]; }; then target=$((instances - 1)); else target=$((instances + 1)); fi
    "$JC" scale chaos "$target" >/dev/null 2>&1 && { instances=$target; scales=$((scales + 1)); } || true
  fi
  sleep $((2 + RANDOM % 4))
done
wait "$WRK_PID" || true
WRK_PID=
restarts=$("$JC" ls --json chaos | python3 -c "import json,sys; print(sum(w['restarts'] for w in json.load(sys.stdin)[0]['workers']))")
"$JC" stop chaos >/dev/null
sleep 1
leaked=$(jcluster_pids | wc -l)

python3 - "$out" "$DURATION" "$kills" "$stops" "$reloads" "$reload_failures" "$scales" "$in_flight_bound" "$restarts" "$leaked" <<'PY' | tee -a bench/RESULTS.md
import re, sys, datetime
path, duration, kills, stops, reloads, reload_failures, scales, bound, restarts, leaked = sys.argv[1:]
text = open(path).read()
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
c, r, w, t, s = map(int, re.search(r"^errors connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", text, re.M).groups())
errors = c + r + w + t + non2xx
unexplained = max(0, errors - int(bound))
print(f"""
### Chaos soak ({datetime.date.today()}, {duration} s)

`bench/chaos.sh {duration}`: wrk -t2 -c64 against hello-netty (3 workers to start), with random kill -9,
SIGSTOP, reload and scale every 2-5 s.

- actions: {kills} kill -9, {stops} SIGSTOP, {reloads} reloads ({reload_failures} refused or failed), {scales} scales
- requests: {req}; worker restarts counted by the primary: {restarts}
- errors: {errors} (connect {c}, read {r}, write {w}, timeout {t}, non-2xx {non2xx})
- connections established on killed or stopped workers when they were hit: {bound} (the most requests that could be in flight on them)
- unexplained errors (beyond that bound): {unexplained}
- processes left after stop: {leaked}
""")
sys.exit(1 if unexplained or int(leaked) else 0)
PY
