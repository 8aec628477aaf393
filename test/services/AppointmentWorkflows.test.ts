import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { AppointmentWorkflows, sweepInterval } from "../../src/services/AppointmentWorkflows.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"

const newWorkflow = Effect.gen(function*() {
  const store = yield* AppointmentWorkflows
  return yield* store.create({ sessionId: "sess_a", containerType: "import", phaseData: { terminal: "ITS Long Beach" } })
})

describe("AppointmentWorkflows (TestClock)", () => {
  it.effect("creates a random appt_ id at phase 1 and finds it again", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      const a = yield* newWorkflow
      const b = yield* newWorkflow
      assert.match(a.id, /^appt_[A-Za-z0-9_-]{24}$/)
      assert.notStrictEqual(a.id, b.id)
      assert.strictEqual(a.currentPhase, 1)
      const found = yield* store.use(a.id)
      assert.strictEqual(found.sessionId, "sess_a")
      assert.deepStrictEqual(found.phaseData, { terminal: "ITS Long Beach" })
      assert.strictEqual(yield* store.count, 2)
    }).pipe(Effect.provide(AppointmentWorkflows.layerTest)))

  it.effect("unknown and malformed ids are WorkflowExpired", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      const unknown = yield* store.use("appt_AAAAAAAAAAAAAAAAAAAAAAAA").pipe(Effect.flip)
      assert.strictEqual(unknown._tag, "WorkflowExpired")
      assert.strictEqual(unknown.appointmentSessionId, "appt_AAAAAAAAAAAAAAAAAAAAAAAA")
      assert.strictEqual((yield* store.use("appt_123_1700000000").pipe(Effect.flip))._tag, "WorkflowExpired")
      assert.strictEqual((yield* store.update("nope", { currentPhase: 2 }).pipe(Effect.flip))._tag, "WorkflowExpired")
    }).pipe(Effect.provide(AppointmentWorkflows.layerTest)))

  it.effect("the TTL runs from the last use: a use or an update pushes the deadline back", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      const wf = yield* newWorkflow
      yield* TestClock.adjust("9 minutes")
      yield* store.use(wf.id)
      yield* TestClock.adjust("9 minutes")
      yield* store.update(wf.id, { currentPhase: 2 })
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual((yield* store.use(wf.id)).currentPhase, 2, "27 minutes old but never idle for 10")
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* store.use(wf.id).pipe(Effect.flip))._tag, "WorkflowExpired")
    }).pipe(Effect.provide(AppointmentWorkflows.layerTest)))

  it.effect("the scheduled sweeper removes idle workflows without any request arriving", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      const old = yield* newWorkflow
      yield* TestClock.adjust("6 minutes")
      const young = yield* newWorkflow
      yield* TestClock.adjust("4 minutes")
      yield* TestClock.adjust(sweepInterval(store.ttl))
      // peek does not refresh anything; only the young one is left in the store.
      assert.isUndefined(yield* store.peek(old.id))
      assert.isDefined(yield* store.peek(young.id))
      assert.strictEqual(yield* store.count, 1)
      assert.strictEqual(yield* store.sweep, 0, "the sweeper already removed the expired one")
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(yield* store.count, 0)
    }).pipe(Effect.provide(AppointmentWorkflows.layerTest)))

  it.effect("an entry idle for more than a day is expired (no timedelta.seconds bug)", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      const wf = yield* newWorkflow
      // 1 day and 60 seconds: the seed's `.seconds` read this as 60 s and kept it.
      yield* TestClock.adjust(Duration.sum(Duration.days(1), Duration.seconds(60)))
      assert.strictEqual((yield* store.use(wf.id).pipe(Effect.flip))._tag, "WorkflowExpired")
    }).pipe(Effect.provide(AppointmentWorkflows.layerTest)))

  it.effect("remove ends a workflow; the TTL comes from APPOINTMENT_SESSION_TTL", () =>
    Effect.gen(function*() {
      const store = yield* AppointmentWorkflows
      assert.strictEqual(Duration.toMillis(store.ttl), 2000)
      const wf = yield* newWorkflow
      yield* store.remove(wf.id)
      yield* store.remove(wf.id)
      assert.strictEqual((yield* store.use(wf.id).pipe(Effect.flip))._tag, "WorkflowExpired")
      const other = yield* newWorkflow
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* store.use(other.id).pipe(Effect.flip))._tag, "WorkflowExpired")
    }).pipe(Effect.provide(AppointmentWorkflows.layer.pipe(
      Layer.provide(PortalConfig.layerTest({ APPOINTMENT_SESSION_TTL: "2 seconds", DATA_DIR: "/nonexistent-test-data-dir" }))
    ))))

  it("sweeps a quarter of the TTL, between 1 second and 1 minute", () => {
    assert.strictEqual(Duration.toMillis(sweepInterval(Duration.minutes(10))), 60_000)
    assert.strictEqual(Duration.toMillis(sweepInterval(Duration.minutes(2))), 30_000)
    assert.strictEqual(Duration.toMillis(sweepInterval(Duration.seconds(2))), 1_000)
  })
})
