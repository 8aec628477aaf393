import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Fiber, Layer, Redacted, Ref, Schema } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IdempotencyConflict, StorageUnavailable } from "../../src/domain/Errors.ts"
import { storeLayerOver } from "../../src/runtime/PortalLayer.ts"
import { type Attempt, canonicalJson, Idempotency, type RunOptions } from "../../src/services/Idempotency.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { IdempotencyStore } from "../../src/services/store/IdempotencyStore.ts"
import { SqlStore } from "../../src/services/store/SqlStore.ts"
import { quiet } from "../utils/StoreBackends.ts"

class Boom extends Schema.TaggedError<Boom>()("Boom", { n: Schema.Number }) {}

/** The same body from callers who proved these principals. */
const alice = { fingerprint: "fp", principals: ["credentials:alice"] }
const aliceBySession = { fingerprint: "fp", principals: ["credentials:alice", "workflow:w1"] }
const mallory = { fingerprint: "fp", principals: ["credentials:mallory"] }
const nobody = { fingerprint: "fp", principals: [] }

/** Numbers succeed, Booms fail; no reconciliation is expected unless a test gives one. */
const options = (overrides: Partial<RunOptions<number, Boom>> = {}): RunOptions<number, Boom> => ({
  success: Schema.Number,
  failure: Boom,
  reconcile: () => Effect.die(new Error("no reconciliation expected")),
  ...overrides
})

/** An operation that counts its runs and returns the run number. */
const counted = (runs: Ref.Ref<number>) => (_attempt: Attempt) => Ref.updateAndGet(runs, (n) => n + 1)

const commit = (attempt: Attempt) => Effect.orDie(attempt.commit("appt_w"))

/** Idempotency over a private in-memory store, logs quiet. */
const layer = Idempotency.layerTest.pipe(Layer.provideMerge(quiet))

describe("Idempotency (TestClock)", () => {
  it.effect("a repeat returns the stored result, marked as a replay, without running again", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const first = yield* idem.run("k1", alice, counted(runs), options())
      const second = yield* idem.run("k1", alice, counted(runs), options())
      assert.deepStrictEqual(first, { value: 1, replayed: false })
      assert.deepStrictEqual(second, { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
      assert.deepStrictEqual(yield* idem.run("k2", alice, counted(runs), options()), { value: 2, replayed: false }, "another key runs")
    }).pipe(Effect.provide(layer)))

  it.effect("the same key with a different body is IdempotencyConflict", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", { fingerprint: idem.fingerprint({ a: 1 }), principals: ["alice"] }, counted(runs), options())
      const conflict = yield* idem.run("k", { fingerprint: idem.fingerprint({ a: 2 }), principals: ["alice"] }, counted(runs), options()).pipe(Effect.flip)
      assert.strictEqual(conflict._tag, "IdempotencyConflict")
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(layer)))

  it.effect("a concurrent repeat waits for the first attempt instead of running", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const slow = (_attempt: Attempt) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          return yield* Ref.updateAndGet(runs, (n) => n + 1)
        })
      const first = yield* idem.run("k", alice, slow, options()).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      const others = yield* Effect.forEach([1, 2, 3, 4], () => idem.run("k", alice, slow, options()).pipe(Effect.forkChild))
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      assert.strictEqual(yield* Ref.get(runs), 0)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(first), { value: 1, replayed: false })
      for (const f of others) assert.deepStrictEqual(yield* Fiber.join(f), { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(layer)))

  it.effect("a failure before commit is not stored (a retry runs); after commit it is (a retry replays it)", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const failBefore = (_attempt: Attempt) => Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => Effect.fail(new Boom({ n })))
      const failAfter = (attempt: Attempt) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => commit(attempt).pipe(Effect.andThen(Effect.fail(new Boom({ n })))))

      assert.strictEqual((yield* idem.run("a", alice, failBefore, options()).pipe(Effect.flip) as Effect.Effect<Boom>).n, 1)
      assert.strictEqual((yield* idem.run("a", alice, failBefore, options()).pipe(Effect.flip) as Effect.Effect<Boom>).n, 2, "ran again")
      assert.deepStrictEqual(yield* idem.run("a", alice, counted(runs), options()), { value: 3, replayed: false })

      assert.strictEqual((yield* idem.run("b", alice, failAfter, options()).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      const stored = yield* idem.run("b", alice, failAfter, options()).pipe(Effect.flip)
      assert.instanceOf(stored, Boom, "the stored failure comes back as its class")
      assert.strictEqual((stored as Boom).n, 4)
      assert.strictEqual(yield* Ref.get(runs), 4)
    }).pipe(Effect.provide(layer)))

  it.effect("keys are remembered for 24 hours", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      // Off the hourly sweeper's beat.
      yield* TestClock.adjust("30 minutes")
      yield* idem.run("k", alice, counted(runs), options())
      yield* TestClock.adjust("23 hours")
      assert.isTrue((yield* idem.run("k", alice, counted(runs), options())).replayed)
      yield* TestClock.adjust("61 minutes")
      assert.strictEqual(yield* idem.size, 0, "past its retention")
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs), options()), { value: 2, replayed: false })
    }).pipe(Effect.provide(layer)))

  it.effect("a caller that goes away does not interrupt the first attempt; its result is kept", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const booking = (attempt: Attempt) =>
        Effect.gen(function*() {
          yield* commit(attempt)
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          return yield* Ref.updateAndGet(runs, (n) => n + 1)
        })
      const caller = yield* idem.run("k", alice, booking, options()).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Fiber.interrupt(caller)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* idem.run("k", alice, booking, options()), { value: 1, replayed: true })
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(layer)))

  it.effect("guards trust #1: a key belongs to its first caller; a stranger gets IdempotencyConflict, finished or running, and nothing runs", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs), options()), { value: 1, replayed: false })
      for (const stranger of [mallory, nobody]) {
        const e = yield* idem.run("k", stranger, counted(runs), options()).pipe(Effect.flip)
        assert.strictEqual(e._tag, "IdempotencyConflict")
        assert.deepStrictEqual({ ...e } as object, { _tag: "IdempotencyConflict" }, "nothing of the first outcome")
      }
      // While the first attempt still runs, too: a stranger does not wait for (and share) it.
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const slow = (_attempt: Attempt) =>
        Deferred.succeed(started, undefined).pipe(Effect.andThen(Deferred.await(release)), Effect.andThen(Ref.updateAndGet(runs, (n) => n + 1)))
      const first = yield* idem.run("running", alice, slow, options()).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      assert.strictEqual((yield* idem.run("running", mallory, slow, options()).pipe(Effect.flip))._tag, "IdempotencyConflict")
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(first), { value: 2, replayed: false })
      assert.strictEqual(yield* Ref.get(runs), 2)
    }).pipe(Effect.provide(layer)))

  it.effect("the owner is whoever proves any one of the first caller's principals (a session first, credentials later)", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      yield* idem.run("k", aliceBySession, counted(runs), options())
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs), options()), { value: 1, replayed: true })
      assert.deepStrictEqual(yield* idem.run("k", { fingerprint: "fp", principals: ["workflow:w1"] }, counted(runs), options()), { value: 1, replayed: true })
      // A first caller that proved nothing leaves a record nobody can replay (it cannot book anyway).
      yield* idem.run("anon", nobody, counted(runs), options())
      assert.strictEqual((yield* idem.run("anon", nobody, counted(runs), options()).pipe(Effect.flip))._tag, "IdempotencyConflict")
      assert.strictEqual((yield* idem.run("anon", alice, counted(runs), options()).pipe(Effect.flip))._tag, "IdempotencyConflict")
      assert.strictEqual(yield* Ref.get(runs), 2)
    }).pipe(Effect.provide(layer)))

  it.effect("guards trust #2: after the commit, a failure `notDone` recognises releases the key; any other stays final", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const runs = yield* Ref.make(0)
      const failAfter = (attempt: Attempt) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) => commit(attempt).pipe(Effect.andThen(Effect.fail(new Boom({ n })))))
      const notDone = options({ notDone: (e: Boom) => e.n % 2 === 1 })
      // Run 1 failed in a way that shows nothing happened: released, the retry runs (and succeeds).
      assert.strictEqual((yield* idem.run("k", alice, failAfter, notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 1)
      assert.strictEqual(yield* idem.size, 0)
      assert.deepStrictEqual(yield* idem.run("k", alice, counted(runs), notDone), { value: 2, replayed: false })
      // Run 3 failed otherwise: kept, the retry gets the same failure without running.
      const fourth = (attempt: Attempt) => Ref.update(runs, (n) => n + 1).pipe(Effect.andThen(commit(attempt)), Effect.andThen(Effect.fail(new Boom({ n: 4 }))))
      assert.strictEqual((yield* idem.run("j", alice, fourth, notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual((yield* idem.run("j", alice, counted(runs), notDone).pipe(Effect.flip) as Effect.Effect<Boom>).n, 4)
      assert.strictEqual(yield* Ref.get(runs), 3)
    }).pipe(Effect.provide(layer)))

  it.effect("a commit the store cannot record stops the step: the caller gets StorageUnavailable, nothing is kept", () =>
    Effect.gen(function*() {
      const idem = yield* Idempotency
      const sql = yield* SqlClient
      const steps = yield* Ref.make(0)
      const booking = (attempt: Attempt) =>
        Effect.gen(function*() {
          // The store goes read-only between the claim and the commit.
          yield* Effect.orDie(sql`PRAGMA query_only = ON`)
          yield* attempt.commit("appt_w")
          return yield* Ref.updateAndGet(steps, (n) => n + 1)
        })
      const storeErrors = Schema.Union([StorageUnavailable, IdempotencyConflict])
      const refused = yield* idem.run("k", alice, booking, { success: Schema.Number, failure: storeErrors, reconcile: () => Effect.die("none") }).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "StorageUnavailable")
      assert.strictEqual(yield* Ref.get(steps), 0, "the irreversible step was not taken")
      yield* Effect.orDie(sql`PRAGMA query_only = OFF`)
      // Its release could not be written either: the key is free once the attempt's lease ends.
      yield* TestClock.adjust(Duration.minutes(6))
      assert.deepStrictEqual(yield* idem.run("k", alice, (attempt) => commit(attempt).pipe(Effect.andThen(Ref.updateAndGet(steps, (n) => n + 1))), options()), {
        value: 1,
        replayed: false
      })
    }).pipe(Effect.provide(Idempotency.layer.pipe(Layer.provideMerge(storeLayerOver(SqlStore.layerTest)), Layer.provideMerge(PortalConfig.layerTest({})), Layer.provideMerge(quiet)))))

  it("fingerprints ignore key order and Redacted values", () => {
    assert.strictEqual(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: "s" } }), canonicalJson({ a: { c: "s", d: [1, { x: 1, y: 2 }] }, b: 1 }))
    assert.strictEqual(canonicalJson({ a: 1, password: Redacted.make("secret") }), canonicalJson({ a: 1 }))
    assert.notInclude(canonicalJson({ password: Redacted.make("secret") }), "secret")
    assert.notStrictEqual(canonicalJson({ a: 1 }), canonicalJson({ a: "1" }))
  })
})

describe("Idempotency across a restart (one SQLite file, two processes in turn)", () => {
  /** One "process": its own store instance and Idempotency (which releases earlier runs' claims at boot). */
  const processOn = (file: string) =>
    Idempotency.layer.pipe(
      Layer.provideMerge(storeLayerOver(SqlStore.layerFor({ backend: "sqlite", file }))),
      Layer.provideMerge(PortalConfig.layerTest({})),
      Layer.provideMerge(quiet)
    )
  const tempFile = Effect.map(
    Effect.acquireRelease(Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-idem-"))), (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))),
    (dir) => join(dir, "emodal.db")
  )

  for (const [how, dies] of [
    ["SIGKILL: the attempt never settles", "kill"],
    ["SIGTERM: the shutdown interrupts the attempt after its commit", "term"]
  ] as const) {
    it.live(`${how}; the owner's retry reconciles (never runs the step again) and its finding is kept`, () =>
      Effect.gen(function*() {
        const file = yield* tempFile
        const steps = yield* Ref.make(0)
        yield* Effect.scoped(Effect.gen(function*() {
          const ctx = yield* Layer.build(processOn(file))
          if (dies === "kill") {
            // What a killed process leaves: a claim whose Submit was recorded, nothing after.
            const store = Context.get(ctx, IdempotencyStore)
            const claim = yield* store.claim("k", alice.principals, alice.fingerprint)
            if (claim._tag !== "Run") return assert.fail(claim._tag)
            yield* store.markSubmitting(claim.ticket, "appt_lost")
            return
          }
          const idem = Context.get(ctx, Idempotency)
          const committed = yield* Deferred.make<void>()
          yield* idem.run("k", alice, (attempt) =>
            Effect.orDie(attempt.commit("appt_lost")).pipe(
              Effect.andThen(Ref.update(steps, (n) => n + 1)),
              Effect.andThen(Deferred.succeed(committed, undefined)),
              Effect.andThen(Effect.never)
            ), options()).pipe(Effect.forkChild)
          yield* Deferred.await(committed)
        }))
        const reconciled = yield* Ref.make<ReadonlyArray<string | undefined>>([])
        const afterRestart = options({
          reconcile: (workflowId) => Ref.update(reconciled, (r) => [...r, workflowId]).pipe(Effect.as(42))
        })
        const outcomes = yield* Effect.scoped(Effect.gen(function*() {
          const idem = Context.get(yield* Layer.build(processOn(file)), Idempotency)
          const never = (_: Attempt) => Ref.updateAndGet(steps, (n) => n + 100)
          const first = yield* idem.run("k", alice, never, afterRestart)
          const again = yield* idem.run("k", alice, never, afterRestart)
          const stranger = yield* idem.run("k", mallory, never, afterRestart).pipe(Effect.flip)
          return { first, again, stranger }
        }))
        assert.deepStrictEqual(outcomes.first, { value: 42, replayed: true })
        assert.deepStrictEqual(outcomes.again, { value: 42, replayed: true }, "kept: reconciled once")
        assert.strictEqual(outcomes.stranger._tag, "IdempotencyConflict")
        assert.deepStrictEqual(yield* Ref.get(reconciled), ["appt_lost"])
        assert.strictEqual(yield* Ref.get(steps), dies === "kill" ? 0 : 1, "the step ran once, before the restart, never after")
      }))
  }

  it.live("a reconciliation that cannot tell is answered, and the next retry reconciles again", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      yield* Effect.scoped(Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(processOn(file)), IdempotencyStore)
        const claim = yield* store.claim("k", alice.principals, alice.fingerprint)
        if (claim._tag !== "Run") return assert.fail(claim._tag)
        yield* store.markSubmitting(claim.ticket, "appt_lost")
      }))
      const attempts = yield* Ref.make(0)
      const unknownThenFound = options({
        reconcile: () => Effect.flatMap(Ref.updateAndGet(attempts, (n) => n + 1), (n) => (n === 1 ? Effect.fail(new Boom({ n: -1 })) : Effect.succeed(7)))
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const idem = Context.get(yield* Layer.build(processOn(file)), Idempotency)
        const step = (_: Attempt) => Effect.die(new Error("the step must never run again"))
        assert.strictEqual((yield* idem.run("k", alice, step, unknownThenFound).pipe(Effect.flip) as Effect.Effect<Boom>).n, -1)
        assert.deepStrictEqual(yield* idem.run("k", alice, step, unknownThenFound), { value: 7, replayed: true })
        assert.deepStrictEqual(yield* idem.run("k", alice, step, unknownThenFound), { value: 7, replayed: true })
      }))
      assert.strictEqual(yield* Ref.get(attempts), 2)
    }))
})
