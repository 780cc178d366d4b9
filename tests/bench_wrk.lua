-- make bench's wrk script: cycles through the paths given after "--" (or the URL's own path), sends the
-- headers given as "H:Name: value" arguments, and prints one JSON line with the latency percentiles.
-- "R:<n>" offers n requests a second (wrk 4 has no -R): each request is given the next slot of a fixed
-- schedule and waits for it; a request that found every connection busy at its slot goes as soon as one is
-- free and is counted "late" (the latency then leaves out that wait, so the late share is printed with it).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
  int clock_gettime(int clk_id, wrk_timespec *tp);
]]
local clock = ffi.new("wrk_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local paths = {}
local headers = {}
local i = 0
local interval = nil -- ms between slots when a rate is offered
local slot = nil
late = 0 -- globals: read by done() through thread:get
sent = 0

function init(args)
  for _, a in ipairs(args) do
    if string.sub(a, 1, 2) == "H:" then
      local name, value = string.match(string.sub(a, 3), "^([^:]+):%s*(.*)$")
      headers[name] = value
    elseif string.sub(a, 1, 2) == "R:" then
      interval = 1000 / tonumber(string.sub(a, 3))
    else
      table.insert(paths, a)
    end
  end
  if interval == nil then
    delay = nil -- wrk looks for delay() after init: an unpaced run writes each request at once, no timer
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function delay()
  local now = now_ms()
  slot = slot or now
  local due = slot
  slot = slot + interval
  sent = sent + 1
  if now - due > 2 then
    late = late + 1
  end
  if due <= now then
    return 0
  end
  return math.floor(due - now + 0.5)
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
  local late_sends, paced = 0, 0
  for _, t in ipairs(threads) do
    late_sends = late_sends + (t:get("late") or 0)
    paced = paced + (t:get("sent") or 0)
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "paced": %d, "late": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, paced, late_sends))
end
