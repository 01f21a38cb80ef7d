-- wrk script of `make bench-load`: the walk of wrk_tiles.lua over a list of paths, plus a count
-- of 5xx answers ("BENCH_EXTRA {json}", read by bench/load.py).
-- Usage: wrk -t2 -c64 -d60s -s bench/wrk_load.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_tiles.lua")

local walk_setup, walk_done = setup, done
local threads = {}
server_errors = 0

function setup(thread)
  walk_setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  walk_done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("server_errors")
  end
  io.write(string.format('BENCH_EXTRA {"server_errors": %d}\n', total))
end
