/**
 * The SQLite store refusing writes under a running service (ISSUE-14 #4), over real HTTP, Chromium
 * and the simulator. `PRAGMA query_only` on the service's own connection is what SQLite answers for
 * a file it cannot write (SQLITE_READONLY on every write; tests run as root, where chmod does not
 * stop writes). Operations that must write answer 503 storage_unavailable and leave nothing
 * half-written; reads of the live session go on; when the store takes writes again the same
 * requests succeed, with no restart.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { call, realServer } from "../../utils/HttpHarness.ts"
import { logins, tempDataDir } from "../../utils/ProductHarness.ts"

layer(testSimulatorLayer(), { excludeTestServices: true })("the store refusing writes (SQLite)", (it) => {
  it.effect("writes answer 503 storage_unavailable with nothing half-written, live reads go on, and it recovers by itself", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const account = yield* newAccount("store-ro", { captchaMode: "trusted", containerCount: 40 })
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient
        const login = { username: account.username, password: "pw", captcha_api_key: "demo" }
        const session = yield* call("POST", "/get_session", login)
        assert.strictEqual(session.status, 200, JSON.stringify(session.body))
        const id = session.body.session_id as string
        const company = account.companies[0]!
        const booking = {
          session_id: id,
          container_type: "import",
          trucking_company: company.name,
          terminal: "ITS Long Beach",
          move_type: "PICK FULL",
          container_id: account.samples.importPassedPregate!,
          truck_plate: company.plates[0]!
        }
        const times = yield* call("POST", "/check_appointments", booking)
        assert.strictEqual(times.status, 200, JSON.stringify(times.body))
        const make = { ...booking, appointment_time: times.body.available_times[0] }
        const rows = (table: string) => Effect.map(Effect.orDie(sql<{ readonly n: number }>`SELECT count(*) AS n FROM ${sql(table)}`), (r) => Number(r[0]!.n))
        const workflowsBefore = yield* rows("appointment_workflows")

        yield* Effect.orDie(sql`PRAGMA query_only = ON`)
        // Must write: a booking (its idempotency key), a new workflow. 503, typed, nothing written.
        const refused = yield* call("POST", "/make_appointment", make, { "idempotency-key": "ro-1" })
        assert.strictEqual(refused.status, 503, JSON.stringify(refused.body))
        assert.strictEqual(refused.body.error_type, "storage_unavailable")
        assert.isTrue(refused.body.retryable)
        const check = yield* call("POST", "/check_appointments", booking)
        assert.strictEqual(check.status, 503, JSON.stringify(check.body))
        assert.strictEqual(check.body.error_type, "storage_unavailable")
        assert.strictEqual(yield* rows("idempotency_records"), 0, "no half-written key")
        assert.strictEqual(yield* rows("appointment_workflows"), workflowsBefore, "no half-written workflow")
        assert.strictEqual((yield* sim.appointments(account.username)).length, 0, "nothing booked")
        // Reads of the live session go on.
        const health = yield* call("GET", "/health")
        assert.strictEqual(health.status, 200)
        assert.strictEqual((yield* call("GET", "/sessions")).body.active_sessions, 1)
        const timeline = yield* call("POST", "/get_container_timeline", { session_id: id, container_id: account.samples.importPassedPregate })
        assert.strictEqual(timeline.status, 200, JSON.stringify(timeline.body))

        // The store takes writes again: the same requests succeed, no restart.
        yield* Effect.orDie(sql`PRAGMA query_only = OFF`)
        const booked = yield* call("POST", "/make_appointment", make, { "idempotency-key": "ro-1" })
        assert.strictEqual(booked.status, 200, JSON.stringify(booked.body))
        assert.isTrue(booked.body.appointment_confirmed)
        assert.strictEqual((yield* call("POST", "/check_appointments", booking)).status, 200)
        assert.strictEqual((yield* sim.appointments(account.username)).length, 1)
      }).pipe(Effect.provide(realServer({}, dir)))
      assert.strictEqual(yield* logins(sim, account.username), 1)
    }), { timeout: 120_000 })
})
