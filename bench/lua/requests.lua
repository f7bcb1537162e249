-- Each request is one line of a prepared file (BENCH_REQUESTS), so every request can carry its
-- own body (a unique bag code) or cookie:  METHOD <tab> PATH <tab> Header: v|Header: v <tab> BODY
-- Thread t takes lines t, t+n, t+2n ...; a thread stops when its lines run out (the count bound;
-- wrk's -d is the time bound) unless BENCH_WRAP=1 (read-only pages may repeat).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  wrap = os.getenv("BENCH_WRAP") == "1"
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if i % nthreads == tid then
      local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local h = {}
      for pair in headers:gmatch("[^|]+") do
        local k, v = pair:match("^([^:]+):%s*(.*)$")
        h[k] = v
      end
      if body == "" then body = nil end
      reqs[#reqs + 1] = wrk.format(method, path, h, body)
    end
    i = i + 1
  end
  idx = 0
  answered = 0
  statuses = {}
end

function request()
  idx = idx + 1
  if idx > #reqs then
    if wrap then
      idx = 1
    else
      idx = #reqs
      wrk.thread:stop()
    end
  end
  return reqs[idx]
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  answered = answered + 1
  if not wrap and answered >= #reqs then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do agg[k] = (agg[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(agg) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, table.concat(parts, ", ")))
end
