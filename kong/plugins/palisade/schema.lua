-- Kong schema for the palisade plugin. The config fields and cross-field rules are defined once in
-- palisade.config (shared with the plain-nginx adapter); here they are wrapped the Kong way.
local typedefs = require "kong.db.schema.typedefs"
local config = require "palisade.config"

-- Kong evaluates entity checks on the plugin entity: paths are prefixed with "config." and
-- custom_entity_check functions receive the entity ({config = {...}}).
local entity_checks = {}
for _, check in ipairs(config.entity_checks) do
  local kind, c = next(check)
  if kind == "conditional" then
    entity_checks[#entity_checks + 1] = { conditional = {
      if_field = "config." .. c.if_field, if_match = c.if_match,
      then_field = "config." .. c.then_field, then_match = c.then_match } }
  elseif kind == "custom_entity_check" then
    local sources = {}
    for i, f in ipairs(c.field_sources) do sources[i] = "config." .. f end
    entity_checks[#entity_checks + 1] = { custom_entity_check = {
      field_sources = sources, fn = function(entity) return c.fn(entity.config) end } }
  end
end

return {
  name = "palisade",
  fields = {
    { consumer = typedefs.no_consumer },
    { protocols = typedefs.protocols_http },
    { config = { type = "record", fields = config.fields } },
  },
  entity_checks = entity_checks,
}
