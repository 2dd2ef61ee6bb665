-- Kong Admin API endpoints of the palisade plugin (Kong loads kong.plugins.<name>.api for every
-- enabled plugin and mounts these routes on the Admin API, with its own access control):
--   GET /palisade/metrics  node-wide counters, Prometheus text (palisade.metrics)
--   GET /palisade/status   the answering worker's tap counters and the decision-set state (JSON)
-- The decision dict is the one named by the plugin's `decisions_dict` (default palisade_decisions);
-- several plugin configs naming other dicts are not looked up here. Kong's own Prometheus plugin
-- is separate: scrape this path next to Kong's /metrics.
local metrics = require "palisade.metrics"
local gateway = require "palisade.gateway"

local DICT = "palisade_decisions"

return {
  ["/palisade/metrics"] = {
    GET = function()
      local text, err = metrics.text(DICT)
      if not text then return kong.response.exit(500, { message = err }) end
      return kong.response.exit(200, text, { ["Content-Type"] = metrics.CONTENT_TYPE })
    end,
  },
  ["/palisade/status"] = {
    GET = function()
      return kong.response.exit(200, gateway.status(DICT), { ["Content-Type"] = "application/json" })
    end,
  },
}
