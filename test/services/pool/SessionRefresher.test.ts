import { describe, it, assert } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type { BrowserSession } from "../../../src/services/BrowserSession.ts"
import { FakePortal } from "../../../src/services/PortalDriver.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { creds, poolLayer, sessionUsernames, untilState } from "../../utils/PoolHarness.ts"

/** Keeps a session busy until the returned latch is released. */
const holdBusy = (session: BrowserSession) =>
  Effect.gen(function*() {
    const latch = yield* Deferred.make<void>()
    const fiber = yield* session.run({ name: "hold", run: () => Deferred.await(latch) }).pipe(Effect.forkChild)
    yield* untilState(session, "busy")
    return { release: Deferred.succeed(latch, undefined).pipe(Effect.andThen(Fiber.join(fiber))) }
  })

describe("SessionRefresher (TestClock, fake portal)", () => {
  const env = { REFRESH_CHECK_INTERVAL: "60 seconds", SESSION_REFRESH_AFTER: "5 minutes", OPERATION_TIMEOUT: "1 hour" }

  it.effect("refreshes idle keep-alive sessions once they are due, on the schedule", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakePortal
      yield* pool.acquire({ credentials: creds("a") })
      yield* TestClock.adjust("4 minutes")
      assert.strictEqual((yield* fake.state).refreshes, 0)
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual((yield* fake.state).refreshes, 1)
      assert.strictEqual((yield* pool.stats).refreshesTotal, 1)
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* fake.state).refreshes, 2)
    }).pipe(Effect.provide(poolLayer(env))))

  it.effect("skips busy sessions and sessions with keep_alive false", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakePortal
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.acquire({ credentials: creds("b"), keepAlive: false })
      const busy = yield* holdBusy(a.session)
      yield* TestClock.adjust("6 minutes")
      assert.strictEqual((yield* fake.state).refreshes, 0)
      yield* busy.release
      // Released just now: a is "used" at minute 6 and due again at minute 11.
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* fake.state).refreshes, 1)
    }).pipe(Effect.provide(poolLayer(env))))

  it.effect("a failed refresh closes an unpinned session and re-logs in a pinned one", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakePortal
      yield* pool.acquire({ credentials: creds("free") })
      const pinned = yield* pool.acquire({ credentials: creds("pinned"), neverTerminate: true })
      yield* fake.update((s) => ({ ...s, refreshFails: true }))
      yield* TestClock.adjust("6 minutes")
      assert.deepStrictEqual(yield* sessionUsernames, ["pinned"])
      assert.strictEqual((yield* fake.state).logins.pinned, 2, "the pinned session logged in again")
      assert.strictEqual((yield* pool.acquire({ sessionId: pinned.session.id })).session.id, pinned.session.id)
      assert.strictEqual((yield* pool.stats).refreshFailuresTotal, 2)
    }).pipe(Effect.provide(poolLayer(env))))
})
