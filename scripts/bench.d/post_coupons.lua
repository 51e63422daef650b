-- wrk -s post_coupons.lua: POST /api/coupons/{userId} {"couponPolicyId":P}, used by scripts/bench against
-- the server and, with the same settings, against nginx (which answers every path 204).
-- Environment:
--   POLICIES   comma-separated policy ids, taken round-robin per request (default "1")
--   USER_BASE  users are USER_BASE + ...                                   (default 0)
--   USERS      0: a new user for every request (distinct per wrk thread: tid * 10,000,000 + n)
--              M: users drawn at random from USER_BASE+1 .. USER_BASE+M (a user may come back)
--   ASYNC=1    adds "Prefer: respond-async"
--   REQUESTS   0: run for wrk's -d. N: send exactly N requests in total (split over the wrk threads) and
--              stop each thread once all of its N were answered. After its share a thread sends
--              GET /bench-filler (404 on the server and on nginx) so that wrk, which cannot idle a
--              connection, sends nothing countable; 404 answers are therefore not counted. A thread
--              done writes DONE_FILE.<tid>.
-- done() prints one line "WRK key=value ..." that scripts/bench.d/figures.py reads (latencies in us).
local threads = {}

function setup(thread)            -- 'tid' must be a global: thread:set() writes globals of the thread's state
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tid = tid or 0
  counter = 0
  answered = 0
  status_counts = {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if os.getenv("ASYNC") == "1" then wrk.headers["Prefer"] = "respond-async" end
  policies = {}
  for p in string.gmatch(os.getenv("POLICIES") or "1", "[^,]+") do table.insert(policies, p) end
  base = tonumber(os.getenv("USER_BASE") or "0")
  users = tonumber(os.getenv("USERS") or "0")
  local total = tonumber(os.getenv("REQUESTS") or "0")
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  quota = 0
  if total > 0 then
    quota = math.floor(total / nthreads)
    if tid == nthreads then quota = total - quota * (nthreads - 1) end
  end
  math.randomseed(12345 + tid)
  filler = wrk.format("GET", "/bench-filler", {}, nil)
end

function request()
  -- wrk 4.1 calls request() once per thread for a request it never sends; that call must not use up
  -- a counted request (measured: 100 counted, 99 answered with one connection).
  if quota > 0 and not primed then primed = true; return filler end
  if quota > 0 and counter >= quota then return filler end
  counter = counter + 1
  local user
  if users > 0 then user = base + math.random(users) else user = base + tid * 10000000 + counter end
  local policy = policies[(counter % #policies) + 1]
  return wrk.format(nil, "/api/coupons/" .. user, nil, '{"couponPolicyId":' .. policy .. '}')
end

-- Only a counted run defines response(): wrk hands every response to Lua when it exists, which costs.
if tonumber(os.getenv("REQUESTS") or "0") > 0 then
  function response(status, headers, body)
    if status == 404 then return end
    answered = answered + 1
    status_counts[status] = (status_counts[status] or 0) + 1
    if answered == quota then
      -- wrk sleeps for its whole -d even when every thread stopped: scripts/bench waits for these files
      -- and ends wrk with SIGINT, so the measured duration is the time to answer all N.
      local f = io.open((os.getenv("DONE_FILE") or "/dev/null") .. "." .. tid, "w")
      if f then f:write(answered, "\n"); f:close() end
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local answered_total, sent_total, by_status = 0, 0, {}
  for _, t in ipairs(threads) do
    answered_total = answered_total + (t:get("answered") or 0)
    sent_total = sent_total + (t:get("counter") or 0)
    local sc = t:get("status_counts")
    if sc then for s, n in pairs(sc) do by_status[s] = (by_status[s] or 0) + n end end
  end
  local out = string.format("WRK requests=%d duration_us=%d status_errors=%d connect=%d read=%d write=%d timeout=%d",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout)
  out = out .. string.format(" p50=%d p90=%d p99=%d p999=%d max=%d mean=%d", latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean)
  out = out .. string.format(" counted_sent=%d counted_answered=%d", sent_total, answered_total)
  for s, n in pairs(by_status) do out = out .. string.format(" s%d=%d", s, n) end
  io.write(out .. "\n")
end
