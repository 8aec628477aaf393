/**
 * get_appointments (SEED-SYSTEM §1.8): the portal's own My Appointments export. The page work —
 * open the list, load and select rows, click the Excel icon, wait for the complete download — is
 * ONE message on the session's actor; adopting the file into the session's folder happens after
 * it, off the browser. The file is `appointments_<YYYYmmdd_HHMMSS>.xlsx` (no session id in the
 * name: ids are bearer secrets) and the response carries its absolute URL.
 *
 * Deliberate differences from the seed: `target_appointment_id` works (matched against the row's
 * appointment number or id; an unknown one is PortalRejected `appointment_not_found`, 422);
 * `target_count` selects exactly min(N, listed) rows; an account without appointments is
 * PortalRejected `no_appointments` (422) instead of the seed's "Excel file not found" 500; the
 * download is awaited until the browser reports it complete (no 45 s + 5 s sleeps); the file name
 * has no session id; `file_name` and `file_size` are returned.
 */
import { Duration, Effect } from "effect"
import type { PortalError } from "../../domain/Errors.ts"
import type { GetAppointmentsRequest, GetAppointmentsResponse, RowsProgress } from "../../domain/Operations.ts"
import type { RawFailure } from "../BrowserSession.ts"
import { type AppointmentsError, type ExportResult, PAGE_TIMEOUT, type Selection } from "../PortalDriver.ts"
import { type Kit, loadBudget, onSession, type RequestContext } from "./Kit.ts"

/** From the export click until the browser reports the file complete. */
const DOWNLOAD_TIMEOUT = Duration.seconds(60)
/** Kept back from OPERATION_TIMEOUT for selecting and exporting after the rows are loaded. */
const WRAP_UP = Duration.seconds(30)

/**
 * The seed's modes: `target_appointment_id` (blank counts as absent) wins over `target_count`,
 * which wins over the default, every appointment.
 */
export const selectionOf = (request: GetAppointmentsRequest): Selection => {
  const id = request.target_appointment_id?.trim() ?? ""
  if (id !== "") return { _tag: "id", appointmentId: id }
  if (request.target_count !== undefined) return { _tag: "count", count: request.target_count }
  return { _tag: "all" }
}

/** Hears the rows of My Appointments loaded so far while get_appointments scrolls. */
export type RowsListener = (progress: RowsProgress) => Effect.Effect<void>

export const getAppointments = (
  kit: Kit,
  request: GetAppointmentsRequest,
  context: RequestContext,
  onProgress?: RowsListener
): Effect.Effect<GetAppointmentsResponse, PortalError> =>
  Effect.gen(function*() {
    const selection = selectionOf(request)
    const loadDeadline = loadBudget(kit, WRAP_UP)
    return yield* kit.withSession(request, ({ session, isNew }) =>
      Effect.gen(function*() {
        const { result, debugBundleUrl } = yield* kit.withDebug(
          { enabled: request.debug === true, session, label: "appointments", context },
          Effect.gen(function*() {
            const downloadDir = yield* kit.artifacts.scratch(session.id)
            return yield* Effect.gen(function*() {
              const exported = yield* onSession<ExportResult, Exclude<AppointmentsError, RawFailure>>(
                session,
                "get_appointments",
                (page) => kit.driver.exportAppointments(page, selection, {
                  downloadDir,
                  pageTimeout: PAGE_TIMEOUT,
                  loadDeadline,
                  downloadTimeout: DOWNLOAD_TIMEOUT,
                  onProgress: onProgress === undefined
                    ? undefined
                    : (p) => onProgress({ rows_loaded: p.rows, scroll_cycles: p.scrollCycles })
                })
              )
              const file = yield* kit.artifacts.adopt(session.id, exported.download.path, `appointments_${yield* kit.stamp}.${exported.format}`)
              return { exported, file }
            }).pipe(Effect.ensuring(kit.artifacts.discardScratch(downloadDir)))
          })
        )
        const response: GetAppointmentsResponse = {
          success: true,
          session_id: session.id,
          is_new_session: isNew,
          selected_count: result.exported.selected.length,
          file_url: kit.url(context, result.file),
          file_name: result.file.name,
          file_size: result.file.bytes,
          ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
        }
        return response
      }))
  })
