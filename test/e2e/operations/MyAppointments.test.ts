/**
 * get_appointments end to end: the product (pool, actor, real Chromium, files) against the
 * simulator's My Appointments. The workbook is the portal's own export, read back with exceljs and
 * compared with the simulator's bookings; debug bundles are unzipped and inspected.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { dirname } from "node:path"
import { logins, newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { type AppointmentSnapshot, Simulator } from "@emodal/simulator"
import { type PortalError, type PortalUnavailable } from "../../../src/domain/Errors.ts"
import { statusOf, toSeedBody } from "../../../src/domain/ErrorSpecs.ts"
import type { GetAppointmentsRequest } from "../../../src/domain/Operations.ts"
import { ArtifactStore } from "../../../src/services/ArtifactStore.ts"
import { debugBundleUrlOf, type RequestContext } from "../../../src/services/operations/Kit.ts"
import { PortalOperations } from "../../../src/services/PortalOperations.ts"
import { coreLayer } from "../../utils/ProductHarness.ts"
import { readSheetRows } from "../../utils/Sheets.ts"
import { entry, PNG_SIGNATURE, readZip } from "../../utils/ZipReader.ts"

const Env = PortalOperations.layer.pipe(Layer.provideMerge(coreLayer()), Layer.provideMerge(testSimulatorLayer()))

const context: RequestContext = { baseUrl: "http://files.test", requestId: "appointments-test" }

/** A trusted-captcha account with 3 containers and `appointmentCount` bookings; its username. */
const account = (appointmentCount: number) =>
  Effect.map(newAccount("myappt", { captchaMode: "trusted", containerCount: 3, appointmentCount }), (a) => a.username)

const credentials = (username: string) => ({ username, password: Redacted.make("pw"), captcha_api_key: Redacted.make("demo") })

const getAppointments = (request: GetAppointmentsRequest) =>
  Effect.gen(function*() {
    return yield* (yield* PortalOperations).getAppointments(request, context)
  })

/** The file behind a returned URL, through the same resolver /files uses. */
const fileOf = (url: string) =>
  Effect.gen(function*() {
    assert.isTrue(url.startsWith(`${context.baseUrl}/files/`), url)
    return yield* (yield* ArtifactStore).resolve(new URL(url).pathname)
  })

/** Every row of the export's "Appointments" sheet, header first, as strings. */
const readSheet = (path: string) => readSheetRows(path, "Appointments")

/** The export row the simulator's booking should produce (its columns, §Xlsx). */
const expectedRow = (a: AppointmentSnapshot) => [
  a.confirmationNumber,
  a.slot,
  a.status,
  a.terminal,
  a.moveType,
  a.tradeType,
  a.containers.join(", "),
  a.booking ?? "",
  a.line ?? "",
  a.equipSize ?? "",
  String(a.quantity),
  a.truckPlate,
  a.ownChassis ? "YES" : "NO",
  a.truckingCompany
]

/** The data rows as exceljs reads them (it drops trailing empty cells, so compare padded). */
const dataRows = (rows: ReadonlyArray<ReadonlyArray<string>>) =>
  rows.slice(1).map((r) => Array.from({ length: 14 }, (_, i) => r[i] ?? ""))

layer(Env, { excludeTestServices: true, timeout: "300 seconds" })("get_appointments (Chromium vs simulator)", (it) => {
  it.effect("all: the xlsx holds exactly the account's bookings, newest first, under an id-free name in the session folder", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account(40)
      const expected = yield* sim.appointments(username)
      assert.strictEqual(expected.length, 40)
      const response = yield* getAppointments(credentials(username))
      assert.isTrue(response.success)
      assert.isTrue(response.is_new_session)
      assert.strictEqual(response.selected_count, 40, "every row, beyond the first page of 25")
      assert.match(response.file_name, /^appointments_\d{8}_\d{6}\.xlsx$/)
      assert.notInclude(response.file_url, response.session_id)
      assert.isUndefined(response.debug_bundle_url)
      const file = yield* fileOf(response.file_url)
      assert.strictEqual(file.name, response.file_name)
      assert.strictEqual(file.bytes, response.file_size)
      const rows = yield* readSheet(file.path)
      assert.strictEqual(rows[0]![0], "Appointment #")
      assert.deepStrictEqual(dataRows(rows), expected.map(expectedRow))
      assert.deepStrictEqual(readdirSync(dirname(file.path)), [file.name], "no download directory or temporary left behind")
    }))

  it.effect("target_count: exactly the first N rows (scrolling past the first page), on the reused session", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account(40)
      const expected = yield* sim.appointments(username)
      const first = yield* getAppointments({ ...credentials(username), target_count: 3 })
      assert.strictEqual(first.selected_count, 3)
      assert.deepStrictEqual(dataRows(yield* readSheet((yield* fileOf(first.file_url)).path)), expected.slice(0, 3).map(expectedRow))

      const second = yield* getAppointments({ session_id: first.session_id, target_count: 30 })
      assert.isFalse(second.is_new_session)
      assert.strictEqual(second.session_id, first.session_id)
      assert.strictEqual(second.selected_count, 30)
      const rows = yield* readSheet((yield* fileOf(second.file_url)).path)
      assert.deepStrictEqual(dataRows(rows).map((r) => r[0]), expected.slice(0, 30).map((a) => a.confirmationNumber))

      const more = yield* getAppointments({ session_id: first.session_id, target_count: 500 })
      assert.strictEqual(more.selected_count, 40, "N larger than the list selects the whole list")
      const files = readdirSync(dirname((yield* fileOf(more.file_url)).path))
      assert.strictEqual(files.length, 3, "three exports side by side, none overwritten")
    }))

  it.effect("target_appointment_id: one row, found by scrolling, matched without regard to case or spaces", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account(40)
      const expected = yield* sim.appointments(username)
      const target = expected[33]!
      const spaced = ` ${target.confirmationNumber.slice(0, 4).toLowerCase()} ${target.confirmationNumber.slice(4)} `
      const response = yield* getAppointments({ ...credentials(username), target_appointment_id: spaced })
      assert.strictEqual(response.selected_count, 1)
      assert.deepStrictEqual(dataRows(yield* readSheet((yield* fileOf(response.file_url)).path)), [expectedRow(target)])
    }))

  it.effect("an unknown appointment id is PortalRejected (422) with the session; an empty list is PortalRejected too", () =>
    Effect.gen(function*() {
      const username = yield* account(5)
      const error = yield* getAppointments({ ...credentials(username), target_appointment_id: "EM00000000" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "PortalRejected")
      const body = toSeedBody(error)
      assert.strictEqual(statusOf(error), 422)
      assert.strictEqual(body.error_type, "appointment_not_found")
      assert.strictEqual(body.error, "Appointment 'EM00000000' is not in My Appointments (5 appointments listed)")
      assert.match(body.session_id ?? "", /^sess_/)
      assert.isTrue(body.is_new_session)

      const empty = yield* account(0)
      const none = yield* getAppointments(credentials(empty)).pipe(Effect.flip)
      assert.strictEqual(none._tag, "PortalRejected")
      assert.strictEqual(toSeedBody(none).error_type, "no_appointments")
    }))

  it.effect("debug: the bundle holds steps.json, honest screenshots and HTML; a failing run adds error.txt", () =>
    Effect.gen(function*() {
      const username = yield* account(4)
      const ok = yield* getAppointments({ ...credentials(username), debug: true, target_count: 2 })
      assert.isDefined(ok.debug_bundle_url)
      const bundle = yield* fileOf(ok.debug_bundle_url!)
      assert.match(bundle.name, /^appointments_\d{8}_\d{6}_DEBUG\.zip$/)
      assert.notInclude(ok.debug_bundle_url!, ok.session_id)
      const entries = readZip(readFileSync(bundle.path))
      const names = entries.map((e) => e.name)
      const steps = JSON.parse(entry(entries, "steps.json").data.toString("utf8")) as Array<{ name: string; url: string | null }>
      const stepNames = steps.map((s) => s.name)
      for (const step of ["appointments: list shown", "appointments: rows selected", "appointments: export downloaded"]) {
        assert.include(stepNames, step)
      }
      const shots = entries.filter((e) => /^screenshots\/\d\d_.+\.png$/.test(e.name))
      assert.isAtLeast(shots.length, 2)
      for (const shot of shots) assert.deepStrictEqual(shot.data.subarray(0, 8), PNG_SIGNATURE, shot.name)
      // Honest: the viewport as Chrome rendered it (no added browser frame or taskbar band).
      assert.strictEqual(shots[0]!.data.readUInt32BE(16), 1280, "viewport width")
      assert.strictEqual(shots[0]!.data.readUInt32BE(20), 900, "viewport height")
      const pages = entries.filter((e) => /^html\/\d\d_.+\.html$/.test(e.name))
      assert.isAtLeast(pages.length, 2)
      assert.include(pages[0]!.data.toString("utf8"), "table")
      assert.notInclude(names, "error.txt")

      const failed = yield* getAppointments({ session_id: ok.session_id, debug: true, target_appointment_id: "EM00000000" }).pipe(Effect.flip)
      assert.strictEqual(failed._tag, "PortalRejected")
      const url = debugBundleUrlOf(failed)
      assert.isDefined(url, "a failure under debug still yields its bundle")
      const failedEntries = readZip(readFileSync((yield* fileOf(url!)).path))
      const error = entry(failedEntries, "error.txt").data.toString("utf8")
      assert.include(error, "EM00000000")
      assert.include(error, "Request ID: appointments-test")
      const failedSteps = JSON.parse(entry(failedEntries, "steps.json").data.toString("utf8")) as Array<{ name: string }>
      assert.include(failedSteps.map((s) => s.name), "appointments: failed")
      assert.isTrue(failedEntries.some((e) => e.name.startsWith("screenshots/") && e.name.endsWith("_appointments_failed.png")))
      assert.isTrue(failedEntries.some((e) => e.name.startsWith("html/")))
    }))

  it.effect("a session the portal logged out meanwhile is logged in again and the export still succeeds", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account(6)
      const first = yield* getAppointments({ ...credentials(username), target_count: 1 })
      const before = yield* logins(sim, username)
      assert.isAtLeast(yield* sim.expireSessions(username), 1)
      const again = yield* getAppointments({ session_id: first.session_id })
      assert.strictEqual(again.session_id, first.session_id)
      assert.strictEqual(again.selected_count, 6)
      assert.strictEqual(yield* logins(sim, username), before + 1)
    }))

  it.effect("an export the portal answers with HTTP 500 fails fast as PortalUnavailable, not at the download deadline", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account(3)
      yield* sim.setFaults({ http500: ["truckerportal:/api/appointments/export"] })
      const error = yield* getAppointments(credentials(username)).pipe(
        Effect.flip,
        Effect.ensuring(sim.resetFaults())
      )
      assert.strictEqual(error._tag, "PortalUnavailable")
      assert.strictEqual(statusOf(error as PortalError), 502)
      // Failed by the page watch (an error page replaced the list), not at the download deadline.
      assert.include((error as PortalUnavailable).detail, "the export replaced My Appointments with another page")
      assert.strictEqual((error as PortalUnavailable).phase, "appointments:export")
    }))
})
