-- wrk script: POST one chat completion, the same body every time.
-- BODY overrides the body; AUTH="Bearer ..." the Authorization; HDR="Name: value|Name2: value2" adds headers.
-- METHOD=GET sends no body (e.g. GET /v1/models: key check and routing without the upstream).
-- KEYS_FILE=path: one dynamic key per line; each call carries the next one instead of AUTH's.
-- PACE_MS=T: each connection waits a random 0..2T ms (mean T) before each call, so that C
-- connections offer about C/T calls per millisecond instead of as many as the target can take.
wrk.method = os.getenv("METHOD") or "POST"
wrk.body = os.getenv("BODY") or '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50}'
if wrk.method == "GET" then wrk.body = nil else wrk.headers["Content-Type"] = "application/json" end
wrk.headers["Authorization"] = os.getenv("AUTH") or "Bearer sk-none"
for h in string.gmatch(os.getenv("HDR") or "", "[^|]+") do
  local k, v = string.match(h, "^%s*([^:]+):%s*(.*)$")
  if k then wrk.headers[k] = v end
end

local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
  math.randomseed(os.time())
  -- Random, not fixed: fixed waits would keep the connections in step, arriving in bursts.
  function delay() return math.random() * 2 * pace end
end

local keys = {}
local keysFile = os.getenv("KEYS_FILE")
if keysFile and keysFile ~= "" then
  for line in io.lines(keysFile) do keys[#keys + 1] = line end
end
if #keys > 0 then
  local i = 0
  function request()
    i = i % #keys + 1
    wrk.headers["Authorization"] = "Bearer " .. keys[i]
    return wrk.format()
  end
end
