import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Redacted, Ref } from "effect"
import { TestClock } from "effect/testing"
import { canonicalJson, Idempotency } from "../../src/services/Idempotency.ts"

class Boom {
  readonly _tag = "Boom"
  readonly n: number
  constructor(n: number) {
    this.n = n
  }
}

/** An operation that counts its runs and returns the run number. */
const counted = (runs: Ref.Ref<number>) => (_commit: Effect.Effect<void>) => Ref.updateAndGet(runs, (n) => n + 1)

describe("Idempotency (TestClock)", () => {
  it.effect("a repeat returns the stored result, marked as a replay, without running again", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const first = yield* idem.run("k1", "fp", counted(runs))
      const second = yield* idem.run("k1", "fp", counted(runs))
      assert.deepStrictEqual(first, { value: 1, replayed: false })
      assert.deepStrictEqual(second, { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
      assert.deepStrictEqual(yield* idem.run("k2", "fp", counted(runs)), { value: 2, replayed: false }, "another key runs")
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("the same key with a different body is IdempotencyConflict", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", idem.fingerprint({ a: 1 }), counted(runs))
      const conflict = yield* idem.run("k", idem.fingerprint({ a: 2 }), counted(runs)).pipe(Effect.flip)
      assert.strictEqual(conflict._tag, "IdempotencyConflict")
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("a concurrent repeat waits for the first attempt instead of running", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const slow = (_commit: Effect.Effect<void>) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          return yield* Ref.updateAndGet(runs, (n) => n + 1)
        })
      const first = yield* idem.run("k", "fp", slow).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      const others = yield* Effect.forEach([1, 2, 3, 4], () => idem.run("k", "fp", slow).pipe(Effect.forkChild))
      yield* Effect.yieldNow
      assert.strictEqual(yield* Ref.get(runs), 0)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(first), { value: 1, replayed: false })
      for (const f of others) assert.deepStrictEqual(yield* Fiber.join(f), { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("a failure before commit is not stored (a retry runs); after commit it is (a retry replays it)", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const failBefore = (_commit: Effect.Effect<void>) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => Effect.fail(new Boom(n)))
      const failAfter = (commit: Effect.Effect<void>) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => commit.pipe(Effect.andThen(Effect.fail(new Boom(n)))))

      assert.strictEqual((yield* idem.run("a", "fp", failBefore).pipe(Effect.flip) as Effect.Effect<Boom>).n, 1)
      assert.strictEqual((yield* idem.run("a", "fp", failBefore).pipe(Effect.flip) as Effect.Effect<Boom>).n, 2, "ran again")
      assert.deepStrictEqual(yield* idem.run("a", "fp", counted(runs)), { value: 3, replayed: false })

      assert.strictEqual((yield* idem.run("b", "fp", failAfter).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual((yield* idem.run("b", "fp", failAfter).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4, "the stored failure")
      assert.strictEqual(yield* Ref.get(runs), 4)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("keys are remembered for 24 hours", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", "fp", counted(runs))
      yield* TestClock.adjust("23 hours")
      assert.isTrue((yield* idem.run("k", "fp", counted(runs))).replayed)
      yield* TestClock.adjust("61 minutes")
      assert.strictEqual(yield* idem.size, 0, "the hourly sweep dropped it")
      assert.deepStrictEqual(yield* idem.run("k", "fp", counted(runs)), { value: 2, replayed: false })
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("a caller that goes away does not interrupt the first attempt; its result is kept", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const booking = (commit: Effect.Effect<void>) =>
        Effect.gen(function*() {
          yield* commit
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          return yield* Ref.updateAndGet(runs, (n) => n + 1)
        })
      const caller = yield* idem.run("k", "fp", booking).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Fiber.interrupt(caller)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* idem.run("k", "fp", booking), { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it("fingerprints ignore key order and Redacted values", () => {
    assert.strictEqual(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: "s" } }), canonicalJson({ a: { c: "s", d: [1, { x: 1, y: 2 }] }, b: 1 }))
    assert.strictEqual(canonicalJson({ a: 1, password: Redacted.make("secret") }), canonicalJson({ a: 1 }))
    assert.notInclude(canonicalJson({ password: Redacted.make("secret") }), "secret")
    assert.notStrictEqual(canonicalJson({ a: 1 }), canonicalJson({ a: "1" }))
  })
})
