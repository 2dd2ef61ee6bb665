-- The demo API of `make demo`, served by nginx itself (content_by_lua): a login, users, orders,
-- search, GraphQL, an XML import and a profile update. Enough realistic status codes for the
-- behaviour detectors: 401 on a wrong password, 404 for unknown users.
local cjson = require("cjson.safe")

local M = {}

local USERS = {
  ["1"] = { id = 1, name = "Ana" }, ["2"] = { id = 2, name = "Ben" }, ["3"] = { id = 3, name = "Chloe" },
  ["4"] = { id = 4, name = "Dev" }, ["5"] = { id = 5, name = "Eli" },
}
local PASSWORD = "correct horse battery staple"

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(value))
  return ngx.exit(status)
end

local function body()
  ngx.req.read_body()
  return ngx.req.get_body_data() or ""
end

function M.handle()
  local method, uri = ngx.req.get_method(), ngx.var.uri

  if uri == "/api/login" and method == "POST" then
    local creds = cjson.decode(body()) or {}
    if type(creds) == "table" and creds.password == PASSWORD then
      return reply(200, { token = "demo-session-" .. tostring(creds.username or "?") })
    end
    return reply(401, { error = "invalid credentials" })
  end

  local id = uri:match("^/api/users/([^/]+)$")
  if id and method == "GET" then
    local user = USERS[id]
    if user then return reply(200, user) end
    return reply(404, { error = "no such user" })
  end

  if uri == "/api/orders" then
    if method == "GET" then return reply(200, { orders = { { id = 101, total = 42.5 }, { id = 102, total = 7 } } }) end
    if method == "POST" then
      body()
      return reply(201, { id = math.random(1000, 9999), status = "created" })
    end
  end

  if uri == "/api/search" and method == "GET" then
    return reply(200, { query = ngx.var.arg_q or "", results = {} })
  end

  if uri == "/api/graphql" and method == "POST" then
    body()
    return reply(200, { data = {} })
  end

  if uri == "/api/import" and method == "POST" then
    return reply(202, { accepted = #body() })
  end

  if uri == "/api/profile" and (method == "POST" or method == "PUT") then
    body()
    return reply(200, { saved = true })
  end

  return reply(404, { error = "not found" })
end

return M
