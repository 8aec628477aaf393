/**
 * The REST surface end to end: real HTTP, the real product (pool, actors, real Chromium) and the
 * simulator. The seed documents' four usage patterns as written, then a success and a failure for
 * every business route, with statuses and bodies checked.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import * as Processes from "../../../src/services/Processes.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { baseUrl, call, realServer } from "../../utils/HttpHarness.ts"
import { eventually, logins } from "../../utils/ProductHarness.ts"
import { readSheetRows } from "../../utils/Sheets.ts"

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/** A token-captcha account (40 containers unless told), with the credentials fields of a request. */
const account = (prefix: string, options: { containers?: number; appointments?: number } = {}) =>
  Effect.gen(function*() {
    const snapshot = yield* newAccount(prefix, {
      captchaMode: "token",
      containerCount: options.containers ?? 40,
      appointmentCount: options.appointments ?? 0
    })
    const username = snapshot.username
    return { username, creds: { username, password: "pw", captcha_api_key: "demo" }, snapshot }
  })

/** Downloads a file URL the service returned; the bytes and the response headers. */
const download = (url: string) =>
  Effect.gen(function*() {
    const base = yield* baseUrl
    const path = new URL(url).pathname
    return yield* Effect.promise(async () => {
      const r = await fetch(base + path)
      return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), bytes: new Uint8Array(await r.arrayBuffer()) }
    })
  })

const rawPost = (path: string, body: unknown) =>
  Effect.gen(function*() {
    const base = yield* baseUrl
    return yield* Effect.promise(async () => {
      const r = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      return { status: r.status, headers: r.headers, bytes: new Uint8Array(await r.arrayBuffer()) }
    })
  })

layer(testSimulatorLayer(), { excludeTestServices: true, timeout: "300 seconds" })("REST end to end", (it) => {
  it.layer(realServer({ MAX_SESSIONS: "6" }), { timeout: "120 seconds" })("one service", (it) => {
    it.effect("pattern 1: auto-session — credentials only, the xlsx itself as the seed's default", () =>
      Effect.gen(function*() {
        const a = yield* account("p1", { containers: 45 })
        const r = yield* rawPost("/get_containers", { ...a.creds, infinite_scrolling: true })
        assert.strictEqual(r.status, 200)
        assert.strictEqual(r.headers.get("content-type"), XLSX)
        assert.match(r.headers.get("content-disposition") ?? "", /attachment; filename="containers_scraped_\d{8}_\d{6}(_\d+)?\.xlsx"/)
        assert.match(r.headers.get("x-session-id") ?? "", /^sess_/)
        assert.strictEqual(r.headers.get("x-is-new-session"), "true")
        const rows = yield* readSheetRows(r.bytes)
        assert.strictEqual(rows[0]![0], "Container #")
        assert.strictEqual(rows.length, 1 + 45)
      }))

    it.effect("pattern 2: explicit session, then reuse by id (is_new_session false)", () =>
      Effect.gen(function*() {
        const a = yield* account("p2")
        const session = yield* call("POST", "/get_session", a.creds)
        assert.strictEqual(session.status, 200)
        assert.isTrue(session.body.is_new)
        const timeline = yield* call("POST", "/get_container_timeline", { session_id: session.body.session_id, container_id: a.snapshot.samples.importPassedPregate })
        assert.strictEqual(timeline.status, 200)
        assert.strictEqual(timeline.body.session_id, session.body.session_id)
        assert.isFalse(timeline.body.is_new_session)
        assert.isTrue(timeline.body.passed_pregate)
        assert.strictEqual(timeline.body.detection_method, "dom_class_check")
        assert.strictEqual(timeline.body.milestone_count, timeline.body.timeline.length)
        const shot = yield* download(timeline.body.screenshot_url)
        assert.strictEqual(shot.status, 200)
        assert.strictEqual(shot.type, "image/png")
      }))

    it.effect("pattern 3: credential-based reuse across endpoints", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator
        const a = yield* account("p3")
        const first = yield* call("POST", "/get_containers", { ...a.creds, return_url: true })
        assert.strictEqual(first.status, 200)
        assert.isTrue(first.body.is_new_session)
        assert.strictEqual(first.body.total_containers, 40)
        const file = yield* download(first.body.file_url)
        assert.strictEqual(file.status, 200)
        assert.strictEqual(file.type, XLSX)
        const second = yield* call("POST", "/get_container_timeline", { ...a.creds, container_id: a.snapshot.samples.importNotPassedPregate })
        assert.strictEqual(second.body.session_id, first.body.session_id)
        assert.isFalse(second.body.is_new_session)
        assert.isFalse(second.body.passed_pregate)
        const third = yield* call("POST", "/get_booking_number", { ...a.creds, container_id: a.snapshot.samples.exportWithBooking })
        assert.strictEqual(third.body.session_id, first.body.session_id)
        assert.strictEqual(third.body.booking_number, a.snapshot.samples.exportWithBookingNumber)
        assert.strictEqual(yield* logins(sim, a.username), 1)
      }))

    it.effect("pattern 4: an appointment workflow that stops at a missing field and resumes with only that field", () =>
      Effect.gen(function*() {
        const a = yield* account("p4")
        const company = a.snapshot.companies[0]!.name
        const first = yield* call("POST", "/check_appointments", {
          ...a.creds,
          container_type: "import",
          trucking_company: company,
          terminal: "ITS Long Beach",
          move_type: "PICK FULL",
          container_id: a.snapshot.samples.importPassedPregate,
          own_chassis: false
        })
        assert.strictEqual(first.status, 400)
        assert.strictEqual(first.body.error, "Missing required field for Phase 2: truck_plate")
        assert.strictEqual(first.body.message, "Please provide truck_plate and retry with appointment_session_id")
        assert.strictEqual(first.body.current_phase, 2)
        assert.match(first.body.appointment_session_id, /^appt_/)
        assert.match(first.body.session_id, /^sess_/)
        assert.isTrue(first.body.is_new_session)
        const retry = yield* call("POST", "/check_appointments", { appointment_session_id: first.body.appointment_session_id, truck_plate: "ABC123" })
        assert.strictEqual(retry.status, 200, JSON.stringify(retry.body))
        assert.strictEqual(retry.body.session_id, first.body.session_id)
        assert.strictEqual(retry.body.container_type, "import")
        assert.isAbove(retry.body.available_times.length, 0)
        assert.strictEqual(retry.body.count, retry.body.available_times.length)

        const expired = yield* call("POST", "/check_appointments", { appointment_session_id: "appt_AAAAAAAAAAAAAAAAAAAAAAAA", truck_plate: "ABC123" })
        assert.strictEqual(expired.status, 410)
        assert.strictEqual(expired.body.error_type, "workflow_expired")
      }))

    it.effect("make_appointment books once per Idempotency-Key, and the booking is in the My Appointments export", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator
        const a = yield* account("book")
        const company = a.snapshot.companies[0]!.name
        const fields = {
          ...a.creds,
          trucking_company: company,
          terminal: "ITS Long Beach",
          move_type: "PICK FULL",
          container_id: a.snapshot.samples.importPassedPregate,
          truck_plate: "ABC123",
          own_chassis: false
        }
        const missing = yield* call("POST", "/make_appointment", fields)
        assert.strictEqual(missing.status, 400)
        assert.include(missing.body.error, "appointment_time")
        const times = yield* call("POST", "/check_appointments", { ...fields, container_type: "import" })
        assert.strictEqual(times.status, 200)
        const key = `book-${a.username}`
        const booked = yield* call("POST", "/make_appointment", { ...fields, appointment_time: times.body.available_times[0] }, { "idempotency-key": key })
        assert.strictEqual(booked.status, 200, JSON.stringify(booked.body))
        assert.isTrue(booked.body.appointment_confirmed)
        assert.isString(booked.body.confirmation_number)
        const replay = yield* call("POST", "/make_appointment", { ...fields, appointment_time: times.body.available_times[0] }, { "idempotency-key": key })
        assert.strictEqual(replay.status, 200)
        assert.isTrue(replay.body.idempotent_replay)
        assert.strictEqual(replay.body.confirmation_number, booked.body.confirmation_number)
        assert.strictEqual((yield* sim.appointments(a.username)).length, 1)

        const exported = yield* call("POST", "/get_appointments", { ...a.creds })
        assert.strictEqual(exported.status, 200, JSON.stringify(exported.body))
        assert.strictEqual(exported.body.selected_count, 1)
        const file = yield* download(exported.body.file_url)
        assert.strictEqual(file.status, 200)
        const rows = yield* readSheetRows(file.bytes)
        assert.isTrue(rows.slice(1).some((row) => row.includes(booked.body.confirmation_number)), "the new booking is in the export")

        const unknown = yield* call("POST", "/get_appointments", { ...a.creds, target_appointment_id: "NO-SUCH-APPOINTMENT" })
        assert.strictEqual(unknown.status, 422)
        assert.strictEqual(unknown.body.error_type, "appointment_not_found")
      }))

    it.effect("failures over HTTP: invalid fields, unknown containers, exports without Pregate, empty bulk", () =>
      Effect.gen(function*() {
        const a = yield* account("fail")
        const session = yield* call("POST", "/get_session", a.creds)
        const id = session.body.session_id as string
        const badCount = yield* call("POST", "/get_containers", { session_id: id, target_count: "ten" })
        assert.strictEqual(badCount.status, 400)
        assert.strictEqual(badCount.body.field, "target_count")
        const notThere = yield* call("POST", "/get_container_timeline", { session_id: id, container_id: "ZZZZ9999999" })
        assert.strictEqual(notThere.status, 404)
        assert.strictEqual(notThere.body.error, "Container 'ZZZZ9999999' not found after scrolling")
        assert.strictEqual(notThere.body.session_id, id)
        const exportTimeline = yield* call("POST", "/get_container_timeline", { session_id: id, container_id: a.snapshot.samples.exportWithBooking })
        assert.strictEqual(exportTimeline.status, 422)
        assert.strictEqual(exportTimeline.body.error_type, "no_pregate_milestone")
        const noBooking = yield* call("POST", "/get_booking_number", { session_id: id, container_id: "ZZZZ9999999" })
        assert.strictEqual(noBooking.status, 404)
        const bookingNa = yield* call("POST", "/get_booking_number", { session_id: id, container_id: a.snapshot.samples.exportWithoutBooking })
        assert.strictEqual(bookingNa.status, 200)
        assert.isNull(bookingNa.body.booking_number)
        assert.strictEqual(bookingNa.body.message, "Booking number not available")
        const emptyBulk = yield* call("POST", "/get_info_bulk", { session_id: id, import_containers: [], export_containers: [] })
        assert.strictEqual(emptyBulk.status, 400)
        assert.include(emptyBulk.body.error, "import_containers")
        const notFound = yield* call("POST", "/get_containers", { session_id: id, target_container_id: "ZZZZ9999999", return_url: true })
        assert.strictEqual(notFound.status, 200)
        assert.isFalse(notFound.body.found_target_container)
        const wrongMethod = yield* call("POST", "/health", {})
        assert.strictEqual(wrongMethod.status, 400)
      }))

    it.effect("session routes on real Chrome: list, ping, pin, close, delete, cleanup, files, health", () =>
      Effect.gen(function*() {
        const pool = yield* SessionPool
        const a = yield* account("routes")
        const b = yield* account("routes-b")
        const first = yield* call("POST", "/get_session", a.creds)
        const id = first.body.session_id as string
        const second = yield* call("POST", "/get_session", b.creds)
        const otherId = second.body.session_id as string

        const listed = yield* call("GET", "/sessions")
        assert.strictEqual(listed.status, 200)
        const entry = listed.body.sessions.find((s: { session_id: string }) => s.session_id === id)
        assert.strictEqual(entry.username, a.username)
        assert.strictEqual(entry.state, "ready")
        assert.include(entry.current_url, "ecp2.localhost")
        assert.notInclude(listed.text, "captcha_api_key")
        assert.notInclude(listed.text, "\"pw\"")

        const ping = yield* call("POST", `/ping_session/${id}`)
        assert.strictEqual(ping.status, 200)
        assert.strictEqual(ping.body.session_id, id)
        const pin = yield* call("POST", "/ping_session", { session_id: id, never_terminate: true })
        assert.strictEqual(pin.status, 200)
        assert.isTrue(pin.body.never_terminate)
        const unknownPing = yield* call("POST", "/ping_session/sess_AAAAAAAAAAAAAAAAAAAAAAAA")
        assert.strictEqual(unknownPing.status, 404)
        assert.strictEqual(unknownPing.body.error_type, "session_not_found")

        const produced = yield* call("POST", "/get_containers", { session_id: id, target_count: 5, return_url: true })
        assert.strictEqual((yield* download(produced.body.file_url)).status, 200)
        const badCleanup = yield* call("POST", "/cleanup", { max_age_hours: "old" })
        assert.strictEqual(badCleanup.status, 400)
        const cleanup = yield* call("POST", "/cleanup", { max_age_hours: 0 })
        assert.strictEqual(cleanup.status, 200)
        assert.isAtLeast(cleanup.body.files_deleted, 1)
        const gone = yield* download(produced.body.file_url)
        assert.strictEqual(gone.status, 404)

        const pid = (yield* pool.get(id)).lease.pid!
        const closed = yield* call("POST", "/close_session", { session_id: id })
        assert.strictEqual(closed.status, 200)
        yield* eventually("Chrome closed", Effect.sync(() => Processes.isAlive(pid)), (alive) => !alive)
        assert.strictEqual((yield* call("POST", "/close_session", { session_id: id })).status, 404)
        const deleted = yield* call("DELETE", `/sessions/${otherId}`)
        assert.strictEqual(deleted.status, 200)
        assert.strictEqual((yield* call("DELETE", `/sessions/${otherId}`)).status, 404)

        const health = yield* call("GET", "/health")
        assert.strictEqual(health.status, 200)
        assert.strictEqual(health.body.status, "healthy")
        const after = yield* call("GET", "/sessions")
        assert.notInclude(after.body.sessions.map((s: { session_id: string }) => s.session_id), id)
        assert.notInclude(after.body.sessions.map((s: { session_id: string }) => s.session_id), otherId)
      }))

    it.effect("get_info_bulk: per-item results, one failure never fails the rest", () =>
      Effect.gen(function*() {
        const a = yield* account("bulk")
        const r = yield* call("POST", "/get_info_bulk", {
          ...a.creds,
          import_containers: [a.snapshot.samples.importPassedPregate, "ZZZZ9999999"],
          export_containers: [a.snapshot.samples.exportWithBooking]
        })
        assert.strictEqual(r.status, 200)
        assert.deepStrictEqual(r.body.results.summary, { total_import: 2, total_export: 1, import_success: 1, import_failed: 1, export_success: 1, export_failed: 0 })
        assert.strictEqual(r.body.results.import_results[0].pregate_status, true)
        assert.isFalse(r.body.results.import_results[1].success)
        assert.strictEqual(r.body.results.export_results[0].booking_number, a.snapshot.samples.exportWithBookingNumber)
        assert.strictEqual(r.body.message, "Bulk processing completed: 2 successful, 1 failed")
      }))
  })
})
