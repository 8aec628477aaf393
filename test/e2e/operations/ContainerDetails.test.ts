import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { Simulator } from "@emodal/simulator"
import { type PortalError } from "../../../src/domain/Errors.ts"
import { toSeedBody, statusOf } from "../../../src/domain/ErrorSpecs.ts"
import { ArtifactStore } from "../../../src/services/ArtifactStore.ts"
import { PortalOperations } from "../../../src/services/PortalOperations.ts"
import { debugBundleUrlOf } from "../../../src/services/operations/Kit.ts"
import * as Png from "../../../src/services/portal/Png.ts"
import { logins } from "../../utils/ProductHarness.ts"
import {
  login,
  operationsEnv,
  requestContext,
  samplesOf,
  urlPathOf,
  zipEntries
} from "../../utils/ContainersSupport.ts"

const Env = operationsEnv()

/** The simulator's milestones of a container, newest first, as the API should report them. */
const expectedTimeline = (username: string, id: string) =>
  Effect.gen(function*() {
    const rows = yield* Effect.orDie((yield* Simulator).containers(username))
    const row = rows.find((r) => r.id === id)!
    return [...row.milestones].reverse().map((m) => ({
      milestone: m.name,
      date: m.date,
      status: m.done ? ("completed" as const) : ("pending" as const)
    }))
  })

const flipPortal = <A>(e: Effect.Effect<A, PortalError>) => Effect.flip(e)

layer(Env, { excludeTestServices: true, timeout: "120 seconds" })("containers: timeline, booking number, bulk (real Chromium)", (it) => {
  it.effect("timeline of an import that passed pregate: dom_class_check, newest first, screenshot file", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const samples = yield* samplesOf("demo")
      const id = samples.importPassedPregate!
      const res = yield* ops.getContainerTimeline({ ...login("demo"), container_id: id }, requestContext)
      assert.isTrue(res.success)
      assert.strictEqual(res.container_id, id)
      assert.isTrue(res.passed_pregate)
      assert.strictEqual(res.detection_method, "dom_class_check")
      assert.isUndefined(res.image_analysis)
      assert.deepStrictEqual(res.timeline, yield* expectedTimeline("demo", id))
      assert.strictEqual(res.milestone_count, 9)
      assert.strictEqual(res.timeline[0]!.milestone, "Empty Received", "newest first")

      // The screenshot is a real PNG of the whole timeline (taller than the grid's scroll box).
      assert.isString(res.screenshot_url)
      const file = yield* (yield* ArtifactStore).resolve(urlPathOf(res.screenshot_url!))
      const image = Png.decodeSync(new Uint8Array(readFileSync(file.path)))
      assert.isAbove(image.height, 560, "the stitched timeline is taller than #searchres")
      assert.isAbove(image.width, 200)
    }))

  it.effect("timeline of an import that did not pass pregate (alias `container`)", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const id = (yield* samplesOf("demo")).importNotPassedPregate!
      const res = yield* ops.getContainerTimeline({ ...login("demo"), container: id }, requestContext)
      assert.isFalse(res.passed_pregate)
      assert.strictEqual(res.detection_method, "dom_class_check")
      assert.deepStrictEqual(res.timeline, yield* expectedTimeline("demo", id))
      assert.strictEqual(res.timeline.find((m) => m.milestone === "Pregate")!.status, "pending")
    }))

  it.effect("ambiguous Pregate divider: image fallback, dark = passed, light = not passed", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const samples = yield* samplesOf("demo")
      const dark = yield* ops.getContainerTimeline({ ...login("demo"), container_id: samples.importAmbiguousDark! }, requestContext)
      assert.strictEqual(dark.detection_method, "image_processing")
      assert.isTrue(dark.passed_pregate)
      assert.strictEqual(dark.image_analysis!.threshold, 180)
      assert.isBelow(dark.image_analysis!.average_brightness, 180)
      assert.lengthOf(dark.image_analysis!.average_color_rgb, 3)
      // #1b5e20: green dominates.
      const [r, g, b] = dark.image_analysis!.average_color_rgb
      assert.isAbove(g, r)
      assert.isAbove(g, b)
      assert.strictEqual(dark.timeline.find((m) => m.milestone === "Pregate")!.status, "completed")
      assert.deepStrictEqual(dark.timeline, yield* expectedTimeline("demo", samples.importAmbiguousDark!))

      const light = yield* ops.getContainerTimeline({ ...login("demo"), container_id: samples.importAmbiguousLight! }, requestContext)
      assert.strictEqual(light.detection_method, "image_processing")
      assert.isFalse(light.passed_pregate)
      assert.isAbove(light.image_analysis!.average_brightness, 180)
      assert.strictEqual(light.timeline.find((m) => m.milestone === "Pregate")!.status, "pending")
      assert.deepStrictEqual(light.timeline, yield* expectedTimeline("demo", samples.importAmbiguousLight!))
    }))

  // ISSUE-11 #17: dividers whose classes do not even contain `dividerflowcolor` as a substring
  // (`timeline-divider mat-divider`): the product reads class tokens, so it reaches the image check.
  it.effect("Pregate divider with no known class even as a substring: image fallback, dark = passed, light = not passed", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const samples = yield* samplesOf("demo")
      const dark = yield* ops.getContainerTimeline({ ...login("demo"), container_id: samples.importAmbiguousPlainDark! }, requestContext)
      assert.strictEqual(dark.detection_method, "image_processing")
      assert.isTrue(dark.passed_pregate)
      assert.isBelow(dark.image_analysis!.average_brightness, 180)
      assert.strictEqual(dark.timeline.find((m) => m.milestone === "Pregate")!.status, "completed")
      assert.deepStrictEqual(dark.timeline, yield* expectedTimeline("demo", samples.importAmbiguousPlainDark!))

      const light = yield* ops.getContainerTimeline({ ...login("demo"), container_id: samples.importAmbiguousPlainLight! }, requestContext)
      assert.strictEqual(light.detection_method, "image_processing")
      assert.isFalse(light.passed_pregate)
      assert.isAbove(light.image_analysis!.average_brightness, 180)
      assert.strictEqual(light.timeline.find((m) => m.milestone === "Pregate")!.status, "pending")
      assert.deepStrictEqual(light.timeline, yield* expectedTimeline("demo", samples.importAmbiguousPlainLight!))
    }))

  it.effect("an export's timeline is a typed PortalRejected (no_pregate_milestone, 422), with the session id", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const id = (yield* samplesOf("demo")).exportWithBooking!
      const error = yield* flipPortal(ops.getContainerTimeline({ ...login("demo"), container_id: id }, requestContext))
      assert.strictEqual(error._tag, "PortalRejected")
      if (error._tag !== "PortalRejected") return
      assert.strictEqual(error.reason, "no_pregate_milestone")
      assert.include(error.detail, id)
      assert.include(error.detail, "get_booking_number")
      assert.strictEqual(statusOf(error), 422)
      assert.isString(error.sessionId)
      assert.strictEqual(toSeedBody(error).error_type, "no_pregate_milestone")
    }))

  it.effect("a container that is not in the list: ContainerNotFound (404); a missing container_id: 400", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const error = yield* flipPortal(ops.getContainerTimeline({ ...login("demo"), container_id: "ZZZU0000000" }, requestContext))
      assert.strictEqual(error._tag, "ContainerNotFound")
      assert.strictEqual(statusOf(error), 404)
      assert.strictEqual(toSeedBody(error).error, "Container 'ZZZU0000000' not found after scrolling")
      assert.isString((error as { sessionId?: string }).sessionId)

      const missing = yield* flipPortal(ops.getBookingNumber({ ...login("demo") }, requestContext))
      assert.strictEqual(missing._tag, "InvalidOperationInput")
      assert.strictEqual(toSeedBody(missing).error, "Missing required field: container_id")
      assert.strictEqual(statusOf(missing), 400)
    }))

  it.effect("booking number present, and N/A → null with the seed's message", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const samples = yield* samplesOf("demo")
      const present = yield* ops.getBookingNumber({ ...login("demo"), container_id: samples.exportWithBooking! }, requestContext)
      assert.strictEqual(present.booking_number, samples.exportWithBookingNumber)
      assert.isUndefined(present.message)

      const none = yield* ops.getBookingNumber({ ...login("demo"), container_id: samples.exportWithoutBooking! }, requestContext)
      assert.isNull(none.booking_number)
      assert.strictEqual(none.message, "Booking number not available")
      assert.strictEqual(none.session_id, present.session_id, "the session is reused")
      assert.isFalse(none.is_new_session)
    }))

  it.effect("get_info_bulk: imports and exports, a missing container and an export listed as import, in one message", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const samples = yield* samplesOf("demo")
      const res = yield* ops.getInfoBulk({
        ...login("demo"),
        import_containers: [samples.importPassedPregate!, "ZZZU0000000", samples.importAmbiguousLight!, samples.exportWithoutBooking!],
        export_containers: [samples.exportWithBooking!, samples.exportWithoutBooking!, "ZZZU0000000"]
      }, requestContext)
      const { import_results: imports, export_results: exports, summary } = res.results
      assert.deepStrictEqual(summary, {
        total_import: 4,
        total_export: 3,
        import_success: 2,
        import_failed: 2,
        export_success: 2,
        export_failed: 1
      })
      assert.strictEqual(res.message, "Bulk processing completed: 4 successful, 3 failed")

      const [passed, missing, light, exportAsImport] = imports
      assert.deepStrictEqual(passed, {
        container_id: samples.importPassedPregate!,
        success: true,
        pregate_status: true,
        pregate_details: { detection_method: "dom_class_check" },
        timeline: yield* expectedTimeline("demo", samples.importPassedPregate!),
        milestone_count: 9
      })
      assert.isFalse(missing!.success)
      assert.isNull(missing!.pregate_status)
      assert.strictEqual(missing!.error_type, "container_not_found")
      assert.deepStrictEqual(missing!.timeline, [])
      assert.strictEqual(light!.pregate_status, false)
      assert.deepStrictEqual(light!.pregate_details, { detection_method: "image_processing" })
      assert.isFalse(exportAsImport!.success)
      assert.strictEqual(exportAsImport!.error_type, "no_pregate_milestone")
      assert.strictEqual(exportAsImport!.milestone_count, 5, "its timeline was still read")

      assert.deepStrictEqual(exports, [
        { container_id: samples.exportWithBooking!, success: true, booking_number: samples.exportWithBookingNumber },
        { container_id: samples.exportWithoutBooking!, success: true, booking_number: null },
        {
          container_id: "ZZZU0000000",
          success: false,
          booking_number: null,
          error: "Container 'ZZZU0000000' not found after scrolling",
          error_type: "container_not_found"
        }
      ])

      const empty = yield* flipPortal(ops.getInfoBulk({ ...login("demo"), import_containers: [] }, requestContext))
      assert.strictEqual(toSeedBody(empty).error, "At least one of 'import_containers' or 'export_containers' must be provided")
    }))

  it.effect("a session the portal logged out is logged in again once, and the lookup still answers", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const sim = yield* Simulator
      const samples = yield* samplesOf("demo")
      const first = yield* ops.getBookingNumber({ ...login("demo"), container_id: samples.exportWithBooking! }, requestContext)
      const before = yield* logins(sim, "demo")
      assert.isAtLeast(yield* sim.expireSessions("demo"), 1)
      const again = yield* ops.getBookingNumber({ session_id: first.session_id, container_id: samples.exportWithBooking! }, requestContext)
      assert.strictEqual(again.booking_number, samples.exportWithBookingNumber)
      assert.strictEqual(again.session_id, first.session_id)
      assert.strictEqual(yield* logins(sim, "demo"), before + 1, "exactly one re-login")
    }))

  it.effect("debug: the timeline run writes a bundle with steps.json and screenshots", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const id = (yield* samplesOf("demo")).importAmbiguousDark!
      const res = yield* ops.getContainerTimeline({ ...login("demo"), container_id: id, debug: true }, requestContext)
      assert.isString(res.debug_bundle_url)
      const bundle = yield* (yield* ArtifactStore).resolve(urlPathOf(res.debug_bundle_url!))
      assert.isTrue(existsSync(bundle.path))
      const names = zipEntries(bundle.path).map((e) => e.name)
      assert.include(names, "steps.json")
      assert.isAtLeast(names.filter((n) => n.startsWith("screenshots/") && n.endsWith(".png")).length, 3)
      assert.isAtLeast(names.filter((n) => n.startsWith("html/")).length, 3)
      assert.notInclude(names, "error.txt")

      // On failure the bundle is still written, with error.txt, and the typed error points at it.
      const exportId = (yield* samplesOf("demo")).exportWithoutBooking!
      const error = yield* flipPortal(ops.getContainerTimeline({ ...login("demo"), container_id: exportId, debug: true }, requestContext))
      assert.strictEqual(error._tag, "PortalRejected")
      const failedUrl = debugBundleUrlOf(error)
      assert.isString(failedUrl)
      const failed = zipEntries((yield* (yield* ArtifactStore).resolve(urlPathOf(failedUrl!))).path)
      assert.include(failed.map((e) => e.name), "steps.json")
      assert.include(failed.find((e) => e.name === "error.txt")!.data.toString("utf8"), "no Pregate milestone")
    }))
})
