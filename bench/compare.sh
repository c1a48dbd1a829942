#!/usr/bin/env bash
# jcluster against PM2 on this machine, in one run, on loopback:
#   - CLI round trip: `jcluster ls` against `pm2 ls` (hyperfine), both with their app running
#   - start to ready: `jcluster start app.jar -i 2` against `pm2 start` of a tiny Node cluster app (2 instances)
#   - kill -9 of a worker to its replacement answering (jcluster also with `cds = true`, and with a
#     warm spare, `--spares 1`, for hello-netty and for the Spring Boot example, with and without)
#   - start to ready against one plain `java -jar` of the same jar to its first answer
#   - the supervisor's RSS and idle CPU (the app's primary; PM2's daemon, which is also the cluster master)
#   - failed requests under wrk while the app reloads every 5 s (`jcluster reload` against `pm2 reload`)
# It installs what it needs (hyperfine, wrk, curl, node and npm from Debian; PM2 from the npm
# registry into a temporary directory), appends a "jcluster vs PM2" section to bench/RESULTS.md and
# stops everything it started, by pid.
# Usage: bench/compare.sh [runs]   (default 5; every measurement is bounded in time)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-5}
PM2_VERSION=7.0.4
WRK_SECONDS=30

need() { # command package
  command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need hyperfine hyperfine
need node nodejs
need npm npm
bench_setup # wrk, curl, the built distribution, JCLUSTER_HOME, JC, JAR, PORT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

WORK=$(mktemp -d /tmp/pm2-bench.XXXXXX)
export PM2_HOME=$WORK/pm2-home
NODE_PORT=$(free_port)
PM2=$WORK/node_modules/.bin/pm2

# Processes PM2 started for this run: its daemon and workers carry our PM2_HOME.
pm2_pids() {
  local f p
  for f in /proc/[0-9]*/environ; do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] && continue
    { tr '\0' '\n' < "$f"; } 2>/dev/null | grep -qx "PM2_HOME=$PM2_HOME" && echo "$p"
  done
}
cleanup() {
  [ -x "$PM2" ] && "$PM2" kill >/dev/null 2>&1 || true
  local p
  for p in $(pm2_pids); do kill -9 "$p" 2>/dev/null || true; done
  stop_everything
  rm -rf "$WORK" "$JCLUSTER_HOME"
}
trap cleanup EXIT

echo "installing pm2@$PM2_VERSION into $WORK" >&2
npm install --prefix "$WORK" --no-audit --no-fund --loglevel=error "pm2@$PM2_VERSION" >/dev/null 2>&1

cat > "$WORK/app.js" <<'JS'
// A tiny HTTP app for PM2's cluster mode: answers its pid, says ready, closes gracefully on SIGINT.
const http = require('http');
const server = http.createServer((req, res) => {
  res.writeHead(200, {'Content-Type': 'text/plain'});
  res.end(`hello from node pid=${process.pid}\n`);
});
server.listen(Number(process.env.PORT), () => { if (process.send) process.send('ready'); });
process.on('SIGINT', () => server.close(() => process.exit(0)));
JS
cat > "$WORK/ecosystem.config.js" <<JS
module.exports = { apps: [{ name: 'node-hello', script: '$WORK/app.js', instances: 2, exec_mode: 'cluster',
  wait_ready: true, listen_timeout: 10000, kill_timeout: 5000, env: { PORT: '$NODE_PORT' } }] };
JS
cat > "$WORK/jcluster.toml" <<TOML
[app]
name = "hello-cds"
jar = "$JAR"
instances = 2
port = $PORT
cds = true
TOML


now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
await_http() { # port seconds
  local i
  for i in $(seq 1 $(($2 * 50))); do
    curl -s --max-time 1 "http://127.0.0.1:$1/" | grep -q "pid=" && return 0
    sleep 0.02
  done
  return 1
}
jc_pids() { "$JC" ls --json "$1" | python3 -c 'import json,sys; print(" ".join(str(w["pid"]) for w in json.load(sys.stdin)[0]["workers"]))'; }
pm2_worker_pids() { "$PM2" jlist 2>/dev/null | python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin) if p["name"]=="node-hello"))'; }
pm2_online() { "$PM2" jlist 2>/dev/null | python3 -c 'import json,sys; a=[p for p in json.load(sys.stdin) if p["name"]=="node-hello"]; print(sum(p["pm2_env"]["status"]=="online" for p in a))'; }
await_pm2_online() { # both instances online, at most 60 s
  local deadline=$(( $(date +%s) + 60 ))
  until [ "$(pm2_online)" = 2 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "PM2 did not bring both instances online within 60 s" >&2; return 1; }
    sleep 0.02
  done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

jc_spares_pids() { "$JC" ls --json "$1" | python3 -c 'import json,sys; print(" ".join(str(w["pid"]) for w in json.load(sys.stdin)[0].get("spares", [])))'; }
await_warm_spare() { # app: until its spare waits in its bind (state "spare"), at most 180 s
  local deadline=$(( $(date +%s) + 180 ))
  until "$JC" ls --json "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0].get("spares", []); sys.exit(0 if s and s[0]["state"] == "spare" else 1)'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no warm spare of $1 within 180 s" >&2; return 1; }
    sleep 0.1
  done
}
kill_to_answer() { # app port [spares]: RUNS times, kill -9 of slot 0's worker, ms until a pid that was not serving answers
  local out=() pids victim i
  for i in $(seq 1 "$RUNS"); do
    [ "${3:-}" = spares ] && await_warm_spare "$1"
    pids=$(jc_pids "$1"); victim=${pids%% *}
    kill -9 "$victim"
    out+=("$(python3 bench/poll.py "$2" 180000 $pids)")
    sleep 2
  done
  echo "${out[@]}"
}
plain_jvm_start() { # jar port args...: ms from `java -jar` to its first answer; the JVM is stopped by pid
  local jar=$1 port=$2 t pid ms; shift 2
  t=$(now_ms)
  PORT=$port java -jar "$jar" "$@" >/dev/null 2>&1 &
  pid=$!
  await_http "$port" 120 && ms=$(( $(now_ms) - t )) || ms=timeout
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo "$ms"
}
SPRING=$PWD/examples/hello-spring/target/hello-spring.jar

# ---- PM2's daemon, started once (its cold start is reported on its own) ----
t=$(now_ms); "$PM2" ping >/dev/null; pm2_daemon_ms=$(( $(now_ms) - t ))

# ---- start to ready ----
echo "start to ready, $RUNS runs each" >&2
jc_start=(); pm2_start=()
for i in $(seq 1 "$RUNS"); do
  t=$(now_ms)
  "$JC" start "$JAR" -i 2 -p "$PORT" --name hello >/dev/null
  await_http "$PORT" 60
  jc_start+=($(( $(now_ms) - t )))
  "$JC" stop hello >/dev/null

  t=$(now_ms)
  "$PM2" start "$WORK/ecosystem.config.js" >/dev/null
  await_pm2_online
  await_http "$NODE_PORT" 60
  pm2_start+=($(( $(now_ms) - t )))
  "$PM2" delete node-hello >/dev/null
done

# ---- one plain JVM of the same jar, to its first answer ----
echo "one plain java -jar to its first answer, $RUNS runs" >&2
plain_start=()
for i in $(seq 1 "$RUNS"); do plain_start+=("$(plain_jvm_start "$JAR" "$PORT" "$PORT")"); done

# ---- both apps up for the rest ----
"$JC" start "$JAR" -i 2 -p "$PORT" --name hello >/dev/null
"$PM2" start "$WORK/ecosystem.config.js" >/dev/null
await_pm2_online
await_http "$NODE_PORT" 60

# ---- CLI round trip ----
echo "CLI round trip (hyperfine)" >&2
hyperfine -N --warmup 3 --runs 40 --export-json "$WORK/cli.json" "$JC ls" "$PM2 ls" >/dev/null 2>&1
read -r jc_ls pm2_ls <<<"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join(str(round(x["median"] * 1000)) for x in r))' "$WORK/cli.json")"

# ---- idle supervisor: RSS and CPU over 20 s ----
echo "idle supervisors, 20 s" >&2
sleep 5
primary=$(cat "$JCLUSTER_HOME/run/hello/primary.pid")
god=$(cat "$PM2_HOME/pm2.pid")
hz=$(getconf CLK_TCK)
a1=$(cpu_ticks "$primary"); b1=$(cpu_ticks "$god")
sleep 20
a2=$(cpu_ticks "$primary"); b2=$(cpu_ticks "$god")
jc_cpu=$(python3 -c "print(f'{100 * ($a2 - $a1) / $hz / 20:.2f}')")
pm2_cpu=$(python3 -c "print(f'{100 * ($b2 - $b1) / $hz / 20:.2f}')")
jc_rss=$(rss_mib "$primary"); pm2_rss=$(rss_mib "$god")

# ---- kill -9 of a worker to its replacement answering ----
echo "kill -9 to serving, $RUNS runs each" >&2
jc_kill=(); pm2_kill=()
for i in $(seq 1 "$RUNS"); do
  pids=$(jc_pids hello); victim=${pids%% *}
  kill -9 "$victim"
  jc_kill+=("$(python3 bench/poll.py "$PORT" 60000 $pids)")
  sleep 2
  pids=$(pm2_worker_pids); victim=${pids%% *}
  kill -9 "$victim"
  pm2_kill+=("$(python3 bench/poll.py "$NODE_PORT" 60000 $pids)")
  sleep 2
done

# ---- jcluster with cds = true: the first run writes the archive, later workers use it ----
echo "kill -9 to serving with cds = true, $RUNS runs" >&2
"$JC" stop hello >/dev/null
"$JC" start "$WORK/jcluster.toml" >/dev/null # its training run makes the cache once the workers are ready
for i in $(seq 1 300); do
  "$JC" describe --json hello-cds | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["cache"]["state"] == "ready" else 1)' && break
  sleep 1
done
"$JC" stop hello-cds >/dev/null
cds_start=()
for i in $(seq 1 "$RUNS"); do
  t=$(now_ms)
  "$JC" start "$WORK/jcluster.toml" >/dev/null
  await_http "$PORT" 60
  cds_start+=($(( $(now_ms) - t )))
  [ "$i" = "$RUNS" ] || "$JC" stop hello-cds >/dev/null
done
cds_kill=()
for i in $(seq 1 "$RUNS"); do
  pids=$(jc_pids hello-cds); victim=${pids%% *}
  kill -9 "$victim"
  cds_kill+=("$(python3 bench/poll.py "$PORT" 60000 $pids)")
  sleep 2
done
cds_archive=$(ls "$JCLUSTER_HOME"/cache/hello-cds/cds/*.jsa 2>/dev/null | head -1 || true)
"$JC" stop hello-cds >/dev/null

# ---- warm spares: kill -9 to the slot answering again, with `--spares 1` and without ----
echo "kill -9 to serving with a warm spare (hello-netty, Spring Boot), $RUNS runs each" >&2
"$JC" start "$JAR" -i 2 --spares 1 -p "$PORT" --name hello-spare >/dev/null
spare_kill=($(kill_to_answer hello-spare "$PORT" spares))
spare_rss=$(rss_mib "$(jc_spares_pids hello-spare)" 2>/dev/null || echo "-")
"$JC" stop hello-spare >/dev/null
spring_plain=()
for i in $(seq 1 "$RUNS"); do spring_plain+=("$(plain_jvm_start "$SPRING" "$PORT" "--server.port=$PORT")"); done
spring_start=()
for i in $(seq 1 "$RUNS"); do
  t=$(now_ms)
  "$JC" start "$SPRING" -i 2 -p "$PORT" --name spring >/dev/null
  await_http "$PORT" 120
  spring_start+=($(( $(now_ms) - t )))
  [ "$i" = "$RUNS" ] || "$JC" stop spring >/dev/null
done
spring_kill=($(kill_to_answer spring "$PORT"))
"$JC" stop spring >/dev/null
"$JC" start "$SPRING" -i 2 --spares 1 -p "$PORT" --name spring-spare >/dev/null
spring_spare_kill=($(kill_to_answer spring-spare "$PORT" spares))
spring_spare_rss=$(rss_mib "$(jc_spares_pids spring-spare)" 2>/dev/null || echo "-")
"$JC" stop spring-spare >/dev/null
"$JC" start "$JAR" -i 2 -p "$PORT" --name hello >/dev/null

# ---- failed requests under wrk during reloads ----
wrk_during_reloads() { # port reload-command...
  local port=$1 out reloads=0 failed=0; shift
  out=$(mktemp)
  wrk -t2 -c32 -d"${WRK_SECONDS}s" -s bench/reload.lua "http://127.0.0.1:$port/" > "$out" 2>&1 &
  local wrk_pid=$!
  sleep 5
  while kill -0 $wrk_pid 2>/dev/null; do
    if "$@" >/dev/null 2>&1; then reloads=$((reloads + 1)); else failed=$((failed + 1)); fi
    sleep 5
  done
  wait $wrk_pid || true
  python3 - "$out" "$reloads" "$failed" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
req = int(re.search(r"^requests (\d+)", text, re.M).group(1))
non2xx = int(re.search(r"^non2xx (\d+)", text, re.M).group(1))
c, r, w, t, s = re.search(r"^errors connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", text, re.M).groups()
print(f"{sys.argv[2]} reloads ({sys.argv[3]} failed); {req} requests; {int(non2xx) + int(c) + int(r) + int(w) + int(t)} failed "
      f"(non-2xx {non2xx}, connect {c}, read {r}, write {w}, timeout {t})")
PY
  rm -f "$out"
}
echo "wrk during reloads, ${WRK_SECONDS} s each" >&2
if "$JC" reload --help >/dev/null 2>&1; then
  jc_reload=$(wrk_during_reloads "$PORT" "$JC" reload hello)
else
  jc_reload="skipped: this build has no \`jcluster reload\` (rerun after it is merged)"
fi
pm2_reload=$(wrk_during_reloads "$NODE_PORT" "$PM2" reload node-hello)

fmt() { printf '%s\n' "$@" | median; }
all() { echo "$*"; }
{
  echo
  echo "### jcluster vs PM2 ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/compare.sh $RUNS\`: hello-netty under jcluster (2 workers) and a 10-line Node cluster app under"
  echo "PM2 $PM2_VERSION (cluster mode, 2 instances, wait_ready), $(java -version 2>&1 | head -1), node $(node --version);"
  echo "loopback only. Medians of $RUNS runs unless said otherwise; every sample is listed. Load average"
  echo "before the run: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides)."
  echo
  echo "| measurement | jcluster | PM2 |"
  echo "| --- | --- | --- |"
  echo "| CLI round trip, median of 40 (\`jcluster ls\` / \`pm2 ls\`) | ${jc_ls} ms | ${pm2_ls} ms |"
  echo "| start to ready, 2 workers answering | $(fmt "${jc_start[@]}") ms ($(all "${jc_start[@]}")) | $(fmt "${pm2_start[@]}") ms ($(all "${pm2_start[@]}")); daemon cold start ${pm2_daemon_ms} ms on top, once |"
  echo "| start to ready with \`cds = true\` (archive made) | $(fmt "${cds_start[@]}") ms ($(all "${cds_start[@]}")) | - |"
  echo "| one plain \`java -jar hello-netty.jar\` to its first answer (no jcluster) | $(fmt "${plain_start[@]}") ms ($(all "${plain_start[@]}")) | - |"
  echo "| kill -9 of a worker to its replacement answering | $(fmt "${jc_kill[@]}") ms ($(all "${jc_kill[@]}")) | $(fmt "${pm2_kill[@]}") ms ($(all "${pm2_kill[@]}")) |"
  echo "| same, with \`cds = true\` | $(fmt "${cds_kill[@]}") ms ($(all "${cds_kill[@]}")) | - |"
  echo "| same, with a warm spare (\`--spares 1\`; the spare's RSS: ${spare_rss} MiB) | $(fmt "${spare_kill[@]}") ms ($(all "${spare_kill[@]}")) | - |"
  echo "| Spring Boot example: one plain \`java -jar\` to its first answer | $(fmt "${spring_plain[@]}") ms ($(all "${spring_plain[@]}")) | - |"
  echo "| Spring Boot example: start to ready, 2 workers answering | $(fmt "${spring_start[@]}") ms ($(all "${spring_start[@]}")) | - |"
  echo "| Spring Boot example: kill -9 to the replacement answering | $(fmt "${spring_kill[@]}") ms ($(all "${spring_kill[@]}")) | - |"
  echo "| same, with a warm spare (the spare's RSS: ${spring_spare_rss} MiB) | $(fmt "${spring_spare_kill[@]}") ms ($(all "${spring_spare_kill[@]}")) | - |"
  echo "| supervisor RSS, idle | ${jc_rss} MiB (the app's primary) | ${pm2_rss} MiB (PM2's daemon, also the cluster master) |"
  echo "| supervisor CPU, idle, 20 s | ${jc_cpu}% of a core | ${pm2_cpu}% of a core |"
  echo "| wrk -t2 -c32 -d${WRK_SECONDS}s, a reload every 5 s | ${jc_reload} | ${pm2_reload} |"
  echo
  echo "Class-data archive of hello-netty for \`cds = true\`: $( [ -n "$cds_archive" ] && echo "$(( $(stat -c %s "$cds_archive" 2>/dev/null || echo 0) / 1024 )) KiB" || echo "none was made")."
} | tee -a bench/RESULTS.md
