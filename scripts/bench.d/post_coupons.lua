-- wrk -s post_coupons.lua: POST /api/coupons/{userId} with a user id unique per request and wrk thread.
-- Environment: POLICY (policy id), ASYNC=1 adds "Prefer: respond-async".
local counter = 0
local threads = {}

function setup(thread)            -- 'tid' must be a global: thread:set() writes globals
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tid = tid or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if os.getenv("ASYNC") == "1" then wrk.headers["Prefer"] = "respond-async" end
  policy = os.getenv("POLICY") or "1"
  base = tonumber(os.getenv("USER_BASE") or "0")
end

function request()
  counter = counter + 1
  local user = base + tid * 10000000 + counter
  return wrk.format(nil, "/api/coupons/" .. user, nil, '{"couponPolicyId":' .. policy .. '}')
end

function done(summary, latency, requests)
  io.write(string.format("requests=%d non-2xx=%d socket-errors=%d/%d/%d/%d\n", summary.requests,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  for _, p in ipairs({50, 90, 99}) do io.write(string.format("p%d=%.2fms ", p, latency:percentile(p) / 1000)) end
  io.write("\n")
end
