import { describe, it, assert } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as Admission from "../../../src/services/pool/Admission.ts"

/**
 * Admission over fake sessions: each holds its slot in a scope of its own; `idle` lists the ones
 * that may be evicted (evicting closes the scope, which gives the slot back).
 */
const setup = (maxSessions: number, queueLimit = 10) =>
  Effect.gen(function*() {
    const idle = yield* Ref.make<ReadonlyArray<Scope.Closeable>>([])
    const evicted = yield* Ref.make(0)
    const evictOne = Effect.gen(function*() {
      const victim = yield* Ref.modify(idle, (all): [Scope.Closeable | undefined, ReadonlyArray<Scope.Closeable>] => [all[0], all.slice(1)])
      if (victim === undefined) return false
      yield* Scope.close(victim, Exit.void)
      yield* Ref.update(evicted, (n) => n + 1)
      return true
    })
    const admission = yield* Admission.make({ maxSessions, acquireTimeout: Duration.seconds(30), queueLimit, evictOne, waitersChanged: () => Effect.void })
    /** A session: takes a slot into a scope of its own; the scope is returned. */
    const open = Effect.gen(function*() {
      const scope = yield* Scope.make()
      yield* admission.take.pipe(Scope.provide(scope), Effect.onError(() => Scope.close(scope, Exit.void)))
      return scope
    })
    const goesIdle = (scope: Scope.Closeable) => Ref.update(idle, (all) => [...all, scope]).pipe(Effect.andThen(admission.sessionIdle))
    return { admission, open, goesIdle, evicted: Ref.get(evicted) }
  })

/** Yields (no clock) until `check` holds. */
const until = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (yield* check) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error(`gave up waiting for ${what}`))
  })

describe("Admission", () => {
  it.effect("takes a free slot at once; with none, evicts an idle session without queueing (even when no request may wait)", () =>
    Effect.gen(function*() {
      const pool = yield* setup(1, 0)
      const first = yield* pool.open
      yield* pool.goesIdle(first)
      yield* pool.open
      assert.strictEqual(yield* pool.evicted, 1)
      const refused = yield* pool.open.pipe(Effect.flip)
      assert.strictEqual(refused.reason, "queue_full", "nothing evictable and nobody may wait")
    }))

  it.effect("a waiting request gets the slot of a session that goes idle, through the room maker", () =>
    Effect.gen(function*() {
      const pool = yield* setup(1)
      const busy = yield* pool.open
      const waiter = yield* pool.open.pipe(Effect.forkChild)
      yield* until("a waiter", Effect.map(pool.admission.waiting, (n) => n === 1))
      yield* TestClock.adjust("10 seconds")
      assert.isUndefined(waiter.pollUnsafe(), "still waiting")
      yield* pool.goesIdle(busy)
      yield* Fiber.join(waiter)
      assert.strictEqual(yield* pool.evicted, 1)
      assert.strictEqual(yield* pool.admission.waiting, 0)
    }))

  it.effect("evicts only as many sessions as waiting requests lack a free slot", () =>
    Effect.gen(function*() {
      const pool = yield* setup(4)
      const sessions = yield* Effect.forEach([1, 2, 3, 4], () => pool.open)
      const waiters = yield* Effect.forEach([1, 2], () => pool.open.pipe(Effect.forkChild))
      yield* until("two waiters", Effect.map(pool.admission.waiting, (n) => n === 2))
      // One slot comes back on its own (a session closed): one eviction is enough for the other.
      yield* Scope.close(sessions[0]!, Exit.void)
      for (const s of sessions.slice(1)) yield* pool.goesIdle(s)
      yield* Effect.forEach(waiters, Fiber.join)
      assert.strictEqual(yield* pool.evicted, 1)
    }))

  it.effect("waiting requests are served first come, first served; one past ACQUIRE_TIMEOUT fails with pool_full and leaves", () =>
    Effect.gen(function*() {
      const pool = yield* setup(1)
      const busy = yield* pool.open
      const order = yield* Ref.make<ReadonlyArray<string>>([])
      const first = yield* pool.open.pipe(Effect.tap(() => Ref.update(order, (o) => [...o, "first"])), Effect.forkChild)
      yield* until("first waits", Effect.map(pool.admission.waiting, (n) => n === 1))
      yield* TestClock.adjust("20 seconds")
      const second = yield* pool.open.pipe(Effect.tap(() => Ref.update(order, (o) => [...o, "second"])), Effect.forkChild)
      yield* until("second waits", Effect.map(pool.admission.waiting, (n) => n === 2))
      yield* TestClock.adjust("11 seconds")
      const late = yield* Fiber.join(first).pipe(Effect.flip)
      assert.strictEqual(late.reason, "pool_full")
      assert.strictEqual(late.retryAfterSeconds, 30)
      assert.strictEqual(yield* pool.admission.waiting, 1, "the timed-out request left the queue")
      yield* Scope.close(busy, Exit.void)
      yield* Fiber.join(second)
      assert.deepStrictEqual(yield* Ref.get(order), ["second"])
    }))
})
