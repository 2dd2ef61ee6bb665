-- The API-key digest must equal the Swift side's IdentityHash.apiKey (docs/RECORDS.md,
-- "Identities"): lower-case hex of the first 16 bytes of SHA-256 over the key's bytes.
require("ngx_stub").install()
local digest = require "palisade.digest"

describe("api key digest", function()
  it("is available (libcrypto through the FFI)", function()
    assert.is_true(digest.available)
  end)

  it("matches known vectors (RECORDS.md's 'abc', empty, multi-block, UTF-8, binary)", function()
    -- from `printf %s KEY | sha256sum | cut -c1-32` and the Swift tests' vector for "abc"
    assert.equal("ba7816bf8f01cfea414140de5dae2223", digest.api_key("abc"))
    assert.equal("e3b0c44298fc1c149afbf4c8996fb924", digest.api_key(""))
    assert.equal("a1d3d890406925c59f5011e6e6d778be", digest.api_key("k-evil"))
    assert.equal("248d6a61d20638b8e5c026930c3e6039", digest.api_key("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
    assert.equal("295cbb667c2d2380418d4c7576c666c4", digest.api_key(("0123456789"):rep(20)))
    assert.equal("0baed1dbfc571d2f829bfe196325aa14", digest.api_key("cl\195\169-\226\130\172"))
    assert.equal("3d1f57c984978ef98a18378c8166c1cb", digest.api_key("\0\1\2\255"))
  end)

  it("agrees with sha256sum on random keys", function()
    math.randomseed(7)
    for _ = 1, 5 do
      local t = {}
      for i = 1, math.random(1, 200) do t[i] = string.char(math.random(33, 126)) end
      local key = table.concat(t)
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      f:write(key)
      f:close()
      local p = assert(io.popen("sha256sum " .. path))
      local want = p:read("*l"):sub(1, 32)
      p:close()
      os.remove(path)
      assert.equal(want, digest.api_key(key), key)
    end
  end)

  it("memoises per worker and stays bounded", function()
    for i = 1, 3000 do digest.api_key("key-" .. i) end
    assert.equal(digest.api_key("key-7"), digest.api_key("key-7"))
  end)
end)
