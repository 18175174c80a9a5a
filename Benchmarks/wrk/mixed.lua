-- A mixed authenticated workload over every seeded tenant: lists, reads, writes and a
-- simulated call, half with API keys and half with session cookies.
-- wrk -s Benchmarks/wrk/mixed.lua URL  with BENCH_DIR in the environment.
local tenants = dofile(os.getenv("BENCH_DIR") .. "/tenants.lua")
local counter = 0
local thread_offset = 0

setup = function(thread)
  thread_offset = thread_offset + 1
  thread:set("offset", thread_offset * 7)
end

local function auth(t, write, cookie)
  if cookie then
    local h = { ["Cookie"] = t.cookie }
    if write then h["X-CSRF-Token"] = t.csrf end
    return h
  end
  return { ["Authorization"] = "Bearer " .. t.key }
end

request = function()
  counter = counter + 1
  local n = counter + (offset or 0)
  local t = tenants[(n % #tenants) + 1]
  local base = "/api/v1/tenants/" .. t.tenant
  local cookie = (n % 2) == 0
  local kind = n % 10
  local ext = t.extensions[(n % #t.extensions) + 1]
  if kind <= 3 then
    local lists = { "/extensions?limit=20", "/users?limit=20", "/intervals?limit=20", "/queues?limit=20" }
    return wrk.format("GET", base .. lists[kind + 1], auth(t, false, cookie))
  elseif kind <= 6 then
    return wrk.format("GET", base .. "/extensions/" .. ext, auth(t, false, cookie))
  elseif kind <= 8 then
    local h = auth(t, true, cookie)
    h["Content-Type"] = "application/merge-patch+json"
    return wrk.format("PATCH", base .. "/extensions/" .. ext, h, '{"name":"Desk ' .. (n % 997) .. '"}')
  else
    local h = auth(t, true, cookie)
    h["Content-Type"] = "application/json"
    return wrk.format("POST", base .. "/simulate", h,
      '{"to":"1000","from":"+34600000000","at":"2026-11-24T10:00:00Z","devices":{"1000":"answers"}}')
  end
end
