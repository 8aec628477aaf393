import { describe, it, assert } from "@effect/vitest"
import { Redacted } from "effect"
import { Credentials, fingerprint } from "../../src/domain/Credentials.ts"

const secret = Redacted.make("server-secret-for-tests-0123456789")
const creds = (username: string, password: string) =>
  new Credentials({ username, password: Redacted.make(password), captchaApiKey: Redacted.make("KEY-abc") })

describe("Credentials", () => {
  it("gives the same fingerprint for the same username and password", () => {
    assert.strictEqual(fingerprint(secret, creds("alice", "pw1")), fingerprint(secret, creds("alice", "pw1")))
  })

  it("gives a different fingerprint for a different password, username or server secret", () => {
    const base = fingerprint(secret, creds("alice", "pw1"))
    assert.notStrictEqual(fingerprint(secret, creds("alice", "pw2")), base)
    assert.notStrictEqual(fingerprint(secret, creds("alicE", "pw1")), base)
    assert.notStrictEqual(fingerprint(Redacted.make("another-secret-0123456789abcdef"), creds("alice", "pw1")), base)
  })

  it("does not confuse how username and password split", () => {
    assert.notStrictEqual(fingerprint(secret, creds("ab", "c")), fingerprint(secret, creds("a", "bc")))
  })

  it("is a 64-hex-digit HMAC that never contains the password", () => {
    const password = "hunter2hunter2"
    const fp = fingerprint(secret, creds("alice", password))
    assert.match(fp, /^[0-9a-f]{64}$/)
    assert.notInclude(fp, password)
    assert.notInclude(fp, Buffer.from(password).toString("hex"))
  })

  it("never prints the password or captcha key", () => {
    const c = creds("alice", "pw-visible?")
    const printed = [String(c), JSON.stringify(c), `${c.password}`, `${c.captchaApiKey}`]
    for (const text of printed) {
      assert.notInclude(text, "pw-visible?")
      assert.notInclude(text, "KEY-abc")
    }
  })
})
