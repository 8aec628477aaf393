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

/** The same body from callers who proved these principals. */
const alice = { fingerprint: "fp", principals: ["credentials:alice"] }
const aliceBySession = { fingerprint: "fp", principals: ["credentials:alice", "workflow:w1"] }
const mallory = { fingerprint: "fp", principals: ["credentials:mallory"] }
const nobody = { fingerprint: "fp", principals: [] }

/** An operation that counts its runs and returns the run number. */
const counted = (runs: Ref.Ref<number>) => (_commit: Effect.Effect<void>) => Ref.updateAndGet(runs, (n) => n + 1)

describe("Idempotency (TestClock)", () => {
  it.effect("a repeat returns the stored result, marked as a replay, without running again", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const first = yield* idem.run("k1", alice, counted(runs))
      const second = yield* idem.run("k1", alice, counted(runs))
      assert.deepStrictEqual(first, { value: 1, replayed: false })
      assert.deepStrictEqual(second, { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
      assert.deepStrictEqual(yield* idem.run("k2", alice, counted(runs)), { value: 2, replayed: false }, "another key runs")
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("the same key with a different body is IdempotencyConflict", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", { fingerprint: idem.fingerprint({ a: 1 }), principals: ["alice"] }, counted(runs))
      const conflict = yield* idem.run("k", { fingerprint: idem.fingerprint({ a: 2 }), principals: ["alice"] }, counted(runs)).pipe(Effect.flip)
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
      const first = yield* idem.run("k", alice, slow).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      const others = yield* Effect.forEach([1, 2, 3, 4], () => idem.run("k", alice, slow).pipe(Effect.forkChild))
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

      assert.strictEqual((yield* idem.run("a", alice, failBefore).pipe(Effect.flip) as Effect.Effect<Boom>).n, 1)
      assert.strictEqual((yield* idem.run("a", alice, failBefore).pipe(Effect.flip) as Effect.Effect<Boom>).n, 2, "ran again")
      assert.deepStrictEqual(yield* idem.run("a", alice, counted(runs)), { value: 3, replayed: false })

      assert.strictEqual((yield* idem.run("b", alice, failAfter).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual((yield* idem.run("b", alice, failAfter).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4, "the stored failure")
      assert.strictEqual(yield* Ref.get(runs), 4)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("keys are remembered for 24 hours", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", alice, counted(runs))
      yield* TestClock.adjust("23 hours")
      assert.isTrue((yield* idem.run("k", alice, counted(runs))).replayed)
      yield* TestClock.adjust("61 minutes")
      assert.strictEqual(yield* idem.size, 0, "the hourly sweep dropped it")
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs)), { value: 2, replayed: false })
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
      const caller = yield* idem.run("k", alice, booking).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Fiber.interrupt(caller)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* idem.run("k", alice, booking), { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("guards trust #1: a key belongs to its first caller; a stranger gets IdempotencyConflict, finished or running, and nothing runs", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs)), { value: 1, replayed: false })
      for (const stranger of [mallory, nobody]) {
        const e = yield* idem.run("k", stranger, counted(runs)).pipe(Effect.flip)
        assert.strictEqual(e._tag, "IdempotencyConflict")
        assert.deepStrictEqual({ ...e }, { _tag: "IdempotencyConflict" }, "nothing of the first outcome")
      }
      // While the first attempt still runs, too: a stranger does not wait for (and share) it.
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const slow = (_commit: Effect.Effect<void>) =>
        Deferred.succeed(started, undefined).pipe(Effect.andThen(Deferred.await(release)), Effect.andThen(Ref.updateAndGet(runs, (n) => n + 1)))
      const first = yield* idem.run("running", alice, slow).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      assert.strictEqual((yield* idem.run("running", mallory, slow).pipe(Effect.flip))._tag, "IdempotencyConflict")
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(first), { value: 2, replayed: false })
      assert.strictEqual(yield* Ref.get(runs), 2)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("the owner is whoever proves any one of the first caller's principals (a session first, credentials later)", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", aliceBySession, counted(runs))
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs)), { value: 1, replayed: true })
      assert.deepStrictEqual(yield* idem.run("k", { fingerprint: "fp", principals: ["workflow:w1"] }, counted(runs)), { value: 1, replayed: true })
      // A first caller that proved nothing leaves a record nobody can replay (it cannot book anyway).
      yield* idem.run("anon", nobody, counted(runs))
      assert.strictEqual((yield* idem.run("anon", nobody, counted(runs)).pipe(Effect.flip))._tag, "IdempotencyConflict")
      assert.strictEqual((yield* idem.run("anon", alice, counted(runs)).pipe(Effect.flip))._tag, "IdempotencyConflict")
      assert.strictEqual(yield* Ref.get(runs), 2)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it.effect("guards trust #2: after the commit, a failure `notDone` recognises releases the key; any other stays final", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const failAfter = (commit: Effect.Effect<void>) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => commit.pipe(Effect.andThen(Effect.fail(new Boom(n)))))
      const notDone = { notDone: (e: Boom) => e.n % 2 === 1 }
      // Run 1 failed in a way that shows nothing happened: released, the retry runs (and succeeds).
      assert.strictEqual((yield* idem.run("k", alice, failAfter, notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 1)
      assert.strictEqual(yield* idem.size, 0)
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs), notDone), { value: 2, replayed: false })
      // Run 3 failed otherwise: kept, the retry gets the same failure without running.
      assert.strictEqual((yield* idem.run("j", alice, (c) => Ref.update(runs, (n) => n + 1).pipe(Effect.andThen(c), Effect.andThen(Effect.fail(new Boom(4)))), notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual((yield* idem.run("j", alice, counted(runs), notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual(yield* Ref.get(runs), 3)
    }).pipe(Effect.provide(Idempotency.layerTest)))

  it("fingerprints ignore key order and Redacted values", () => {
    assert.strictEqual(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: "s" } }), canonicalJson({ a: { c: "s", d: [1, { x: 1, y: 2 }] }, b: 1 }))
    assert.strictEqual(canonicalJson({ a: 1, password: Redacted.make("secret") }), canonicalJson({ a: 1 }))
    assert.notInclude(canonicalJson({ password: Redacted.make("secret") }), "secret")
    assert.notStrictEqual(canonicalJson({ a: 1 }), canonicalJson({ a: "1" }))
  })
})
