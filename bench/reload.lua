-- Counts answers per second and per status class, per wrk thread; done() merges them and prints
-- lines the bench script parses, with the latency percentiles. `counts` and `non2xx` are globals so that thread:get can read them.
counts = {}
non2xx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  local s = os.time()
  counts[s] = (counts[s] or 0) + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local total, bad = {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("counts")) do total[s] = (total[s] or 0) + n end
    bad = bad + t:get("non2xx")
  end
  local keys = {}
  for s in pairs(total) do table.insert(keys, s) end
  table.sort(keys)
  for _, s in ipairs(keys) do io.write(string.format("second %d %d\n", s, total[s])) end
  local e = summary.errors
  io.write(string.format("requests %d\nnon2xx %d\nerrors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, bad, e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format("latency_us p50=%d p99=%d p999=%d max=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
