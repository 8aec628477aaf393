import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { PORTAL_TARGETS } from "../../src/domain/Health.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { contactFailed, contactOk, PortalHealth, reportContact, targetOfHost } from "../../src/services/PortalHealth.ts"

const status = Effect.flatMap(Effect.service(PortalHealth), (h) => h.status)
const report = (...args: Parameters<typeof reportContact>) => Effect.flatMap(Effect.service(PortalHealth), (h) => h.report(...args))

describe("PortalHealth", () => {
  it.effect("guards trust #9: before any contact every target is unknown and the portal is ok", () =>
    Effect.gen(function*() {
      const s = yield* status
      assert.strictEqual(s.status, "ok")
      assert.deepStrictEqual(s.reasons, [])
      assert.strictEqual(s.recent_window_seconds, 300)
      assert.deepStrictEqual(Object.keys(s.hosts), [...PORTAL_TARGETS])
      for (const target of PORTAL_TARGETS) {
        assert.deepStrictEqual(s.hosts[target], {
          last_outcome: null,
          last_contact_at: null,
          last_success_at: null,
          last_failure_at: null,
          last_error_kind: null,
          last_http_status: null,
          consecutive_failures: 0,
          failing: false
        })
      }
    }).pipe(Effect.provide(PortalHealth.layerTest)))

  it.effect("guards trust #9: a failed latest contact degrades the portal with a reason; a later success clears it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-01-10T10:00:00.000Z"))
      yield* report("ecp2", contactOk)
      yield* report("identity", contactFailed("http_5xx", 503))
      yield* TestClock.adjust("20 seconds")
      yield* report("identity", contactFailed("unreachable"))
      yield* TestClock.adjust("10 seconds")
      const down = yield* status
      assert.strictEqual(down.status, "degraded")
      assert.deepStrictEqual(down.reasons, ["identity: last contact failed 10 s ago: unreachable (2 times in a row)"])
      assert.deepStrictEqual(down.hosts.identity, {
        last_outcome: "failed",
        last_contact_at: "2026-01-10T10:00:20.000Z",
        last_success_at: null,
        last_failure_at: "2026-01-10T10:00:20.000Z",
        last_error_kind: "unreachable",
        last_http_status: null,
        consecutive_failures: 2,
        failing: true
      })
      assert.strictEqual(down.hosts.ecp2.last_outcome, "ok")
      assert.isFalse(down.hosts.ecp2.failing)

      yield* report("identity", contactOk)
      const up = yield* status
      assert.strictEqual(up.status, "ok")
      assert.deepStrictEqual(up.reasons, [])
      assert.strictEqual(up.hosts.identity.last_outcome, "ok")
      assert.strictEqual(up.hosts.identity.last_success_at, "2026-01-10T10:00:30.000Z")
      assert.strictEqual(up.hosts.identity.consecutive_failures, 0)
      assert.strictEqual(up.hosts.identity.last_error_kind, "unreachable", "the last failure stays on record")
      assert.isFalse(up.hosts.identity.failing)
    }).pipe(Effect.provide(PortalHealth.layerTest)))

  it.effect("guards trust #9: 'recent' is the last 5 minutes — an older failure with nothing since no longer degrades", () =>
    Effect.gen(function*() {
      yield* report("captcha_solver", contactFailed("timeout"))
      yield* report("termops", contactFailed("http_5xx", 502))
      yield* TestClock.adjust("4 minutes")
      yield* report("truckerportal", contactFailed("forbidden", 403))
      const both = yield* status
      assert.deepStrictEqual(both.reasons.map((r) => r.split(":")[0]), ["termops", "truckerportal", "captcha_solver"])
      assert.match(both.reasons[0]!, /HTTP 502$/)
      assert.match(both.reasons[1]!, /forbidden$/)
      yield* TestClock.adjust("61 seconds")
      const later = yield* status
      assert.strictEqual(later.status, "degraded")
      assert.deepStrictEqual(later.reasons.map((r) => r.split(":")[0]), ["truckerportal"], "5 min 1 s old: history")
      assert.isFalse(later.hosts.termops.failing)
      assert.strictEqual(later.hosts.termops.last_outcome, "failed", "the record itself is kept")
      yield* TestClock.adjust("4 minutes")
      assert.strictEqual((yield* status).status, "ok")
    }).pipe(Effect.provide(PortalHealth.layerTest)))

  it.effect("reportContact reports to the PortalHealth in context, and is a no-op without one", () =>
    Effect.gen(function*() {
      yield* reportContact("termops", contactFailed("timeout"))
      const health = yield* Effect.provide(
        Effect.gen(function*() {
          yield* reportContact("termops", contactFailed("timeout"))
          return yield* status
        }),
        PortalHealth.layerTest
      )
      assert.strictEqual(health.hosts.termops.consecutive_failures, 1)
    }))

  it.effect("targetOfHost names the configured portal hosts (host and port) and nothing else", () =>
    Effect.gen(function*() {
      const { portal } = yield* PortalConfig
      assert.strictEqual(targetOfHost("identity.emodal.com", portal), "identity")
      assert.strictEqual(targetOfHost("ECP2.emodal.com", portal), "ecp2")
      assert.strictEqual(targetOfHost("termops.emodal.com", portal), "termops")
      assert.strictEqual(targetOfHost("truckerportal.emodal.com", portal), "truckerportal")
      assert.isUndefined(targetOfHost("www.google.com", portal))
      assert.isUndefined(targetOfHost("identity.emodal.com:8443", portal))
    }).pipe(Effect.provide(PortalConfig.layerTest({ DATA_DIR: "/nonexistent-test-data-dir" }))))
})
