/**
 * The real service process restarted — by SIGTERM and by SIGKILL — on the same DATA_DIR and store
 * (the SQLite file; Postgres too when TEST_DATABASE_URL names one, as CI's does), with the
 * simulator as the witness of logins and bookings (ISSUE-14):
 * - an appointment_session_id resumes where it left off (after SIGTERM and after SIGKILL), on its
 *   restored session, no new login;
 * - a make_appointment repeated with the same key returns the first result;
 * - a service killed between Submit and recording the outcome (the simulator holds Submit's answer
 *   while the booking is already made) never submits again: the retry — by key, or for the
 *   workflow — answers the booking found in My Appointments (a resumed workflow's, a new keyed
 *   booking's), and when the portal does not list it (cancelled meanwhile), 409
 *   booking_outcome_unknown;
 * - a session logged in right before the crash is restorable too (its snapshot is written with the
 *   login, not only a moment after it).
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
    // /health reports the store the process runs on (PortalLayer wires the store's check).
    const health = yield* request(port, "GET", "/health")
    assert.deepInclude(health.body.checks.store, { status: "ok", backend: url === undefined ? "sqlite" : "postgres" })
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
     * Sends each booking under its key with Submit's answers held by the simulator (the bookings
     * are made at the portal), then SIGKILLs the service before it hears them and restarts it.
     * Returns the portal's bookings (of every account) then.
     */
    const lostSubmits = (sent: ReadonlyArray<{ readonly booking: Record<string, unknown>; readonly key: string }>, accountBookings: Effect.Effect<number>) =>
      Effect.gen(function*() {
        const before = yield* accountBookings
        yield* Effect.orDie(sim.setFaults({ holdSubmitAnswer: true }))
        const pending = yield* Effect.forEach(sent, ({ booking, key }) => post("/make_appointment", booking, key).pipe(Effect.forkChild))
        yield* eventually("Submits booked and their answers held", Effect.map(sim.state(), (s) => s.heldSubmits), (n) => n === sent.length, 60_000)
        assert.strictEqual(yield* accountBookings, before + sent.length, "booked at the portal")
        yield* stop(service, "SIGKILL")
        yield* sim.resetFaults()
        for (const p of pending) assert.strictEqual((yield* Fiber.join(p)).status, 0, "the caller never got an answer")
        service = yield* up("after SIGKILL")
        return before + sent.length
      })

    // SIGKILL with the workflow mid-way: it resumes where it left off, on its restored session.
    yield* stop(service, "SIGKILL")
    service = yield* up("after SIGKILL mid-workflow")
    const times = yield* post("/check_appointments", { appointment_session_id: workflow, truck_plate: plate })
    assert.strictEqual(times.status, 200, JSON.stringify(times.body))
    assert.strictEqual(times.body.current_phase, 3)
    assert.strictEqual(times.body.session_id, sessionId)
    assert.isFalse(times.body.is_new_session)

    // Killed between Submit and recording its outcome: reconciled, never submitted again.
    const resumed = { appointment_session_id: workflow, appointment_time: times.body.available_times[0] as string }
    const afterLost = yield* lostSubmits([{ booking: resumed, key: "restart-k2" }], bookings)
    const byWorkflow = yield* post("/make_appointment", resumed)
    assert.strictEqual(byWorkflow.status, 200, JSON.stringify(byWorkflow.body))
    assert.isTrue(byWorkflow.body.reconciled)
    const found = (yield* sim.appointments(username))[0]!
    assert.strictEqual(byWorkflow.body.confirmation_number, found.confirmationNumber)
    assert.strictEqual(byWorkflow.body.appointment_details.appointment_time, found.slot)
    const byKey = yield* post("/make_appointment", resumed, "restart-k2")
    assert.strictEqual(byKey.status, 200, JSON.stringify(byKey.body))
    assert.isTrue(byKey.body.idempotent_replay)
    assert.strictEqual(byKey.body.confirmation_number, found.confirmationNumber)
    assert.strictEqual(yield* bookings, afterLost, "no second Submit")

    if (full) {
      // Two new keyed bookings (two accounts) whose Submits lost their answers to one SIGKILL. The
      // first is found in My Appointments; the second's was cancelled meanwhile: unknown. Neither
      // is submitted again.
      const other = yield* newAccount("restart-b", { captchaMode: "trusted", containerCount: 40 })
      const otherFields = { ...fields, trucking_company: other.companies[0]!.name, container_id: other.samples.importPassedPregate! }
      const otherLogin = { username: other.username, password: "pw", captcha_api_key: "demo" }
      const open = yield* post("/check_appointments", { session_id: sessionId, ...fields, truck_plate: plate })
      assert.strictEqual(open.status, 200, JSON.stringify(open.body))
      const found = { session_id: sessionId, ...fields, truck_plate: plate, appointment_time: open.body.available_times[0] as string }
      const otherTimes = yield* post("/check_appointments", { ...otherLogin, ...otherFields, truck_plate: other.companies[0]!.plates[0] })
      assert.strictEqual(otherTimes.status, 200, JSON.stringify(otherTimes.body))
      const unlisted = {
        ...otherLogin,
        ...otherFields,
        truck_plate: other.companies[0]!.plates[0],
        appointment_time: (otherTimes.body.available_times as Array<string>).find((t) => t !== found.appointment_time)!
      }
      const everyone = Effect.map(Effect.all([bookings, Effect.map(sim.appointments(other.username), (a) => a.length)]), ([x, y]) => x + y)
      const afterBoth = yield* lostSubmits([{ booking: found, key: "restart-k3" }, { booking: unlisted, key: "restart-k4" }], everyone)
      yield* Effect.orDie(sim.cancelAppointment((yield* sim.appointments(other.username))[0]!.confirmationNumber))
      const reconciled = yield* post("/make_appointment", found, "restart-k3")
      assert.strictEqual(reconciled.status, 200, JSON.stringify(reconciled.body))
      assert.isTrue(reconciled.body.reconciled)
      assert.strictEqual(reconciled.body.confirmation_number, (yield* sim.appointments(username))[0]!.confirmationNumber)
      for (let attempt = 0; attempt < 2; attempt++) {
        const unknown = yield* post("/make_appointment", unlisted, "restart-k4")
        assert.strictEqual(unknown.status, 409, JSON.stringify(unknown.body))
        assert.strictEqual(unknown.body.error_type, "booking_outcome_unknown")
        assert.include(unknown.body.check, otherFields.container_id)
        assert.include(unknown.body.check, unlisted.appointment_time)
      }
      assert.strictEqual(yield* everyone, afterBoth, "no second Submit")
      assert.strictEqual(yield* logins(sim, other.username), 1)
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
