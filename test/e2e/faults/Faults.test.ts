/**
 * The fault suite: things that go wrong in production, each ending in a typed error or a recovered
 * session, with no leaked Chrome process, directory or open file under DATA_DIR. Over real HTTP,
 * real Chromium and the simulator.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Simulator } from "@emodal/simulator"
import { newAccount, type NewAccountSpec, testSimulatorLayer } from "@emodal/simulator/testing"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { call, realServer } from "../../utils/HttpHarness.ts"
import { eventually, leftovers, logins, openHandlesUnder, tempDataDir } from "../../utils/ProductHarness.ts"

/** A token-captcha account with 5 containers unless told otherwise; its username. */
const account = (prefix: string, spec: NewAccountSpec = {}) =>
  Effect.map(newAccount(prefix, { captchaMode: "token", containerCount: 5, ...spec }), (a) => a.username)

const creds = (username: string) => ({ username, password: "pw", captcha_api_key: "demo" })

/** A session for `username` with a containers export running on it (its Chrome busy scrolling). */
const exportUnderway = (username: string) =>
  Effect.gen(function*() {
    const pool = yield* SessionPool
    const session = yield* call("POST", "/get_session", creds(username))
    const id = session.body.session_id as string
    const running = yield* call("POST", "/get_containers", { session_id: id, return_url: true }).pipe(Effect.forkChild)
    const live = yield* pool.get(id)
    yield* eventually("scrolling", live.state, (s) => s === "busy")
    return { id, live, running }
  })

/** Nothing of the service is left under `dir`: no Chrome, no profile directory, no open file. */
const nothingLeaked = (dir: string) =>
  eventually("nothing leaked", Effect.sync(() => ({ ...leftovers(dir), handles: openHandlesUnder(dir).length })), (l) =>
    l.processes === 0 && l.dirs === 0 && l.handles === 0)

// A long containers export: 1,200 rows in batches of 40, 100 ms apart (about 3 s of scrolling).
layer(testSimulatorLayer({ batchLatency: "100 millis" }), { excludeTestServices: true })("Faults", (it) => {
  it.effect("Chrome SIGKILLed in the middle of an operation: a typed 503, nothing leaked", () =>
    Effect.gen(function*() {
      const username = yield* account("kill-mid", { containerCount: 1200 })
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const { id, live, running } = yield* exportUnderway(username)
        process.kill(live.lease.pid!, "SIGKILL")
        const r = yield* Fiber.join(running)
        assert.strictEqual(r.status, 503)
        assert.strictEqual(r.body.error_type, "browser_crashed")
        assert.strictEqual(r.body.session_id, id)
        assert.isTrue(r.body.retryable)
        const next = yield* call("POST", "/get_container_timeline", { session_id: id, container_id: "MSDU1234567" })
        assert.strictEqual(next.status, 503)
        assert.strictEqual((yield* call("GET", "/health")).status, 200)
        yield* eventually("Chrome gone", Effect.sync(() => leftovers(dir)), (l) => l.processes === 0 && l.dirs === 0)
      }).pipe(Effect.provide(realServer({}, dir)))
      yield* nothingLeaked(dir)
    }), { timeout: 120_000 })

  it.effect("the portal logs the session out mid-operation: one re-login, the operation completes", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("logout-mid", { containerCount: 1200 })
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const { id, live, running } = yield* exportUnderway(username)
        assert.isAtLeast(yield* sim.expireSessions(username), 1)
        const r = yield* Fiber.join(running)
        assert.strictEqual(r.status, 200, JSON.stringify(r.body))
        assert.strictEqual(r.body.total_containers, 1200)
        assert.strictEqual(r.body.session_id, id)
      }).pipe(Effect.provide(realServer({}, dir)))
      assert.strictEqual(yield* logins(sim, username), 2)
      yield* nothingLeaked(dir)
    }), { timeout: 120_000 })

  it.effect("the portal answers 500 in the middle of the wizard: a typed phase error, the workflow resumable", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("wizard-500", { containerCount: 40, captchaMode: "trusted" })
      const company = (yield* sim.state()).accounts.find((a) => a.username === username)!.companies[0]!.name
      const container = (yield* sim.state()).accounts.find((a) => a.username === username)!.samples.importPassedPregate
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        yield* sim.setFaults({ wizardStep500: 2 })
        const failed = yield* call("POST", "/check_appointments", {
          ...creds(username),
          container_type: "import",
          trucking_company: company,
          terminal: "ITS Long Beach",
          move_type: "PICK FULL",
          container_id: container,
          truck_plate: "ABC123",
          own_chassis: false
        }).pipe(Effect.ensuring(sim.resetFaults()))
        assert.strictEqual(failed.status, 502, JSON.stringify(failed.body))
        assert.strictEqual(failed.body.error_type, "portal_error")
        assert.strictEqual(failed.body.current_phase, 2)
        assert.match(failed.body.appointment_session_id, /^appt_/)
        assert.isTrue(failed.body.retryable)
        const resumed = yield* call("POST", "/check_appointments", { appointment_session_id: failed.body.appointment_session_id })
        assert.strictEqual(resumed.status, 200, JSON.stringify(resumed.body))
        assert.isAbove(resumed.body.available_times.length, 0)
      }).pipe(Effect.provide(realServer({}, dir)))
      yield* nothingLeaked(dir)
    }), { timeout: 120_000 })

  it.effect("the captcha solver is down: a typed 502, no Chrome left", () =>
    Effect.gen(function*() {
      const username = yield* account("solver-down")
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const r = yield* call("POST", "/get_session", creds(username))
        assert.strictEqual(r.status, 502)
        assert.strictEqual(r.body.error_type, "captcha_unavailable")
        assert.isTrue(r.body.retryable)
        assert.notProperty(r.body, "session_id")
        assert.strictEqual((yield* call("GET", "/health")).body.active_sessions, 0)
      }).pipe(Effect.provide(realServer({ CAPTCHA_API_URL: "http://127.0.0.1:9" }, dir)))
      yield* nothingLeaked(dir)
    }), { timeout: 120_000 })

  it.effect("the files directory is not writable: a typed 507, the service stays healthy and recovers", () =>
    Effect.gen(function*() {
      const username = yield* account("no-disk", { captchaMode: "trusted" })
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const session = yield* call("POST", "/get_session", creds(username))
        const id = session.body.session_id as string
        // Tests run as root, where permissions do not stop writes: put a file where the folder goes.
        const files = join(dir, "files")
        renameSync(files, `${files}.away`)
        writeFileSync(files, "not a directory")
        const r = yield* call("POST", "/get_containers", { session_id: id, return_url: true })
        assert.strictEqual(r.status, 507)
        assert.strictEqual(r.body.error_type, "result_storage_failed")
        assert.strictEqual(r.body.session_id, id)
        assert.strictEqual((yield* call("GET", "/health")).body.status, "healthy")
        rmSync(files)
        renameSync(`${files}.away`, files)
        mkdirSync(files, { recursive: true })
        const again = yield* call("POST", "/get_containers", { session_id: id, return_url: true })
        assert.strictEqual(again.status, 200)
        assert.strictEqual(again.body.total_containers, 5)
      }).pipe(Effect.provide(realServer({}, dir)))
      yield* nothingLeaked(dir)
    }), { timeout: 120_000 })
})
