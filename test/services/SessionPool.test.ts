import { describe, it, assert } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import * as Logging from "../../src/runtime/Logging.ts"
import { TestClock } from "effect/testing"
import { FakeBrowser } from "../../src/services/Browser.ts"
import { FakePortal } from "../../src/services/PortalDriver.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { creds, poolLayer, sessionUsernames, untilLoginsStarted, untilPoolEmpty, untilState } from "../utils/PoolHarness.ts"

/** Keeps a session busy until the returned latch is released. */
const holdBusy = (session: import("../../src/services/BrowserSession.ts").BrowserSession) =>
  Effect.gen(function*() {
    const latch = yield* Deferred.make<void>()
    const fiber = yield* session.run({ name: "hold", run: () => Deferred.await(latch) }).pipe(Effect.forkChild)
    yield* untilState(session, "busy")
    return { release: Deferred.succeed(latch, undefined).pipe(Effect.andThen(Fiber.join(fiber))) }
  })

describe("SessionPool eviction (MAX_SESSIONS=2)", () => {
  it.effect("a third credential evicts the least recently used idle session", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* TestClock.adjust("1 second")
      const b = yield* pool.acquire({ credentials: creds("b") })
      yield* TestClock.adjust("1 second")
      yield* pool.acquire({ sessionId: a.session.id }) // a is now the most recently used
      const c = yield* pool.acquire({ credentials: creds("c") })
      assert.isTrue(c.isNew)
      assert.deepStrictEqual(yield* sessionUsernames, ["a", "c"])
      const gone = yield* pool.acquire({ sessionId: b.session.id }).pipe(Effect.flip)
      assert.strictEqual(gone._tag, "SessionNotFound")
      assert.strictEqual((yield* pool.stats).evictionsTotal, 1)
      const fake = yield* FakeBrowser
      assert.strictEqual((yield* fake.open).length, 2, "the evicted Chrome was closed")
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "2" }))))

  it.effect("never evicts a busy session, even the least recently used", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.acquire({ credentials: creds("b") })
      const busy = yield* holdBusy(a.session)
      yield* pool.acquire({ credentials: creds("c") })
      assert.deepStrictEqual(yield* sessionUsernames, ["a", "c"])
      yield* busy.release
      assert.strictEqual(yield* a.session.state, "ready")
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "2" }))))

  it.effect("never evicts a pinned (never_terminate) session", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      yield* pool.acquire({ credentials: creds("a"), neverTerminate: true })
      yield* pool.acquire({ credentials: creds("b") })
      yield* pool.acquire({ credentials: creds("c") })
      assert.deepStrictEqual(yield* sessionUsernames, ["a", "c"])
      yield* pool.acquire({ credentials: creds("d") })
      assert.deepStrictEqual(yield* sessionUsernames, ["a", "d"])
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "2" }))))

  it.effect("with every session busy or pinned, fails with PoolExhausted after ACQUIRE_TIMEOUT", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.acquire({ credentials: creds("b"), neverTerminate: true })
      const busy = yield* holdBusy(a.session)
      const waiter = yield* pool.acquire({ credentials: creds("c") }).pipe(Effect.forkChild)
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(waiter.pollUnsafe(), "still waiting before the deadline")
      assert.strictEqual((yield* pool.stats).waitingForSlot, 1)
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(waiter)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag, "Fail")
      const failure = (error as { error: { _tag: string; retryAfterSeconds: number; reason: string } }).error
      assert.strictEqual(failure._tag, "PoolExhausted")
      assert.strictEqual(failure.reason, "pool_full")
      assert.strictEqual(failure.retryAfterSeconds, 30)
      assert.deepStrictEqual(yield* sessionUsernames, ["a", "b"])
      yield* busy.release
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "2", ACQUIRE_TIMEOUT: "30 seconds" }))))

  it.effect("a waiter gets the slot of a session that becomes idle before the deadline", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      const busy = yield* holdBusy(a.session)
      const waiter = yield* pool.acquire({ credentials: creds("b") }).pipe(Effect.forkChild)
      yield* TestClock.adjust("5 seconds")
      assert.isUndefined(waiter.pollUnsafe())
      yield* busy.release
      const b = yield* Fiber.join(waiter)
      assert.isTrue(b.isNew)
      assert.deepStrictEqual(yield* sessionUsernames, ["b"])
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1" }))))

  it.effect("a waiter gets the slot of an idle pinned session as soon as it is unpinned", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a"), neverTerminate: true })
      const waiter = yield* pool.acquire({ credentials: creds("b") }).pipe(Effect.forkChild)
      yield* TestClock.adjust("5 seconds")
      assert.isUndefined(waiter.pollUnsafe(), "a pinned session is never evicted")
      yield* a.session.updateSettings({ neverTerminate: false })
      // No clock moves: the unpin alone must let the waiter in.
      for (let i = 0; i < 1000 && waiter.pollUnsafe() === undefined; i++) yield* Effect.yieldNow
      assert.isDefined(waiter.pollUnsafe(), "the waiter was served after the unpin, before ACQUIRE_TIMEOUT")
      const b = yield* Fiber.join(waiter)
      assert.isTrue(b.isNew)
      assert.deepStrictEqual(yield* sessionUsernames, ["b"])
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1", ACQUIRE_TIMEOUT: "30 seconds" }))))

  it.effect("beyond ACQUIRE_QUEUE_LIMIT waiters, fails at once with queue_full", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      const busy = yield* holdBusy(a.session)
      const error = yield* pool.acquire({ credentials: creds("b") }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "PoolExhausted")
      assert.strictEqual(error._tag === "PoolExhausted" ? error.reason : "", "queue_full")
      yield* busy.release
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1", ACQUIRE_QUEUE_LIMIT: "0" }))))
})

describe("SessionPool acquisition", () => {
  it.effect("10 concurrent acquires of the same new credentials log in exactly once", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakePortal
      yield* fake.update((s) => ({ ...s, loginLatency: Duration.seconds(2) }))
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => pool.acquire({ credentials: creds("alice") }).pipe(Effect.forkChild))
      yield* untilLoginsStarted(1)
      yield* TestClock.adjust("2 seconds")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(new Set(results.map((r) => r.session.id)).size, 1)
      assert.strictEqual((yield* fake.state).logins.alice, 1)
      // The same credentials later reuse it; a different password never does.
      const again = yield* pool.acquire({ credentials: creds("alice") })
      assert.isFalse(again.isNew)
      assert.strictEqual(again.session.id, results[0]!.session.id)
      const other = yield* pool.acquire({ credentials: creds("alice", "another-password") }).pipe(Effect.forkChild)
      yield* untilLoginsStarted(2)
      yield* TestClock.adjust("2 seconds")
      const second = yield* Fiber.join(other)
      assert.isTrue(second.isNew)
      assert.notStrictEqual(second.session.id, results[0]!.session.id)
      assert.strictEqual((yield* fake.state).logins.alice, 2)
      assert.strictEqual((yield* pool.stats).loginsTotal, 2)
    }).pipe(Effect.provide(poolLayer())))

  it.effect("guards trust #10: of 30 concurrent acquires sharing one login, only the one that started it is new", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakePortal
      yield* fake.update((s) => ({ ...s, loginLatency: Duration.seconds(2) }))
      const fibers = yield* Effect.forEach(Array.from({ length: 30 }), () => pool.acquire({ credentials: creds("alice") }).pipe(Effect.forkChild))
      yield* untilLoginsStarted(1)
      yield* TestClock.adjust("2 seconds")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual((yield* fake.state).logins.alice, 1)
      assert.strictEqual(new Set(results.map((r) => r.session.id)).size, 1)
      assert.strictEqual(results.filter((r) => r.isNew).length, 1, "one login, one new session")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("an unknown session_id is SessionNotFound without credentials and falls back to them with", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const missing = yield* pool.acquire({ sessionId: "sess_AAAAAAAAAAAAAAAAAAAAAAAA" }).pipe(Effect.flip)
      assert.strictEqual(missing._tag, "SessionNotFound")
      const malformed = yield* pool.acquire({ sessionId: "session_1696789012_-4213" }).pipe(Effect.flip)
      assert.strictEqual(malformed._tag, "SessionNotFound")
      const fallback = yield* pool.acquire({ sessionId: "sess_AAAAAAAAAAAAAAAAAAAAAAAA", credentials: creds("bob") })
      assert.isTrue(fallback.isNew)
      assert.notStrictEqual(fallback.session.id, "sess_AAAAAAAAAAAAAAAAAAAAAAAA")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("a rejected login frees its slot and registers nothing", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const error = yield* pool.acquire({ credentials: creds("carol", "wrong") }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "LoginFailed")
      assert.strictEqual(error._tag === "LoginFailed" ? error.reason : "", "invalid_credentials")
      assert.strictEqual((yield* pool.list).length, 0)
      const fake = yield* FakeBrowser
      assert.strictEqual((yield* fake.open).length, 0, "the Chrome of the failed login was closed")
      const ok = yield* pool.acquire({ credentials: creds("dave") })
      assert.isTrue(ok.isNew)
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1" }))))

  it.effect("a crashed Chrome ends the session with BrowserCrashed and frees its slot", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakeBrowser
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* fake.crash(a.session.lease.token)
      yield* a.session.ended
      yield* untilPoolEmpty
      const crashed = yield* pool.acquire({ sessionId: a.session.id }).pipe(Effect.flip)
      assert.strictEqual(crashed._tag, "BrowserCrashed")
      const run = yield* a.session.run({ name: "after-crash", run: () => Effect.succeed(1) }).pipe(Effect.flip)
      assert.strictEqual(run._tag, "BrowserCrashed")
      assert.strictEqual((yield* fake.open).length, 0)
      assert.strictEqual((yield* pool.stats).crashesTotal, 1)
      const again = yield* pool.acquire({ sessionId: a.session.id, credentials: creds("a") })
      assert.isTrue(again.isNew)
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1" }))))

  it.effect("a crash is logged with the session's id, not the id of the request that created the session", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const pool = yield* SessionPool
      const fake = yield* FakeBrowser
      const a = yield* pool.acquire({ credentials: creds("a") }).pipe(Effect.annotateLogs({ requestId: "req-creator" }))
      yield* a.session.run({ name: "work", run: () => Effect.succeed(1) }).pipe(Effect.annotateLogs({ requestId: "req-later" }))
      yield* fake.crash(a.session.lease.token)
      yield* untilPoolEmpty
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      // The request's own work (its login) carries its id…
      assert.strictEqual(parsed.find((l) => l.message === "session created")?.requestId, "req-creator")
      // …the crash, found by the session's watcher, is nobody's request.
      const crash = parsed.filter((l) => l.message === "Chrome stopped unexpectedly" || (l.message === "session ended" && l.reason === "crashed"))
      assert.strictEqual(crash.length, 2, lines.join("\n"))
      for (const line of crash) {
        assert.isUndefined(line.requestId, JSON.stringify(line))
        assert.strictEqual(line.username, "a")
        assert.isString(line.sessionId)
      }
    }).pipe(Effect.provide(poolLayer({ MAX_SESSIONS: "1" }).pipe(Layer.provideMerge(Logging.captureLayer(lines)))))
  })

  it.effect("close removes the session, its fingerprint and its Chrome", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.close(a.session.id)
      assert.strictEqual((yield* pool.stats).fingerprints, 0)
      assert.strictEqual((yield* (yield* FakeBrowser).open).length, 0)
      const again = yield* pool.close(a.session.id).pipe(Effect.flip)
      assert.strictEqual(again._tag, "SessionNotFound")
      assert.isTrue((yield* pool.acquire({ credentials: creds("a") })).isNew)
    }).pipe(Effect.provide(poolLayer())))
})
