-- wrk through the fleet's HAProxy (fleet.sh load): counts answers per second, per app (the word after
-- "hello from ": jdk for hello-jdk, jcluster for hello-netty) and non-2xx answers, per thread; done()
-- merges them into lines a script can read. SIGINT ends wrk early, with its counts (wrk's own handling).
counts = {}
apps = {}
non2xx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  local s = os.time()
  counts[s] = (counts[s] or 0) + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  local app = body and string.match(body, "^hello from (%w+)") or "other"
  apps[app] = (apps[app] or 0) + 1
end

function done(summary, latency, requests)
  local total, byapp, bad = {}, {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("counts")) do total[s] = (total[s] or 0) + n end
    for a, n in pairs(t:get("apps")) do byapp[a] = (byapp[a] or 0) + n end
    bad = bad + t:get("non2xx")
  end
  local keys = {}
  for s in pairs(total) do table.insert(keys, s) end
  table.sort(keys)
  for _, s in ipairs(keys) do io.write(string.format("second %d %d\n", s, total[s])) end
  for a, n in pairs(byapp) do io.write(string.format("app %s %d\n", a, n)) end
  local e = summary.errors
  io.write(string.format("requests %d\nnon2xx %d\nerrors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, bad, e.connect, e.read, e.write, e.timeout, e.status))
end
