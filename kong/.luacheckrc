-- luacheck config for the gateway plugin (run from kong/: luacheck .)
std = "ngx_lua"
globals = { "kong" }
max_line_length = false
self = false -- Kong handler phases are methods that do not use self
files["spec"] = { std = "+busted", globals = { "ngx", "kong" } }
files["spec/helpers"] = { globals = { "ngx", "kong" } }
