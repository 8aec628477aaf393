/**
 * check_appointments / make_appointment end to end: the product (pool, actor, real Chromium)
 * against the simulator's wizard. Each test gets its own pool (fresh PortalOperations over
 * coreLayer) so configuration such as APPOINTMENT_SESSION_TTL can differ per test.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { Simulator } from "@emodal/simulator"
import { newAccount, SLOT_FORMAT, testSimulatorLayer } from "@emodal/simulator/testing"
import { type PortalError } from "../../../src/domain/Errors.ts"
import { statusOf, toSeedBody } from "../../../src/domain/ErrorSpecs.ts"
import type { CheckAppointmentsRequest, MakeAppointmentRequest } from "../../../src/domain/AppointmentWizard.ts"
import { ArtifactStore } from "../../../src/services/ArtifactStore.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import { PortalOperations } from "../../../src/services/PortalOperations.ts"
import type { RequestContext } from "../../../src/services/operations/Kit.ts"
import { openApp } from "../../../src/services/portal/PageState.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { WorkflowStore } from "../../../src/services/store/WorkflowStore.ts"
import { coreLayer, eventually } from "../../utils/ProductHarness.ts"
import { readZip } from "../../utils/ZipReader.ts"

const ops = (env: Record<string, string> = {}) => PortalOperations.layer.pipe(Layer.provideMerge(coreLayer(env)))

const ctx = (idempotencyKey?: string): RequestContext => ({
  baseUrl: "http://files.test",
  requestId: "test",
  ...(idempotencyKey !== undefined ? { idempotencyKey } : {})
})

/** A fresh simulator account; its first company, a plate, an import container and an open booking. */
const bookingAccount = (prefix: string) =>
  Effect.gen(function*() {
    const account = yield* newAccount(prefix, { captchaMode: "trusted", containerCount: 40 })
    const username = account.username
    const company = account.companies[0]!
    return {
      username,
      company: company.name,
      plates: company.plates,
      container: account.samples.importPassedPregate!,
      booking: account.samples.exportWithBookingNumber!,
      login: { username, password: Redacted.make("pw"), captcha_api_key: Redacted.make("demo") }
    }
  })

type Account = Effect.Success<ReturnType<typeof bookingAccount>>

const importFields = (a: Account) => ({
  container_type: "import",
  trucking_company: a.company,
  terminal: "ITS Long Beach",
  move_type: "PICK FULL",
  container_id: a.container
})

const check = (request: CheckAppointmentsRequest) =>
  Effect.gen(function*() {
    return yield* (yield* PortalOperations).checkAppointments(request, ctx())
  })
const make = (request: MakeAppointmentRequest, key?: string) =>
  Effect.gen(function*() {
    return yield* (yield* PortalOperations).makeAppointment(request, ctx(key))
  })

/** The step names of a debug bundle (and how many screenshots it holds). */
const bundleSteps = (url: string) =>
  Effect.gen(function*() {
    const file = yield* Effect.orDie((yield* ArtifactStore).resolve(new URL(url).pathname))
    const entries = readZip(readFileSync(file.path))
    const steps = JSON.parse(entries.find((e) => e.name === "steps.json")!.data.toString("utf8")) as Array<{ name: string }>
    return { names: steps.map((s) => s.name), screenshots: entries.filter((e) => e.name.startsWith("screenshots/")).length }
  })

const failure = <A, R>(self: Effect.Effect<A, PortalError, R>) => Effect.flip(self)

layer(testSimulatorLayer(), { excludeTestServices: true, timeout: "300 seconds" })("appointments (Chromium vs simulator)", (it) => {
  it.effect("import check without truck_plate stops at phase 2; a retry with only the id and the plate lists the times", () =>
    Effect.gen(function*() {
      const a = yield* bookingAccount("appt-import")
      const first = yield* failure(check({ ...a.login, ...importFields(a) }))
      assert.strictEqual(first._tag, "AppointmentFieldsMissing")
      const body = toSeedBody(first)
      assert.strictEqual(statusOf(first), 400)
      assert.strictEqual(body.error, "Missing required field for Phase 2: truck_plate")
      assert.strictEqual(body.message, "Please provide truck_plate and retry with appointment_session_id")
      assert.strictEqual(body.current_phase, 2)
      assert.isTrue(body.is_new_session)
      assert.match(body.session_id!, /^sess_/)
      assert.match(body.appointment_session_id!, /^appt_[A-Za-z0-9_-]{24}$/)
      assert.strictEqual((yield* (yield* PortalOperations).health).appointment_workflows, 1)

      // No credentials, no container_type: the workflow knows its session and fields.
      const done = yield* check({ appointment_session_id: body.appointment_session_id!, truck_plate: "" })
      assert.isTrue(done.success)
      assert.strictEqual(done.container_type, "import")
      assert.strictEqual(done.session_id, body.session_id)
      assert.isFalse(done.is_new_session)
      assert.strictEqual(done.appointment_session_id, body.appointment_session_id, "the workflow is kept for make_appointment")
      assert.strictEqual(done.current_phase, 3)
      assert.isAbove(done.available_times!.length, 0)
      assert.strictEqual(done.count, done.available_times!.length)
      for (const t of done.available_times!) assert.match(t, SLOT_FORMAT)
      assert.strictEqual(done.selected_truck_plate, a.plates[0], "the wildcard took the first plate and says so")
      assert.strictEqual(done.phase_data.truck_plate, "")
      assert.strictEqual(done.phase_data.container_id, a.container)
      assert.notProperty(done.phase_data, "password")
      assert.strictEqual((yield* (yield* PortalOperations).health).appointment_workflows, 1)
    }).pipe(Effect.provide(ops())))

  it.effect("validation before navigation: container_type, phase-1 fields (with a resumable workflow)", () =>
    Effect.gen(function*() {
      const a = yield* bookingAccount("appt-valid")
      const noType = yield* failure(check({ ...a.login, trucking_company: a.company }))
      assert.strictEqual(noType._tag, "InvalidOperationInput")
      assert.strictEqual(toSeedBody(noType).error, "container_type must be 'import' or 'export'")
      const badType = yield* failure(check({ ...a.login, container_type: "pickup" }))
      assert.strictEqual(toSeedBody(badType).error, "container_type must be 'import' or 'export'")

      const missing = yield* failure(check({ ...a.login, container_type: "IMPORT", trucking_company: a.company }))
      const body = toSeedBody(missing)
      assert.strictEqual(body.error, "Missing required fields for Phase 1: terminal, move_type, container_id")
      assert.strictEqual(body.message, "Please provide terminal, move_type, container_id and retry with appointment_session_id")
      assert.strictEqual(body.current_phase, 1)
      const pool = yield* SessionPool
      const [summary] = yield* pool.list
      assert.notInclude(summary!.current_url ?? "", "addvisit", "the wizard was never opened")

      // The retry brings the rest; own_chassis "false" means NO (the seed read it as YES).
      const done = yield* check({
        appointment_session_id: body.appointment_session_id!,
        terminal: "ITS Long Beach",
        move_type: "PICK FULL",
        container_id: a.container,
        truck_plate: a.plates[2]!,
        own_chassis: "false"
      })
      assert.strictEqual(done.selected_truck_plate, a.plates[2])
      assert.strictEqual(done.phase_data.trucking_company, a.company)

      const makeMissing = yield* failure(make({ ...a.login, trucking_company: a.company }))
      assert.strictEqual(toSeedBody(makeMissing).error, "Missing required fields: terminal, move_type, container_id, truck_plate, appointment_time")
      assert.strictEqual(statusOf(makeMissing), 400)
    }).pipe(Effect.provide(ops())))

  it.effect("an expired workflow is WorkflowExpired (410); expiry leaves the browser session alone", () =>
    Effect.gen(function*() {
      const a = yield* bookingAccount("appt-ttl")
      const first = toSeedBody(yield* failure(check({ ...a.login, ...importFields(a) })))
      assert.strictEqual(first.current_phase, 2)
      const workflows = yield* WorkflowStore
      yield* eventually("the workflow to expire", Effect.orDie(workflows.count), (n) => n === 0, 10_000)
      const expired = yield* failure(check({ appointment_session_id: first.appointment_session_id!, truck_plate: a.plates[0]! }))
      assert.strictEqual(expired._tag, "WorkflowExpired")
      assert.strictEqual(statusOf(expired), 410)
      assert.strictEqual(toSeedBody(expired).appointment_session_id, first.appointment_session_id)
      const pool = yield* SessionPool
      const sessions = yield* pool.list
      assert.deepStrictEqual(sessions.map((s) => s.session_id), [first.session_id], "the browser session lives on")
      // And it still works: a new workflow on it by session_id.
      const again = yield* check({ session_id: first.session_id!, ...importFields(a), truck_plate: "ABC123" })
      assert.isFalse(again.is_new_session)
      assert.isAbove(again.count!, 0)
    }).pipe(Effect.provide(ops({ APPOINTMENT_SESSION_TTL: "2 seconds" }))))

  it.effect("a resume after the session did something else replays the completed phases transparently", () =>
    Effect.gen(function*() {
      const a = yield* bookingAccount("appt-replay")
      const first = toSeedBody(yield* failure(check({ ...a.login, ...importFields(a) })))
      const pool = yield* SessionPool
      const config = yield* PortalConfig
      const session = yield* pool.get(first.session_id!)
      yield* session.run({
        name: "elsewhere",
        run: (page) => openApp(page, new URL("/trucker/web/", config.portal.termops).href, config.portal, { timeout: Duration.seconds(20), what: "keep-alive page" })
      })
      const done = yield* check({ appointment_session_id: first.appointment_session_id!, truck_plate: a.plates[1]!, debug: true })
      assert.strictEqual(done.selected_truck_plate, a.plates[1])
      const { names } = yield* bundleSteps(done.debug_bundle_url!)
      assert.include(names, "replaying the completed phases")
      assert.include(names, "appointment_wizard_opened")
      assert.include(names, "phase1_filled")
      assert.isAbove(done.count!, 0)
    }).pipe(Effect.provide(ops())))

  it.effect("unknown booking → the dialog's message; unknown terminal → the options the portal offers", () =>
    Effect.gen(function*() {
      const a = yield* bookingAccount("appt-errors")
      const booking = yield* failure(check({
        ...a.login,
        container_type: "export",
        trucking_company: a.company,
        terminal: "TraPac LLC - Los Angeles",
        move_type: "DROP FULL",
        booking_number: "NOSUCH000000",
        truck_plate: ""
      }))
      assert.strictEqual(booking._tag, "AppointmentPhaseFailed")
      const b = toSeedBody(booking)
      assert.strictEqual(b.error, "Phase 1 failed - Booking number: No open transactions for this booking number.")
      assert.strictEqual(b.error_type, "booking_invalid")
      assert.strictEqual(statusOf(booking), 400)
      assert.strictEqual(b.current_phase, 1)
      assert.isString(b.appointment_session_id)

      const terminal = yield* failure(check({ ...a.login, ...importFields(a), terminal: "Nowhere Terminal", truck_plate: "" }))
      const t = toSeedBody(terminal)
      assert.strictEqual(t.error_type, "option_not_found")
      assert.strictEqual(statusOf(terminal), 422)
      assert.deepStrictEqual(t.available_options, [
        "ITS Long Beach",
        "TraPac LLC - Los Angeles",
        "Everport Terminal Services - Los Angeles",
        "Total Terminals International - Long Beach",
        "Pacific Container Terminal - Long Beach",
        "Pier A - Long Beach"
      ])
      assert.match(t.error, /^Phase 1 failed - Terminal: Option 'Nowhere Terminal' not found in Terminal\. Available options: ITS Long Beach, /)
      assert.strictEqual(t.session_id, b.session_id)
      assert.isFalse(t.is_new_session)

      // A container the portal refuses for this move: its dialog, as a typed rejection at phase 1.
      const refused = yield* failure(check({ ...a.login, ...importFields(a), container_id: "ZZZU0000000", truck_plate: "" }))
      const r = toSeedBody(refused)
      assert.strictEqual(r.error, "Phase 1 failed - Next button: Container ZZZU0000000 is not available for this move.")
      assert.strictEqual(r.error_type, "rejected")
      assert.strictEqual(statusOf(refused), 422)
      assert.strictEqual(r.current_phase, 1)

      // The same workflow, fixed by sending only the terminal: the dash-normalised name matches.
      const fixed = yield* check({ appointment_session_id: t.appointment_session_id!, terminal: "Pier A-Long Beach" })
      assert.strictEqual(fixed.phase_data.terminal, "Pier A-Long Beach")
      assert.isAbove(fixed.count!, 0)
    }).pipe(Effect.provide(ops())))

  it.effect("a portal 500 on Next of step 2 is a typed phase-2 error; the resume in place switches own chassis YES → NO and books", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-500")
      yield* sim.setFaults({ http500: ["termops:/trucker/web/addvisit"] })
      const page500 = yield* failure(check({ ...a.login, ...importFields(a), truck_plate: "" })).pipe(Effect.ensuring(sim.resetFaults()))
      assert.strictEqual(toSeedBody(page500).error, "Phase 1 failed - Navigation: appointment wizard answered HTTP 500")
      assert.strictEqual(toSeedBody(page500).current_phase, 1)

      yield* sim.setFaults({ wizardStep500: 2 })
      const failed = yield* failure(check({ ...a.login, ...importFields(a), truck_plate: a.plates[0]!, own_chassis: "yes" })).pipe(
        Effect.ensuring(sim.resetFaults())
      )
      assert.strictEqual(failed._tag, "AppointmentPhaseFailed")
      const body = toSeedBody(failed)
      assert.strictEqual(body.error, "Phase 2 failed - Next button: An unexpected error occurred. Please try again later.")
      assert.strictEqual(body.error_type, "portal_error")
      assert.strictEqual(statusOf(failed), 502)
      assert.strictEqual(body.current_phase, 2)

      const resumed = yield* check({ appointment_session_id: body.appointment_session_id!, own_chassis: "false", debug: true })
      assert.strictEqual(resumed.phase_data.own_chassis, "false")
      // In place: the page still shows step 2 with YES from the failed attempt, so "false" must flip it.
      const bundle = yield* bundleSteps(resumed.debug_bundle_url!)
      assert.include(bundle.names, "resuming the wizard in place")
      assert.notInclude(bundle.names, "appointment_wizard_opened")
      assert.notInclude(bundle.names, "phase1_filled")
      assert.includeMembers(bundle.names, ["phase2_filled", "appointment_dropdown_opened"])
      assert.strictEqual(bundle.screenshots, bundle.names.length - 1, "a screenshot per recorded step (the note has none)")
      const slot = resumed.available_times![0]!
      const booked = yield* make({ appointment_session_id: body.appointment_session_id!, appointment_time: slot })
      assert.isTrue(booked.appointment_confirmed)
      assert.notProperty(booked, "appointment_session_id", "the finished workflow's id is not handed out")
      const [appointment] = yield* sim.appointments(a.username)
      assert.strictEqual(appointment!.confirmationNumber, booked.confirmation_number)
      assert.isFalse(appointment!.ownChassis, "own_chassis \"false\" unset the YES chosen before")
      assert.strictEqual(appointment!.slot, slot)
      const gone = yield* failure(check({ appointment_session_id: body.appointment_session_id!, truck_plate: "" }))
      assert.strictEqual(gone._tag, "WorkflowExpired", "a booked workflow is finished")
    }).pipe(Effect.provide(ops())))

  it.effect("guards trust #7: a truck plate the portal does not offer stops check and make with 422 and the offered plates; nothing is booked; the corrected plate resumes the same workflow", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-plate")
      const before = (yield* sim.appointments(a.username)).length

      const wrong = yield* failure(check({ ...a.login, ...importFields(a), truck_plate: "XYZ789" }))
      assert.strictEqual(wrong._tag, "TruckPlateNotOffered", "the seed (and this service before) took the first plate instead")
      assert.strictEqual(statusOf(wrong), 422)
      const body = toSeedBody(wrong)
      assert.include(body.error, "'XYZ789'")
      assert.strictEqual(body.error_type, "truck_plate_not_offered")
      assert.deepStrictEqual(body.available_options, a.plates, "the plates the portal offers for the company")
      assert.strictEqual(body.current_phase, 2)
      assert.match(body.session_id!, /^sess_/)
      assert.match(body.appointment_session_id!, /^appt_/)

      // A prefix of a real plate is not that plate either (the old rule took any plate containing the text).
      const prefix = toSeedBody(yield* failure(check({ appointment_session_id: body.appointment_session_id!, truck_plate: a.plates[1]!.slice(0, -1) })))
      assert.strictEqual(prefix.error_type, "truck_plate_not_offered")
      assert.strictEqual(prefix.appointment_session_id, body.appointment_session_id)
      assert.strictEqual(prefix.current_phase, 2)

      // Only truck_plate, on the same workflow; case and spaces do not matter.
      const fixed = yield* check({ appointment_session_id: body.appointment_session_id!, truck_plate: ` ${a.plates[1]!.toLowerCase()} ` })
      assert.strictEqual(fixed.appointment_session_id, body.appointment_session_id)
      assert.strictEqual(fixed.session_id, body.session_id)
      assert.strictEqual(fixed.selected_truck_plate, a.plates[1])
      assert.strictEqual(fixed.current_phase, 3)
      assert.isAbove(fixed.count!, 0)

      // make_appointment: the same refusal before anything is submitted, then the corrected retry books.
      const slot = fixed.available_times![0]!
      const refused = yield* failure(make({ ...a.login, ...importFields(a), truck_plate: "XYZ789", appointment_time: slot }))
      assert.strictEqual(refused._tag, "TruckPlateNotOffered")
      const r = toSeedBody(refused)
      assert.strictEqual(statusOf(refused), 422)
      assert.deepStrictEqual(r.available_options, a.plates)
      assert.strictEqual(r.current_phase, 2)
      assert.isString(r.appointment_session_id)
      assert.strictEqual((yield* sim.appointments(a.username)).length, before, "nothing was submitted")

      const booked = yield* make({ appointment_session_id: r.appointment_session_id!, truck_plate: a.plates[2]!, appointment_time: slot })
      assert.isTrue(booked.appointment_confirmed)
      assert.strictEqual(booked.selected_truck_plate, a.plates[2])
      assert.strictEqual(booked.appointment_details.truck_plate, a.plates[2])
      const appointments = yield* sim.appointments(a.username)
      assert.strictEqual(appointments.length, before + 1)
      const appointment = appointments.find((x) => x.confirmationNumber === booked.confirmation_number)
      assert.strictEqual(appointment!.truckPlate, a.plates[2], "the truck asked for, not another")
    }).pipe(Effect.provide(ops())))

  it.effect("make_appointment books once per idempotency key, also when the repeats are concurrent", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-make")
      const before = (yield* sim.appointments(a.username)).length
      const preview = yield* check({ ...a.login, ...importFields(a), truck_plate: a.plates[0]! })
      const [t1, t2] = preview.available_times!
      const request: MakeAppointmentRequest = { ...a.login, ...importFields(a), truck_plate: a.plates[0]!, own_chassis: true, appointment_time: t1! }

      const first = yield* make(request, "key-1")
      assert.isTrue(first.appointment_confirmed)
      assert.match(first.confirmation_number, /^EM\d{8}$/)
      assert.strictEqual(first.appointment_details.appointment_time, t1)
      assert.strictEqual(first.selected_truck_plate, a.plates[0])
      assert.notProperty(first.appointment_details, "password")
      assert.notProperty(first.appointment_details, "pin_code")
      assert.isUndefined(first.idempotent_replay)
      const again = yield* make(request, "key-1")
      assert.isTrue(again.idempotent_replay)
      assert.strictEqual(again.confirmation_number, first.confirmation_number)
      const [booked] = yield* sim.appointments(a.username)
      assert.strictEqual(booked!.confirmationNumber, first.confirmation_number)
      assert.deepStrictEqual(booked!.containers, [a.container])
      assert.isTrue(booked!.ownChassis)
      assert.strictEqual(booked!.pin, "1111")

      const conflict = yield* failure(make({ ...request, appointment_time: t2! }, "key-1"))
      assert.strictEqual(conflict._tag, "IdempotencyConflict")
      assert.strictEqual(statusOf(conflict), 409)

      // Two at once with a new key (request_id in the body this time): one booking.
      const body = { ...request, appointment_time: t2!, request_id: "key-2" }
      const fibers = yield* Effect.forEach([1, 2], () => make(body).pipe(Effect.forkChild))
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(results[0]!.confirmation_number, results[1]!.confirmation_number)
      assert.deepStrictEqual(results.map((r) => r.idempotent_replay === true).sort(), [false, true])
      assert.strictEqual((yield* sim.appointments(a.username)).length, before + 2)

      // The slot is gone now: booking it again (new key) is slot_unavailable with the open times.
      const taken = yield* failure(make({ ...request, appointment_time: t1! }, "key-3"))
      assert.strictEqual(taken._tag, "AppointmentPhaseFailed")
      assert.strictEqual(toSeedBody(taken).error_type, "slot_unavailable")
      assert.strictEqual(statusOf(taken), 409)
      assert.notInclude(toSeedBody(taken).available_options!, t1)
    }).pipe(Effect.provide(ops())))

  it.effect("guards trust #2: a 500 on Submit is portal_error and releases its key; the retry with the same key books, once", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-submit500")
      const preview = yield* check({ ...a.login, ...importFields(a), truck_plate: "" })
      const request: MakeAppointmentRequest = { ...a.login, ...importFields(a), truck_plate: "", appointment_time: preview.available_times![0]! }
      yield* sim.setFaults({ wizardStep500: 3 })
      const failed = yield* failure(make(request, "k500")).pipe(Effect.ensuring(sim.resetFaults()))
      const body = toSeedBody(failed)
      assert.strictEqual(body.error, "Phase 3 failed - Submit: An unexpected error occurred. Please try again later.")
      assert.strictEqual(body.error_type, "portal_error")
      assert.isTrue(body.retryable)
      assert.strictEqual(body.current_phase, 3)
      const atSlot = () => Effect.map(sim.appointments(a.username), (list) => list.filter((x) => x.slot === request.appointment_time).length)
      assert.strictEqual(yield* atSlot(), 0, "the portal booked nothing")
      // A retryable failure is not replayed: the same key runs again and books (it used to answer
      // the stored 500 for 24 hours).
      const booked = yield* make(request, "k500")
      assert.isTrue(booked.appointment_confirmed)
      assert.isUndefined(booked.idempotent_replay)
      assert.strictEqual(yield* atSlot(), 1)
      const again = yield* make(request, "k500")
      assert.isTrue(again.idempotent_replay)
      assert.strictEqual(again.confirmation_number, booked.confirmation_number)
      assert.strictEqual(yield* atSlot(), 1, "never submitted twice")
    }).pipe(Effect.provide(ops())))

  it.effect("guards trust #1: an idempotency key belongs to its caller; a stranger gets 409 with nothing of the first result", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-owner")
      const stranger = yield* bookingAccount("appt-stranger")
      const preview = yield* check({ ...a.login, ...importFields(a), truck_plate: a.plates[0]! })
      const fields = { ...importFields(a), truck_plate: a.plates[0]!, appointment_time: preview.available_times![0]! }
      const first = yield* make({ ...a.login, ...fields }, "trust-1")
      assert.isTrue(first.appointment_confirmed)
      const bookings = (yield* sim.appointments(a.username)).length

      const strangerSession = (yield* (yield* PortalOperations).getSession(stranger.login)).session_id
      const foreign: ReadonlyArray<readonly [string, MakeAppointmentRequest, string | undefined]> = [
        ["the username with a wrong password", { ...a.login, password: Redacted.make("wrong"), ...fields }, "trust-1"],
        ["the username without a password", { username: a.username, ...fields }, "trust-1"],
        ["the key as request_id, wrong password", { ...a.login, password: Redacted.make("wrong"), ...fields, request_id: "trust-1" }, undefined],
        ["another account's live session", { session_id: strangerSession, ...fields }, "trust-1"],
        ["another account's credentials", { ...stranger.login, ...fields }, "trust-1"],
        ["an unknown session id", { session_id: "sess_AAAAAAAAAAAAAAAAAAAAAAAA", ...fields }, "trust-1"]
      ]
      for (const [who, request, key] of foreign) {
        const e = yield* failure(make(request, key))
        assert.strictEqual(e._tag, "IdempotencyConflict", who)
        assert.strictEqual(statusOf(e), 409, who)
        const text = JSON.stringify(toSeedBody(e)) + JSON.stringify(e)
        assert.notInclude(text, first.session_id, who)
        assert.notInclude(text, first.confirmation_number, who)
      }

      // The owner is recognised however it identifies itself: by its session, or by credentials.
      const bySession = yield* make({ session_id: first.session_id, ...fields }, "trust-1")
      assert.isTrue(bySession.idempotent_replay)
      assert.strictEqual(bySession.confirmation_number, first.confirmation_number)
      const byCredentials = yield* make({ ...a.login, ...fields, request_id: "trust-1" })
      assert.isTrue(byCredentials.idempotent_replay)
      assert.strictEqual((yield* sim.appointments(a.username)).length, bookings, "nothing booked again")
      assert.strictEqual((yield* sim.appointments(stranger.username)).length, 0, "nothing booked for the stranger")

      // A resume keyed by its workflow: after the booking ended the workflow, the same id still
      // proves the owner.
      const wf = yield* check({ ...a.login, ...importFields(a), truck_plate: a.plates[0]! })
      const resume = { appointment_session_id: wf.appointment_session_id, appointment_time: wf.available_times![0]! }
      const resumed = yield* make(resume, "trust-1-resume")
      const replayed = yield* make(resume, "trust-1-resume")
      assert.isTrue(replayed.idempotent_replay)
      assert.strictEqual(replayed.confirmation_number, resumed.confirmation_number)
      const hijack = yield* failure(make({ ...stranger.login, ...resume, appointment_session_id: "appt_AAAAAAAAAAAAAAAAAAAAAAAA" }, "trust-1-resume"))
      assert.strictEqual(hijack._tag, "IdempotencyConflict")
    }).pipe(Effect.provide(ops())))

  it.effect("a booking the portal never confirms is not_confirmed, never appointment_confirmed: true", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-unconfirmed")
      const preview = yield* check({ ...a.login, ...importFields(a), truck_plate: "" })
      const request: MakeAppointmentRequest = { ...a.login, ...importFields(a), truck_plate: "", appointment_time: preview.available_times![0]! }
      // Step 4 never renders: the slot is booked at the portal, but no confirmation shows.
      yield* sim.setFaults({ wizardStepNeverReady: 4 })
      const unconfirmed = yield* failure(make(request, "never-confirmed")).pipe(Effect.ensuring(sim.resetFaults()))
      const body = toSeedBody(unconfirmed)
      assert.strictEqual(body.error_type, "not_confirmed")
      assert.match(body.error, /^Phase 4 failed - Submit: The Confirmation step showed no confirmation number within \d+ s; the appointment may have been booked/)
      assert.strictEqual(statusOf(unconfirmed), 502)
      assert.strictEqual((yield* sim.appointments(a.username)).filter((x) => x.slot === request.appointment_time).length, 1)
      // The key remembers the outcome: a retry cannot book a second slot.
      const bookings = (yield* sim.appointments(a.username)).length
      const again = yield* failure(make({ ...request, appointment_time: preview.available_times![1]! }, "never-confirmed"))
      assert.strictEqual(again._tag, "IdempotencyConflict", "another time under the same key")
      const same = yield* failure(make(request, "never-confirmed"))
      assert.strictEqual(toSeedBody(same).error_type, "not_confirmed")
      assert.strictEqual((yield* sim.appointments(a.username)).length, bookings, "no second submit")
    }).pipe(Effect.provide(ops())))

  it.effect("export: check reads the calendar's dates and times; make books a later date", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-export")
      const fields = {
        container_type: "Export",
        trucking_company: a.company,
        terminal: "TraPac LLC - Los Angeles",
        move_type: "DROP FULL",
        booking_number: a.booking,
        truck_plate: a.plates[0]!,
        own_chassis: "YES" as const
      }
      const checked = yield* check({ ...a.login, ...fields })
      assert.strictEqual(checked.container_type, "export")
      assert.isTrue(checked.calendar_found)
      const dates = checked.available_dates!
      assert.isAbove(dates.length, 1)
      for (const t of checked.available_times!) {
        assert.match(t, SLOT_FORMAT)
        assert.include(dates, /\d{2}\/\d{2}\/\d{4}/.exec(t)![0])
      }
      for (const d of dates) assert.isTrue(checked.available_times!.some((t) => t.includes(d)), `times for ${d}`)
      const last = checked.available_times![checked.available_times!.length - 1]!
      const booked = yield* make({ appointment_session_id: checked.appointment_session_id, appointment_time: last })
      assert.isTrue(booked.appointment_confirmed)
      const [appointment] = yield* sim.appointments(a.username)
      assert.strictEqual(appointment!.confirmationNumber, booked.confirmation_number)
      assert.strictEqual(appointment!.tradeType, "EXPORT")
      assert.strictEqual(appointment!.booking, a.booking)
      assert.strictEqual(appointment!.slot, last)
      assert.isTrue(appointment!.ownChassis)
      assert.strictEqual(appointment!.unitNumber, "1")
      assert.deepStrictEqual(appointment!.seals, ["1", "1", "1", "1"])
    }).pipe(Effect.provide(ops())))

  it.effect("the alternative import form (TraPac + DROP EMPTY) takes line and equip_size, no container_id", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* bookingAccount("appt-alt")
      const fields = {
        trucking_company: a.company,
        terminal: "TraPac LLC-Los Angeles",
        move_type: "DROP EMPTY",
        line: "ONEY",
        equip_size: "40DH",
        quantity: 2,
        truck_plate: "abc123"
      }
      const missing = yield* failure(check({ ...a.login, container_type: "import", ...fields, equip_size: undefined as never, line: undefined as never }))
      assert.strictEqual(toSeedBody(missing).error, "Missing required field for Phase 1: container_id", "nothing to tell the form by yet")
      const wrong = yield* failure(check({ ...a.login, container_type: "import", ...fields, equip_size: "45XX" }))
      assert.strictEqual(toSeedBody(wrong).error_type, "option_not_found")
      assert.deepStrictEqual(toSeedBody(wrong).available_options, ["20GP", "40DH", "40RH"])

      const times = yield* check({ appointment_session_id: toSeedBody(wrong).appointment_session_id!, equip_size: "40DH" })
      assert.isAbove(times.count!, 0)
      const booked = yield* make({ ...a.login, ...fields, appointment_time: times.available_times![0]! })
      const [appointment] = yield* sim.appointments(a.username)
      assert.strictEqual(appointment!.confirmationNumber, booked.confirmation_number)
      assert.strictEqual(appointment!.line, "ONEY")
      assert.strictEqual(appointment!.equipSize, "40DH")
      assert.deepStrictEqual(appointment!.containers, [])
      assert.strictEqual(appointment!.truckPlate, a.plates[0])
    }).pipe(Effect.provide(ops())))
})
