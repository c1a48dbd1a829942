#!/usr/bin/env bash
# A fleet on one machine: 2 or 3 hosts, each a network namespace running jcluster (2 workers of a
# jar), behind HAProxy in a namespace of its own that checks every host's /readyz. A rolling deploy
# takes one host out by readiness (jcluster cordon), reloads it onto the new jar, and puts it back
# (jcluster uncordon) before the next; a host that does not come back stops the deploy there.
#
#   fleet.sh up <dir> <app.jar> [hosts]    build it in <dir> (hosts: 2 or 3, default 3)
#   fleet.sh deploy <dir> <new.jar> [--in-place]
#                                          roll <new.jar> out host by host (--in-place: reload each
#                                          host without taking it out first)
#   fleet.sh load <dir> <seconds>         wrk through HAProxy (examples/fleet/load.lua): counts
#                                          answers by app and by second; SIGINT ends it early (it
#                                          becomes wrk), with its counts
#   fleet.sh status <dir>                  HAProxy's view of every host
#   fleet.sh down <dir>                    stop everything (by pid) and remove the namespaces
#
# Needs root (network namespaces), iproute2, haproxy, curl, wrk (for load) and a built jcluster
# (cli/target/jcluster, or JCLUSTER=<path to bin/jcluster>). Every address and port is inside the
# fleet's own namespaces: 10.77.0.1 is HAProxy on the hosts' bridge, 10.77.0.11.. the hosts; the app
# serves 8080 and its probes 9400 on each host; HAProxy serves 127.0.0.1:8000 (stats at :8404) of
# its namespace. Nothing is bound or routed in the machine's own network namespace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
JC=${JCLUSTER:-$here/../../cli/target/jcluster/bin/jcluster}
APP=web
APP_PORT=8080
PROBE_PORT=9400
FRONT=127.0.0.1:8000
STATS=127.0.0.1:8404

die() { echo "fleet: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

need_tools() {
  [ "$(id -u)" = 0 ] || die "needs root: network namespaces (ip netns) are root's"
  local t
  for t in ip haproxy curl "$@"; do
    command -v "$t" >/dev/null || die "needs $t (apt-get install -y iproute2 haproxy curl wrk)"
  done
  [ -x "$JC" ] || die "no jcluster at $JC: build it (mvn -B -q package -DskipTests) or set JCLUSTER"
}

load_state() {
  local dir=$1
  [ -f "$dir/fleet.env" ] || die "$dir holds no fleet (fleet.sh up $dir <app.jar> first)"
  # shellcheck source=/dev/null
  . "$dir/fleet.env"
  DIR=$(cd "$dir" && pwd)
  LB=$FLEET-lb
}

host_ns() { echo "$FLEET-h$1"; }
host_dir() { echo "$DIR/hosts/h$1"; }
host_addr() { echo "10.77.0.$((10 + $1))"; }
jc() { # host command...: jcluster against that host's JCLUSTER_HOME (its control socket is a file: no namespace needed)
  local h=$1
  shift
  JCLUSTER_HOME="$(host_dir "$h")/home" "$JC" "$@"
}

# HAProxy's status of host h ("UP", "DOWN", "UP 1/2" ...) and its current sessions, from the stats CSV.
stat_of() {
  ip netns exec "$LB" curl -s --max-time 2 "http://$STATS/stats;csv" \
    | awk -F, -v s="h$1" '$1 == "app" && $2 == s { print $18 "," $5 }'
}

wait_status() { # host wanted seconds
  local h=$1 want=$2 limit=$3 t0 s
  t0=$(date +%s)
  while :; do
    s=$(stat_of "$h")
    [ "${s%%,*}" = "$want" ] && return 0
    [ $(( $(date +%s) - t0 )) -ge "$limit" ] && { echo "${s%%,*}"; return 1; }
    sleep 0.2
  done
}

wait_idle() { # host seconds: HAProxy has no session open to it
  local h=$1 limit=$2 t0 s
  t0=$(date +%s)
  while s=$(stat_of "$h"); [ "${s##*,}" != 0 ]; do
    [ $(( $(date +%s) - t0 )) -ge "$limit" ] && return 1
    sleep 0.2
  done
}

# The jar as a release of its own beside the host's config (releases/<name>-<sha>.jar): a reload that
# fails rolls back to the previous release, which is still where the previous config says.
release() { # host jar -> path relative to the host's dir
  local h=$1 jar=$2 sum rel
  sum=$(sha256sum "$jar" | cut -c1-12)
  rel="releases/$(basename "$jar" .jar)-$sum.jar"
  mkdir -p "$(host_dir "$h")/releases"
  [ -f "$(host_dir "$h")/$rel" ] || cp "$jar" "$(host_dir "$h")/$rel"
  echo "$rel"
}

up() {
  local dir=$1 jar=$2 hosts=${3:-3} h ns cfg
  need_tools
  [ -f "$jar" ] || die "no jar at $jar"
  [ "$hosts" = 2 ] || [ "$hosts" = 3 ] || die "hosts: 2 or 3, not $hosts"
  mkdir -p "$dir"
  [ -f "$dir/fleet.env" ] && die "$dir already holds a fleet (fleet.sh down $dir first)"
  printf 'FLEET=jcf%05d\nHOSTS=%s\n' $((RANDOM % 100000)) "$hosts" > "$dir/fleet.env"
  load_state "$dir"
  ip netns list | grep -q "^$LB\b" && die "a fleet named $FLEET is up already"
  ip netns add "$LB"
  ip -n "$LB" link set lo up
  ip -n "$LB" link add br0 type bridge
  ip -n "$LB" addr add 10.77.0.1/24 dev br0
  ip -n "$LB" link set br0 up
  for h in $(seq 1 "$HOSTS"); do
    ns=$(host_ns "$h")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add eth0 netns "$ns" type veth peer name "h$h" netns "$LB"
    ip -n "$LB" link set "h$h" master br0
    ip -n "$LB" link set "h$h" up
    ip -n "$ns" addr add "$(host_addr "$h")/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$(host_dir "$h")/home"
    cfg="$(host_dir "$h")/jcluster.toml"
    cat > "$cfg" <<EOF
# host h$h of the fleet in $DIR (made by examples/fleet/fleet.sh)
[app]
name = "$APP"
jar = "$(release "$h" "$jar")"
instances = 2
port = $APP_PORT
[reload]
# the host is out of the balancer while it reloads: no warm-up beside the old workers
# (HAProxy's slowstart ramps its share up once it is back)
warmup = "0s"
drain_timeout = "5s"
[metrics]
listen = "0.0.0.0:$PROBE_PORT"
EOF
  done
  cat > "$DIR/haproxy.cfg" <<EOF
# HAProxy in front of the fleet in $DIR (made by examples/fleet/fleet.sh)
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    retries 2
    option redispatch
frontend web
    bind $FRONT
    default_backend app
backend app
    balance roundrobin
    # in while /readyz answers 200: jcluster cordon, a stop, or a host not yet ready take it out
    option httpchk GET /readyz
    http-check expect status 200
    default-server check port $PROBE_PORT inter 500ms fall 2 rise 2 slowstart 5s
$(for h in $(seq 1 "$HOSTS"); do echo "    server h$h $(host_addr "$h"):$APP_PORT"; done)
listen stats
    bind $STATS
    stats enable
    stats uri /stats
EOF
  # the hosts start side by side; each jcluster start returns once its workers are ready
  local pids=() failed=0 p
  for h in $(seq 1 "$HOSTS"); do
    ip netns exec "$(host_ns "$h")" env JCLUSTER_HOME="$(host_dir "$h")/home" "$JC" start "$(host_dir "$h")/jcluster.toml" \
      > "$(host_dir "$h")/start.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  if [ $failed = 1 ]; then
    cat "$DIR"/hosts/h*/start.log >&2
    die "a host did not start (its start.log is above); fleet.sh down $DIR removes what did"
  fi
  ip netns exec "$LB" haproxy -db -f "$DIR/haproxy.cfg" >> "$DIR/haproxy.log" 2>&1 &
  echo $! > "$DIR/haproxy.pid"
  for h in $(seq 1 "$HOSTS"); do
    wait_status "$h" UP 60 >/dev/null || die "HAProxy does not see h$h up (see $DIR/haproxy.log)"
  done
  echo "fleet $FLEET: $HOSTS hosts of $(basename "$jar") behind HAProxy at $FRONT in namespace $LB"
}

deploy() {
  local dir=$1 jar=$2 mode=${3:-} h cfg rel t0 t1 t2 t3 s out
  load_state "$dir"
  need_tools
  [ -f "$jar" ] || die "no jar at $jar"
  for h in $(seq 1 "$HOSTS"); do
    cfg="$(host_dir "$h")/jcluster.toml"
    rel=$(release "$h" "$jar")
    cp "$cfg" "$cfg.before"
    sed -i "s|^jar = .*|jar = \"$rel\"|" "$cfg"
    t0=$(now)
    if [ "$mode" != --in-place ]; then
      jc "$h" cordon "$APP" >/dev/null
      s=$(wait_status "$h" DOWN 30) || die "h$h: HAProxy still sees it '$s' 30 s after jcluster cordon: the deploy stops here"
      wait_idle "$h" 30 || die "h$h: HAProxy still has sessions open to it 30 s after it went down: the deploy stops here"
    fi
    t1=$(now)
    if ! out=$(jc "$h" reload "$APP" 2>&1); then
      mv -f "$cfg.before" "$cfg"
      echo "$out" | sed "s/^/h$h: /" >&2
      local rest="" r
      for r in $(seq $((h + 1)) "$HOSTS"); do rest="$rest h$r"; done
      [ -n "$rest" ] && rest=";$rest: not deployed, still on the previous release"
      die "h$h: the reload failed: the deploy stops here. h$h runs what it ran and stays out of the balancer (jcluster cordon; 'fleet.sh' does not put a host it could not deploy back)$rest"
    fi
    t2=$(now)
    if [ "$mode" != --in-place ]; then
      jc "$h" uncordon "$APP" >/dev/null
      s=$(wait_status "$h" UP 60) || die "h$h: not back in the balancer 60 s after the reload (HAProxy: '$s'; /readyz: $(ip netns exec "$LB" curl -s --max-time 2 "http://$(host_addr "$h"):$PROBE_PORT/readyz")): the deploy stops here"
    fi
    t3=$(now)
    rm -f "$cfg.before"
    echo "h$h: out $(secs "$t0" "$t1") s, reload $(secs "$t1" "$t2") s, back $(secs "$t2" "$t3") s, total $(secs "$t0" "$t3") s"
  done
  echo "deployed $(basename "$jar") to $HOSTS hosts"
}

load() {
  local dir=$1 seconds=$2
  load_state "$dir"
  need_tools wrk
  # exec: this process becomes wrk, so that a SIGINT to it reaches wrk, which then reports what it has
  exec ip netns exec "$LB" wrk -t2 -c16 -d"${seconds}s" --timeout 10s -s "$here/load.lua" "http://$FRONT/"
}

status() {
  load_state "$1"
  ip netns exec "$LB" curl -s --max-time 2 "http://$STATS/stats;csv" \
    | awk -F, '$1 == "app" && $2 != "BACKEND" { printf "%s %s sessions=%s total=%s retries=%s redispatches=%s conn_errors=%s resp_errors=%s\n", $2, $18, $5, $8, $16, $17, $14, $15 }'
}

down() {
  local dir=$1 h ns p
  [ -f "$dir/fleet.env" ] || return 0
  load_state "$dir"
  for h in $(seq 1 "$HOSTS"); do
    [ -d "$(host_dir "$h")/home/run" ] && timeout 90 env JCLUSTER_HOME="$(host_dir "$h")/home" "$JC" stop all >/dev/null 2>&1 || true
  done
  if [ -f "$DIR/haproxy.pid" ]; then
    p=$(cat "$DIR/haproxy.pid")
    kill "$p" 2>/dev/null && { for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; }
    rm -f "$DIR/haproxy.pid"
  fi
  # whatever still runs in a namespace of the fleet was started in it: its pids, then the namespace
  for ns in "$LB" $(for h in $(seq 1 "$HOSTS"); do host_ns "$h"; done); do
    ip netns list | grep -q "^$ns\b" || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns"
  done
  rm -f "$DIR/fleet.env"
  echo "fleet $FLEET: down"
}

case "${1:-}" in
  up) [ $# -ge 3 ] || die "usage: fleet.sh up <dir> <app.jar> [hosts]"; up "$2" "$3" "${4:-3}" ;;
  deploy) [ $# -ge 3 ] || die "usage: fleet.sh deploy <dir> <new.jar> [--in-place]"; deploy "$2" "$3" "${4:-}" ;;
  load) [ $# -ge 3 ] || die "usage: fleet.sh load <dir> <seconds>"; load "$2" "$3" ;;
  status) [ $# -ge 2 ] || die "usage: fleet.sh status <dir>"; status "$2" ;;
  down) [ $# -ge 2 ] || die "usage: fleet.sh down <dir>"; down "$2" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
