-- PATCH one extension's name (an audit row, a revision bump and an outbox row per request).
-- wrk -s Benchmarks/wrk/patch.lua URL  with BENCH_DIR, API_KEY and EXTENSION in the environment.
local key, tenant, extension = os.getenv("API_KEY"), os.getenv("TENANT"), os.getenv("EXTENSION")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PATCH", "/api/v1/tenants/" .. tenant .. "/extensions/" .. extension,
    { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/merge-patch+json" },
    '{"name":"Desk ' .. (counter % 1000) .. '"}')
end
