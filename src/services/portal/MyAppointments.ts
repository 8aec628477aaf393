/**
 * truckerportal's My Appointments (SEED-SYSTEM §3.5): open the list, load rows by scrolling the
 * window (driven by row-count changes, an idle limit and a deadline), select every row, the first
 * N or one given appointment by clicking its `mat-checkbox` and verifying `aria-checked`, then
 * click the portal's own Excel icon and capture the download until the browser reports it
 * complete. Every wait is on a page signal under a deadline; none of the seed's fixed sleeps.
 *
 * An account without appointments is a typed PortalRejected (`no_appointments`): the portal
 * exports nothing when nothing is selected, so there is no file to return. An appointment id that
 * is not in the list is PortalRejected (`appointment_not_found`).
 */
import { Duration, Effect, Schedule } from "effect"
import { openSync, readSync, closeSync } from "node:fs"
import { PortalChanged, PortalRejected, PortalUnavailable } from "../../domain/Errors.ts"
import type { BrowserError, DownloadedFile, PageHandle, WaitTimedOut } from "../Browser.ts"
import type { RowsRead } from "../page/AppointmentListRuntime.ts"
import type { PortalUrls } from "../PortalConfig.ts"
import { MyAppointments, Paths } from "../PortalSelectors.ts"
import { debugNote, debugStep } from "./Debug.ts"
import { classify, facts, failLoggedOutOr, LoggedOut, openApp } from "./PageState.ts"
import { type ListRows, millis, type ScrollTuning, scrollUntil } from "./ListSignals.ts"
import { type FlowPhase, gaveUp, setPhase } from "./Phase.ts"

/** What a My Appointments flow can fail with before the session actor translates it. */
export type FlowError = BrowserError | WaitTimedOut | LoggedOut | PortalUnavailable | PortalChanged | PortalRejected

/** Which rows to export. */
export type Selection =
  | { readonly _tag: "all" }
  | { readonly _tag: "count"; readonly count: number }
  | { readonly _tag: "id"; readonly appointmentId: string }

export const DEFAULT_TUNING: ScrollTuning = {
  idleAttempts: 2,
  quietPeriod: Duration.millis(750),
  attemptTimeout: Duration.seconds(20)
}

export interface ExportOptions {
  /** Where the browser saves the export (a scratch directory of the ArtifactStore). */
  readonly downloadDir: string
  readonly pageTimeout: Duration.Duration
  /** Budget for loading rows; past it the flow fails with WaitTimedOut("appointments:scroll"). */
  readonly loadDeadline: Duration.Duration
  /** How long the export may take from the click until the browser reports the file complete. */
  readonly downloadTimeout: Duration.Duration
  readonly tuning?: Partial<ScrollTuning> | undefined
  /** Hears the rows loaded so far, each time the list grows. */
  readonly onProgress?: ((progress: { readonly rows: number; readonly scrollCycles: number }) => Effect.Effect<void>) | undefined
}

export interface ExportResult {
  /** Appointment numbers of the selected rows, in list order. */
  readonly selected: ReadonlyArray<string>
  readonly rowsLoaded: number
  readonly scrollCycles: number
  readonly download: DownloadedFile
  /** `xlsx` or `xls`, from the file's signature. */
  readonly format: "xlsx" | "xls"
}

/** How long the list may take to show once the page is ready. */
const LIST_TIMEOUT = Duration.seconds(20)
/** How long a checkbox click may take to show in aria-checked. */
const CHECK_TIMEOUT = Duration.seconds(5)
/** Click rounds before a checkbox that will not take its state is PortalChanged. */
const SELECT_ATTEMPTS = 3

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

/** An appointment id as compared: no whitespace, upper-case. */
export const normalizeAppointmentId = (raw: string): string => raw.replace(/\s+/g, "").toUpperCase()

/** The index of the first row one of whose ids is `target`, or -1. */
export const findRow = (rowIds: ReadonlyArray<ReadonlyArray<string>>, target: string): number => {
  const wanted = normalizeAppointmentId(target)
  if (wanted === "") return -1
  return rowIds.findIndex((ids) => ids.some((id) => normalizeAppointmentId(id) === wanted))
}

/** The row indices a selection asks for, given the loaded rows. */
export const wantedRows = (selection: Selection, rows: number, match: number): ReadonlyArray<number> => {
  switch (selection._tag) {
    case "all":
      return Array.from({ length: rows }, (_, i) => i)
    case "count":
      return Array.from({ length: Math.min(rows, selection.count) }, (_, i) => i)
    case "id":
      return match >= 0 ? [match] : []
  }
}

/** What the export's first bytes say it is: an xlsx (zip), an xls (OLE2), or neither. */
export const spreadsheetFormat = (head: Uint8Array): "xlsx" | "xls" | null => {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return "xlsx"
  if (head.length >= 4 && head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) return "xls"
  return null
}

// ---------------------------------------------------------------------------------------------
// Flows (the page side is `../page/AppointmentListRuntime.ts`)

/** The list's rows for the shared scroll signal (only rows with a checkbox are appointments). */
const APPOINTMENT_ROWS: ListRows = {
  root: MyAppointments.list,
  table: null,
  rows: MyAppointments.row,
  rowHas: MyAppointments.checkbox,
  spinner: MyAppointments.spinner,
  quietKey: "appointments:scroll"
}

/** Why the list went away: a logged-out page (the actor re-logs in), else the portal changed. */
const listGone = (page: PageHandle, urls: PortalUrls, phase: FlowPhase) =>
  failLoggedOutOr(page, urls, `My Appointments showed the login or 401 page during ${phase}`, new PortalChanged({ selector: MyAppointments.list, phase }))

/** Opens /myappointments and waits for its list; returns the rows shown at first (0: empty list). */
export const openMyAppointments = (page: PageHandle, urls: PortalUrls, timeout: Duration.Duration): Effect.Effect<number, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("appointments:open")
    yield* openApp(page, new URL(Paths.myAppointments, urls.truckerportal).href, urls, { timeout, what: "My Appointments page" })
    const ready = yield* page.until("appointments list", { timeout: LIST_TIMEOUT, polling: "raf" }, "listReady", MyAppointments, millis(DEFAULT_TUNING.quietPeriod))
    if (ready.state === "absent") {
      yield* debugStep(page, "appointments: list missing")
      return yield* listGone(page, urls, "appointments:open")
    }
    yield* debugStep(page, "appointments: list shown", { rows: ready.rows })
    return ready.rows
  }).pipe(Effect.withSpan("MyAppointments.open"))

export interface LoadResult {
  readonly rows: RowsRead
  readonly scrollCycles: number
  /** The row of `target_appointment_id`, or -1. */
  readonly match: number
  readonly stop: "count" | "found" | "end"
}

/**
 * Loads rows until the selection is satisfied: `count` once N rows are loaded, `id` once its row
 * is loaded (checked before the first scroll too), and every mode once `idleAttempts` window
 * scrolls in a row loaded nothing. Each attempt waits for the row count to grow, or for the page
 * to stay quiet, under the overall deadline.
 */
export const loadRows = (
  page: PageHandle,
  urls: PortalUrls,
  selection: Selection,
  options: {
    readonly deadline: Duration.Duration
    readonly tuning?: Partial<ScrollTuning> | undefined
    readonly onProgress?: ExportOptions["onProgress"]
  }
): Effect.Effect<LoadResult, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("appointments:scroll")
    const matchOf = (r: RowsRead) => (selection._tag === "id" ? findRow(r.ids, selection.appointmentId) : -1)
    const { state, cycles, stop } = yield* scrollUntil(page, {
      what: "appointments:scroll",
      label: "appointments",
      list: APPOINTMENT_ROWS,
      tuning: { ...DEFAULT_TUNING, ...options.tuning },
      deadline: options.deadline,
      read: page.call("appointmentRows", MyAppointments),
      count: (r) => r.ids.length,
      stop: (r): LoadResult["stop"] | null =>
        selection._tag === "count" && r.ids.length >= selection.count
          ? "count"
          : selection._tag === "id" && matchOf(r) >= 0
          ? "found"
          : null,
      scroll: page.call("scrollWindowToEnd", APPOINTMENT_ROWS.quietKey),
      gone: listGone(page, urls, "appointments:scroll"),
      progress: options.onProgress === undefined
        ? undefined
        : (r: RowsRead, scrollCycles: number) => options.onProgress!({ rows: r.ids.length, scrollCycles })
    })
    return { rows: state, scrollCycles: cycles, match: matchOf(state), stop }
  }).pipe(
    Effect.tap((r) => debugNote("appointments: loading stopped", { rows: r.rows.ids.length, scrollCycles: r.scrollCycles, stop: r.stop })),
    Effect.withSpan("MyAppointments.loadRows")
  )

/**
 * Makes exactly the rows in `want` checked. With `useSelectAll`, the header checkbox goes first
 * (one click for the whole list). Then, in up to three rounds, every row whose `aria-checked`
 * differs is clicked — its `mat-checkbox` first, its native input in the second round — and the
 * round waits until the states match. Returns the checked rows' state as read at the end.
 */
const selectRows = (
  page: PageHandle,
  urls: PortalUrls,
  want: ReadonlyArray<number>,
  useSelectAll: boolean
): Effect.Effect<RowsRead, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("appointments:select")
    const settled = (timeout: Duration.Duration) =>
      page.until("appointments:select", { timeout, polling: "raf" }, "selectionIs", MyAppointments, want).pipe(
        Effect.as(true),
        Effect.catchTag("WaitTimedOut", () => gaveUp("appointments:select", "the checkboxes to take their state").pipe(Effect.as(false)))
      )
    if (useSelectAll) {
      const header = yield* page.call("selectAllState", MyAppointments)
      if (header !== null && header !== "true") {
        yield* page.click("select-all checkbox", "selectAllHost", MyAppointments)
        yield* settled(CHECK_TIMEOUT)
      }
    }
    for (let round = 1; round <= SELECT_ATTEMPTS; round++) {
      const rows = yield* page.call("appointmentRows", MyAppointments)
      if (!rows.present) return yield* listGone(page, urls, "appointments:select")
      const wanted = new Set(want)
      const wrong = rows.checked.flatMap((on, i) => (on === wanted.has(i) ? [] : [i]))
      if (wrong.length === 0) return rows
      if (round > 1) yield* debugNote("appointments: checkboxes not yet as wanted", { round, rows: wrong.length })
      const part = round === 2 ? "input" : "host"
      for (const index of wrong) {
        const clicked = yield* page.click(`appointment checkbox ${index}`, "rowCheckbox", MyAppointments, index, part)
        if (!clicked) return yield* listGone(page, urls, "appointments:select")
      }
      yield* settled(CHECK_TIMEOUT)
    }
    const rows = yield* page.call("appointmentRows", MyAppointments)
    const wanted = new Set(want)
    if (rows.present && rows.checked.every((on, i) => on === wanted.has(i))) return rows
    yield* debugStep(page, "appointments: checkboxes refused their state")
    return yield* new PortalChanged({ selector: `${MyAppointments.checkboxHost} ${MyAppointments.checkbox}`, phase: "appointments:select" })
  }).pipe(Effect.withSpan("MyAppointments.selectRows"))

const readHead = (path: string) =>
  Effect.sync(() => {
    const head = new Uint8Array(8)
    let fd: number | undefined
    try {
      fd = openSync(path, "r")
      const n = readSync(fd, head, 0, head.length, 0)
      return head.subarray(0, n)
    } catch {
      return new Uint8Array(0)
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  })

/**
 * Watches the page while the export runs: a new snack bar means the portal refused
 * (PortalRejected), the list replaced by another page means an error page or a logout. It never
 * succeeds; while all is well it waits, so racing it against the download only ever shortens a
 * failure. A navigation destroys the page context mid-poll: that is retried, not fatal.
 */
const watchExport = (page: PageHandle, urls: PortalUrls, timeout: Duration.Duration): Effect.Effect<never, FlowError> =>
  Effect.gen(function*() {
    const problem = yield* page.until("appointments:export", { timeout, polling: 100 }, "exportProblem", MyAppointments).pipe(
      Effect.retry({ while: (e) => e._tag === "BrowserError" && !e.disconnected, schedule: Schedule.spaced("100 millis"), times: 50 }),
      Effect.catchTag("WaitTimedOut", () => Effect.never)
    )
    yield* debugStep(page, "appointments: export failed on the page", problem)
    if (problem.kind === "snack") {
      return yield* new PortalRejected({ reason: "export_refused", detail: `The portal refused the export: ${problem.text}` })
    }
    const f = yield* facts(page)
    if (classify(f, urls) === "logged_out") return yield* new LoggedOut({ detail: "the export led to the login or 401 page" })
    return yield* new PortalUnavailable({ detail: `the export replaced My Appointments with another page ("${f.title}")`, phase: "appointments:export" })
  })

/** Clicks the Excel icon and waits until the browser has the whole file (or the page shows why not). */
const exportSelected = (
  page: PageHandle,
  urls: PortalUrls,
  downloadDir: string,
  timeout: Duration.Duration
): Effect.Effect<{ readonly download: DownloadedFile; readonly format: "xlsx" | "xls" }, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("appointments:export")
    const trigger = Effect.gen(function*() {
      yield* page.call("armExportWatch", MyAppointments)
      const clicked = yield* page.click("Excel export icon", "excelIcon", MyAppointments)
      if (!clicked) {
        yield* debugStep(page, "appointments: export icon missing")
        return yield* new PortalChanged({ selector: MyAppointments.excelIcon.join(" | "), phase: "appointments:export" })
      }
    })
    const download = yield* page.download(downloadDir, trigger, timeout).pipe(Effect.raceFirst(watchExport(page, urls, timeout)))
    const format = spreadsheetFormat(yield* readHead(download.path))
    if (download.bytes === 0 || format === null) {
      return yield* new PortalUnavailable({
        detail: `the export "${download.suggestedFilename}" is not a spreadsheet (${download.bytes} bytes)`,
        phase: "appointments:export"
      })
    }
    return { download, format }
  }).pipe(Effect.withSpan("MyAppointments.export"))

/** The whole flow: open, load, select, export. */
export const exportAppointments = (
  page: PageHandle,
  urls: PortalUrls,
  selection: Selection,
  options: ExportOptions
): Effect.Effect<ExportResult, FlowError> =>
  Effect.gen(function*() {
    yield* openMyAppointments(page, urls, options.pageTimeout)
    const loaded = yield* loadRows(page, urls, selection, { deadline: options.loadDeadline, tuning: options.tuning, onProgress: options.onProgress })
    const total = loaded.rows.ids.length
    if (total === 0) {
      return yield* new PortalRejected({ reason: "no_appointments", detail: "My Appointments lists no appointments: there is nothing to export" })
    }
    if (selection._tag === "id" && loaded.match < 0) {
      return yield* new PortalRejected({
        reason: "appointment_not_found",
        detail: `Appointment '${selection.appointmentId}' is not in My Appointments (${total} appointments listed)`
      })
    }
    const want = wantedRows(selection, total, loaded.match)
    const rows = yield* selectRows(page, urls, want, selection._tag === "all")
    const selected = rows.ids.flatMap((ids, i) => (rows.checked[i] === true ? [ids[0] ?? `row ${i + 1}`] : []))
    yield* debugStep(page, "appointments: rows selected", { selected: selected.length, of: rows.ids.length })
    const { download, format } = yield* exportSelected(page, urls, options.downloadDir, options.downloadTimeout)
    yield* debugNote("appointments: export downloaded", { bytes: download.bytes, suggestedFilename: download.suggestedFilename, format })
    return { selected, rowsLoaded: rows.ids.length, scrollCycles: loaded.scrollCycles, download, format }
  }).pipe(
    Effect.tapError(() => debugStep(page, "appointments: failed")),
    Effect.withSpan("MyAppointments.exportAppointments")
  )
