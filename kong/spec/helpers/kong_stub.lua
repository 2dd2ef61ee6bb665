-- A stubbed Kong PDK (only what the adapter uses) and kong.db.schema.typedefs.
local M = {}

function M.install(opts)
  opts = opts or {}
  package.loaded["kong.db.schema.typedefs"] = {
    no_consumer = { type = "foreign", reference = "consumers", eq = ngx and ngx.null or "null" },
    protocols_http = { type = "set", required = true, default = { "grpc", "grpcs", "http", "https" },
      elements = { type = "string", one_of = { "grpc", "grpcs", "http", "https" } } },
  }
  local k
  k = {
    exits = {}, response_headers = {}, upstream_headers = {}, warnings = {},
    ctx = { plugin = {} },
    client = {
      get_forwarded_ip = function() return opts.forwarded_ip or "203.0.113.7" end,
      get_consumer = function() return opts.consumer end,
    },
    router = {
      get_service = function() return opts.service end,
      get_route = function() return opts.route end,
    },
    node = { get_hostname = function() return "kong-1" end },
    response = {
      exit = function(status, body, headers) k.exits[#k.exits + 1] = { status = status, body = body, headers = headers } end,
      set_header = function(name, v) k.response_headers[name] = v end,
    },
    service = { request = { set_header = function(name, v) k.upstream_headers[name] = v end } },
    log = { warn = function(...) k.warnings[#k.warnings + 1] = table.concat({ ... }) end },
  }
  _G.kong = k
  return k
end

return M
