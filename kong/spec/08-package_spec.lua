-- Packaging: the rockspec installs every module (and only existing files), under the names the
-- code requires.
describe("rockspec", function()
  local spec = {}
  setup(function()
    local chunk = assert(loadfile("palisade-0.1.0-1.rockspec"))
    setfenv(chunk, spec)
    chunk()
  end)

  it("names the package and version consistently with the handler", function()
    assert.equal("palisade", spec.package)
    local v = spec.version:match("^(.-)%-%d+$")
    local src = assert(io.open("plugins/palisade/handler.lua")):read("*a")
    assert.equal(v, src:match('VERSION = "([^"]+)"'))
  end)

  it("lists every core module and the Kong plugin, each pointing at an existing file", function()
    local listed = {}
    for mod, file in pairs(spec.build.modules) do
      assert.truthy(io.open("../" .. file), file)
      local path = mod:gsub("^kong%.", ""):gsub("%.", "/")
      assert.equal("kong/" .. path .. ".lua", file, "module name and path disagree: " .. mod)
      listed[file] = true
    end
    local p = io.popen("ls palisade/*.lua plugins/palisade/*.lua")
    for f in p:lines() do assert.is_true(listed["kong/" .. f], f .. " is not in the rockspec") end
    p:close()
  end)
end)
