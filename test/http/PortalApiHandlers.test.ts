import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Headers } from "effect/http"
import { contextFromHeaders, makeBaseUrl } from "../../src/http/PortalApiHandlers.ts"
import { PortalConfig, type PortalConfigShape } from "../../src/services/PortalConfig.ts"

const configOf = (env: Record<string, string> = {}): PortalConfigShape => {
  const exit = Effect.runSyncExit(Effect.provide(Effect.service(PortalConfig), PortalConfig.layerTest(env)))
  if (Exit.isFailure(exit)) throw new Error(`config ${JSON.stringify(env)} refused`)
  return exit.value
}

const headers = (host: string | undefined) => Headers.fromInput(host === undefined ? {} : { host })

describe("file link base", () => {
  it("guards trust #3: a Host outside the allow-list never reaches a link (defaults: HOST, localhost, 127.0.0.1 on the bound port)", () => {
    const base = makeBaseUrl(configOf(), 5010)
    for (const host of ["attacker.example", "attacker.example:5010", "127.0.0.1:6666", "localhost", "127.0.0.1.attacker.example:5010", "", "a b", "x\r\nSet-Cookie: y"]) {
      assert.strictEqual(base(headers(host)), "http://127.0.0.1:5010", JSON.stringify(host))
    }
    assert.strictEqual(base(headers(undefined)), "http://127.0.0.1:5010")
    assert.strictEqual(base(headers("localhost:5010")), "http://localhost:5010")
    assert.strictEqual(base(headers("127.0.0.1:5010")), "http://127.0.0.1:5010")
    assert.strictEqual(base(headers("LOCALHOST:5010")), "http://localhost:5010")
    // The context REST and RPC build from a request's headers uses the same rule.
    assert.strictEqual(contextFromHeaders(base, headers("attacker.example")).baseUrl, "http://127.0.0.1:5010")
  })

  it("the default list follows the port the server is bound to, and HOST", () => {
    assert.strictEqual(makeBaseUrl(configOf(), 41234)(headers("localhost:41234")), "http://localhost:41234")
    assert.strictEqual(makeBaseUrl(configOf(), 41234)(headers("localhost:5010")), "http://127.0.0.1:41234")
    const lan = makeBaseUrl(configOf({ HOST: "10.0.0.5", API_TOKEN: "0123456789abcdef0" }), 5010)
    assert.strictEqual(lan(headers("10.0.0.5:5010")), "http://10.0.0.5:5010")
    assert.strictEqual(lan(headers("evil.example")), "http://10.0.0.5:5010")
    assert.strictEqual(makeBaseUrl(configOf({ HOST: "0.0.0.0" }), 5010)(headers("evil.example")), "http://127.0.0.1:5010", "a wildcard bind links to loopback")
  })

  it("ALLOWED_HOSTS: a host without a port allows any port (a missing port is 80); PUBLIC_BASE_URL wins over everything", () => {
    const base = makeBaseUrl(configOf({ ALLOWED_HOSTS: "api.example.com, files.example.com:8443" }), 5010)
    assert.strictEqual(base(headers("api.example.com")), "http://api.example.com")
    assert.strictEqual(base(headers("api.example.com:9000")), "http://api.example.com:9000")
    assert.strictEqual(base(headers("files.example.com:8443")), "http://files.example.com:8443")
    assert.strictEqual(base(headers("files.example.com")), "http://127.0.0.1:5010", "port 80 is not 8443")
    assert.strictEqual(base(headers("localhost:5010")), "http://127.0.0.1:5010", "the list replaces the defaults")
    const fixed = makeBaseUrl(configOf({ PUBLIC_BASE_URL: "https://emodal.example.com/api/", ALLOWED_HOSTS: "api.example.com" }), 5010)
    assert.strictEqual(fixed(headers("api.example.com")), "https://emodal.example.com/api")
  })
})
