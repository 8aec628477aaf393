import { describe, it, assert } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"
import type { BrowserSession } from "../../src/services/BrowserSession.ts"
import { RETIRE_AFTER_CONSECUTIVE_ERRORS } from "../../src/services/BrowserSession.ts"
import { setPhase } from "../../src/services/portal/Phase.ts"
import { LoggedOut } from "../../src/services/portal/PageState.ts"
import { PortalUnavailable } from "../../src/domain/Errors.ts"
import { FakeBrowser } from "../../src/services/Browser.ts"
import { FakePortal } from "../../src/services/PortalDriver.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { creds, poolLayer, untilPoolEmpty, untilQueued, untilState } from "../utils/PoolHarness.ts"

const newSession = Effect.gen(function*() {
  const pool = yield* SessionPool
  return (yield* pool.acquire({ credentials: creds("alice") })).session
})

/**
 * Joins `fiber`, failing the test when it has not answered within `within` of test time (the clock
 * is moved on that far, so the session's own grace periods elapse as well).
 */
const answeredWithin = <A, E>(fiber: Fiber.Fiber<A, E>, within: `${number} seconds`, what: string) =>
  Effect.gen(function*() {
    const bounded = yield* Fiber.await(fiber).pipe(
      Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`${what}: no answer within ${within}`)) }),
      Effect.forkChild
    )
    yield* TestClock.adjust(within)
    return yield* Fiber.join(bounded)
  })

/** The tag of the error an answered caller got (dies if it succeeded or was interrupted). */
const errorTag = <A, E>(exit: Exit.Exit<A, E>): string => {
  const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit) : undefined
  if (error === undefined || error._tag === "None") throw new Error(`expected a typed failure, got ${JSON.stringify(exit)}`)
  return (error.value as { _tag: string })._tag
}

/** Starts an operation that never finishes on its own; resolves once it is running. */
const holdForever = (session: BrowserSession) =>
  Effect.gen(function*() {
    const started = yield* Deferred.make<void>()
    const fiber = yield* session.run({ name: "long", run: () => Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never)) }).pipe(Effect.forkChild)
    yield* Deferred.await(started)
    return fiber
  })

const expectReady = (session: BrowserSession) =>
  Effect.gen(function*() {
    assert.strictEqual(yield* session.state, "ready")
    assert.isTrue(yield* session.isIdle)
  })

describe("BrowserSession actor", () => {
  it.effect("runs concurrent operations one at a time, in arrival order", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const inFlight = yield* Ref.make(0)
      const maxInFlight = yield* Ref.make(0)
      const order = yield* Ref.make<ReadonlyArray<number>>([])
      const op = (n: number) =>
        session.run({
          name: `op${n}`,
          run: () =>
            Effect.gen(function*() {
              const now = yield* Ref.updateAndGet(inFlight, (x) => x + 1)
              yield* Ref.update(maxInFlight, (m) => Math.max(m, now))
              yield* Ref.update(order, (o) => [...o, n])
              yield* Effect.sleep("100 millis")
              yield* Ref.update(inFlight, (x) => x - 1)
              return n
            })
        })
      const fibers: Array<Fiber.Fiber<number, unknown>> = []
      for (let n = 0; n < 8; n++) {
        fibers.push(yield* Effect.forkChild(op(n)))
        yield* Effect.yieldNow
      }
      for (let i = 0; i < 8; i++) {
        yield* untilState(session, "busy")
        yield* TestClock.adjust("100 millis")
      }
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(results, [0, 1, 2, 3, 4, 5, 6, 7])
      assert.strictEqual(yield* Ref.get(maxInFlight), 1)
      assert.deepStrictEqual(yield* Ref.get(order), [0, 1, 2, 3, 4, 5, 6, 7])
      assert.strictEqual((yield* session.health).uses, 8)
      yield* expectReady(session)
    }).pipe(Effect.provide(poolLayer())))

  it.effect("releases the busy state after success and after failure", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      assert.strictEqual(yield* session.run({ name: "ok", run: () => Effect.succeed(42) }), 42)
      yield* expectReady(session)
      const error = yield* session.run({ name: "bad", run: () => Effect.fail(new PortalUnavailable({ detail: "down" })) }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "PortalUnavailable")
      assert.strictEqual((error as PortalUnavailable).sessionId, session.id, "errors carry the session id")
      yield* expectReady(session)
      assert.strictEqual((yield* session.health).consecutiveErrors, 1)
      yield* session.run({ name: "ok", run: () => Effect.void })
      assert.strictEqual((yield* session.health).consecutiveErrors, 0)
    }).pipe(Effect.provide(poolLayer())))

  it.effect("times out with the phase the operation was in, and the next message runs", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const fiber = yield* session.run({
        name: "slow",
        run: () => setPhase("containers:scroll").pipe(Effect.andThen(Effect.never))
      }).pipe(Effect.flip, Effect.forkChild)
      yield* untilState(session, "busy")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "OperationTimedOut")
      if (error._tag === "OperationTimedOut") {
        assert.strictEqual(error.phase, "containers:scroll")
        assert.strictEqual(error.operation, "slow")
        assert.strictEqual(error.sessionId, session.id)
      }
      yield* expectReady(session)
      assert.strictEqual(yield* session.run({ name: "next", run: () => Effect.succeed("ran") }), "ran")
    }).pipe(Effect.provide(poolLayer({ OPERATION_TIMEOUT: "2 seconds" }))))

  it.effect("releases the busy state when the caller is interrupted, and interrupts the work", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const fiber = yield* session.run({
        name: "abandoned",
        run: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
      }).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(interrupted)
      yield* untilState(session, "ready")
      yield* expectReady(session)
      assert.strictEqual(yield* session.run({ name: "next", run: () => Effect.succeed(1) }), 1)
    }).pipe(Effect.provide(poolLayer())))

  it.effect("a queued caller that gives up never runs", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const latch = yield* Deferred.make<void>()
      const ran = yield* Ref.make(false)
      const first = yield* session.run({ name: "hold", run: () => Deferred.await(latch) }).pipe(Effect.forkChild)
      yield* untilState(session, "busy")
      const second = yield* session.run({ name: "queued", run: () => Ref.set(ran, true) }).pipe(Effect.forkChild)
      yield* untilQueued(session, 1)
      yield* Fiber.interrupt(second)
      yield* Deferred.succeed(latch, undefined)
      yield* Fiber.join(first)
      yield* session.run({ name: "after", run: () => Effect.void })
      assert.isFalse(yield* Ref.get(ran))
    }).pipe(Effect.provide(poolLayer())))

  it.effect("re-logs in once when the portal logged the session out, then runs the operation", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const fake = yield* FakePortal
      yield* fake.update((s) => ({ ...s, loggedOut: true }))
      assert.strictEqual(yield* session.run({ name: "op", run: () => Effect.succeed("done") }), "done")
      assert.strictEqual((yield* fake.state).logins.alice, 2)
      // Logged out mid-operation: one re-login and one more attempt.
      let attempts = 0
      const result = yield* session.run({
        name: "mid",
        run: () => Effect.suspend(() => (++attempts === 1 ? Effect.fail(new LoggedOut({ detail: "401" })) : Effect.succeed(attempts)))
      })
      assert.strictEqual(result, 2)
      assert.strictEqual((yield* fake.state).logins.alice, 3)
    }).pipe(Effect.provide(poolLayer())))

  it.effect("fails with SessionExpired when the re-login fails, and never retries a non-retryable step", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const fake = yield* FakePortal
      yield* fake.update((s) => ({ ...s, loggedOut: true, loginFailure: "invalid_credentials" }))
      const error = yield* session.run({ name: "op", run: () => Effect.succeed(1) }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SessionExpired")
      yield* fake.update((s) => ({ ...s, loggedOut: false, loginFailure: undefined }))
      let submits = 0
      const once = yield* session.run({
        name: "submit",
        retryOnLoggedOut: false,
        run: () => Effect.suspend(() => {
          submits++
          return Effect.fail(new LoggedOut({ detail: "401 after submit" }))
        })
      }).pipe(Effect.flip)
      assert.strictEqual(once._tag, "SessionExpired")
      assert.strictEqual(submits, 1)
    }).pipe(Effect.provide(poolLayer())))

  it.effect(`retires itself after ${RETIRE_AFTER_CONSECUTIVE_ERRORS} consecutive session-level failures`, () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const session = yield* newSession
      for (let i = 0; i < RETIRE_AFTER_CONSECUTIVE_ERRORS; i++) {
        yield* session.run({ name: "bad", run: () => Effect.fail(new PortalUnavailable({ detail: "down" })) }).pipe(Effect.ignore)
      }
      assert.strictEqual(yield* session.ended, "retired")
      yield* untilPoolEmpty
      assert.isTrue((yield* pool.acquire({ credentials: creds("alice") })).isNew)
    }).pipe(Effect.provide(poolLayer())))
})

describe("BrowserSession ends answer every caller holding it", () => {
  it.effect("guards trust #6: closing a busy session answers its running and queued callers with SessionNotFound", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const session = yield* newSession
      const running = yield* holdForever(session)
      const queued = yield* session.run({ name: "queued", run: () => Effect.succeed(1) }).pipe(Effect.forkChild)
      yield* untilQueued(session, 1)
      yield* pool.close(session.id)
      assert.strictEqual(errorTag(yield* answeredWithin(running, "2 seconds", "the running caller")), "SessionNotFound")
      assert.strictEqual(errorTag(yield* answeredWithin(queued, "2 seconds", "the queued caller")), "SessionNotFound")
      assert.strictEqual((yield* (yield* FakeBrowser).open).length, 0, "its Chrome was closed")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("guards trust #6: a shutdown answers the callers still holding a session", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(poolLayer(), scope)
      const pool = Context.get(context, SessionPool)
      const session = (yield* pool.acquire({ credentials: creds("alice") })).session
      const running = yield* holdForever(session)
      const queued = yield* session.run({ name: "queued", run: () => Effect.succeed(1) }).pipe(Effect.forkChild)
      yield* untilQueued(session, 1)
      const shutdown = yield* Scope.close(scope, Exit.void).pipe(Effect.forkChild)
      assert.strictEqual(errorTag(yield* answeredWithin(running, "2 seconds", "the running caller")), "SessionNotFound")
      assert.strictEqual(errorTag(yield* answeredWithin(queued, "2 seconds", "the queued caller")), "SessionNotFound")
      yield* Fiber.join(shutdown)
    }))

  it.effect("a crash answers the running and the queued callers with BrowserCrashed", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const running = yield* holdForever(session)
      const queued = yield* session.run({ name: "queued", run: () => Effect.succeed(1) }).pipe(Effect.forkChild)
      yield* untilQueued(session, 1)
      yield* (yield* FakeBrowser).crash(session.lease.token)
      assert.strictEqual(errorTag(yield* answeredWithin(running, "2 seconds", "the running caller")), "BrowserCrashed")
      assert.strictEqual(errorTag(yield* answeredWithin(queued, "2 seconds", "the queued caller")), "BrowserCrashed")
      yield* untilPoolEmpty
    }).pipe(Effect.provide(poolLayer())))

  it.effect("guards trust #6: a retirement answers the callers queued behind the failure that caused it", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      for (let i = 0; i < RETIRE_AFTER_CONSECUTIVE_ERRORS - 1; i++) {
        yield* session.run({ name: "bad", run: () => Effect.fail(new PortalUnavailable({ detail: "down" })) }).pipe(Effect.ignore)
      }
      const latch = yield* Deferred.make<void>()
      const last = yield* session.run({
        name: "last-bad",
        run: () => Deferred.await(latch).pipe(Effect.andThen(Effect.fail(new PortalUnavailable({ detail: "down" }))))
      }).pipe(Effect.forkChild)
      yield* untilState(session, "busy")
      const queued = yield* session.run({ name: "queued", run: () => Effect.succeed(1) }).pipe(Effect.forkChild)
      yield* untilQueued(session, 1)
      yield* Deferred.succeed(latch, undefined)
      assert.strictEqual(errorTag(yield* answeredWithin(last, "2 seconds", "the failing caller")), "PortalUnavailable", "it keeps its own error")
      assert.strictEqual(errorTag(yield* answeredWithin(queued, "2 seconds", "the queued caller")), "SessionNotFound")
      assert.strictEqual(yield* session.ended, "retired")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("guards trust #5: a timed-out operation whose clean-up hangs answers at its deadline, and its session stops serving", () =>
    Effect.gen(function*() {
      const session = yield* newSession
      const started = yield* Deferred.make<void>()
      // Work whose finalizer never returns, like a page call on a renderer that stopped answering.
      const stuck = yield* session.run({
        name: "stuck",
        run: () => Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never), Effect.ensuring(Effect.never))
      }).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      assert.strictEqual(errorTag(yield* answeredWithin(stuck, "10 seconds", "the timed-out caller")), "OperationTimedOut")
      assert.strictEqual(yield* session.ended, "crashed", "a page that cannot be freed serves nobody else")
      assert.strictEqual(errorTag(yield* Effect.exit(session.run({ name: "next", run: () => Effect.succeed(1) }))), "BrowserCrashed")
    }).pipe(Effect.provide(poolLayer({ OPERATION_TIMEOUT: "2 seconds" }))))
})
