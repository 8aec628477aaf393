import { describe, it, assert } from "@effect/vitest"
import { chromeEnv } from "../../src/services/Browser.ts"
import { Settings } from "../../src/services/config/Settings.ts"

describe("Browser", () => {
  it("launches Chrome without the service's secrets in its environment", () => {
    const env = chromeEnv("/data/chrome/x/tmp", {
      PATH: "/usr/local/bin:/usr/bin",
      HOME: "/home/svc",
      API_TOKEN: "token-0123456789abcdef",
      SERVER_SECRET: "secret-0123456789abcdef0123456789",
      CAPTCHA_API_KEY: "captcha-key",
      SNAPSHOT_KEY: "snapshot-key-0123456789",
      PROXY_URL: "http://proxy:3128"
    })
    for (const s of Object.values(Settings)) {
      if (s.secret === true) assert.notProperty(env, s.name)
    }
    assert.notProperty(env, "API_TOKEN")
    assert.notProperty(env, "SNAPSHOT_KEY")
    assert.strictEqual(env.PATH, "/usr/local/bin:/usr/bin")
    assert.strictEqual(env.HOME, "/home/svc")
    assert.strictEqual(env.PROXY_URL, "http://proxy:3128")
    assert.strictEqual(env.TMPDIR, "/data/chrome/x/tmp")
    assert.strictEqual(env.TMP, "/data/chrome/x/tmp")
    assert.strictEqual(env.TEMP, "/data/chrome/x/tmp")
  })
})
