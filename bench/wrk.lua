-- The request script of bench/load.ts for wrk: one route (ROUTE) to random accounts among the first ACCOUNTS,
-- numbered as bench/seed.ts numbers them, and one JSON line on stdout at the end for load.ts to read.
local route = os.getenv("ROUTE")
local accounts = tonumber(os.getenv("ACCOUNTS"))
-- Idempotency-Keys unique to this run and row: every keyed request is a first request, never a replay.
local keyPrefix = os.getenv("KEY_PREFIX")
local keyCounter = 0

local authorization = os.getenv("AUTHORIZATION")

-- wrk.format takes the headers it is given in place of wrk.headers, so every request names all of its own.
local function headers(extra)
  local all = { ["Authorization"] = authorization }
  for name, value in pairs(extra or {}) do all[name] = value end
  return all
end
local json = headers({ ["Content-Type"] = "application/json" })

local function pick()
  return math.random(0, accounts - 1)
end

local function tabungBody()
  return string.format('{"no_rekening":"%010d","nominal":1000}', pick())
end

local builders = {
  ["GET /saldo"] = function()
    return wrk.format("GET", string.format("/saldo/%010d", pick()), headers())
  end,
  ["POST /tabung"] = function()
    return wrk.format("POST", "/tabung", json, tabungBody())
  end,
  ["POST /tabung + key"] = function()
    keyCounter = keyCounter + 1
    local keyed = headers({ ["Content-Type"] = "application/json", ["Idempotency-Key"] = keyPrefix .. keyCounter })
    return wrk.format("POST", "/tabung", keyed, tabungBody())
  end,
  -- Between two distinct random accounts: a transfer to oneself is refused.
  ["POST /transfer"] = function()
    local asal = pick()
    local tujuan = math.random(0, accounts - 2)
    if tujuan >= asal then tujuan = tujuan + 1 end
    local body = string.format('{"no_rekening_asal":"%010d","no_rekening_tujuan":"%010d","nominal":1}', asal, tujuan)
    return wrk.format("POST", "/transfer", json, body)
  end,
}
local build = builders[route]
if build == nil then error("unknown ROUTE " .. tostring(route)) end

function init()
  math.randomseed(os.time() + os.clock() * 1e6)
end

request = build

-- Latencies in microseconds, as wrk keeps them; load.ts turns them into milliseconds.
function done(summary, latency)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
      '"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
