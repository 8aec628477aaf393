import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { NO_FAULTS } from "../src/Faults.ts"
import { resolveOptions } from "../src/Options.ts"
import { dispatch } from "../src/Server.ts"
import { Simulator } from "../src/Simulator.ts"
import { makeState } from "../src/State.ts"
import { newSecret } from "../src/Crypto.ts"
import { getText, postJson } from "./utils/PortalLogin.ts"
import { testSimulatorLayer, uniqueUsername } from "../src/TestSimulator.ts"

layer(testSimulatorLayer(), { excludeTestServices: true })("simulator control API (HTTP)", (it) => {
  it.effect("GET /__sim/state: urls, accounts with counters and samples, reference data, faults", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const state = JSON.parse(yield* getText(`${sim.urls.solver}/__sim/state`))
      assert.deepStrictEqual(state.urls, sim.urls)
      assert.strictEqual(state.siteKey, sim.siteKey)
      const demo = state.accounts.find((a: any) => a.username === "demo")
      assert.strictEqual(demo.captchaMode, "token")
      assert.strictEqual(demo.logins, 0)
      assert.isString(demo.samples.importPassedPregate)
      assert.isAtLeast(state.accounts.find((a: any) => a.username === "bigfleet").containers.containers, 2000)
      assert.include(state.reference.moveTypes, "DROP EMPTY")
      assert.include(state.reference.truckingCompanies.map((c: any) => c.name), "K & R TRANSPORTATION LLC")
      assert.include(state.reference.terminals.map((t: any) => t.name), "TraPac LLC - Los Angeles")
      assert.deepStrictEqual(state.faults, { ...NO_FAULTS, http500: [] })
      assert.notInclude(JSON.stringify(state), "\"password\"")
    }))

  it.effect("POST /__sim/faults patches, /__sim/reset clears, bad input is a 400", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const patched = yield* postJson(`${sim.urls.solver}/__sim/faults`, { pageLatency: "50 millis", wizardStep500: 2, geoBlock: true })
      assert.strictEqual(patched.faults.pageLatency, 50)
      assert.strictEqual(patched.faults.wizardStep500, 2)
      assert.isTrue(patched.faults.geoBlock)
      assert.isTrue((yield* sim.state()).faults.geoBlock)
      const kept = yield* postJson(`${sim.urls.solver}/__sim/faults`, { batchLatency: 10 })
      assert.isTrue(kept.faults.geoBlock)
      assert.strictEqual(kept.faults.batchLatency, 10)
      const bad = yield* postJson(`${sim.urls.solver}/__sim/faults`, { wizardStep500: 9 })
      assert.isString(bad.error)
      const reset = yield* postJson(`${sim.urls.solver}/__sim/reset`, {})
      assert.isFalse(reset.faults.geoBlock)
      assert.isNull(reset.faults.pageLatency)
    }))

  it.effect("POST /__sim/accounts creates (201), refuses duplicates (409) and bad specs (400)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = uniqueUsername("ctl")
      const post = (body: unknown) =>
        Effect.promise(() =>
          fetch(`${sim.urls.solver}/__sim/accounts`, { method: "POST", body: JSON.stringify(body) }).then(async (r) => ({
            status: r.status,
            body: await r.json()
          }))
        )
      const created = yield* post({ username, password: "pw", captchaMode: "audio", containerCount: 45, appointmentCount: 2 })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.body.captchaMode, "audio")
      assert.strictEqual(created.body.containers.containers, 45)
      assert.strictEqual(created.body.appointments, 2)
      assert.strictEqual((yield* post({ username, password: "pw" })).status, 409)
      assert.strictEqual((yield* post({ username: "has space", password: "pw" })).status, 400)
      assert.strictEqual((yield* post({ username: uniqueUsername("ctl"), password: "pw", captchaMode: "nope" })).status, 400)
      const rows = JSON.parse(yield* getText(`${sim.urls.solver}/__sim/accounts/${username}/containers`))
      assert.strictEqual(rows.length, 45)
      assert.strictEqual(rows[0].cells.length, 18)
    }))

  it.effect("POST /__sim/appointments/<confirmation>/cancel: CANCELLED, its slot open again; 404 when unknown", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const account = yield* sim.createAccount({ username: uniqueUsername("ctl"), password: "pw", appointmentCount: 1 }).pipe(Effect.orDie)
      const [booked] = yield* sim.appointments(account.username)
      const cancelled = yield* postJson(`${sim.urls.solver}/__sim/appointments/${booked!.confirmationNumber}/cancel`, {})
      assert.strictEqual(cancelled.confirmationNumber, booked!.confirmationNumber)
      assert.strictEqual(cancelled.status, "CANCELLED")
      assert.deepStrictEqual((yield* sim.appointments(account.username)).map((a) => a.status), ["CANCELLED"], "still listed")
      const unknown = yield* postJson(`${sim.urls.solver}/__sim/appointments/NOPE-1/cancel`, {})
      assert.include(unknown.error, "no appointment")
    }))

  it.effect("POST /__sim/expire and /__sim/clock", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const expired = yield* postJson(`${sim.urls.solver}/__sim/expire`, { username: "demo" })
      assert.strictEqual(expired.expired, 0)
      const before = (yield* sim.state()).clockOffsetMillis
      const moved = yield* postJson(`${sim.urls.solver}/__sim/clock`, { advance: "5 minutes" })
      assert.strictEqual(moved.clockOffsetMillis - before, 300_000)
    }))
})

describe("simulator control API access", () => {
  it.effect("answers 403 to a peer that is not loopback", () =>
    Effect.gen(function*() {
      const state = makeState(resolveOptions({ accounts: [] }), newSecret(), 0, { year: 2025, month: 1, day: 1, hour: 0, minute: 0 })
      const request = HttpServerRequest.fromWeb(new Request("http://127.0.0.1:5020/__sim/state")).modify({
        remoteAddress: Option.some("203.0.113.7")
      })
      const response = yield* dispatch({ state })(request)
      assert.strictEqual(response.status, 403)
      const web = HttpServerResponse.toWeb(response)
      assert.include(yield* Effect.promise(() => web.text()), "loopback")
    }))
})
