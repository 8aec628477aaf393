import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AppointmentPhaseFailed, type PortalError, PortalChanged, PortalRejected, PortalUnavailable } from "../../src/domain/Errors.ts"
import { statusOf, toSeedBody } from "../../src/domain/ErrorSpecs.ts"
import { BrowserError, WaitTimedOut } from "../../src/services/Browser.ts"
import { FAKE_EXPORT, FAKE_IMPORT } from "../../src/services/portal/FakePortal.ts"
import { LoggedOut } from "../../src/services/portal/PageState.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import { context, fault, login, operationsLayer, portal, portalState } from "../utils/OperationsHarness.ts"

/**
 * Every operation's error mapping, on the fake portal (no Chrome): what a failing flow becomes for
 * the caller — its tag, HTTP status, and the context (session, workflow) the error carries.
 */

type Tag = PortalError["_tag"]

/** Runs `self` expecting a failure tagged `tag`; returns the error (narrowed) for more checks. */
const failsWith = <T extends Tag>(tag: T) => <A>(self: Effect.Effect<A, PortalError>) =>
  Effect.flip(self).pipe(Effect.map((e) => {
    assert.strictEqual(e._tag, tag, JSON.stringify(toSeedBody(e)))
    return e as Extract<PortalError, { readonly _tag: T }>
  }))

const ops = Effect.gen(function*() {
  return yield* PortalOperations
})

const browserFailed = new BrowserError({ operation: "call:gridRowsFrom", detail: "Protocol error", disconnected: false })
const chromeGone = new BrowserError({ operation: "call:gridRowsFrom", detail: "Target closed", disconnected: true })

describe("PortalOperations on the fake portal", () => {
  describe("sessions", () => {
    it.effect("getSession: a new session, then the same one; missing fields, rejected credentials and a portal outage map to 400, 401, 502", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const first = yield* o.getSession(login("alice"))
        assert.isTrue(first.is_new)
        assert.match(first.session_id, /^sess_/)
        const again = yield* o.getSession(login("alice"))
        assert.isFalse(again.is_new)
        assert.strictEqual(again.session_id, first.session_id)

        const missing = yield* o.getContainers({ username: "bob" }, context).pipe(failsWith("InvalidOperationInput"))
        assert.deepStrictEqual(missing.missingFields, ["password", "captcha_api_key"])
        assert.strictEqual(statusOf(missing), 400)

        const rejected = yield* o.getSession(login("bob", "wrong")).pipe(failsWith("LoginFailed"))
        assert.strictEqual(rejected.reason, "invalid_credentials")
        assert.strictEqual(statusOf(rejected), 401)
        assert.isUndefined(toSeedBody(rejected).session_id, "a failed first login has no session to name")

        yield* portal((s) => ({ ...s, loginFailure: "vpn_required" }))
        const blocked = yield* o.getSession(login("carol")).pipe(failsWith("LoginFailed"))
        assert.strictEqual(toSeedBody(blocked).error_type, "vpn_required")
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("an unknown session id is 404 SessionNotFound naming it; close and ping of an unknown id too", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const unknown = "sess_AAAAAAAAAAAAAAAAAAAAAAAA"
        const e = yield* o.getBookingNumber({ session_id: unknown, container_id: FAKE_EXPORT }, context).pipe(failsWith("SessionNotFound"))
        assert.strictEqual(statusOf(e), 404)
        assert.strictEqual(toSeedBody(e).session_id, unknown)
        yield* o.closeSession(unknown).pipe(failsWith("SessionNotFound"))
        yield* o.pingSession({ session_id: unknown }).pipe(failsWith("SessionNotFound"))

        const { session_id } = yield* o.getSession(login("dave"))
        assert.strictEqual((yield* o.pingSession({ session_id, never_terminate: true })).never_terminate, true)
        assert.strictEqual((yield* o.listSessions).active_sessions, 1)
        yield* o.closeSession(session_id)
        yield* o.pingSession({ session_id }).pipe(failsWith("SessionNotFound"))
        assert.strictEqual((yield* o.health).active_sessions, 0)
      }).pipe(Effect.provide(operationsLayer())))
  })

  describe("get_containers", () => {
    it.effect("writes the workbook of the rows loaded", () =>
      Effect.gen(function*() {
        const { response, file } = yield* (yield* ops).getContainers({ ...login("erin"), target_count: 1 }, context)
        assert.strictEqual(response.total_containers, 1)
        assert.strictEqual(response.stopped_reason, "Target count 1 reached")
        assert.isTrue(response.is_new_session)
        assert.isAbove(file.bytes, 0)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("a browser failure is 502 PortalUnavailable naming the phase; Chrome gone is BrowserCrashed; both carry the session", () =>
      Effect.gen(function*() {
        const o = yield* ops
        yield* fault("loadContainers", browserFailed, 1)
        const failed = yield* o.getContainers(login("erin"), context).pipe(failsWith("PortalUnavailable"))
        assert.strictEqual(statusOf(failed), 502)
        assert.strictEqual(failed.phase, "containers:scroll")
        assert.match(toSeedBody(failed).session_id ?? "", /^sess_/)
        assert.isTrue(toSeedBody(failed).is_new_session)

        yield* fault("openContainers", chromeGone, 1)
        const crashed = yield* o.getContainers(login("erin"), context).pipe(failsWith("BrowserCrashed"))
        assert.strictEqual(toSeedBody(crashed).session_id, failed.sessionId)
        assert.isFalse(toSeedBody(crashed).is_new_session)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("a wait past its deadline is 504 OperationTimedOut with the operation and the phase", () =>
      Effect.gen(function*() {
        yield* fault("loadContainers", new WaitTimedOut({ what: "containers:scroll", timeoutMillis: 5_000 }))
        const e = yield* (yield* ops).getContainers(login("erin"), context).pipe(failsWith("OperationTimedOut"))
        assert.strictEqual(statusOf(e), 504)
        assert.strictEqual(e.operation, "get_containers")
        assert.strictEqual(e.phase, "containers:scroll")
        assert.match(e.sessionId ?? "", /^sess_/)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("a logged-out page is logged in again once and the operation answers; the portal changing is PortalChanged with the session", () =>
      Effect.gen(function*() {
        const o = yield* ops
        yield* fault("loadContainers", new LoggedOut({ detail: "401 page" }), 1)
        const { response } = yield* o.getContainers(login("frank"), context)
        assert.strictEqual(response.total_containers, 2)
        assert.strictEqual((yield* portalState).logins.frank, 2, "the first login, and one re-login")

        yield* fault("openContainers", new PortalChanged({ selector: "#searchres", phase: "containers:open" }))
        const changed = yield* o.getContainers(login("frank"), context).pipe(failsWith("PortalChanged"))
        assert.strictEqual(changed.phase, "containers:open")
        assert.strictEqual(toSeedBody(changed).session_id, response.session_id)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("a portal outage stays 502 PortalUnavailable, stamped with the session", () =>
      Effect.gen(function*() {
        yield* fault("openContainers", new PortalUnavailable({ detail: "containers page answered HTTP 503", httpStatus: 503, phase: "containers page" }))
        const e = yield* (yield* ops).getContainers(login("gina"), context).pipe(failsWith("PortalUnavailable"))
        assert.strictEqual(e.httpStatus, 503)
        assert.match(toSeedBody(e).session_id ?? "", /^sess_/)
      }).pipe(Effect.provide(operationsLayer())))
  })

  describe("get_container_timeline and get_booking_number", () => {
    it.effect("timeline: an import's pregate and screenshot; an export is 422 no_pregate_milestone; an unknown container 404; no id 400 before any login", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const ok = yield* o.getContainerTimeline({ ...login("hana"), container_id: FAKE_IMPORT }, context)
        assert.isTrue(ok.passed_pregate)
        assert.strictEqual(ok.detection_method, "dom_class_check")
        assert.deepStrictEqual(ok.timeline.map((t) => t.milestone), ["Pregate", "Discharged"])
        assert.isDefined(ok.screenshot_url)

        const exportOne = yield* o.getContainerTimeline({ session_id: ok.session_id, container_id: FAKE_EXPORT }, context).pipe(failsWith("PortalRejected"))
        assert.strictEqual(exportOne.reason, "no_pregate_milestone")
        assert.strictEqual(statusOf(exportOne), 422)
        assert.strictEqual(toSeedBody(exportOne).session_id, ok.session_id)

        const missing = yield* o.getContainerTimeline({ session_id: ok.session_id, container_id: "ZZZU0000000" }, context).pipe(failsWith("ContainerNotFound"))
        assert.strictEqual(statusOf(missing), 404)
        assert.strictEqual(toSeedBody(missing).session_id, ok.session_id)

        yield* o.getContainerTimeline({ ...login("ivan") }, context).pipe(failsWith("InvalidOperationInput"))
        assert.isUndefined((yield* portalState).logins.ivan)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("booking number: the export's, null with the seed's message for N/A; a detail without the label is PortalChanged", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const booked = yield* o.getBookingNumber({ ...login("jack"), container_id: FAKE_EXPORT }, context)
        assert.strictEqual(booked.booking_number, "BK123456")
        const none = yield* o.getBookingNumber({ session_id: booked.session_id, container: FAKE_IMPORT }, context)
        assert.isNull(none.booking_number)
        assert.strictEqual(none.message, "Booking number not available")

        yield* portal((s) => ({
          ...s,
          containers: s.containers.map((c) => ({ ...c, detail: { ...c.detail, booking: { label: false, value: null } } }))
        }))
        const changed = yield* o.getBookingNumber({ session_id: booked.session_id, container_id: FAKE_EXPORT }, context).pipe(failsWith("PortalChanged"))
        assert.strictEqual(changed.phase, "containers:booking")
        assert.strictEqual(statusOf(changed), 502)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("a timed-out lookup is 504 with the session, and the session serves the next lookup", () =>
      Effect.gen(function*() {
        const o = yield* ops
        yield* fault("inspectContainer", new WaitTimedOut({ what: "row expanded", timeoutMillis: 10_000 }), 1)
        const e = yield* o.getBookingNumber({ ...login("kate"), container_id: FAKE_EXPORT }, context).pipe(failsWith("OperationTimedOut"))
        assert.strictEqual(e.operation, "get_booking_number")
        assert.strictEqual(e.phase, "row expanded")
        const next = yield* o.getBookingNumber({ session_id: e.sessionId!, container_id: FAKE_EXPORT }, context)
        assert.strictEqual(next.booking_number, "BK123456")
      }).pipe(Effect.provide(operationsLayer())))
  })

  describe("get_info_bulk", () => {
    it.effect("an item's failure is its result and the run goes on; Chrome gone ends the run; no lists is 400", () =>
      Effect.gen(function*() {
        const o = yield* ops
        yield* fault("inspectContainer", new WaitTimedOut({ what: "row expanded", timeoutMillis: 10_000 }), 1)
        const bulk = yield* o.getInfoBulk({
          ...login("liam"),
          import_containers: [FAKE_IMPORT, FAKE_IMPORT, "ZZZU0000000", FAKE_EXPORT],
          export_containers: [FAKE_EXPORT]
        }, context)
        const items = bulk.results.import_results
        assert.deepStrictEqual(items.map((i) => i.error_type ?? "ok"), ["operation_timed_out", "ok", "container_not_found", "no_pregate_milestone"])
        assert.strictEqual(bulk.results.export_results[0]!.booking_number, "BK123456")
        assert.deepStrictEqual(bulk.results.summary, { total_import: 4, total_export: 1, import_success: 1, import_failed: 3, export_success: 1, export_failed: 0 })

        yield* fault("inspectContainer", chromeGone, 1)
        const crashed = yield* o.getInfoBulk({ session_id: bulk.session_id, export_containers: [FAKE_EXPORT] }, context).pipe(failsWith("BrowserCrashed"))
        assert.strictEqual(toSeedBody(crashed).session_id, bulk.session_id)

        yield* o.getInfoBulk({ ...login("liam") }, context).pipe(failsWith("InvalidOperationInput"))
      }).pipe(Effect.provide(operationsLayer())))
  })

  describe("get_appointments", () => {
    it.effect("exports the selection; an unknown id and an empty list are 422; a portal failure 502 with the session", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const all = yield* o.getAppointments({ ...login("mia") }, context)
        assert.strictEqual(all.selected_count, 2)
        assert.match(all.file_name, /^appointments_\d{8}_\d{6}\.xlsx$/)
        assert.strictEqual((yield* o.getAppointments({ session_id: all.session_id, target_count: 1 }, context)).selected_count, 1)

        const unknown = yield* o.getAppointments({ session_id: all.session_id, target_appointment_id: "EM0" }, context).pipe(failsWith("PortalRejected"))
        assert.strictEqual(unknown.reason, "appointment_not_found")
        assert.strictEqual(statusOf(unknown), 422)
        assert.strictEqual(toSeedBody(unknown).session_id, all.session_id)

        yield* fault("exportAppointments", new PortalUnavailable({ detail: "the export replaced My Appointments", phase: "appointments:export" }), 1)
        const outage = yield* o.getAppointments({ session_id: all.session_id }, context).pipe(failsWith("PortalUnavailable"))
        assert.strictEqual(toSeedBody(outage).session_id, all.session_id)

        yield* fault("exportAppointments", new PortalRejected({ reason: "export_refused", detail: "The portal refused the export" }), 1)
        const refused = yield* o.getAppointments({ session_id: all.session_id }, context).pipe(failsWith("PortalRejected"))
        assert.strictEqual(refused.reason, "export_refused")

        yield* portal((s) => ({ ...s, appointments: [] }))
        const empty = yield* o.getAppointments({ session_id: all.session_id }, context).pipe(failsWith("PortalRejected"))
        assert.strictEqual(empty.reason, "no_appointments")
      }).pipe(Effect.provide(operationsLayer())))
  })

  describe("check_appointments and make_appointment", () => {
    const phase1 = { container_type: "import", trucking_company: "K & R", terminal: "ITS Long Beach", move_type: "PICK FULL", container_id: FAKE_IMPORT }

    it.effect("check: the times at phase 3; a bad container_type is 400; an unknown workflow 410", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const checked = yield* o.checkAppointments({ ...login("nina"), ...phase1, truck_plate: "" }, context)
        assert.strictEqual(checked.current_phase, 3)
        assert.strictEqual(checked.count, 2)
        assert.strictEqual(checked.selected_truck_plate, "7X82346")
        assert.match(checked.appointment_session_id, /^appt_/)

        yield* o.checkAppointments({ ...login("nina"), ...phase1, container_type: "pickup" }, context).pipe(failsWith("InvalidOperationInput"))
        const expired = yield* o.checkAppointments({ ...login("nina"), appointment_session_id: "appt_AAAAAAAAAAAAAAAAAAAAAAAA" }, context).pipe(failsWith("WorkflowExpired"))
        assert.strictEqual(statusOf(expired), 410)
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("check: a phase's failure and missing fields carry the workflow and the phase it resumes at; a plate not offered is 422 with the plates", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const stopped = yield* o.checkAppointments({ ...login("omar"), ...phase1 }, context).pipe(failsWith("AppointmentFieldsMissing"))
        assert.deepStrictEqual(stopped.missing, ["truck_plate"])
        const body = toSeedBody(stopped)
        assert.strictEqual(body.current_phase, 2)
        assert.match(body.appointment_session_id ?? "", /^appt_/)
        assert.match(body.session_id ?? "", /^sess_/)

        const plate = yield* o.checkAppointments({ ...login("omar"), appointment_session_id: body.appointment_session_id!, truck_plate: "ZZZ999" }, context).pipe(failsWith("TruckPlateNotOffered"))
        assert.deepStrictEqual(plate.offered, ["7X82346", "ABC777"])
        assert.strictEqual(statusOf(plate), 422)
        assert.strictEqual(toSeedBody(plate).appointment_session_id, body.appointment_session_id)

        yield* fault("phase1", new AppointmentPhaseFailed({ phase: 1, step: "Terminal", reason: "option_not_found", detail: "Option 'X' not found", availableOptions: ["ITS Long Beach"] }))
        const option = yield* o.checkAppointments({ ...login("omar"), ...phase1, truck_plate: "" }, context).pipe(failsWith("AppointmentPhaseFailed"))
        assert.strictEqual(option.reason, "option_not_found")
        assert.strictEqual(toSeedBody(option).current_phase, 1)
        assert.deepStrictEqual(toSeedBody(option).available_options, ["ITS Long Beach"])
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("check: a logout mid-wizard is answered by a re-login and the walk runs again", () =>
      Effect.gen(function*() {
        yield* fault("next", new LoggedOut({ detail: "the wizard showed the 401 page" }), 1)
        const checked = yield* (yield* ops).checkAppointments({ ...login("pia"), ...phase1, truck_plate: "" }, context)
        assert.strictEqual(checked.current_phase, 3)
        assert.strictEqual((yield* portalState).logins.pia, 2)
      }).pipe(Effect.provide(operationsLayer())))

    const booking = { ...phase1, truck_plate: "", appointment_time: "Friday 10/24/2025 09:00 - 10:00" }

    it.effect("make: books and confirms; missing fields and an export without a date are 400; a time not offered is slot_unavailable", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const made = yield* o.makeAppointment({ ...login("quinn"), ...booking }, context)
        assert.isTrue(made.appointment_confirmed)
        assert.strictEqual(made.confirmation_number, "CN123456")
        assert.strictEqual((yield* portalState).submits, 1)

        const missing = yield* o.makeAppointment({ ...login("quinn"), container_type: "import" }, context).pipe(failsWith("InvalidOperationInput"))
        assert.includeMembers([...(missing.missingFields ?? [])], ["trucking_company", "truck_plate", "appointment_time"])
        const undated = yield* o.makeAppointment({ ...login("quinn"), ...booking, container_type: "export", booking_number: "BK1", appointment_time: "18:30" }, context).pipe(failsWith("InvalidOperationInput"))
        assert.strictEqual(undated.field, "appointment_time")

        const slot = yield* o.makeAppointment({ ...login("quinn"), ...booking, appointment_time: "Saturday 23:00" }, context).pipe(failsWith("AppointmentPhaseFailed"))
        assert.strictEqual(slot.reason, "slot_unavailable")
        assert.strictEqual((yield* portalState).submits, 1, "nothing submitted")
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("make: after Submit an unknown outcome is not_confirmed, never retried; a logout after Submit too", () =>
      Effect.gen(function*() {
        const o = yield* ops
        yield* fault("submit", new WaitTimedOut({ what: "confirmation", timeoutMillis: 45_000 }), 1)
        const unknown = yield* o.makeAppointment({ ...login("rosa"), ...booking }, context).pipe(failsWith("AppointmentPhaseFailed"))
        const body = toSeedBody(unknown)
        assert.strictEqual(body.error_type, "not_confirmed")
        assert.isFalse(body.retryable)
        assert.match(body.appointment_session_id ?? "", /^appt_/)

        yield* fault("submit", new LoggedOut({ detail: "401 after Submit" }), 1)
        const loggedOut = yield* o.makeAppointment({ ...login("rosa"), ...booking }, context).pipe(failsWith("AppointmentPhaseFailed"))
        assert.strictEqual(loggedOut.reason, "not_confirmed")
        assert.strictEqual((yield* portalState).submits, 2, "each Submit clicked once")
      }).pipe(Effect.provide(operationsLayer())))

    it.effect("make with a key: a repeat is replayed, not booked; a Submit the portal refused releases the key and the retry books", () =>
      Effect.gen(function*() {
        const o = yield* ops
        const keyed = { ...context, idempotencyKey: "key-1" }
        const first = yield* o.makeAppointment({ ...login("sam"), ...booking }, keyed)
        const repeat = yield* o.makeAppointment({ ...login("sam"), ...booking }, keyed)
        assert.isTrue(repeat.idempotent_replay)
        assert.strictEqual(repeat.confirmation_number, first.confirmation_number)
        assert.strictEqual((yield* portalState).submits, 1)

        const other = { ...context, idempotencyKey: "key-2" }
        yield* fault("submit", new AppointmentPhaseFailed({ phase: 3, step: "Submit", reason: "portal_error", detail: "Internal Server Error" }), 1)
        const refused = yield* o.makeAppointment({ ...login("sam"), ...booking }, other).pipe(failsWith("AppointmentPhaseFailed"))
        assert.strictEqual(refused.reason, "portal_error")
        const retried = yield* o.makeAppointment({ ...login("sam"), ...booking }, other)
        assert.isTrue(retried.appointment_confirmed)
        assert.isUndefined(retried.idempotent_replay)
        assert.strictEqual((yield* portalState).submits, 3)

        const conflict = yield* o.makeAppointment({ ...login("sam"), ...booking, terminal: "Pier A" }, keyed).pipe(failsWith("IdempotencyConflict"))
        assert.strictEqual(statusOf(conflict), 409)
      }).pipe(Effect.provide(operationsLayer())))
  })
})
