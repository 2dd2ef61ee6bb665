-- Schema rules: the Kong schema wraps palisade.config; config.validate applies the same rules
-- (defaults, types, ranges, validators, entity checks) for plain nginx and for these specs.
local ngx_stub = require "ngx_stub"

describe("palisade schema", function()
  local config, schema

  setup(function()
    ngx_stub.install()
    require("kong_stub").install()
    config = require "palisade.config"
    schema = require "kong.plugins.palisade.schema"
  end)

  local function valid(extra)
    local c = { mirror_url = "http://127.0.0.1:9000", aggregator_url = "https://agg.internal:8443/base" }
    for k, v in pairs(extra or {}) do c[k] = v end
    return c
  end

  it("is a Kong plugin schema with consumer, protocols and a config record", function()
    assert.equal("palisade", schema.name)
    assert.same({ "consumer", "protocols", "config" }, {
      (next(schema.fields[1])), (next(schema.fields[2])), (next(schema.fields[3])) })
    assert.equal("record", schema.fields[3].config.type)
    assert.equal(config.fields, schema.fields[3].config.fields)
  end)

  it("describes every config field", function()
    for _, f in ipairs(config.fields) do
      local name, def = next(f)
      assert.is_string(def.description, name .. " has no description")
      assert.is_true(#def.description > 10, name)
    end
  end)

  it("translates entity checks to Kong's config.* paths", function()
    assert.equal(#config.entity_checks, #schema.entity_checks)
    local cond = schema.entity_checks[1].conditional
    assert.same({ "config.tap_enabled", "config.mirror_url" }, { cond.if_field, cond.then_field })
    local custom = schema.entity_checks[3].custom_entity_check
    assert.same({ "config.batch_max_records", "config.queue_max_records" }, custom.field_sources)
    assert.is_nil((custom.fn({ config = { batch_max_records = 10, queue_max_records = 5 } })))
    assert.is_true(custom.fn({ config = { batch_max_records = 5, queue_max_records = 5 } }))
  end)

  it("accepts a minimal config and fills documented defaults", function()
    local c = assert(config.validate(valid()))
    assert.equal("block", c.mode)
    assert.equal(8192, c.max_body_bytes)
    assert.equal(1, c.sample_rate)
    assert.same({ "authorization", "proxy-authorization", "cookie" }, c.redact_headers)
    assert.same({ "apikey", "x-api-key" }, c.api_key_headers)
    assert.equal(10000, c.queue_max_records)
    assert.equal(500, c.batch_max_records)
    assert.equal(1000, c.flush_interval_ms)
    assert.equal(403, c.block_status)
    assert.equal(429, c.throttle_status)
    assert.equal("palisade_decisions", c.decisions_dict)
    assert.equal(20, c.poll_wait_s)
    assert.is_false(c.expose_reason)
    assert.is_true(c.ssl_verify)
  end)

  it("does not share default tables between configs", function()
    local a = assert(config.validate(valid()))
    local b = assert(config.validate(valid()))
    assert.are_not.equal(a.redact_headers, b.redact_headers)
  end)

  local bad = {
    { "mode", { mode = "enforce" }, "expected one of: block, monitor" },
    { "sample_rate", { sample_rate = 1.5 }, "value should be between 0 and 1" },
    { "max_body_bytes", { max_body_bytes = 10.5 }, "expected a integer" },
    { "max_body_bytes", { max_body_bytes = -1 }, "value should be between 0 and 1048576" },
    { "block_status", { block_status = 200 }, "value should be between 400 and 599" },
    { "mirror_url", { mirror_url = "ftp://x" }, "must be an http:// or https:// URL" },
    { "mirror_url", { mirror_url = "http://x/?a=1" }, "must not contain a query or fragment" },
    { "include_paths", { include_paths = { "api" } }, "[1] must be a path prefix starting with '/' or a regex starting with '~'" },
    { "exclude_paths", { exclude_paths = { "/ok", "~(" } }, "[2] invalid regex" },
    { "redact_headers", { redact_headers = { "bad header" } }, "[1] invalid header name" },
    { "api_key_headers", { api_key_headers = "apikey" }, "expected an array" },
    { "api_key_query_params", { api_key_query_params = { "a b" } }, "invalid query parameter name" },
    { "monitor_header", { monitor_header = "X:Y" }, "invalid header name" },
    { "mirror_token", { mirror_token = "abc\r\nX-Injected: 1" }, "must not contain spaces or control characters" },
    { "aggregator_token", { aggregator_token = "a b" }, "must not contain spaces or control characters" },
    { "bogus", { bogus = 1 }, "unknown field" },
  }
  for _, case in ipairs(bad) do
    it("rejects " .. case[1] .. " = " .. require("cjson").encode(case[2][case[1]] or "?"), function()
      local c, errs = config.validate(valid(case[2]))
      assert.is_nil(c)
      assert.is_string(errs[case[1]])
      assert.truthy(errs[case[1]]:find(case[3], 1, true), errs[case[1]])
    end)
  end

  it("accepts path prefixes and ~regexes", function()
    assert.truthy(config.validate(valid({ include_paths = { "/api", "~^/v%d+/" }, exclude_paths = { "/health" } })))
  end)

  it("requires mirror_url when tapping and aggregator_url when enforcing", function()
    local _, errs = config.validate({ aggregator_url = "http://a" })
    assert.equal("required field missing", errs.mirror_url)
    _, errs = config.validate({ mirror_url = "http://m" })
    assert.equal("required field missing", errs.aggregator_url)
    assert.truthy(config.validate({ mirror_url = "http://m", enforce_enabled = false }))
    assert.truthy(config.validate({ aggregator_url = "http://a", tap_enabled = false }))
  end)

  it("refuses a config that does nothing", function()
    local _, errs = config.validate({ tap_enabled = false, enforce_enabled = false })
    assert.same({ "at least one of tap_enabled and enforce_enabled must be true" }, errs["@entity"])
  end)

  it("keeps batches within the queue bounds", function()
    local _, errs = config.validate(valid({ batch_max_records = 200, queue_max_records = 100 }))
    assert.same({ "batch_max_records must not exceed queue_max_records" }, errs["@entity"])
    _, errs = config.validate(valid({ batch_max_bytes = 4096, queue_max_bytes = 2048 }))
    assert.same({ "batch_max_bytes must not exceed queue_max_bytes" }, errs["@entity"])
  end)

  it("refuses schema DSL it does not implement (so Kong and nginx cannot disagree)", function()
    table.insert(config.fields, { extra = { type = "string", match = "^x", description = "test only" } })
    assert.has_error(function() config.validate(valid({ extra = "x" })) end)
    table.remove(config.fields)
  end)

  it("the nginx adapter refuses a bad config at setup with every problem listed", function()
    local nginx = require "palisade.nginx"
    local ok, err = pcall(nginx.setup, { mirror_url = "nope", aggregator_url = "http://a", sample_rate = 2 })
    assert.is_false(ok)
    assert.truthy(err:find("mirror_url: must be an http", 1, true), err)
    assert.truthy(err:find("sample_rate: value should be between 0 and 1", 1, true), err)
  end)
end)
