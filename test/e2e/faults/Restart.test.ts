/**
 * The real service process restarted — by SIGTERM and by SIGKILL — on the same DATA_DIR and store
 * (the SQLite file; Postgres too when TEST_DATABASE_URL names one, as CI's does), with the
 * simulator as the witness of logins and bookings (ISSUE-14):
 * - an appointment_session_id resumes where it left off, on its restored session, no new login;
 * - a make_appointment repeated with the same key returns the first result;
 * - a service killed between Submit and recording the outcome (the simulator holds Submit's answer
 *   while the booking is already made) never submits again: the retry — by key, or for the
 *   workflow — answers the booking found in My Appointments, and when the portal does not list it
 *   (cancelled meanwhile), 409 booking_outcome_unknown.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, type Scope } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { freePort } from "../../utils/ChildProcesses.ts"
import { eventually, logins, simulatorEnv, tempDataDir } from "../../utils/ProductHarness.ts"
import { request, serviceUp, startService, stop } from "../../utils/ServiceProcess.ts"
import { freshPostgresUrl } from "../../utils/StoreBackends.ts"

const SNAPSHOT_KEY = "restart-snapshot-key-0123456789"

interface Scenario {
  /** DATABASE_URL for the service (a fresh Postgres schema), or undefined for the SQLite file. */
  readonly databaseUrl: Effect.Effect<string | undefined, never, Scope.Scope>
  /** The whole story (SIGTERM restart, key replay, lost Submit, unknown outcome) or the lost Submit only. */
  readonly full: boolean
}

const story = ({ databaseUrl, full }: Scenario) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    const account = yield* newAccount("restart", { captchaMode: "trusted", containerCount: 40 })
    const username = account.username
    const company = account.companies[0]!
    const dir = yield* tempDataDir
    const port = yield* freePort
    const url = yield* databaseUrl
    const env = {
      ...simulatorEnv(sim, dir),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "Error",
      SNAPSHOT_KEY,
      SHUTDOWN_GRACE: "2 seconds",
      ...(url !== undefined ? { DATABASE_URL: url } : {})
    }
    const login = { username, password: "pw", captcha_api_key: "demo" }
    const fields = {
      container_type: "import",
      trucking_company: company.name,
      terminal: "ITS Long Beach",
      move_type: "PICK FULL",
      container_id: account.samples.importPassedPregate!
    }
    const plate = company.plates[0]!
    const post = (path: string, body: unknown, key?: string) => request(port, "POST", path, body, key === undefined ? {} : { "idempotency-key": key })
    const bookings = Effect.map(sim.appointments(username), (a) => a.length)
    const up = (what: string) => Effect.andThen(startService(env), (child) => Effect.as(serviceUp(port, what), child))

    let service = yield* up("first start")
    // A workflow waiting for its truck plate.
    const waiting = yield* post("/check_appointments", { ...login, ...fields })
    assert.strictEqual(waiting.status, 400, JSON.stringify(waiting.body))
    assert.strictEqual(waiting.body.current_phase, 2)
    const workflow = waiting.body.appointment_session_id as string
    const sessionId = waiting.body.session_id as string

    if (full) {
      // A booking under a key.
      const preview = yield* post("/check_appointments", { session_id: sessionId, ...fields, truck_plate: plate })
      assert.strictEqual(preview.status, 200, JSON.stringify(preview.body))
      const booking = { session_id: sessionId, ...fields, truck_plate: plate, appointment_time: preview.body.available_times[0] }
      const booked = yield* post("/make_appointment", booking, "restart-k1")
      assert.strictEqual(booked.status, 200, JSON.stringify(booked.body))

      yield* stop(service, "SIGTERM")
      service = yield* up("after SIGTERM")
      // The workflow resumes where it left off, on its session restored from its snapshot.
      const resumed = yield* post("/check_appointments", { appointment_session_id: workflow, truck_plate: plate })
      assert.strictEqual(resumed.status, 200, JSON.stringify(resumed.body))
      assert.strictEqual(resumed.body.current_phase, 3)
      assert.strictEqual(resumed.body.session_id, sessionId)
      assert.isFalse(resumed.body.is_new_session)
      assert.isAbove(resumed.body.count, 0)
      // The key remembers its booking across the restart.
      const again = yield* post("/make_appointment", booking, "restart-k1")
      assert.strictEqual(again.status, 200, JSON.stringify(again.body))
      assert.isTrue(again.body.idempotent_replay)
      assert.strictEqual(again.body.confirmation_number, booked.body.confirmation_number)
      assert.strictEqual(yield* bookings, 1)
    }

    /**
     * Books the workflow `id` under `key` with Submit's answer held by the simulator (the booking
     * is made at the portal), then SIGKILLs the service before it hears the answer and restarts it.
     */
    const lostSubmit = (id: string, key: string) =>
      Effect.gen(function*() {
        const times = yield* post("/check_appointments", { appointment_session_id: id, truck_plate: plate })
        assert.strictEqual(times.status, 200, JSON.stringify(times.body))
        const booking = { appointment_session_id: id, appointment_time: times.body.available_times[0] as string }
        const before = yield* bookings
        yield* Effect.orDie(sim.setFaults({ holdSubmitAnswer: true }))
        const pending = yield* post("/make_appointment", booking, key).pipe(Effect.forkChild)
        yield* eventually("Submit booked and its answer held", Effect.map(sim.state(), (s) => s.heldSubmits), (n) => n === 1, 60_000)
        assert.strictEqual(yield* bookings, before + 1, "booked at the portal")
        yield* stop(service, "SIGKILL")
        yield* sim.resetFaults()
        assert.strictEqual((yield* Fiber.join(pending)).status, 0, "the caller never got an answer")
        service = yield* up("after SIGKILL")
        return { booking, bookings: before + 1 }
      })

    // Killed between Submit and recording its outcome: reconciled, never submitted again.
    const lost = yield* lostSubmit(workflow, "restart-k2")
    const byWorkflow = yield* post("/make_appointment", lost.booking)
    assert.strictEqual(byWorkflow.status, 200, JSON.stringify(byWorkflow.body))
    assert.isTrue(byWorkflow.body.reconciled)
    const found = (yield* sim.appointments(username))[0]!
    assert.strictEqual(byWorkflow.body.confirmation_number, found.confirmationNumber)
    assert.strictEqual(byWorkflow.body.appointment_details.appointment_time, found.slot)
    const byKey = yield* post("/make_appointment", lost.booking, "restart-k2")
    assert.strictEqual(byKey.status, 200, JSON.stringify(byKey.body))
    assert.isTrue(byKey.body.idempotent_replay)
    assert.strictEqual(byKey.body.confirmation_number, found.confirmationNumber)
    assert.strictEqual(yield* bookings, lost.bookings, "no second Submit")

    if (full) {
      // A lost Submit the portal does not list (cancelled meanwhile): unknown, still never submitted again.
      const next = yield* post("/check_appointments", { session_id: sessionId, ...fields, truck_plate: plate })
      assert.strictEqual(next.status, 200, JSON.stringify(next.body))
      const unlisted = yield* lostSubmit(next.body.appointment_session_id, "restart-k3")
      yield* Effect.orDie(sim.cancelAppointment((yield* sim.appointments(username))[0]!.confirmationNumber))
      for (const key of ["restart-k3", undefined]) {
        const unknown = yield* post("/make_appointment", unlisted.booking, key)
        assert.strictEqual(unknown.status, 409, JSON.stringify(unknown.body))
        assert.strictEqual(unknown.body.error_type, "booking_outcome_unknown")
        assert.include(unknown.body.check, fields.container_id)
        assert.include(unknown.body.check, unlisted.booking.appointment_time)
      }
      assert.strictEqual(yield* bookings, unlisted.bookings, "no second Submit")
    }
    // Every restart came back on the restored session: one login in all.
    assert.strictEqual(yield* logins(sim, username), 1)
  }).pipe(Effect.scoped)

const postgresUrl = process.env.TEST_DATABASE_URL ?? ""

layer(testSimulatorLayer(), { excludeTestServices: true })("restarts of the real service (SQLite file)", (it) => {
  it.effect("SIGTERM and SIGKILL: workflows resume, keys replay, a lost Submit is reconciled or unknown, never submitted twice; no new login", () =>
    story({ databaseUrl: Effect.succeed(undefined), full: true }), { timeout: 240_000 })

  // CI (scripts/with-postgres.sh) names a Postgres: the lost Submit on it as well.
  if (postgresUrl !== "") {
    it.effect("on Postgres (DATABASE_URL): SIGKILL between Submit and its outcome is reconciled, never submitted twice; no new login", () =>
      story({ databaseUrl: freshPostgresUrl(postgresUrl), full: false }), { timeout: 180_000 })
  }
})
