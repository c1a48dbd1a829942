# Shared by the bench scripts: sourced, not run.

# Pids of the processes jcluster started under $JCLUSTER_HOME (primaries and their workers),
# never this shell or its other children.
jcluster_pids() {
  local f p
  for f in /proc/[0-9]*/environ; do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null < "$f" | grep -q "^JCLUSTER_WORKER_SOCKET=$JCLUSTER_HOME/"; then
      echo "$p"
    elif tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -q "io.jcluster.cli.Main __primary" \
        && tr '\0' '\n' 2>/dev/null < "$f" | grep -qx "JCLUSTER_HOME=$JCLUSTER_HOME"; then
      echo "$p"
    fi
  done
}

# Stops every app of $JCLUSTER_HOME, then kills by pid whatever is left (continuing stopped ones first).
stop_everything() {
  "$JC" stop all >/dev/null 2>&1 || true
  local p
  for p in $(jcluster_pids); do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null || true; done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The common start of a bench script: wrk, a built distribution (DIST: another one, e.g. a copy that
# a build cannot replace while the bench runs), a temporary JCLUSTER_HOME that is cleaned on exit
# (with everything started under it), and JC/JAR/PORT.
bench_setup() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
  [ -x cli/target/jcluster/bin/jcluster ] && [ -f examples/hello-netty/target/hello-netty.jar ] \
    || mvn -B -q package -DskipTests
  JC=${DIST:-$PWD/cli/target/jcluster}/bin/jcluster
  JAR=$PWD/examples/hello-netty/target/hello-netty.jar
  export JCLUSTER_HOME
  JCLUSTER_HOME=$(mktemp -d /tmp/jcluster-bench.XXXXXX)
  PORT=$(free_port)
  # stopped by a signal (timeout, Ctrl-C), the script still runs its EXIT trap, which stops what it started
  trap 'exit 143' TERM INT HUP
}

now_ms() { date +%s%3N; }

# Waits up to $2 seconds for an answer on 127.0.0.1:$1 whose body says pid=; fails after.
await_http() { # port seconds
  local i
  for i in $(seq 1 $(($2 * 50))); do
    curl -s --max-time 1 "http://127.0.0.1:$1/" | grep -q "pid=" && return 0
    sleep 0.02
  done
  return 1
}

# ms from `java -jar` to its first answer ($JAVA, else the java on the PATH); the JVM is stopped by pid.
plain_jvm_start() { # jar port args...
  local jar=$1 port=$2 t pid ms; shift 2
  t=$(now_ms)
  PORT=$port "${JAVA:-java}" -jar "$jar" "$@" >/dev/null 2>&1 &
  pid=$!
  await_http "$port" 120 && ms=$(( $(now_ms) - t )) || ms=timeout
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo "$ms"
}

# Waits (at most 400 s) until app $1's start cache (aot_cache, the default "auto") is made, or is off
# or cannot be: a training run makes it once the app has settled, and a bench measures with it, as the
# app runs from then on. Prints its state's first word.
await_start_cache() {
  local state deadline=$(( $(date +%s) + 400 ))
  while state=$("$JC" describe --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["state"].split(" ")[0])') \
      && [ "$state" != ready ] && [ "$state" != off ] && [ "$state" != none: ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 1
  done
  echo "$state"
}
