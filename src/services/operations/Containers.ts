/**
 * The containers operations (SEED-SYSTEM §1.3, §1.6, §1.7, §1.14): get_containers,
 * get_container_timeline, get_booking_number and get_info_bulk. Each resolves its session through
 * the Kit and runs its page work as ONE message on that session's actor (so it never interleaves
 * with another operation of the session); building and storing files happens after the message,
 * off the browser. With `debug`, the page flow records steps into a debug bundle.
 *
 * Deliberate differences from the seed: `target_count` files hold exactly N rows;
 * `total_containers` is the integer number of rows in the file; a find that misses still succeeds
 * but says so (`found_target_container: false` and a stopped_reason); an export asked for its
 * timeline is a typed PortalRejected (`no_pregate_milestone`, 422), not a 500; bulk import items
 * report `pregate_details: {detection_method}`.
 */
import { Duration, Effect } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import {
  type ContainerNotFound,
  InvalidOperationInput,
  PortalChanged,
  type PortalError,
  PortalRejected,
  type StorageFailed
} from "../../domain/Errors.ts"
import { toSeedBody } from "../../domain/ErrorSpecs.ts"
import type {
  BookingNumberResponse,
  BulkProgress,
  Container,
  ContainerLookupRequest,
  ContainersProgress,
  GetContainersRequest,
  GetContainersResponse,
  GetInfoBulkRequest,
  GetInfoBulkResponse,
  TimelineResponse
} from "../../domain/Operations.ts"
import type { StoredFile } from "../ArtifactStore.ts"
import { openContainerWorkbook } from "../ContainerWorkbook.ts"
import { bookingValue, buildTimeline, type RawMilestone } from "../portal/containers/ContainerDetail.ts"
import { normalizeContainerId } from "../portal/containers/ContainerGrid.ts"
import type { ContainersError, LoadMode, LoadResult } from "../PortalDriver.ts"
import { Containers as Selectors } from "../PortalSelectors.ts"
import { type Kit, loadBudget, onSession, type RequestContext } from "./Kit.ts"

/** get_containers' result: the response body and the stored file (REST sends the file itself when return_url is false). */
export interface ContainersResult {
  readonly response: GetContainersResponse
  readonly file: StoredFile
}

/** Hears the rows loaded so far while get_containers scrolls. */
export type ProgressListener = (progress: Extract<ContainersProgress, { type: "progress" }>) => Effect.Effect<void>

/** Hears each finished item of get_info_bulk. */
export type BulkListener = (progress: BulkProgress) => Effect.Effect<void>

/** Time kept back from OPERATION_TIMEOUT for reading rows and wrapping up after scrolling. */
const WRAP_UP = Duration.seconds(15)

const scrollBudget = (kit: Kit) => loadBudget(kit, WRAP_UP)

/**
 * `<base>.<ext>` in the session's folder, or `<base>_2.<ext>`, `_3`… when a file of that name exists:
 * two runs within the same second must not overwrite each other's file (the first URL would
 * silently serve the second result).
 */
const freeName = (kit: Kit, owner: string, base: string, ext: string) =>
  Effect.gen(function*() {
    const dir = yield* kit.artifacts.folder(owner)
    let name = `${base}.${ext}`
    for (let n = 2; existsSync(join(dir, name)); n++) name = `${base}_${n}.${ext}`
    return name
  })

// ---------------------------------------------------------------------------------------------
// get_containers

type Mode = GetContainersResponse["mode"]

/** The seed's priority: target_container_id > target_count > infinite_scrolling (default true) > first page. */
export const containersMode = (request: GetContainersRequest): { readonly mode: Mode; readonly load: LoadMode } => {
  const target = request.target_container_id?.trim()
  if (target !== undefined && target !== "") return { mode: "find_container", load: { _tag: "find", containerId: target } }
  if (request.target_count !== undefined) return { mode: "target_count", load: { _tag: "target_count", count: request.target_count } }
  if (request.infinite_scrolling !== false) return { mode: "all", load: { _tag: "all" } }
  return { mode: "first_page", load: { _tag: "first_page" } }
}

/** The stopped_reason wording (the seed's where it had one). */
export const stoppedReason = (load: LoadMode, stop: LoadResult["stop"], containers: number): string => {
  switch (load._tag) {
    case "first_page":
      return "First page only"
    case "target_count":
      return stop === "target_count"
        ? `Target count ${load.count} reached`
        : `End of list reached before target count ${load.count} (${containers} containers)`
    case "find":
      return stop === "found" ? `Container ${load.containerId} found` : `Container ${load.containerId} not found in the list`
    case "all":
      return "End of list reached"
  }
}

export const getContainers = (
  kit: Kit,
  request: GetContainersRequest,
  context: RequestContext,
  onProgress?: ProgressListener
): Effect.Effect<ContainersResult, PortalError> =>
  Effect.gen(function*() {
    const { mode, load } = containersMode(request)
    return yield* kit.withSession(request, ({ session, isNew }) =>
      Effect.gen(function*() {
        const { result, debugBundleUrl } = yield* kit.withDebug({ enabled: request.debug === true, session, label: "containers", context },
          Effect.gen(function*() {
            // The workbook is written as the rows land: each batch goes to the writer's spill (only
            // the columns' widths stay in memory), and the xlsx is streamed out at the end.
            const scratch = yield* kit.artifacts.scratch(session.id)
            return yield* Effect.gen(function*() {
              const writer = yield* openContainerWorkbook(scratch)
              const wanted = load._tag === "target_count" ? load.count : Number.POSITIVE_INFINITY
              const kept: Array<Container> | undefined = request.include_rows === true ? [] : undefined
              let spillFailed: StorageFailed | undefined
              const onRows = (batch: ReadonlyArray<Container>) =>
                Effect.suspend(() => {
                  const take = batch.slice(0, Math.max(0, wanted - writer.rows()))
                  if (take.length === 0 || spillFailed !== undefined) return Effect.void
                  kept?.push(...take)
                  return writer.add(take).pipe(Effect.catch((e) => Effect.sync(() => void (spillFailed = e))))
                })
              const read = yield* onSession(session, "get_containers", (page) =>
                Effect.gen(function*() {
                  yield* kit.driver.openContainers(page)
                  return yield* kit.driver.loadContainers(page, load, {
                    deadline: scrollBudget(kit),
                    onRows,
                    onProgress: onProgress === undefined
                      ? undefined
                      : (p) => onProgress({ type: "progress", rows_loaded: p.containers, scroll_cycles: p.scrollCycles })
                  })
                }))
              if (spillFailed !== undefined) return yield* spillFailed
              const name = yield* freeName(kit, session.id, `containers_scraped_${yield* kit.stamp}`, "xlsx")
              const out = join(scratch, "containers.xlsx")
              yield* writer.finish(out)
              const file = yield* kit.artifacts.adopt(session.id, out, name)
              return { total: writer.rows(), rows: kept, loaded: read.loaded, file }
            }).pipe(Effect.scoped, Effect.ensuring(kit.artifacts.discardScratch(scratch)))
          })
        )
        const response: GetContainersResponse = {
          success: true,
          session_id: session.id,
          is_new_session: isNew,
          file_url: kit.url(context, result.file),
          file_name: result.file.name,
          file_size: result.file.bytes,
          total_containers: result.total,
          scroll_cycles: result.loaded.scrollCycles,
          mode,
          ...(load._tag === "find" ? { found_target_container: result.loaded.stop === "found" } : {}),
          stopped_reason: stoppedReason(load, result.loaded.stop, result.total),
          ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {}),
          ...(result.rows !== undefined ? { containers: result.rows } : {})
        }
        return { response, file: result.file }
      }))
  })

// ---------------------------------------------------------------------------------------------
// get_container_timeline and get_booking_number

/** `container_id`, or the seed's alias `container`; 400 with the seed's wording when neither. */
export const requireContainerId = (request: ContainerLookupRequest): Effect.Effect<string, InvalidOperationInput> => {
  const id = (request.container_id ?? request.container ?? "").trim()
  return id === ""
    ? Effect.fail(new InvalidOperationInput({ detail: "Missing required field: container_id", field: "container_id", missingFields: ["container_id"] }))
    : Effect.succeed(id)
}

const noPregate = (containerId: string, milestones: ReadonlyArray<RawMilestone>) =>
  new PortalRejected({
    reason: "no_pregate_milestone",
    detail: `Container ${containerId} has no Pregate milestone (its timeline: ${milestones.map((m) => m.name).join(", ") || "empty"}). ` +
      "Pregate status exists only for import containers; use get_booking_number for exports."
  })

export const getContainerTimeline = (
  kit: Kit,
  request: ContainerLookupRequest,
  context: RequestContext
): Effect.Effect<TimelineResponse, PortalError> =>
  Effect.gen(function*() {
    const containerId = yield* requireContainerId(request)
    return yield* kit.withSession(request, ({ session, isNew }) =>
      Effect.gen(function*() {
        const { result, debugBundleUrl } = yield* kit.withDebug({ enabled: request.debug === true, session, label: "timeline", context },
          Effect.gen(function*() {
            const detail = yield* onSession(session, "get_container_timeline", (page) =>
              Effect.gen(function*() {
                yield* kit.driver.openContainers(page)
                return yield* kit.driver.inspectContainer(page, containerId, {
                  pregate: true,
                  screenshot: true,
                  leaveExpanded: true,
                  deadline: scrollBudget(kit)
                })
              }))
            const pregate = detail.pregate
            if (pregate === null || pregate === undefined) return yield* noPregate(containerId, detail.milestones)
            const screenshot = detail.screenshot === undefined ? undefined : yield* kit.artifacts.save(
              session.id,
              yield* freeName(kit, session.id, `timeline_${normalizeContainerId(containerId)}_${yield* kit.stamp}`, "png"),
              detail.screenshot
            )
            return { detail, pregate, screenshot }
          })
        )
        const timeline = buildTimeline(result.detail.milestones, result.pregate.passed)
        const response: TimelineResponse = {
          success: true,
          session_id: session.id,
          is_new_session: isNew,
          container_id: containerId,
          passed_pregate: result.pregate.passed,
          timeline,
          milestone_count: timeline.length,
          detection_method: result.pregate.method,
          ...(result.pregate.imageAnalysis !== undefined ? { image_analysis: result.pregate.imageAnalysis } : {}),
          ...(result.screenshot !== undefined ? { screenshot_url: kit.url(context, result.screenshot) } : {}),
          ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
        }
        return response
      }))
  })

export const BOOKING_NOT_AVAILABLE = "Booking number not available"

export const getBookingNumber = (
  kit: Kit,
  request: ContainerLookupRequest,
  context: RequestContext
): Effect.Effect<BookingNumberResponse, PortalError> =>
  Effect.gen(function*() {
    const containerId = yield* requireContainerId(request)
    return yield* kit.withSession(request, ({ session, isNew }) =>
      Effect.gen(function*() {
        const { result, debugBundleUrl } = yield* kit.withDebug({ enabled: request.debug === true, session, label: "booking", context },
          onSession(session, "get_booking_number", (page) =>
            Effect.gen(function*() {
              yield* kit.driver.openContainers(page)
              const detail = yield* kit.driver.inspectContainer(page, containerId, {
                pregate: false,
                screenshot: false,
                leaveExpanded: true,
                deadline: scrollBudget(kit)
              })
              if (!detail.booking.label) return yield* missingBookingLabel
              return bookingValue(detail.booking)
            }))
        )
        const response: BookingNumberResponse = {
          success: true,
          session_id: session.id,
          is_new_session: isNew,
          container_id: containerId,
          booking_number: result,
          ...(result === null ? { message: BOOKING_NOT_AVAILABLE } : {}),
          ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
        }
        return response
      }))
  })

/** The expanded row has no "Booking #" label at all: the detail's markup is not what we know. */
const missingBookingLabel = Effect.suspend(() =>
  Effect.fail(new PortalChanged({ selector: `${Selectors.fieldLabel} "${Selectors.bookingLabel}"`, phase: "containers:booking" }))
)

// ---------------------------------------------------------------------------------------------
// get_info_bulk

type ImportItem = GetInfoBulkResponse["results"]["import_results"][number]
type ExportItem = GetInfoBulkResponse["results"]["export_results"][number]

type ItemFailure = ContainersError | ContainerNotFound | PortalRejected

/** An item failure that does not end the run (see `item`). */
type ItemError = Exclude<ItemFailure, { readonly _tag: "LoggedOut" }>

/** An item's error as the seed's `error` string plus our `error_type`. */
export const describeItemFailure = (e: ItemError): { readonly error: string; readonly error_type: string } => {
  switch (e._tag) {
    case "WaitTimedOut":
      return { error: `Timed out waiting for ${e.what}`, error_type: "operation_timed_out" }
    case "BrowserError":
      return { error: `The browser failed while reading this container (${e.operation})`, error_type: "browser_error" }
    default: {
      const body = toSeedBody(e)
      return { error: body.error, error_type: body.error_type }
    }
  }
}

/**
 * Runs one item; a failure becomes the item's result unless it ends the whole run: the session is
 * logged out (the actor re-logs in and runs it again) or Chrome is gone.
 */
const item = <A>(effect: Effect.Effect<A, ItemFailure>) =>
  effect.pipe(
    Effect.map((value) => ({ _tag: "ok" as const, value })),
    Effect.catch((e: ItemFailure) =>
      e._tag === "LoggedOut" || (e._tag === "BrowserError" && e.disconnected)
        ? Effect.fail(e)
        : Effect.succeed({ _tag: "failed" as const, error: e })
    )
  )

const requireBulkLists = (request: GetInfoBulkRequest) => {
  const imports = request.import_containers ?? []
  const exports = request.export_containers ?? []
  return imports.length === 0 && exports.length === 0
    ? Effect.fail(new InvalidOperationInput({ detail: "At least one of 'import_containers' or 'export_containers' must be provided" }))
    : Effect.succeed({ imports, exports })
}

export const getInfoBulk = (
  kit: Kit,
  request: GetInfoBulkRequest,
  context: RequestContext,
  onProgress?: BulkListener
): Effect.Effect<GetInfoBulkResponse, PortalError> =>
  Effect.gen(function*() {
    const { imports, exports } = yield* requireBulkLists(request)
    const total = imports.length + exports.length
    let done = 0
    const finished = (kind: BulkProgress["kind"], item: { readonly container_id: string; readonly success: boolean }) =>
      onProgress === undefined
        ? Effect.void
        : Effect.suspend(() => onProgress({ items_done: ++done, items_total: total, container_id: item.container_id, kind, success: item.success }))
    return yield* kit.withSession(request, ({ session, isNew }) =>
      Effect.gen(function*() {
        // With `debug`, the response (or the error) carries the bundle's URL as debug_bundle_url.
        const { result, debugBundleUrl } = yield* kit.withDebug({ enabled: request.debug === true, session, label: "bulk", context },
          onSession(session, "get_info_bulk", (page) =>
            Effect.gen(function*() {
              // A re-run (after a logout) starts the items over.
              done = 0
              // Navigate once; every lookup then scroll-searches the grid already loaded.
              yield* kit.driver.openContainers(page)
              const deadline = scrollBudget(kit)
              const importResults: Array<ImportItem> = []
              for (const containerId of imports) {
                const outcome = yield* item(kit.driver.inspectContainer(page, containerId, { pregate: true, screenshot: false, deadline }))
                if (outcome._tag === "failed") {
                  importResults.push({
                    container_id: containerId,
                    success: false,
                    pregate_status: null,
                    pregate_details: null,
                    timeline: [],
                    milestone_count: 0,
                    ...describeItemFailure(outcome.error)
                  })
                  yield* finished("import", importResults.at(-1)!)
                  continue
                }
                const { milestones, pregate } = outcome.value
                if (pregate === null || pregate === undefined) {
                  // An export listed as an import: its timeline was read, only pregate does not exist.
                  const timeline = buildTimeline(milestones)
                  importResults.push({
                    container_id: containerId,
                    success: false,
                    pregate_status: null,
                    pregate_details: null,
                    timeline,
                    milestone_count: timeline.length,
                    ...describeItemFailure(noPregate(containerId, milestones))
                  })
                  yield* finished("import", importResults.at(-1)!)
                  continue
                }
                const timeline = buildTimeline(milestones, pregate.passed)
                importResults.push({
                  container_id: containerId,
                  success: true,
                  pregate_status: pregate.passed,
                  pregate_details: { detection_method: pregate.method },
                  timeline,
                  milestone_count: timeline.length
                })
                yield* finished("import", importResults.at(-1)!)
              }
              const exportResults: Array<ExportItem> = []
              for (const containerId of exports) {
                const outcome = yield* item(
                  kit.driver.inspectContainer(page, containerId, { pregate: false, screenshot: false, deadline }).pipe(
                    Effect.flatMap((detail) => (detail.booking.label ? Effect.succeed(bookingValue(detail.booking)) : missingBookingLabel))
                  )
                )
                exportResults.push(
                  outcome._tag === "ok"
                    ? { container_id: containerId, success: true, booking_number: outcome.value }
                    : { container_id: containerId, success: false, booking_number: null, ...describeItemFailure(outcome.error) }
                )
                yield* finished("export", exportResults.at(-1)!)
              }
              return { importResults, exportResults }
            }))
        )
        const summary = {
          total_import: imports.length,
          total_export: exports.length,
          import_success: result.importResults.filter((r) => r.success).length,
          import_failed: result.importResults.filter((r) => !r.success).length,
          export_success: result.exportResults.filter((r) => r.success).length,
          export_failed: result.exportResults.filter((r) => !r.success).length
        }
        const ok = summary.import_success + summary.export_success
        const failed = summary.import_failed + summary.export_failed
        const response: GetInfoBulkResponse = {
          success: true,
          session_id: session.id,
          is_new_session: isNew,
          results: { import_results: result.importResults, export_results: result.exportResults, summary },
          message: `Bulk processing completed: ${ok} successful, ${failed} failed`,
          ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
        }
        return response
      }))
  })
