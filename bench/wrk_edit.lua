-- wrk script of `make bench-edit`: walks the tile list exactly as bench/wrk_tiles.lua does (it is
-- loaded from there) and also counts the X-Tile-Cache header of every answer: "hit", "miss"
-- (drawn now: a re-render) or none. One extra line "BENCH_EXTRA {json}" carries the counts.
-- Usage: wrk -t1 -c4 -d60s -s bench/wrk_edit.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_tiles.lua")

local base_setup, base_done = setup, done
local threads = {}

-- Globals, so that done() can read each thread's counts with thread:get().
cache_hits, cache_misses, cache_other = 0, 0, 0

function setup(thread)
  base_setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  local cache = headers["X-Tile-Cache"] or headers["x-tile-cache"]
  if cache == "hit" then
    cache_hits = cache_hits + 1
  elseif cache == "miss" then
    cache_misses = cache_misses + 1
  else
    cache_other = cache_other + 1
  end
end

function done(summary, latency, requests)
  base_done(summary, latency, requests)
  local hits, misses, other = 0, 0, 0
  for _, thread in ipairs(threads) do
    hits = hits + thread:get("cache_hits")
    misses = misses + thread:get("cache_misses")
    other = other + thread:get("cache_other")
  end
  io.write(string.format('BENCH_EXTRA {"hits": %d, "misses": %d, "other": %d}\n', hits, misses, other))
end
