#!/usr/bin/env bash
# What a SCHED_IDLE process (a start cache's training run) takes from a normal one when the kernel's
# autogroup shares the CPU between sessions first: two busy loops on CPU 0 for 4 s each time, a
# normal one and one under `chrt --idle 0`, (1) in one session, (2) each in a session of its own,
# (3) each in its own, the idle one's autogroup at nice 19 (what jcluster gives a training run).
# Prints the CPU ticks each got. About 15 s; stops what it starts, by pid.
# Usage: bench/autogroup.sh
set -euo pipefail
command -v taskset >/dev/null && command -v chrt >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
busy='while :; do :; done'
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # label normal idle
  local a0 b0 a1 b1
  sleep 0.3; a0=$(ticks "$2"); b0=$(ticks "$3"); sleep 4; a1=$(ticks "$2"); b1=$(ticks "$3")
  echo "$1: normal $((a1 - a0)) ticks, SCHED_IDLE $((b1 - b0)) ticks (autogroups: $(cut -d' ' -f1,3 "/proc/$2/autogroup") / $(cut -d' ' -f1,3 "/proc/$3/autogroup"))"
  kill "$2" "$3"; wait "$2" "$3" 2>/dev/null || true
}
echo "kernel.sched_autogroup_enabled=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo none), $(getconf CLK_TCK) ticks/s"
pids=$(mktemp /tmp/autogroup.XXXXXX)
setsid bash -c "taskset -c 0 bash -c '$busy' & echo \$! > $pids; taskset -c 0 chrt --idle 0 bash -c '$busy' & echo \$! >> $pids; wait" &
PIDS+=($!); sleep 0.3; mapfile -t two < "$pids"; rm -f "$pids"; PIDS+=("${two[@]}")
measure "one session" "${two[0]}" "${two[1]}"
setsid taskset -c 0 bash -c "$busy" & a=$!; PIDS+=($a)
setsid taskset -c 0 chrt --idle 0 bash -c "$busy" & b=$!; PIDS+=($b)
measure "a session each" "$a" "$b"
setsid taskset -c 0 bash -c "$busy" & a=$!; PIDS+=($a)
setsid taskset -c 0 chrt --idle 0 bash -c "$busy" & b=$!; PIDS+=($b)
sleep 0.2; echo 19 > "/proc/$b/autogroup"
measure "a session each, the idle one's autogroup at nice 19" "$a" "$b"
