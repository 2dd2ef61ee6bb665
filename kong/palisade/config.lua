-- The plugin's configuration: one definition used twice — as the Kong schema's `config` record
-- (kong/plugins/palisade/schema.lua) and, through `validate`, for plain nginx (palisade.gateway).
-- The field definitions are written in Kong's schema DSL. `validate` implements the subset of that
-- DSL used here (types, defaults, required, one_of, between, len_min, elements, custom_validator,
-- and the entity checks below) and refuses any other DSL key, so the two readings cannot drift.
local M = {}

local function valid_url(v)
  local scheme, host = v:match("^(https?)://([^/%?#]+)")
  if not scheme or host == "" then return nil, "must be an http:// or https:// URL" end
  if v:find("[%?#]") then return nil, "must not contain a query or fragment" end
  return true
end

local function valid_path_pattern(v)
  if v:sub(1, 1) == "~" then
    local ok, from_or_err, _, err = pcall(ngx.re.find, "", v:sub(2), "jo")
    if not ok then err = from_or_err end
    if err then return nil, "invalid regex: " .. tostring(err) end
    return true
  end
  if v:sub(1, 1) ~= "/" then return nil, "must be a path prefix starting with '/' or a regex starting with '~'" end
  return true
end

local function valid_header_name(v)
  if not v:match("^[%w!#$%%&'*+%-.^_`|~]+$") then return nil, "invalid header name" end
  return true
end

local header_name = { type = "string", custom_validator = valid_header_name }

local function valid_query_name(v)
  if not v:match("^[%w%-_.~]+$") then return nil, "invalid query parameter name" end
  return true
end

local function valid_token(v)
  if v:find("[%c%s]") then return nil, "must not contain spaces or control characters" end
  return true
end

M.fields = {
  { mode = { type = "string", default = "block", one_of = { "block", "monitor" }, required = true,
      description = "block: refuse requests that match a block/throttle decision. monitor: never refuse; add the monitor header and log what would have been refused." } },
  { tap_enabled = { type = "boolean", default = true, required = true,
      description = "Copy requests (capture records) to the mirror." } },
  { enforce_enabled = { type = "boolean", default = true, required = true,
      description = "Sync decisions from the aggregator and check every request against them." } },

  { mirror_url = { type = "string", custom_validator = valid_url,
      description = "Base URL of the Palisade mirror (capture records are POSTed to <mirror_url>/v1/capture). Required when tap_enabled." } },
  { mirror_token = { type = "string", encrypted = true, referenceable = true, custom_validator = valid_token,
      description = "Bearer token for the mirror. Never logged." } },
  { aggregator_url = { type = "string", custom_validator = valid_url,
      description = "Base URL of the Palisade aggregator (decisions are long-polled from <aggregator_url>/v1/decisions). Required when enforce_enabled." } },
  { aggregator_token = { type = "string", encrypted = true, referenceable = true, custom_validator = valid_token,
      description = "Bearer token for the aggregator. Never logged." } },
  { ssl_verify = { type = "boolean", default = true, required = true,
      description = "Verify the TLS certificates of https mirror/aggregator URLs (needs lua_ssl_trusted_certificate)." } },
  { node_name = { type = "string", len_min = 1,
      description = "Gateway node name put in capture records (default: the host name)." } },

  -- tap
  { max_body_bytes = { type = "integer", default = 8192, required = true, between = { 0, 1048576 },
      description = "Request body bytes captured per request (0 = none). Longer bodies are cut and marked body_truncated; bodies buffered to disk are read from the temp file up to this limit." } },
  { sample_rate = { type = "number", default = 1, required = true, between = { 0, 1 },
      description = "Fraction of requests captured (0..1). Enforcement always applies to every request." } },
  { include_paths = { type = "array", default = {}, required = true,
      elements = { type = "string", custom_validator = valid_path_pattern },
      description = "Only capture requests whose normalized path starts with one of these prefixes, or matches one of these regexes (entries starting with '~'). Empty = all paths." } },
  { exclude_paths = { type = "array", default = {}, required = true,
      elements = { type = "string", custom_validator = valid_path_pattern },
      description = "Never capture requests whose normalized path starts with one of these prefixes or matches one of these '~' regexes. Wins over include_paths." } },
  { redact_headers = { type = "array", default = { "authorization", "proxy-authorization", "cookie" }, required = true,
      elements = header_name,
      description = "Request headers whose values are masked in capture records (case-insensitive): auth schemes and cookie names are kept, secrets replaced by ***." } },
  { redact_keep_jwt_claims = { type = "boolean", default = true, required = true,
      description = "When masking a JWT in a redacted header, keep its header and claims and drop only the signature, so detections (and jwt_sub decisions) still see the claims while the token cannot be replayed." } },
  { max_headers = { type = "integer", default = 100, required = true, between = { 1, 1000 },
      description = "Request headers captured per request, in arrival order." } },
  { queue_max_records = { type = "integer", default = 10000, required = true, between = { 1, 1000000 },
      description = "Per-worker bound on records waiting for the mirror; when full, new records are dropped and counted." } },
  { queue_max_bytes = { type = "integer", default = 16777216, required = true, between = { 1024, 1073741824 },
      description = "Per-worker bound on the bytes of records waiting for the mirror." } },
  { batch_max_records = { type = "integer", default = 500, required = true, between = { 1, 100000 },
      description = "Records per POST to the mirror; a full batch is sent at once, a partial one after flush_interval_ms." } },
  { batch_max_bytes = { type = "integer", default = 1048576, required = true, between = { 1024, 67108864 },
      description = "Bytes per POST to the mirror (NDJSON body size)." } },
  { flush_interval_ms = { type = "integer", default = 1000, required = true, between = { 10, 60000 },
      description = "Longest time a record waits in the queue before a partial batch is sent." } },
  { gzip = { type = "boolean", default = true, required = true,
      description = "Compress batches of 1 KiB and more with gzip (Content-Encoding: gzip; level 1, system zlib through the FFI). Sent uncompressed when zlib cannot be loaded (logged once)." } },
  { mirror_timeout_ms = { type = "integer", default = 2000, required = true, between = { 100, 60000 },
      description = "Connect/send/read timeout for one POST to the mirror." } },
  { retry_max_backoff_ms = { type = "integer", default = 5000, required = true, between = { 100, 600000 },
      description = "Cap of the exponential backoff after mirror/aggregator errors (a Retry-After from a 503 is honoured up to this cap). It is also the longest a recovered aggregator waits to be polled again." } },

  -- enforce
  { api_key_headers = { type = "array", default = { "apikey", "x-api-key" }, required = true,
      elements = header_name,
      description = "Request headers whose values are matched against api_key decisions." } },
  { api_key_query_params = { type = "array", default = { "apikey", "api_key" }, required = true,
      elements = { type = "string", custom_validator = valid_query_name },
      description = "Query parameters whose (percent-decoded) values are matched against api_key decisions, as the workers read them (worker.api_key_query_parameters)." } },
  { match_jwt_sub = { type = "boolean", default = true, required = true,
      description = "Match jwt_sub decisions against the `sub` claim of an 'Authorization: Bearer <JWT>' (decoded, not verified)." } },
  { match_headers = { type = "array", default = {}, required = true, elements = header_name,
      description = "Request headers matched against header decisions, whose value is '<header-name>:<value>'." } },
  { block_status = { type = "integer", default = 403, required = true, between = { 400, 599 },
      description = "Status returned for a block decision." } },
  { throttle_status = { type = "integer", default = 429, required = true, between = { 400, 599 },
      description = "Status returned for a throttle decision." } },
  { block_message = { type = "string", default = "Request blocked", required = true, len_min = 1,
      description = "`message` of the JSON body returned for a block." } },
  { throttle_message = { type = "string", default = "Too many requests", required = true, len_min = 1,
      description = "`message` of the JSON body returned for a throttle." } },
  { throttle_retry_after_s = { type = "integer", default = 60, required = true, between = { 0, 86400 },
      description = "Retry-After (seconds) sent with a throttle response (0 = no header)." } },
  { expose_reason = { type = "boolean", default = false, required = true,
      description = "Include the decision's reason in the refusal body (off: do not tell attackers which rule caught them)." } },
  { monitor_header = { type = "string", default = "X-Palisade-Monitor", required = true, custom_validator = valid_header_name,
      description = "Response header added when a decision matches but is not enforced (mode monitor, or a monitor decision); value '<action>; scope=<scope>'." } },
  { decisions_dict = { type = "string", default = "palisade_decisions", required = true, len_min = 1,
      description = "Name of the lua_shared_dict holding decisions (declare it: lua_shared_dict palisade_decisions 16m)." } },
  { poll_wait_s = { type = "integer", default = 20, required = true, between = { 1, 120 },
      description = "Long-poll wait sent to the aggregator (?wait=S); the read timeout is this plus 5 s." } },
  { log_interval_s = { type = "integer", default = 30, required = true, between = { 1, 3600 },
      description = "Repeated conditions (mirror down, queue full, aggregator unreachable) are logged at most once per this interval." } },
}

--- Cross-field rules, in Kong's entity_checks form (paths relative to the config record).
M.entity_checks = {
  { conditional = { if_field = "tap_enabled", if_match = { eq = true },
      then_field = "mirror_url", then_match = { required = true } } },
  { conditional = { if_field = "enforce_enabled", if_match = { eq = true },
      then_field = "aggregator_url", then_match = { required = true } } },
  { custom_entity_check = { field_sources = { "batch_max_records", "queue_max_records" },
      fn = function(c)
        if c.batch_max_records > c.queue_max_records then
          return nil, "batch_max_records must not exceed queue_max_records"
        end
        return true
      end } },
  { custom_entity_check = { field_sources = { "batch_max_bytes", "queue_max_bytes" },
      fn = function(c)
        if c.batch_max_bytes > c.queue_max_bytes then
          return nil, "batch_max_bytes must not exceed queue_max_bytes"
        end
        return true
      end } },
  { custom_entity_check = { field_sources = { "tap_enabled", "enforce_enabled" },
      fn = function(c)
        if not c.tap_enabled and not c.enforce_enabled then
          return nil, "at least one of tap_enabled and enforce_enabled must be true"
        end
        return true
      end } },
}

------------------------------------------------------------------------------------------------
-- Validation for plain nginx (and the specs): Kong's semantics for the DSL subset above.

local KNOWN = { type = true, default = true, required = true, one_of = true, between = true,
  len_min = true, elements = true, custom_validator = true, description = true,
  encrypted = true, referenceable = true }

local TYPES = {
  string = function(v) return type(v) == "string" end,
  boolean = function(v) return type(v) == "boolean" end,
  number = function(v) return type(v) == "number" end,
  integer = function(v) return type(v) == "number" and v == math.floor(v) end,
  array = function(v) return type(v) == "table" end,
}

local function deepcopy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deepcopy(x) end
  return t
end

local function check_value(def, v)
  for k in pairs(def) do
    if not KNOWN[k] then error("config DSL key not supported by validate(): " .. k) end
  end
  if not TYPES[def.type](v) then return "expected " .. (def.type == "array" and "an array" or "a " .. def.type) end
  if def.one_of then
    local ok = false
    for _, o in ipairs(def.one_of) do if o == v then ok = true end end
    if not ok then return "expected one of: " .. table.concat(def.one_of, ", ") end
  end
  if def.between and (v < def.between[1] or v > def.between[2]) then
    return ("value should be between %s and %s"):format(def.between[1], def.between[2])
  end
  if def.len_min and #v < def.len_min then return "length must be at least " .. def.len_min end
  if def.type == "array" then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n ~= #v then return "expected an array" end
    for i, e in ipairs(v) do
      local err = check_value(def.elements, e)
      if err then return ("[%d] %s"):format(i, err) end
    end
  end
  if def.custom_validator then
    local ok, err = def.custom_validator(v)
    if not ok then return err or "invalid value" end
  end
  return nil
end

--- Validates a config table and fills defaults. Returns the completed copy, or nil and a table
--- {field = message, ["@entity"] = {messages}} like Kong's errors.
function M.validate(input)
  input = input or {}
  local out, errs = {}, {}
  local known = {}
  for _, f in ipairs(M.fields) do
    local name, def = next(f)
    known[name] = true
    local v = input[name]
    if v == nil or v == ngx.null then v = deepcopy(def.default) end
    if v == nil then
      if def.required then errs[name] = "required field missing" end
    else
      local err = check_value(def, v)
      if err then errs[name] = err else out[name] = v end
    end
  end
  for k in pairs(input) do
    if not known[k] then errs[k] = "unknown field" end
  end
  if next(errs) then return nil, errs end
  local entity = {}
  for _, check in ipairs(M.entity_checks) do
    local kind, c = next(check)
    if kind == "conditional" then
      if out[c.if_field] == c.if_match.eq and c.then_match.required and out[c.then_field] == nil then
        errs[c.then_field] = "required field missing"
      end
    elseif kind == "custom_entity_check" then
      local ok, err = c.fn(out)
      if not ok then entity[#entity + 1] = err end
    else
      error("entity check not supported by validate(): " .. kind)
    end
  end
  if #entity > 0 then errs["@entity"] = entity end
  if next(errs) then return nil, errs end
  return out
end

--- Lookup set of lowercase names from a list.
function M.name_set(list)
  local t = {}
  for _, n in ipairs(list) do t[n:lower()] = true end
  return t
end

return M
