#!/usr/bin/env python3
"""How long each drain of a primary.log took: from `worker pid P drains` to the moment the primary
sent it SIGTERM (its last connection closed, the rest left to the app, no connection open, or the
drain timeout). Prints `drains=N median_ms=M min_ms=A max_ms=B timeouts=T how=<counts>`."""
import re
import statistics
import sys
from datetime import datetime

ENDS = {
    "its last connection closed": "closed",
    "are ones only the app can end": "left-to-app",
    "are left to the app's own shutdown": "early",
    "drained, no connection open": "none-open",
    "drain timeout": "timeout",
}


def when(line):
    stamp = line.split(" ", 1)[0].rstrip("Z")
    return datetime.fromisoformat(stamp[:26])


started, times, how = {}, [], {}
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"worker pid (\d+)", line)
    if not m:
        continue
    pid = m.group(1)
    if " drains its " in line:
        started[pid] = when(line)
        continue
    for text, kind in ENDS.items():
        if text in line and pid in started:
            times.append((when(line) - started.pop(pid)).total_seconds() * 1000)
            how[kind] = how.get(kind, 0) + 1
if not times:
    print("drains=0")
else:
    print("drains=%d median_ms=%d min_ms=%d max_ms=%d timeouts=%d how=%s" % (
        len(times), statistics.median(times), min(times), max(times), how.get("timeout", 0),
        ",".join("%s:%d" % kv for kv in sorted(how.items()))))
