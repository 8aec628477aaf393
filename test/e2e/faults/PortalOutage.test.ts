/**
 * The portal failing, over real HTTP, real Chromium and the simulator. At login a 5xx, a host that
 * drops connections, a closed port and a host that does not answer in time are 502
 * portal_unavailable (retryable, logged as a warning), never the 401 of rejected credentials. And
 * /health reports the failing host (or the solver) as degraded — from logins, operations' pages
 * and solver calls alike — until a later contact succeeds.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createServer, type AddressInfo } from "node:net"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import * as Logging from "../../../src/runtime/Logging.ts"
import { call, realServer } from "../../utils/HttpHarness.ts"
import { logins, tempDataDir } from "../../utils/ProductHarness.ts"

/** A token-captcha account; the get_session body for it. */
const account = (prefix: string) =>
  Effect.map(newAccount(prefix, { captchaMode: "token", containerCount: 5 }), (a) => ({
    username: a.username,
    creds: { username: a.username, password: "pw", captcha_api_key: "demo" }
  }))

/** GET /health: always 200; its body. */
const health = Effect.gen(function*() {
  const r = yield* call("GET", "/health")
  assert.strictEqual(r.status, 200)
  return r.body
})

/** A TCP port nothing listens on (bound, then closed). */
const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** The service over a fresh DATA_DIR, its warnings and errors captured in `lines` (not printed). */
const service = (lines: Array<string>, env: Record<string, string> = {}) =>
  Effect.flatMap(tempDataDir, (dir) => Effect.succeed(realServer(env, dir).pipe(Layer.provide(Logging.captureLayer(lines, "Warn")))))

/** The answer to a login the portal failed: 502 portal_unavailable, retryable, no session. */
const assertOutage = (r: { readonly status: number; readonly body: any }, mentions: RegExp) => {
  assert.strictEqual(r.status, 502, JSON.stringify(r.body))
  assert.strictEqual(r.body.error_type, "portal_unavailable")
  assert.isTrue(r.body.retryable)
  assert.match(r.body.error, mentions)
  assert.notProperty(r.body, "session_id")
}

layer(testSimulatorLayer(), { excludeTestServices: true, timeout: "300 seconds" })("the portal failing", (it) => {
  it.effect("guards trust #8 and #9: identity answering 5xx is 502 portal_unavailable (not 401), a warning, and /health degraded until a later login succeeds", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* account("outage-5xx")
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        const before = yield* health
        assert.strictEqual(before.status, "healthy")
        assert.strictEqual(before.portal.status, "ok")
        assert.deepStrictEqual(before.portal.reasons, [])
        assert.isNull(before.portal.hosts.identity.last_outcome, "no contact yet")

        yield* sim.setFaults({ http500: ["identity:/Account/Login"] })
        const failed = yield* call("POST", "/get_session", a.creds).pipe(Effect.ensuring(sim.resetFaults()))
        assertOutage(failed, /^Portal unavailable: the portal's identity host answered HTTP 500 at login$/)
        assert.isTrue(
          lines.some((l) => JSON.parse(l).level === "WARN" && l.includes("portal unavailable at login")),
          "the outage is logged as a warning"
        )

        const degraded = yield* health
        assert.strictEqual(degraded.status, "degraded", "still answered with 200")
        assert.strictEqual(degraded.portal.status, "degraded")
        assert.strictEqual(degraded.portal.recent_window_seconds, 300)
        const identity = degraded.portal.hosts.identity
        assert.strictEqual(identity.last_outcome, "failed")
        assert.isTrue(identity.failing)
        assert.strictEqual(identity.last_error_kind, "http_5xx")
        assert.strictEqual(identity.last_http_status, 500)
        assert.strictEqual(identity.consecutive_failures, 1)
        assert.lengthOf(degraded.portal.reasons, 1)
        assert.match(degraded.portal.reasons[0], /^identity: last contact failed \d+ s ago: HTTP 500$/)
        // ecp2 answered its /login redirect: it is not blamed.
        assert.strictEqual(degraded.portal.hosts.ecp2.last_outcome, "ok")
        assert.isFalse(degraded.portal.hosts.ecp2.failing)
        // The seed's fields are all still there.
        for (const field of ["service", "version", "active_sessions", "max_sessions", "session_capacity", "persistent_sessions", "timestamp"]) {
          assert.property(degraded, field)
        }
        // Names and times only: no URL, no credential.
        const text = JSON.stringify(degraded)
        assert.notInclude(text, sim.urls.identity)
        assert.notInclude(text, "localhost")
        assert.notInclude(text, a.username)

        const ok = yield* call("POST", "/get_session", a.creds)
        assert.strictEqual(ok.status, 200, JSON.stringify(ok.body))
        const healed = yield* health
        assert.strictEqual(healed.status, "healthy")
        assert.strictEqual(healed.portal.status, "ok")
        assert.deepStrictEqual(healed.portal.reasons, [])
        assert.strictEqual(healed.portal.hosts.identity.last_outcome, "ok")
        assert.isFalse(healed.portal.hosts.identity.failing)
        assert.strictEqual(healed.portal.hosts.identity.consecutive_failures, 0)
        assert.strictEqual(healed.portal.hosts.identity.last_error_kind, "http_5xx", "the last failure stays on record")
        assert.strictEqual(healed.portal.hosts.captcha_solver.last_outcome, "ok", "the token was solved")
        assert.strictEqual(healed.portal.hosts.ecp2.last_outcome, "ok")
      }).pipe(Effect.provide(yield* service(lines)))
      assert.strictEqual(yield* logins(sim, a.username), 1)
    }), { timeout: 120_000 })

  it.effect("guards trust #8: an identity host that drops connections, and an ecp2 URL at a closed port, are 502 portal_unavailable", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* account("outage-down")
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        yield* sim.setFaults({ unreachable: ["identity"] })
        const failed = yield* call("POST", "/get_session", a.creds).pipe(Effect.ensuring(sim.resetFaults()))
        assertOutage(failed, /^Portal unavailable: the portal's identity host could not be reached at login \(ERR_[A-Z_]+\)$/)
        const h = yield* health
        assert.strictEqual(h.status, "degraded")
        assert.strictEqual(h.portal.hosts.identity.last_error_kind, "unreachable")
        assert.isTrue(h.portal.hosts.identity.failing)
      }).pipe(Effect.provide(yield* service(lines)))

      const port = yield* closedPort
      yield* Effect.gen(function*() {
        const failed = yield* call("POST", "/get_session", a.creds)
        assertOutage(failed, /^Portal unavailable: the portal's ecp2 host could not be reached at login \(ERR_CONNECTION_REFUSED\)$/)
        const h = yield* health
        assert.strictEqual(h.status, "degraded")
        assert.strictEqual(h.portal.hosts.ecp2.last_error_kind, "unreachable")
        assert.isNull(h.portal.hosts.identity.last_outcome, "the identity host was never reached")
      }).pipe(Effect.provide(yield* service(lines, { EMODAL_ECP2_URL: `http://ecp2.localhost:${port}` })))
      assert.strictEqual(yield* logins(sim, a.username), 0)
    }), { timeout: 120_000 })

  it.effect("guards trust #8: an identity host that does not answer within the login page's 30 s is 502 portal_unavailable", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* account("outage-slow")
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        // The identity login page takes longer than the login's page deadline (30 s).
        yield* sim.setFaults({ pageLatency: "45 seconds" })
        const failed = yield* call("POST", "/get_session", a.creds).pipe(Effect.ensuring(sim.resetFaults()))
        assertOutage(failed, /^Portal unavailable: the portal's identity host did not answer within 30s at login$/)
        const h = yield* health
        assert.strictEqual(h.portal.hosts.identity.last_error_kind, "timeout")
        assert.isTrue(h.portal.hosts.identity.failing)
      }).pipe(Effect.provide(yield* service(lines)))
    }), { timeout: 120_000 })

  it.effect("guards trust #9: an operation's page answering 5xx degrades /health for its host; the next page that loads clears it", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* account("outage-page")
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        const session = yield* call("POST", "/get_session", a.creds)
        assert.strictEqual(session.status, 200)
        const id = session.body.session_id as string
        yield* sim.setFaults({ http500: ["ecp2:/containers"] })
        const failed = yield* call("POST", "/get_containers", { session_id: id, return_url: true }).pipe(Effect.ensuring(sim.resetFaults()))
        assert.strictEqual(failed.status, 502, JSON.stringify(failed.body))
        assert.strictEqual(failed.body.error_type, "portal_unavailable")
        const down = yield* health
        assert.strictEqual(down.status, "degraded")
        assert.strictEqual(down.portal.hosts.ecp2.last_error_kind, "http_5xx")
        assert.isTrue(down.portal.hosts.ecp2.failing)
        assert.isFalse(down.portal.hosts.identity.failing, "the login went fine")

        const ok = yield* call("POST", "/get_containers", { session_id: id, return_url: true })
        assert.strictEqual(ok.status, 200, JSON.stringify(ok.body))
        const up = yield* health
        assert.strictEqual(up.status, "healthy")
        assert.strictEqual(up.portal.hosts.ecp2.last_outcome, "ok")
      }).pipe(Effect.provide(yield* service(lines)))
    }), { timeout: 120_000 })

  it.effect("guards trust #8 and #9: rejected credentials stay 401 and leave /health healthy; a solver that is down is 502 and degrades only captcha_solver", () =>
    Effect.gen(function*() {
      const a = yield* account("outage-creds")
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        const wrong = yield* call("POST", "/get_session", { ...a.creds, password: "not-the-password" })
        assert.strictEqual(wrong.status, 401)
        assert.strictEqual(wrong.body.error_type, "invalid_credentials")
        assert.isFalse(wrong.body.retryable)
        const h = yield* health
        assert.strictEqual(h.status, "healthy", "bad credentials are not a portal outage")
        assert.strictEqual(h.portal.hosts.identity.last_outcome, "ok", "the identity host answered")
      }).pipe(Effect.provide(yield* service(lines)))

      const port = yield* closedPort
      yield* Effect.gen(function*() {
        const r = yield* call("POST", "/get_session", a.creds)
        assert.strictEqual(r.status, 502)
        assert.strictEqual(r.body.error_type, "captcha_unavailable")
        assert.isTrue(r.body.retryable)
        const h = yield* health
        assert.strictEqual(h.status, "degraded")
        assert.strictEqual(h.portal.hosts.captcha_solver.last_error_kind, "unreachable")
        assert.isTrue(h.portal.hosts.captcha_solver.failing)
        assert.isFalse(h.portal.hosts.identity.failing)
        assert.deepStrictEqual(h.portal.reasons.map((x: string) => x.split(":")[0]), ["captcha_solver"])
      }).pipe(Effect.provide(yield* service(lines, { CAPTCHA_API_URL: `http://127.0.0.1:${port}` })))
    }), { timeout: 120_000 })
})
