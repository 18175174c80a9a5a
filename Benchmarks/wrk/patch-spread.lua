-- PATCH extensions' names spread over every extension of every tenant (10 × 25) at random, as
-- pgbench -N picks its accounts at random: an audit row, a revision bump and an outbox row per
-- request, contending only when two requests pick the same extension, or tenant, at once.
-- (Walking the extensions in step from both threads made concurrent requests wait for the same
-- rows most of the time, which measured the row locks rather than the writes.)
-- wrk -s Benchmarks/wrk/patch-spread.lua URL  with BENCH_DIR in the environment.
local tenants = dofile(os.getenv("BENCH_DIR") .. "/tenants.lua")
local counter = 0
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("seed", threads * 7919)
end

init = function()
  math.randomseed(seed or 1)
end

request = function()
  counter = counter + 1
  local t = tenants[math.random(#tenants)]
  local ext = t.extensions[math.random(#t.extensions)]
  return wrk.format("PATCH", "/api/v1/tenants/" .. t.tenant .. "/extensions/" .. ext,
    { ["Authorization"] = "Bearer " .. t.key, ["Content-Type"] = "application/merge-patch+json" },
    '{"name":"Desk ' .. (counter % 1000) .. '"}')
end
