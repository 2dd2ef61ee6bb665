-- Kong adapter for Palisade: tap every request to the mirror, enforce the aggregator's decisions.
-- Thin on purpose: the work is in palisade.gateway (ngx.* only, shared with plain nginx). Kong adds
-- the forwarded client IP (after trusted_ips/real_ip), service/route/consumer names and the node.
--
-- PRIORITY 1500: before jwt (1450), key-auth (1250), basic-auth (1100) and ip-restriction (990), so
-- blocked IPs, CIDRs, API keys, JWT subjects and headers are refused before any auth work (this is
-- what stops credential stuffing cheaply). Keys and subjects are matched as presented (unverified):
-- that can only refuse the request carrying them, never let one through. Kong consumers are not a
-- decision scope; a consumer-based block would have to run after auth (priority < 1100) and would
-- let blocked clients keep costing auth work — see kong/README.md, "Priority and trust".
local gateway = require "palisade.gateway"

local kong = kong

local Palisade = {
  PRIORITY = 1500,
  VERSION = "0.1.0",
}

-- (No init_worker: Kong seeds math.random itself and warns when plugins reseed it; the decision sync
-- starts from configure, or lazily from the first request.)

-- Kong 3.x calls configure with every enabled config of this plugin on every worker (after
-- init_worker and on each config change). Decisions sync from one aggregator per node: the first
-- config with enforcement enabled is used (all configs share one decision dict).
local configured = false -- set once Kong has called configure (Kong versions with that phase)
local lazily_started = false

function Palisade:configure(configs)
  configured = true
  if not configs then return end
  local chosen
  for _, conf in ipairs(configs) do
    if conf.enforce_enabled then
      if not chosen then
        chosen = conf
      elseif conf.aggregator_url ~= chosen.aggregator_url then
        kong.log.warn("several palisade configs name different aggregators; syncing from ", chosen.aggregator_url)
      end
    end
  end
  if chosen then gateway.start_sync(chosen) end
end

function Palisade:access(conf)
  if not configured and not lazily_started then
    -- a Kong without the configure phase: start the sync (worker 0) on the first request
    lazily_started = true
    gateway.start_sync(conf)
  end
  local status, body, headers = gateway.access(conf, kong.ctx.plugin, kong.client.get_forwarded_ip())
  if status then
    return kong.response.exit(status, body, headers)
  end
  if headers then -- monitor: tell the upstream now, the client in header_filter
    for k, v in pairs(headers) do kong.service.request.set_header(k, v) end
    kong.ctx.plugin.response_headers = headers
  end
end

function Palisade:header_filter()
  local headers = kong.ctx.plugin.response_headers
  if headers then
    for k, v in pairs(headers) do kong.response.set_header(k, v) end
  end
end

local function name_of(entity)
  return entity and (entity.name or entity.username or entity.custom_id or entity.id) or nil
end

local function kong_fields(conf)
  return function()
    return {
      client_ip = kong.client.get_forwarded_ip(),
      service = name_of(kong.router.get_service()),
      route = name_of(kong.router.get_route()),
      consumer = name_of(kong.client.get_consumer()),
      node = conf.node_name or kong.node.get_hostname(),
    }
  end
end

function Palisade:log(conf)
  gateway.log(conf, kong.ctx.plugin, kong_fields(conf))
end

return Palisade
