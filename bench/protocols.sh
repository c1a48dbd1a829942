#!/usr/bin/env bash
# Reloads of stock apps speaking what JVM services speak besides plaintext HTTP/1.1, each under a real
# client, 2 workers, `jcluster reload` back to back until N reloads are done:
#   tls     examples/hello-spring with server.ssl (a keystore made here), wrk https -t2 -c64 --timeout 2s
#   grpc    examples/hello-grpc over h2c: h2load (4 connections x 16 concurrent unary calls, run after run)
#           beside hello-grpc's grpc-java load client (4 channels, 16 callers), which checks every status
#   stream  examples/hello-grpc's server-streaming call: 8 callers, streams of 20 answers 50 ms apart
#   ws      examples/hello-websocket: 16 WebSockets (java.net.http), a message every 50 ms
#   sse     examples/hello-websocket: 16 event streams (java.net.http), an event every 50 ms
# Reports the client's counts, how each drain ended and its median time (from `drains` to SIGTERM in
# primary.log), and appends the table to bench/RESULTS.md. Loopback only; stops what it starts.
# Usage: bench/protocols.sh [reloads] [tls|grpc|stream|ws|sse]   (default 10 grpc)
#        SHUTDOWN=early|late bench/protocols.sh ...   ([reload] shutdown; default auto)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RELOADS=${1:-10}
KIND=${2:-grpc}
SHUTDOWN=${SHUTDOWN:-auto}
bench_setup
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
work=$(mktemp -d)
client_pid=
trap '[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null; stop_everything; rm -rf "$JCLUSTER_HOME" "$work"' EXIT
JAVA=${JAVA:-java}
FAKE=$PWD/cli/target/jcluster-cli-0.1.0-SNAPSHOT-fake-app.jar
GRPC=$PWD/examples/hello-grpc/target/hello-grpc.jar
conf=$work/app.toml
case $KIND in
  tls)
    keytool -genkeypair -alias hello -keyalg EC -groupname secp256r1 -dname CN=localhost -validity 2 \
      -storetype PKCS12 -keystore "$work/hello.p12" -storepass changeit >/dev/null 2>&1
    jar=$PWD/examples/hello-spring/target/hello-spring.jar
    env="SERVER_SSL_ENABLED = \"true\"
SERVER_SSL_KEY_STORE = \"$work/hello.p12\"
SERVER_SSL_KEY_STORE_PASSWORD = \"changeit\"
SERVER_SSL_KEY_STORE_TYPE = \"PKCS12\"" ;;
  grpc|stream) jar=$GRPC; env= ;;
  ws|sse) jar=$PWD/examples/hello-websocket/target/hello-websocket.jar; env= ;;
  *) echo "usage: bench/protocols.sh [reloads] [tls|grpc|stream|ws|sse]" >&2; exit 2 ;;
esac
cat > "$conf" <<TOML
[app]
name = "proto"
jar = "$jar"
instances = 2
port = $PORT
jvm_args = ["-Xmx256m"]
[app.env]
$env
[reload]
ready_timeout = "3m"
drain_timeout = "10s"
shutdown = "$SHUTDOWN"
TOML
"$JC" start "$conf" >/dev/null
out=$work/client.txt
mkfifo "$work/stdin"
h2_pid=
case $KIND in
  tls) wrk -t2 -c64 -d900s --timeout 2s -s bench/reload.lua "https://127.0.0.1:$PORT/" > "$out" 2>&1 &
       client_pid=$! ;;
  grpc) "$JAVA" -cp "$GRPC" io.jcluster.examples.grpc.HelloGrpcLoad unary "127.0.0.1:$PORT" --stdin 1 --channels 4 --concurrency 16 \
          < "$work/stdin" > "$out" 2>&1 &
        client_pid=$!
        printf '\x00\x00\x00\x00\x06\x0a\x04load' > "$work/hello.bin"
        ( while [ ! -e "$work/stop" ]; do
            h2load -n 64 -c 4 -m 16 -d "$work/hello.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
              "http://127.0.0.1:$PORT/hello.Greeter/SayHello" | grep -E '^(requests|status codes):' || true
          done > "$work/h2load.txt" ) &
        h2_pid=$! ;;
  stream) "$JAVA" -cp "$GRPC" io.jcluster.examples.grpc.HelloGrpcLoad stream "127.0.0.1:$PORT" --stdin 1 --channels 4 --concurrency 8 \
            --count 20 --interval-millis 50 < "$work/stdin" > "$out" 2>&1 &
          client_pid=$! ;;
  ws|sse) "$JAVA" -cp "$FAKE" io.jcluster.fake.StreamClient "$KIND" "$PORT" 16 0 50 < "$work/stdin" > "$out" 2>&1 &
          client_pid=$! ;;
esac
exec 3>"$work/stdin"
sleep 5
ok=0 failed=0
start=$(date +%s)
while [ $((ok + failed)) -lt "$RELOADS" ]; do
  if "$JC" reload proto >/dev/null 2>&1; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  sleep 1
done
seconds=$(( $(date +%s) - start + 5 ))
sleep 3
touch "$work/stop"
if [ "$KIND" = tls ]; then kill -INT "$client_pid" 2>/dev/null || true; fi
exec 3>&-
wait "$client_pid" || true
client_pid=
[ -n "$h2_pid" ] && wait "$h2_pid" || true
drains=$(python3 bench/drains.py "$JCLUSTER_HOME/logs/proto/primary.log")
case $KIND in
  tls) result="$(sed -n 's/^requests //p' "$out") requests, non-2xx $(sed -n 's/^non2xx //p' "$out"), $(sed -n 's/^errors //p' "$out") (timeout: over 2 s)" ;;
  grpc) result="grpc-java: $(sed -n 's/^result //p' "$out"); h2load: $(awk '/^requests:/ {t+=$2; s+=$8; f+=$10; e+=$12} /^status codes:/ {x+=$3; o+=$5+$7+$9} END {printf "%d runs, %d calls, %d succeeded, %d failed, %d errored, %d 2xx, %d other", NR/2, t, s, f, e, x, o}' "$work/h2load.txt")" ;;
  stream) result=$(sed -n 's/^result //p' "$out") ;;
  ws|sse)
    cat "$JCLUSTER_HOME"/logs/proto/[0-9]*.log > "$work/app.txt"
    lost=$(python3 - "$work/app.txt" "$out" <<'PY'
import re, sys
sent = {m.group(1): int(m.group(3)) for m in re.finditer(r"stream (\S+) ended \(([^)]*)\) after (\d+) messages", open(sys.argv[1]).read())}
got = {l.split()[1]: int(l.split()[2]) for l in open(sys.argv[2]) if l.startswith("got ")}
both = [k for k in sent if k in got]
print("%d streams ended by the app and seen by the client, %d messages sent on them, %d of them lost" % (
    len(both), sum(sent[k] for k in both), sum(max(0, sent[k] - got[k]) for k in both)))
PY
)
    result="$(sed -n 's/^result //p' "$out"); $lost" ;;
esac
{
  echo
  echo "### Reloads under load, $KIND ($(date -u +%F), $(nproc) cores, $(uname -r))"
  echo
  echo "\`SHUTDOWN=$SHUTDOWN bench/protocols.sh $RELOADS $KIND\`: 2 workers, \`jcluster reload\` back to back (1 s apart) for ${seconds} s;"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| reloads | client | drains (ms, from drain to SIGTERM) |"
  echo "| --- | --- | --- |"
  echo "| $ok ok / $failed failed | $result | $drains |"
} | tee -a bench/RESULTS.md
