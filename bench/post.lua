-- wrk script: POST one chat completion, the same body every time.
-- BODY overrides the body; AUTH="Bearer ..." the Authorization; HDR="Name: value|Name2: value2" adds headers.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("AUTH") or "Bearer sk-none"
for h in string.gmatch(os.getenv("HDR") or "", "[^|]+") do
  local k, v = string.match(h, "^%s*([^:]+):%s*(.*)$")
  if k then wrk.headers[k] = v end
end
