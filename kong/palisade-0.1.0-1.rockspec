package = "palisade"
version = "0.1.0-1"
source = {
  url = "git+https://example.invalid/palisade.git",
  tag = "v0.1.0",
}
description = {
  summary = "Palisade gateway plugin: tap requests to the Palisade mirror, enforce its decisions",
  detailed = [[
    Kong plugin `palisade` (and a plain-nginx adapter sharing the same ngx.* core): copies each
    request as a capture record to the Palisade mirror from a per-worker queue flushed by timers
    (gzip batches), and refuses clients (IP, CIDR, API key by its SHA-256 digest, JWT sub, header)
    the Palisade aggregator has decided to block, from a lua_shared_dict synced by long-poll.
    Node-wide Prometheus counters (nginx location, or Kong Admin API /palisade/metrics).
    Needs LuaJIT (the FFI: OpenSSL's libcrypto for SHA-256, the system zlib libz.so.1 for gzip),
    as in OpenResty and Kong.
  ]],
  license = "Apache-2.0",
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson",
}
build = {
  type = "builtin",
  modules = {
    ["kong.plugins.palisade.handler"] = "kong/plugins/palisade/handler.lua",
    ["kong.plugins.palisade.schema"] = "kong/plugins/palisade/schema.lua",
    ["kong.plugins.palisade.api"] = "kong/plugins/palisade/api.lua",
    ["palisade.config"] = "kong/palisade/config.lua",
    ["palisade.decisions"] = "kong/palisade/decisions.lua",
    ["palisade.digest"] = "kong/palisade/digest.lua",
    ["palisade.enforce"] = "kong/palisade/enforce.lua",
    ["palisade.gateway"] = "kong/palisade/gateway.lua",
    ["palisade.http"] = "kong/palisade/http.lua",
    ["palisade.gzip"] = "kong/palisade/gzip.lua",
    ["palisade.ip"] = "kong/palisade/ip.lua",
    ["palisade.json"] = "kong/palisade/json.lua",
    ["palisade.jwt"] = "kong/palisade/jwt.lua",
    ["palisade.metrics"] = "kong/palisade/metrics.lua",
    ["palisade.nginx"] = "kong/palisade/nginx.lua",
    ["palisade.queue"] = "kong/palisade/queue.lua",
    ["palisade.ratelog"] = "kong/palisade/ratelog.lua",
    ["palisade.record"] = "kong/palisade/record.lua",
    ["palisade.sync"] = "kong/palisade/sync.lua",
    ["palisade.tap"] = "kong/palisade/tap.lua",
    ["palisade.wait"] = "kong/palisade/wait.lua",
  },
}
