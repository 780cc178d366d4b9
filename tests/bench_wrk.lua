-- make bench's wrk script: cycles through the paths given after "--" (or the URL's own path), sends the
-- headers given as "H:Name: value" arguments, and prints one JSON line with the latency percentiles.
local paths = {}
local headers = {}
local i = 0

function init(args)
  for _, a in ipairs(args) do
    if string.sub(a, 1, 2) == "H:" then
      local name, value = string.match(string.sub(a, 3), "^([^:]+):%s*(.*)$")
      headers[name] = value
    else
      table.insert(paths, a)
    end
  end
end

function request()
  if #paths == 0 then
    return wrk.format(nil, nil, headers)
  end
  i = i % #paths + 1
  return wrk.format(nil, paths[i], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
