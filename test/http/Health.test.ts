/**
 * Health that tells the truth: /health keeps the seed's fields and its portal section and adds the
 * store, solver and pool-pressure checks, degraded with reasons while one fails; /ready answers
 * load balancers 503 while the service starts (boot work pending) and 200 once it serves, without
 * the token. (Draining on SIGTERM is tested on the real process: test/e2e/http/Readiness.test.ts.)
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { HttpServer } from "effect/http"
import { TestClock } from "effect/testing"
import { StoreCheck } from "../../src/services/health/StoreCheck.ts"
import { contactOk, contactFailed, PortalHealth } from "../../src/services/PortalHealth.ts"
import { Readiness } from "../../src/services/Readiness.ts"
import { SqlStore } from "../../src/services/store/SqlStore.ts"
import { call, fakeServer } from "../utils/HttpHarness.ts"
import { eventually } from "../utils/ProductHarness.ts"

const TOKEN = "health-token-0123456789abcdef"
const AUTH = { authorization: `Bearer ${TOKEN}` }
/** A GET with the test's server in hand (for `eventually`, which takes effects that need nothing). */
const getter = Effect.map(Effect.service(HttpServer.HttpServer), (server) => (path: string) =>
  call("GET", path).pipe(Effect.provideService(HttpServer.HttpServer, server)))

const SEED_FIELDS = ["status", "service", "version", "active_sessions", "max_sessions", "session_capacity", "persistent_sessions", "timestamp"]

layer(fakeServer({ API_TOKEN: TOKEN, MAX_SESSIONS: "1", ACQUIRE_TIMEOUT: "20 seconds" }), { excludeTestServices: true })("/health's checks", (it) => {
  it.effect("keeps the seed's fields and the portal section, adds store, solver and pool checks; degraded with reasons while one fails", () =>
    Effect.gen(function*() {
      const first = yield* call("GET", "/health")
      assert.strictEqual(first.status, 200)
      for (const field of SEED_FIELDS) assert.property(first.body, field)
      assert.property(first.body.portal, "hosts")
      assert.strictEqual(first.body.status, "healthy")
      assert.deepStrictEqual(first.body.reasons, [])
      // The service's own store (the test's in-memory SQLite): it answers a ping.
      assert.deepInclude(first.body.checks.store, { status: "ok", backend: "sqlite" })
      assert.isNumber(first.body.checks.store.latency_ms)
      assert.notProperty(first.body, "store", "one store report: checks.store")
      assert.deepInclude(first.body.checks.solver, { status: "unknown", server_key_configured: false, last_contact_at: null })
      assert.deepInclude(first.body.checks.pool, { status: "ok", active: 0, max_sessions: 1, free_slots: 1, waiting_for_slot: 0 })

      // The solver's check follows its latest exchange.
      const portal = yield* PortalHealth
      yield* portal.report("captcha_solver", contactFailed("unreachable"))
      const solverDown = (yield* call("GET", "/health")).body
      assert.strictEqual(solverDown.checks.solver.status, "failing")
      assert.strictEqual(solverDown.status, "degraded")
      assert.isTrue(solverDown.reasons.some((r: string) => r.startsWith("captcha_solver:")), JSON.stringify(solverDown.reasons))
      yield* portal.report("captcha_solver", contactOk)
      assert.strictEqual((yield* call("GET", "/health")).body.checks.solver.status, "ok")

      // One slot, held by a pinned session: full (a new session would wait)…
      const pinned = yield* call("POST", "/get_session", { username: "pinned", password: "pw", captcha_api_key: "k", never_terminate: true }, AUTH)
      assert.strictEqual(pinned.status, 200, pinned.text)
      const full = (yield* call("GET", "/health")).body
      assert.deepInclude(full.checks.pool, { status: "full", active: 1, free_slots: 0, evictable: 0 })
      assert.strictEqual(full.status, "healthy", "full is no failure: nobody waits yet")
      // …saturated while a request waits for it: degraded, with the reason.
      const waiting = yield* Effect.forkChild(call("POST", "/get_session", { username: "waiter", password: "pw", captcha_api_key: "k" }, AUTH))
      const get = yield* getter
      const saturated = (yield* eventually("a request waiting for a slot", Effect.map(get("/health"), (r) => r.body), (b) => b.checks.pool.waiting_for_slot === 1)) as any
      assert.strictEqual(saturated.checks.pool.status, "saturated")
      assert.strictEqual(saturated.status, "degraded")
      assert.isTrue(saturated.reasons.some((r: string) => r.startsWith("pool:")), JSON.stringify(saturated.reasons))
      assert.strictEqual((yield* call("GET", "/health?strict=true")).status, 503)
      // Unpinning lets the waiter have the slot.
      yield* call("POST", `/ping_session/${pinned.body.session_id}`, { never_terminate: false }, AUTH)
      assert.strictEqual((yield* Fiber.join(waiting)).status, 200)
      const after = (yield* call("GET", "/health")).body
      assert.strictEqual(after.checks.pool.status, "ok")
      assert.strictEqual(after.status, "healthy")
    }))

  it.effect("GET /ready is open without the token: 503 starting while boot work runs, 200 once done", () =>
    Effect.gen(function*() {
      const ready = yield* call("GET", "/ready")
      assert.strictEqual(ready.status, 200)
      assert.deepStrictEqual(ready.body, { status: "ready", ready: true })
      // Boot work (the pool restores pinned sessions at boot this way) keeps the service starting.
      const readiness = yield* Readiness
      const done = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      yield* readiness.boot(Deferred.await(done)).pipe(Scope.provide(scope))
      const starting = yield* call("GET", "/ready")
      assert.strictEqual(starting.status, 503)
      assert.deepStrictEqual(starting.body, { status: "starting", ready: false })
      assert.strictEqual((yield* call("GET", "/health")).status, 200, "/health still answers: the process is alive")
      yield* Deferred.succeed(done, undefined)
      yield* eventually("ready again", (yield* getter)("/ready"), (r) => r.status === 200)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* call("POST", "/ready")).status, 401, "only GET is open")
    }))
})

describe("StoreCheck", () => {
  it.effect("not configured for a composition without a SQL store", () =>
    Effect.gen(function*() {
      const report = yield* (yield* StoreCheck).check
      assert.strictEqual(report.status, "not_configured")
    }).pipe(Effect.provide(StoreCheck.notConfigured)))

  it.effect("layerSql pings the SQL store: ok with its backend and latency", () =>
    Effect.gen(function*() {
      const report = yield* (yield* StoreCheck).check
      assert.deepInclude(report, { status: "ok", backend: "sqlite" })
      assert.isNumber(report.latency_ms)
    }).pipe(Effect.provide(StoreCheck.layerSql), Effect.provide(SqlStore.layerTest)))

  it.effect("layerSql reports a store that does not answer as failing", () =>
    Effect.gen(function*() {
      const stuck = SqlStore.of({ backend: "postgres", location: "db:5432/emodal", migrated: [], instanceId: "x", ping: Effect.never })
      const check = yield* Effect.provide(Effect.service(StoreCheck), StoreCheck.layerSql.pipe(Layer.provide(Layer.succeed(SqlStore, stuck))))
      const fiber = yield* Effect.forkChild(check.check)
      yield* TestClock.adjust(Duration.seconds(3))
      const report = yield* Fiber.join(fiber)
      assert.deepInclude(report, { status: "failing", backend: "postgres", latency_ms: null })
      assert.notInclude(report.detail, "db:5432", "no location in the detail")
    }))
})
