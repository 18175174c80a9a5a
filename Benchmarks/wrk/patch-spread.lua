-- PATCH extensions' names spread over every extension of every tenant (10 × 25), as pgbench -N
-- spreads its updates over its accounts: an audit row, a revision bump and an outbox row per
-- request, contending only when two requests pick the same tenant at once.
-- wrk -s Benchmarks/wrk/patch-spread.lua URL  with BENCH_DIR in the environment.
local tenants = dofile(os.getenv("BENCH_DIR") .. "/tenants.lua")
local counter = 0
local offset = 0

setup = function(thread)
  offset = offset + 1
  thread:set("offset", offset * 13)
end

request = function()
  counter = counter + 1
  local n = counter + (offset or 0)
  local t = tenants[(n % #tenants) + 1]
  local ext = t.extensions[(math.floor(n / #tenants) % #t.extensions) + 1]
  return wrk.format("PATCH", "/api/v1/tenants/" .. t.tenant .. "/extensions/" .. ext,
    { ["Authorization"] = "Bearer " .. t.key, ["Content-Type"] = "application/merge-patch+json" },
    '{"name":"Desk ' .. (n % 1000) .. '"}')
end
