-- wrk script of `make bench-tiles`: walks a fixed list of tile URL paths in a loop.
-- Usage: wrk -t2 -c8 -d20s -s bench/wrk_tiles.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS
-- Each thread starts at its own offset of the list so the threads do not request the same
-- tile at the same moment. At the end one line "BENCH_RESULT {json}" carries the numbers
-- that bench_tiles.py reads (latencies in microseconds).

local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

local paths = {}
local position = 1

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the tile list " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  assert(#paths > 0, "the tile list is empty")
  local threads = tonumber(args[2] or "1")
  position = math.floor(#paths * (thread_index or 0) / threads) % #paths + 1
end

function request()
  local path = paths[position]
  position = position % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
