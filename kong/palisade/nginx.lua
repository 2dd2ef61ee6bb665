-- Plain-nginx adapter. In nginx.conf (see kong/nginx/palisade.conf.example):
--   init_by_lua_block        { require("palisade.nginx").setup({ mirror_url = …, aggregator_url = … }) }
--   init_worker_by_lua_block { require("palisade.nginx").init_worker() }
--   access_by_lua_block      { require("palisade.nginx").access() }
--   header_filter_by_lua_block { require("palisade.nginx").header_filter() }
--   log_by_lua_block         { require("palisade.nginx").log() }
--   and, in a protected location: content_by_lua_block { require("palisade.nginx").metrics() }
-- setup() validates the config with the same rules and defaults as the Kong schema and raises on
-- error, so a bad config stops nginx from starting instead of failing open silently.
local config = require "palisade.config"
local gateway = require "palisade.gateway"

local M = {}
local conf

--- Validates and stores the config (init phase). Raises with every problem listed.
function M.setup(input)
  local c, errs = config.validate(input)
  if not c then
    local lines = {}
    for k, v in pairs(errs) do
      lines[#lines + 1] = k .. ": " .. (type(v) == "table" and table.concat(v, "; ") or v)
    end
    table.sort(lines)
    error("palisade: invalid configuration: " .. table.concat(lines, ", "), 2)
  end
  conf = c
  return c
end

function M.init_worker() gateway.init_worker(conf) end

function M.access()
  local ctx = ngx.ctx
  local status, body, headers = gateway.access(conf, ctx)
  if status then
    for k, v in pairs(headers) do ngx.header[k] = v end
    ngx.status = status
    ngx.print(body)
    return ngx.exit(status)
  end
  if headers then
    -- monitor: tell the upstream now; the response header is set in header_filter (headers set in
    -- access would be replaced by the proxied response's)
    for k, v in pairs(headers) do ngx.req.set_header(k, v) end
    ctx.palisade_headers = headers
  end
end

function M.header_filter()
  local headers = ngx.ctx.palisade_headers
  if headers then for k, v in pairs(headers) do ngx.header[k] = v end end
end

function M.log() gateway.log(conf, ngx.ctx) end

--- Prometheus text of the node's counters (content phase), from the configured decisions_dict:
---   location = /palisade/metrics { allow 127.0.0.1; deny all;
---     content_by_lua_block { require("palisade.nginx").metrics() } }
function M.metrics() return require("palisade.metrics").serve(conf and conf.decisions_dict) end

return M
