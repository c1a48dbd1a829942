#!/usr/bin/env bash
# Reloads of stock apps speaking what JVM services speak besides plaintext HTTP/1.1, each under real
# clients, 2 workers, `jcluster reload` back to back until N reloads are done:
#   tls      examples/hello-spring with server.ssl (a keystore made here), wrk https -t2 -c64 --timeout 2s
#   grpc     examples/hello-grpc over h2c, three clients at once: h2load (4 connections x 16 concurrent
#            unary calls, run after run), hello-grpc's grpc-java load client (4 channels, 16 callers of the
#            unary call; it checks every status), and its server-streaming client (2 channels, 8 callers,
#            streams of 20 answers 50 ms apart; it checks every answer)
#   streams  examples/hello-websocket: 16 WebSockets and 16 event streams (java.net.http), a message every
#            50 ms on each; the app logs how many it sent on each stream, the client how many it got, and
#            Tomcat's WsSession logs (debug) each Close it failed to answer in time (the library then sends one)
# Reports the clients' counts, how each drain ended and its median time (from `drains` to SIGTERM in
# primary.log), and appends the table to bench/RESULTS.md. Loopback only; stops what it starts.
# Usage: bench/protocols.sh [reloads] [tls|grpc|streams]   (default 10 grpc)
#        SHUTDOWN=early|late bench/protocols.sh ...   ([reload] shutdown; default auto)
#        START_SHARE=N bench/protocols.sh ...          ([reload] start_share, 1-100; default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RELOADS=${1:-10}
KIND=${2:-grpc}
SHUTDOWN=${SHUTDOWN:-auto}
START_SHARE=${START_SHARE:-10}
bench_setup
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; stop_everything; rm -rf "$JCLUSTER_HOME" "$work"' EXIT
JAVA=${JAVA:-java}
FAKE=$PWD/cli/target/jcluster-cli-0.1.0-SNAPSHOT-fake-app.jar
GRPC=$PWD/examples/hello-grpc/target/hello-grpc.jar
env=
jvm_extra=
case $KIND in
  tls)
    keytool -genkeypair -alias hello -keyalg EC -groupname secp256r1 -dname CN=localhost -validity 2 \
      -storetype PKCS12 -keystore "$work/hello.p12" -storepass changeit >/dev/null 2>&1
    jar=$PWD/examples/hello-spring/target/hello-spring.jar
    env="SERVER_SSL_ENABLED = \"true\"
SERVER_SSL_KEY_STORE = \"$work/hello.p12\"
SERVER_SSL_KEY_STORE_PASSWORD = \"changeit\"
SERVER_SSL_KEY_STORE_TYPE = \"PKCS12\"" ;;
  grpc) jar=$GRPC ;;
  streams) jar=$PWD/examples/hello-websocket/target/hello-websocket.jar
           # one class's logger: a system property (an environment variable would lower-case its name)
           jvm_extra=', "-Dlogging.level.org.apache.tomcat.websocket.WsSession=DEBUG"' ;;
  *) echo "usage: bench/protocols.sh [reloads] [tls|grpc|streams]" >&2; exit 2 ;;
esac
cat > "$work/app.toml" <<TOML
[app]
name = "proto"
jar = "$jar"
instances = 2
port = $PORT
jvm_args = ["-Xmx256m"$jvm_extra]
[app.env]
$env
[reload]
ready_timeout = "3m"
drain_timeout = "10s"
shutdown = "$SHUTDOWN"
start_share = $START_SHARE
TOML
"$JC" start "$work/app.toml" >/dev/null
mkfifo "$work/stdin"
# client <name> <command...>: runs it with the shared standard input (closed at the end), output to $work/<name>.txt
client() {
  local name=$1
  shift
  "$@" < "$work/stdin" > "$work/$name.txt" 2>&1 &
  pids+=($!)
}
case $KIND in
  tls) wrk -t2 -c64 -d900s --timeout 2s -s bench/reload.lua "https://127.0.0.1:$PORT/" > "$work/wrk.txt" 2>&1 &
       wrk_pid=$!
       pids+=($wrk_pid) ;;
  grpc)
    client unary "$JAVA" -cp "$GRPC" io.jcluster.examples.grpc.HelloGrpcLoad unary "127.0.0.1:$PORT" --stdin 1 --channels 4 --concurrency 16
    client stream "$JAVA" -cp "$GRPC" io.jcluster.examples.grpc.HelloGrpcLoad stream "127.0.0.1:$PORT" --stdin 1 --channels 2 \
      --concurrency 8 --count 20 --interval-millis 50
    printf '\x00\x00\x00\x00\x06\x0a\x04load' > "$work/hello.bin"
    ( while [ ! -e "$work/stop" ]; do
        h2load -n 64 -c 4 -m 16 -d "$work/hello.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
          "http://127.0.0.1:$PORT/hello.Greeter/SayHello" | grep -E '^(requests|status codes):' || true
      done > "$work/h2load.txt" ) &
    pids+=($!) ;;
  streams)
    client ws "$JAVA" -cp "$FAKE" io.jcluster.fake.StreamClient ws "$PORT" 16 0 50
    client sse "$JAVA" -cp "$FAKE" io.jcluster.fake.StreamClient sse "$PORT" 16 0 50 ;;
esac
exec 3<>"$work/stdin" # read-write: opening does not wait for a reader (wrk reads none)
sleep 5
ok=0 failed=0
start=$(date +%s)
while [ $((ok + failed)) -lt "$RELOADS" ]; do
  if "$JC" reload proto >/dev/null 2>&1; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  sleep 1
done
seconds=$(( $(date +%s) - start + 5 ))
sleep 3
if [ "$KIND" = streams ]; then # the drains' closes only: the clients' own, as they stop, come after
  unanswered=$(cat "$JCLUSTER_HOME"/logs/proto/[0-9]*.log | grep -c 'Failed to send close message' || true)
  answered_by_library=$(cat "$JCLUSTER_HOME"/logs/proto/[0-9]*.log | grep -c 'the library sent its client Close 1001' || true)
fi
touch "$work/stop"
[ "$KIND" = tls ] && kill -INT "$wrk_pid" 2>/dev/null
exec 3>&-
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
drains=$(python3 bench/drains.py "$JCLUSTER_HOME/logs/proto/primary.log")
rows=()
case $KIND in
  tls) rows+=("wrk https -t2 -c64 | $(sed -n 's/^requests //p' "$work/wrk.txt") requests, non-2xx $(sed -n 's/^non2xx //p' "$work/wrk.txt"), $(sed -n 's/^errors //p' "$work/wrk.txt") (timeout: over 2 s)") ;;
  grpc)
    rows+=("h2load, 4 x 16 unary | $(awk '/^requests:/ {t+=$2; s+=$8; f+=$10; e+=$12} /^status codes:/ {x+=$3; o+=$5+$7+$9} END {printf "%d runs, %d calls: %d succeeded, %d failed, %d errored; %d 2xx, %d other", NR/2, t, s, f, e, x, o}' "$work/h2load.txt")")
    rows+=("grpc-java unary, 4 channels x 16 | $(sed -n 's/^result //p' "$work/unary.txt")")
    rows+=("grpc-java server streaming, 2 channels x 8 | $(sed -n 's/^result //p' "$work/stream.txt")") ;;
  streams)
    cat "$JCLUSTER_HOME"/logs/proto/[0-9]*.log > "$work/app.txt"
    for k in ws sse; do
      lost=$(python3 - "$work/app.txt" "$work/$k.txt" <<'PY'
import re, sys
sent = {m.group(1): int(m.group(3)) for m in re.finditer(r"stream (\S+) ended \(([^)]*)\) after (\d+) messages", open(sys.argv[1]).read())}
got = {l.split()[1]: int(l.split()[2]) for l in open(sys.argv[2]) if l.startswith("got ") and not l.split()[3] == "stopped"}
both = [k for k in sent if k in got]  # the streams the client did not end itself
print("%d streams the client did not end: %d messages sent on them, %d lost" % (
    len(both), sum(sent[k] for k in both), sum(max(0, sent[k] - got[k]) for k in both)))
PY
)
      rows+=("$k, 16 streams | $(sed -n 's/^result //p' "$work/$k.txt"); $lost")
    done
    rows+=("the app's answers to the drain's Closes | Tomcat failed to answer $unanswered in time; the library sent Close 1001 itself in $answered_by_library worker(s) (it says so once per worker)") ;;
esac
{
  echo
  echo "### Reloads under load, $KIND, shutdown = $SHUTDOWN, start_share = $START_SHARE ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`SHUTDOWN=$SHUTDOWN START_SHARE=$START_SHARE bench/protocols.sh $RELOADS $KIND\`: 2 workers, $ok reloads ok and $failed failed, back to back"
  echo "(1 s apart) for ${seconds} s; load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Drains, from \`drains\` to SIGTERM in primary.log: $drains."
  echo
  echo "| client | counts |"
  echo "| --- | --- |"
  for r in "${rows[@]}"; do echo "| $r |"; done
} | tee -a bench/RESULTS.md
