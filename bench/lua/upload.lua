-- wrk script for streamctl's benchmark (bench/, `npm run bench`).
-- POSTs the spec's health payload in the original's body shape, {"data": {...reading...}} (serve
-- refuses a flat health body); each thread cycles through BENCH_DEVICES pre-built requests
-- with distinct device serials (building them once keeps the per-request cost at a table lookup).
-- Environment (read at load time, so it also reaches wrk's main Lua state):
--   BENCH_PATH      request path (default /upload_health_data_v2)
--   BENCH_DEVICES   distinct serials per thread (default 1000)
--   BENCH_PREFIX    serial prefix (default BENCH)
--   BENCH_RATE      when set, a fixed total rate (requests/s over all threads, BENCH_THREADS of
--                   them): delay() hands out send slots on a per-thread schedule read from
--                   CLOCK_MONOTONIC (LuaJIT ffi), so the rate holds whatever the latency, as long
--                   as enough connections are idle (wrk2-style pacing; wrk itself has no rate).
--   BENCH_THREADS   wrk's -t, to split BENCH_RATE (default 1)
-- done() prints one line `BENCH_JSON {...}` with the totals and latency percentiles (microseconds).

local path = os.getenv("BENCH_PATH") or "/upload_health_data_v2"
local devices = tonumber(os.getenv("BENCH_DEVICES") or "1000")
local prefix = os.getenv("BENCH_PREFIX") or "BENCH"
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")

local thread_count = 0
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

local reqs = nil
local idx = 0

local function build(tid)
  local headers = { ["Content-Type"] = "application/json" }
  local list = {}
  local now = os.time() * 1000
  for i = 1, devices do
    local body = string.format(
      '{"data":{"deviceSn":"%s_%d_%06d","timestamp":%d,"heart_rate":%d,"blood_oxygen":%d,' ..
      '"body_temperature":%.1f,"blood_pressure_systolic":%d,"blood_pressure_diastolic":%d,' ..
      '"stress":%d,"step":%d,"distance":%.2f,"calorie":%.1f,"latitude":31.2304,' ..
      '"longitude":121.4737,"altitude":12.5}}',
      prefix, tid, i, now + i, 60 + i % 40, 94 + i % 6, 36.2 + (i % 10) / 10,
      110 + i % 20, 70 + i % 15, 20 + i % 50, 1000 + 37 * i, (i % 500) / 100, (i % 900) / 10)
    list[i] = wrk.format("POST", path, headers, body)
  end
  return list
end

function init(args)
  reqs = build(thread_id or 0)
  idx = 0
end

function request()
  if reqs == nil then reqs = build(thread_id or 0) end
  idx = idx % #reqs + 1
  return reqs[idx]
end

if rate ~= nil and rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local period_ms = 1000 * threads / rate
  local next_slot = nil
  -- Called before every request of every connection of this thread: claim the next free slot.
  -- A slot already past (the server stalled) is used at once, so the average rate catches up.
  function delay()
    local now = now_ms()
    if next_slot == nil then next_slot = now + math.random() * period_ms end
    local slot = next_slot
    next_slot = next_slot + period_ms
    if slot <= now then return 0 end
    return math.floor(slot - now + 0.5)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency:percentile(99.9)))
end
