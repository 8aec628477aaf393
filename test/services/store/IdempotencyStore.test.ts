import { assert, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql/SqlClient"
import { type Claim, IdempotencyStore } from "../../../src/services/store/IdempotencyStore.ts"
import type { StoreTarget } from "../../../src/services/store/SqlStore.ts"
import { describeStore, storeLayer } from "../../utils/StoreBackends.ts"

const LEASE = Duration.minutes(6)
const alice = "credentials:alice"
const mallory = "credentials:mallory"

/** One "process": its own SqlStore (own instance id) and IdempotencyStore on `target`. */
const processLayer = (target: StoreTarget) =>
  IdempotencyStore.layerWith({ lease: LEASE }).pipe(Layer.provideMerge(storeLayer(target)))

/** Rows as JSON (Postgres returns BIGINT columns as bigint). */
const dump = (rows: unknown) => JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v))

const tags = (claims: ReadonlyArray<Claim>) => claims.map((c) => c._tag).sort().join(",")

describeStore("IdempotencyStore", (backend) => {
  const withStore = <A, E>(effect: Effect.Effect<A, E, IdempotencyStore | SqlClient>) =>
    Effect.flatMap(backend.fresh, (target) => Effect.provide(effect, processLayer(target)))

  it.effect("runs the first request, replays its outcome to its owner only, and refuses another body", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const first = yield* store.claim("key-1", [alice], "body-a")
      assert.strictEqual(first._tag, "Run")
      if (first._tag !== "Run") return
      assert.deepStrictEqual(yield* store.claim("key-1", [alice], "body-a"), { _tag: "InFlight", since: 0, submitting: false })
      yield* store.complete(first.ticket, { success: true, session_id: "sess_secret", confirmation: "CONF-1" })
      const replay = yield* store.claim("key-1", [alice], "body-a")
      assert.strictEqual(replay._tag, "Replay")
      if (replay._tag === "Replay") assert.deepStrictEqual(replay.outcome, { success: true, session_id: "sess_secret", confirmation: "CONF-1" })
      // Another caller with the same key and the same body learns nothing of the first result.
      assert.deepStrictEqual(yield* store.claim("key-1", [mallory], "body-a"), { _tag: "Foreign" })
      assert.deepStrictEqual(yield* store.claim("key-1", [alice], "body-b"), { _tag: "Conflict" })
      assert.strictEqual(yield* store.count, 1)
    })))

  it.effect("the owner is whoever proves any one of the first caller's principals; a takeover keeps them all", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const first = yield* store.claim("k", [alice, "workflow:w1"], "b")
      if (first._tag !== "Run") return assert.fail(first._tag)
      assert.strictEqual((yield* store.claim("k", ["workflow:w1"], "b"))._tag, "InFlight")
      assert.strictEqual((yield* store.claim("k", [mallory, "workflow:w2"], "b"))._tag, "Foreign")
      assert.strictEqual((yield* store.claim("k", [], "b"))._tag, "Foreign", "a caller that proved nothing")
      // The attempt died before Submit; the owner, now known by the workflow only, takes over…
      yield* TestClock.adjust(LEASE)
      const next = yield* store.claim("k", ["workflow:w1", "credentials:alice-2"], "b")
      if (next._tag !== "Run") return assert.fail(next._tag)
      yield* store.complete(next.ticket, "done")
      // …and every principal either attempt proved still is the owner.
      for (const p of [alice, "workflow:w1", "credentials:alice-2"]) assert.strictEqual((yield* store.claim("k", [p], "b"))._tag, "Replay", p)
    })))

  it.effect("an attempt whose outcome is unknown abandons its ticket: the record stays, the owner's next claim reconciles", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const first = yield* store.claim("k", [alice], "b")
      if (first._tag !== "Run") return assert.fail(first._tag)
      yield* store.markSubmitting(first.ticket, "appt_w")
      yield* store.abandon(first.ticket)
      const again = yield* store.claim("k", [alice], "b")
      assert.strictEqual(again._tag, "Reconcile")
      if (again._tag !== "Reconcile") return
      assert.strictEqual(again.workflowId, "appt_w")
      // A reconciliation that could not tell abandons its ticket too: the next claim reconciles again.
      yield* store.abandon(again.ticket)
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "Reconcile")
      // Abandoning a lost or completed ticket changes nothing.
      yield* store.abandon(first.ticket)
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "InFlight")
    })))

  it.effect("stores neither the key, nor the outcome, nor the workflow id in clear", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const sql = yield* SqlClient
      const a = yield* store.claim("client-key-XYZ", [alice], "body")
      if (a._tag !== "Run") return assert.fail(a._tag)
      yield* store.markSubmitting(a.ticket, "appt_workflow_secret")
      const submitting = dump(yield* sql`SELECT * FROM idempotency_records`)
      assert.notInclude(submitting, "appt_workflow_secret")
      yield* store.complete(a.ticket, { session_id: "sess_bearer_token" })
      const done = dump(yield* sql`SELECT * FROM idempotency_records`)
      assert.notInclude(done, "client-key-XYZ")
      assert.notInclude(done, "sess_bearer_token")
    })))

  it.effect("a released key (retryable failure) runs again", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const first = yield* store.claim("k", [alice], "b")
      if (first._tag !== "Run") return assert.fail(first._tag)
      yield* store.release(first.ticket)
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "Run")
      // Releasing a ticket that no longer holds the key changes nothing.
      yield* store.release(first.ticket)
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "InFlight")
    })))

  it.effect("many concurrent claims of one key: exactly one runs", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const claims = yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) => store.claim("race", [i % 2 === 0 ? alice : mallory], "body"),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(claims.filter((c) => c._tag === "Run").length, 1)
      const winner = claims.find((c) => c._tag === "Run")!
      // The losers of the winner's owner wait; the other owner's are foreign.
      assert.strictEqual(claims.filter((c) => c._tag === "InFlight").length + claims.filter((c) => c._tag === "Foreign").length, 39)
      assert.isAtLeast(claims.filter((c) => c._tag === "Foreign").length, 19)
      assert.isDefined(winner)
    })))

  it.effect("two processes on one database: exactly one runs a key they race for", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      const one = Context.get(yield* Layer.build(processLayer(target)), IdempotencyStore)
      const two = Context.get(yield* Layer.build(processLayer(target)), IdempotencyStore)
      for (const key of ["p-1", "p-2", "p-3", "p-4", "p-5"]) {
        const claims = yield* Effect.all([one, two, one, two].map((s) => s.claim(key, [alice], "b")), { concurrency: "unbounded" })
        assert.strictEqual(tags(claims), "InFlight,InFlight,InFlight,Run", key)
      }
    }))

  it.effect("a key is remembered 24 hours after its outcome, then free for anyone; sweep deletes it", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const first = yield* store.claim("k", [alice], "b")
      if (first._tag !== "Run") return assert.fail(first._tag)
      // Off the hourly sweeper's beat, so the explicit sweep below is the one that finds it.
      yield* TestClock.adjust("90 minutes")
      yield* store.complete(first.ticket, "ok")
      yield* TestClock.adjust(Duration.sum(Duration.hours(23), Duration.minutes(59)))
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "Replay")
      assert.strictEqual(yield* store.sweep, 0)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* store.count, 0)
      assert.strictEqual(yield* store.sweep, 1)
      assert.strictEqual((yield* store.claim("k", [mallory], "other body"))._tag, "Run")
    })))

  it.effect("an attempt that died before Submit is taken over once its lease ends; its ticket is then lost", () =>
    withStore(Effect.gen(function*() {
      const store = yield* IdempotencyStore
      const dead = yield* store.claim("k", [alice], "b")
      if (dead._tag !== "Run") return assert.fail(dead._tag)
      yield* TestClock.adjust(Duration.subtract(LEASE, Duration.seconds(1)))
      assert.strictEqual((yield* store.claim("k", [alice], "b"))._tag, "InFlight")
      yield* TestClock.adjust("1 second")
      // Another owner never takes a live key over, even with its lease ended.
      assert.strictEqual((yield* store.claim("k", [mallory], "b"))._tag, "Foreign")
      const next = yield* store.claim("k", [alice], "b")
      assert.strictEqual(next._tag, "Run")
      const lost = yield* Effect.flip(store.complete(dead.ticket, "late"))
      assert.strictEqual(lost._tag, "ClaimLost")
      assert.strictEqual((yield* Effect.flip(store.markSubmitting(dead.ticket, "appt_x")))._tag, "ClaimLost")
    })))

  it.effect("after a crash between Submit and its outcome, the owner's retry reconciles (never runs), one at a time", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      // The process that crashed: claimed, recorded Submit, never completed.
      yield* Effect.scoped(Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(processLayer(target)), IdempotencyStore)
        const claim = yield* store.claim("book-1", [alice], "b")
        if (claim._tag !== "Run") return assert.fail(claim._tag)
        yield* store.markSubmitting(claim.ticket, "appt_workflow_1")
        const stale = yield* store.claim("book-2", [alice], "b")
        assert.strictEqual(stale._tag, "Run")
      }))
      // The restarted process.
      const store = Context.get(yield* Layer.build(processLayer(target)), IdempotencyStore)
      assert.deepStrictEqual(yield* store.claim("book-1", [alice], "b"), { _tag: "InFlight", since: 0, submitting: true })
      assert.deepStrictEqual(yield* store.abandonPreviousRuns, { inFlight: 1, submitting: 1 })
      const claims = yield* Effect.all([store.claim("book-1", [alice], "b"), store.claim("book-1", [alice], "b")], { concurrency: "unbounded" })
      assert.strictEqual(tags(claims), "InFlight,Reconcile")
      const reconcile = claims.find((c) => c._tag === "Reconcile")
      if (reconcile?._tag !== "Reconcile") return assert.fail("no Reconcile")
      assert.strictEqual(reconcile.workflowId, "appt_workflow_1")
      assert.deepStrictEqual(yield* store.claim("book-1", [mallory], "b"), { _tag: "Foreign" })
      yield* store.complete(reconcile.ticket, { confirmation: "FOUND-IN-MY-APPOINTMENTS" })
      const replay = yield* store.claim("book-1", [alice], "b")
      assert.strictEqual(replay._tag, "Replay")
      // The attempt that died before Submit is simply run again.
      assert.strictEqual((yield* store.claim("book-2", [alice], "b"))._tag, "Run")
    }))
})
