-- wrk script for the SOS scenario of scripts/bench.py: every request is a new SOS (its own Idempotency-Key).
-- The Authorization header comes from the command line (-H). Reports one JSON line like wrk_report.lua.
local threads = {}
local next_id = 0

setup = function(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

init = function(args)
  math.randomseed(os.time() * 1000 + tid)
  run = math.random(0, 0x7fffffff)
  counter = 0
end

request = function()
  counter = counter + 1
  local key = string.format("%08x-%04x-4000-8000-%012x", run, tid, counter)
  local body = string.format(
    '{"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "bench %d"}',
    counter)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- -H Authorization, Host
  headers["Idempotency-Key"] = key
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_s": %.6f, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
