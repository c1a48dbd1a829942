#!/usr/bin/env bash
# Reloads of an app that links nothing of jcluster, in the default handoff mode: 2 workers under
# wrk -t2 -c64, `jcluster reload` back to back until N reloads are done. The preload library adopts
# the app's bind and drains its keep-alive connections (docs/preload.md). Apps:
#   jdk-http  a stock com.sun.net.httpserver.HttpServer (the test fake app; no SO_REUSEPORT)
#   vertx     examples/hello-vertx (netty's epoll bind)
#   jetty     examples/hello-jetty
#   spring    examples/hello-spring (a stock Spring Boot 3.5 jar: Tomcat, graceful shutdown on)
#   jdk       examples/hello-jdk (com.sun.net.httpserver)
# Reports requests, non-2xx answers and socket errors, and appends the table to bench/RESULTS.md.
# Loopback only; stops what it starts.
# Usage: bench/reload-stock.sh [reloads] [jdk-http|vertx|jetty|spring|jdk]   (default 10 jdk-http)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RELOADS=${1:-10}
APP=${2:-jdk-http}
bench_setup
trap 'stop_everything; rm -rf "$JCLUSTER_HOME"' EXIT
case $APP in
  jdk-http)
    FAKE=$PWD/cli/target/jcluster-cli-0.1.0-SNAPSHOT-fake-app.jar
    [ -f "$FAKE" ] || mvn -B -q package -DskipTests -pl cli
    WHAT="the jdk-http fake app (a stock HttpServer, nothing of jcluster linked, no SO_REUSEPORT)"
    "$JC" start "$FAKE" -i 2 -p "$PORT" --name stock -- jdk-http >/dev/null ;;
  vertx|jetty|spring|jdk)
    WHAT="examples/hello-$APP, unmodified, from its jcluster.toml (handoff)"
    "$JC" start "examples/hello-$APP/jcluster.toml" -i 2 -p "$PORT" --name stock >/dev/null ;;
  *) echo "usage: bench/reload-stock.sh [reloads] [jdk-http|vertx|jetty|spring|jdk]" >&2; exit 2 ;;
esac
out=$(mktemp)
wrk -t2 -c64 -d600s -s bench/reload.lua "http://127.0.0.1:$PORT/" > "$out" 2>&1 &
wrk_pid=$!
sleep 3
ok=0 failed=0
start=$(date +%s)
while [ $((ok + failed)) -lt "$RELOADS" ]; do
  if "$JC" reload stock >/dev/null 2>&1; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  sleep 1
done
seconds=$(( $(date +%s) - start + 3 ))
kill -INT $wrk_pid 2>/dev/null || true # wrk prints its summary (and the script's done()) on SIGINT
wait $wrk_pid || true
"$JC" stop stock >/dev/null
# answers per second (the first and last seconds are partial): the median, and the lowest while reloads ran
per_second=$(sed -n 's/^second [0-9]* //p' "$out" | sed '1d;$d')
median_rps=$(echo "$per_second" | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}')
lowest_rps=$(echo "$per_second" | sort -n | head -1)
req=$(sed -n 's/^requests //p' "$out")
non2xx=$(sed -n 's/^non2xx //p' "$out")
errors=$(sed -n 's/^errors //p' "$out")
rm -f "$out"
{
  echo
  echo "### Reloads of an unmodified app, $APP (preload library) ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`bench/reload-stock.sh $RELOADS $APP\`: $WHAT, 2 workers,"
  echo "wrk -t2 -c64 for ${seconds} s, \`jcluster reload\` back to back (1 s apart); load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| reloads | requests | non-2xx | socket errors | median req/s | lowest 1-s req/s |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "| $ok ok / $failed failed | $req | $non2xx | $errors | $median_rps | $lowest_rps ($(awk -v l="$lowest_rps" -v m="$median_rps" 'BEGIN {printf "%.0f", m ? 100 * l / m : 0}') % of the median) |"
} | tee -a bench/RESULTS.md
