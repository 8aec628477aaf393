import { assert, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql/SqlClient"
import { SqlStore, type StoreTarget } from "../../../src/services/store/SqlStore.ts"
import { StoreCrypto } from "../../../src/services/store/StoreCrypto.ts"
import { WorkflowStore } from "../../../src/services/store/WorkflowStore.ts"
import { describeStore, quiet, storeLayer } from "../../utils/StoreBackends.ts"

const TTL = Duration.minutes(10)
const phaseData = { container_id: "MSDU1234567", trucking_company: "ACME", pin_code: "8642", truck_plate: "ABC123" }

/** One process's WorkflowStore on `target` (no background sweeper: the tests jump the clock by hours). */
const processLayer = (target: StoreTarget) => WorkflowStore.layerWith({ ttl: TTL, sweeper: false }).pipe(Layer.provideMerge(storeLayer(target)))

const dump = (rows: unknown) => JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v))

describeStore("WorkflowStore", (backend) => {
  const withStore = <A, E>(effect: Effect.Effect<A, E, WorkflowStore | SqlClient | StoreCrypto>) =>
    Effect.flatMap(backend.fresh, (target) => Effect.provide(effect, processLayer(target)))

  it.effect("keeps a workflow's fields, and never its id, session id or PIN in clear", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const sql = yield* SqlClient
      const created = yield* store.create({ sessionId: "sess_bearer_0123456789abcdef01", containerType: "import", phaseData })
      assert.match(created.id, /^appt_[A-Za-z0-9_-]{24}$/)
      const used = yield* store.use(created.id)
      assert.deepStrictEqual(used.phaseData, phaseData)
      assert.strictEqual(used.sessionId, "sess_bearer_0123456789abcdef01")
      assert.strictEqual(used.currentPhase, 1)
      assert.deepStrictEqual(used.booking, { state: "none" })
      const raw = dump(yield* sql`SELECT * FROM appointment_workflows`)
      for (const secret of ["8642", "pin_code", created.id, "sess_bearer_0123456789abcdef01", "MSDU1234567"]) assert.notInclude(raw, secret)
    })))

  it.effect("resumes after a restart where it left off", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      const id = yield* Effect.scoped(Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(processLayer(target)), WorkflowStore)
        const w = yield* store.create({ sessionId: "sess_a", containerType: "export", phaseData: {} })
        yield* store.update(w.id, { currentPhase: 3, phaseData: { ...phaseData, booking_number: "BK1" }, pageToken: "tok-1", selectedPlate: "ABC123" })
        return w.id
      }))
      const store = Context.get(yield* Layer.build(processLayer(target)), WorkflowStore)
      const resumed = yield* store.use(id)
      assert.strictEqual(resumed.containerType, "export")
      assert.strictEqual(resumed.currentPhase, 3)
      assert.deepStrictEqual(resumed.phaseData, { ...phaseData, booking_number: "BK1" })
      assert.strictEqual(resumed.pageToken, "tok-1")
      assert.strictEqual(resumed.selectedPlate, "ABC123")
    }))

  it.effect("expires APPOINTMENT_SESSION_TTL after its last use", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const w = yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })
      yield* TestClock.adjust("9 minutes")
      yield* store.use(w.id)
      yield* TestClock.adjust("9 minutes")
      assert.isTrue(Option.isSome(yield* store.peek(w.id)))
      assert.strictEqual(yield* store.count, 1)
      yield* TestClock.adjust("1 minute")
      assert.isTrue(Option.isNone(yield* store.peek(w.id)))
      const expired = yield* Effect.flip(store.use(w.id))
      assert.strictEqual(expired._tag, "WorkflowExpired")
      assert.strictEqual(expired.appointmentSessionId, w.id)
      assert.strictEqual((yield* Effect.flip(store.update(w.id, { currentPhase: 2 })))._tag, "WorkflowExpired")
      assert.strictEqual(yield* store.count, 0)
      // Ids that cannot be ours never reach the database.
      assert.strictEqual((yield* Effect.flip(store.use("appt_' OR 1=1 --")))._tag, "WorkflowExpired")
    })))

  it.effect("a workflow in use never expires under its walk; its TTL restarts when the walk ends", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const w = yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })
      yield* store.inUse(w.id, Effect.gen(function*() {
        yield* TestClock.adjust("2 hours")
        assert.isTrue(Option.isSome(yield* store.peek(w.id)))
        assert.strictEqual(yield* store.sweep, 0)
      }))
      yield* TestClock.adjust("9 minutes")
      assert.isTrue(Option.isSome(yield* store.peek(w.id)))
      yield* TestClock.adjust("1 minute")
      assert.isTrue(Option.isNone(yield* store.peek(w.id)))
    })))

  it.effect("a booking past Submit is kept 24 hours for reconciliation with its slot, and its confirmation recorded", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const w = yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })
      yield* TestClock.adjust("1 minute")
      const slot = "Friday 10/24/2025 18:30 - 19:30"
      const submitting = yield* store.markSubmitting(w.id, slot)
      assert.deepStrictEqual(submitting.booking, { state: "submitting", since: 60_000, time: slot })
      yield* TestClock.adjust("23 hours")
      const later = yield* store.use(w.id)
      assert.deepStrictEqual(later.booking, { state: "submitting", since: 60_000, time: slot })
      const booked = yield* store.markBooked(w.id, "APPT-778899")
      const at = Duration.toMillis(Duration.hours(23)) + 60_000
      assert.deepStrictEqual(booked.booking, { state: "booked", confirmation: "APPT-778899", at, time: slot })
      assert.deepStrictEqual((yield* store.peek(w.id)).pipe(Option.map((x) => x.booking)), Option.some(booked.booking))
      // Booked, the workflow is done: kept a TTL to answer repeats, no longer held.
      assert.strictEqual(booked.expiresAt, at + Duration.toMillis(Duration.minutes(10)))
    })))

  it.effect("a Submit that demonstrably booked nothing clears the booking state; the slot is no longer in the store", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const sql = yield* SqlClient
      const w = yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })
      yield* store.markSubmitting(w.id, "Friday 10/24/2025 SLOT-XYZ")
      assert.notInclude(JSON.stringify(yield* sql`SELECT * FROM appointment_workflows`, (_, v) => (typeof v === "bigint" ? Number(v) : v)), "SLOT-XYZ", "sealed")
      const cleared = yield* store.clearSubmitting(w.id)
      assert.deepStrictEqual(cleared.booking, { state: "none" })
      assert.strictEqual(cleared.currentPhase, 1)
    })))

  it.effect("lists a session's workflows and removes one", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const a = yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })
      const b = yield* store.create({ sessionId: "sess_a", containerType: "export", phaseData: {} })
      yield* store.create({ sessionId: "sess_b", containerType: "import", phaseData: {} })
      assert.deepStrictEqual((yield* store.forSession("sess_a")).map((w) => w.id).sort(), [a.id, b.id].sort())
      yield* store.remove(a.id)
      yield* store.remove(a.id)
      assert.deepStrictEqual((yield* store.forSession("sess_a")).map((w) => w.id), [b.id])
      assert.strictEqual(yield* store.count, 2)
    })))

  it.effect("sealed fields copied onto another workflow's row do not open there", () =>
    withStore(Effect.gen(function*() {
      const store = yield* WorkflowStore
      const sql = yield* SqlClient
      const crypto = yield* StoreCrypto
      const victim = yield* store.create({ sessionId: "sess_victim", containerType: "import", phaseData })
      const mine = yield* store.create({ sessionId: "sess_mine", containerType: "import", phaseData: {} })
      const [row] = yield* sql<{ readonly fields: string }>`SELECT fields FROM appointment_workflows
        WHERE workflow_ref = ${crypto.ref("workflow", victim.id)}`
      yield* sql`UPDATE appointment_workflows SET fields = ${row!.fields} WHERE workflow_ref = ${crypto.ref("workflow", mine.id)}`
      assert.isTrue(Option.isNone(yield* store.peek(mine.id)))
      assert.strictEqual((yield* Effect.flip(store.use(mine.id)))._tag, "WorkflowExpired")
      assert.deepStrictEqual((yield* store.use(victim.id)).phaseData, phaseData)
    })))

  it.effect("a workflow sealed under another SERVER_SECRET does not open: it is gone, never garbage", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      const id = yield* Effect.scoped(Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(processLayer(target)), WorkflowStore)
        return (yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData })).id
      }))
      const other = WorkflowStore.layerWith({ ttl: TTL, sweeper: false }).pipe(
        Layer.provideMerge(Layer.mergeAll(SqlStore.layerFor(target), StoreCrypto.layerWith("a-different-server-secret-0123456789ab"))),
        Layer.provide(quiet)
      )
      const store = Context.get(yield* Layer.build(other), WorkflowStore)
      assert.isTrue(Option.isNone(yield* store.peek(id)))
    }))
})
