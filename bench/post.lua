-- wrk script: POST one chat completion, the same body every time.
-- BODY overrides the body; AUTH="Bearer ..." the Authorization; HDR="Name: value|Name2: value2" adds headers.
-- METHOD=GET sends no body (e.g. GET /v1/models: key check and routing without the upstream).
wrk.method = os.getenv("METHOD") or "POST"
wrk.body = os.getenv("BODY") or '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50}'
if wrk.method == "GET" then wrk.body = nil else wrk.headers["Content-Type"] = "application/json" end
wrk.headers["Authorization"] = os.getenv("AUTH") or "Bearer sk-none"
for h in string.gmatch(os.getenv("HDR") or "", "[^|]+") do
  local k, v = string.match(h, "^%s*([^:]+):%s*(.*)$")
  if k then wrk.headers[k] = v end
end
