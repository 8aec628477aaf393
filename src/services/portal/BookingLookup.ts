/**
 * Finds a booking in My Appointments by what was booked, for the reconciliation of a Submit whose
 * answer was lost (the service stopped between clicking Submit and recording the outcome): open
 * the list, load every row (scrolling as the export does), read each row's cells under their
 * column headers, and pick the row whose appointment time is the slot that was submitted, whose
 * container / booking column names the unit, and whose truck plate is the plate chosen (when one
 * was); a row whose status says it was cancelled is no booking. Reading only: nothing is clicked
 * but the scroll.
 */
import { Duration, Effect } from "effect"
import type { PageHandle } from "../Browser.ts"
import type { PortalUrls } from "../PortalConfig.ts"
import { MyAppointments } from "../PortalSelectors.ts"
import { debugNote } from "./Debug.ts"
import { type FlowError, loadRows, openMyAppointments } from "./MyAppointments.ts"

/** What the lost Submit booked, as the workflow stored it. */
export interface BookingTarget {
  /** The slot label that was submitted (the wizard's, e.g. `Friday 10/24/2025 18:30 - 19:30`). */
  readonly time: string
  /** What the container / booking column must name: container ids, the booking number, or line + size. */
  readonly units: ReadonlyArray<string>
  /** The plate the wizard chose; undefined or "" when not known (then not compared). */
  readonly plate: string | undefined
}

/** A table as read from the page: header texts, and per row its cell texts and the ids it carries. */
export interface AppointmentTable {
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<{ readonly cells: ReadonlyArray<string>; readonly ids: ReadonlyArray<string> }>
}

export interface FoundBooking {
  /** The appointment (confirmation) number the row shows. */
  readonly confirmation: string
  readonly time: string
}

// ---------------------------------------------------------------------------------------------
// Pure matching (unit-tested)

const norm = (text: string) => text.replace(/\s+/g, " ").trim().toUpperCase()

/** The index of the first header matching `pattern`, skipping the ones `unless` matches. */
const column = (headers: ReadonlyArray<string>, pattern: RegExp, unless?: RegExp) =>
  headers.findIndex((h) => pattern.test(h) && (unless === undefined || !unless.test(h)))

/**
 * The row of `table` that is the booking `target` describes, if any. Row cells are aligned with
 * the headers (a leading checkbox column has an empty header). Time and unit must match; the plate
 * too when the target knows one; a cancelled row never does.
 */
export const matchBooking = (table: AppointmentTable, target: BookingTarget): FoundBooking | undefined => {
  const h = table.headers
  const timeAt = column(h, /time|date|slot/i)
  const unitAt = column(h, /container|booking|unit/i)
  const plateAt = column(h, /plate/i)
  const idAt = column(h, new RegExp(MyAppointments.confirmationHeader, "i"))
  const statusAt = column(h, /status/i)
  if (timeAt < 0) return undefined
  const units = target.units.map(norm).filter((u) => u !== "")
  const plate = target.plate === undefined ? "" : norm(target.plate)
  for (const row of table.rows) {
    const cell = (i: number) => (i < 0 ? "" : norm(row.cells[i] ?? ""))
    if (cell(timeAt) !== norm(target.time)) continue
    if (units.length > 0 && (unitAt < 0 || !units.every((u) => cell(unitAt).includes(u)))) continue
    if (plate !== "" && plateAt >= 0 && cell(plateAt) !== plate) continue
    if (/CANCEL/.test(cell(statusAt))) continue
    const confirmation = idAt >= 0 && cell(idAt) !== "" ? (row.cells[idAt] ?? "").trim() : row.ids[0]
    if (confirmation === undefined || confirmation === "") continue
    return { confirmation, time: (row.cells[timeAt] ?? "").trim() }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Page function (runs inside Chrome: self-contained, selectors passed as arguments)

type Sel = typeof MyAppointments

/** The list's header texts and every appointment row's cells (rows without a checkbox are not appointments). */
const readTable = (s: Sel): AppointmentTable => {
  const list = document.querySelector(s.list)
  if (list === null) return { headers: [], rows: [] }
  const text = (e: Element | null | undefined) => (e?.textContent ?? "").replace(/\s+/g, " ").trim()
  const headers = Array.from(list.querySelectorAll(s.headerCells)).map(text)
  const rows = Array.from(list.querySelectorAll(s.row))
    .filter((r) => r.querySelector(s.checkbox) !== null)
    .map((r) => {
      const ids: Array<string> = []
      for (const attribute of s.rowIdAttributes) {
        const v = r.getAttribute(attribute)
        if (v !== null && v.trim() !== "") ids.push(v.trim())
      }
      return { cells: Array.from(r.querySelectorAll(s.cell)).map(text), ids }
    })
  return { headers, rows }
}

// ---------------------------------------------------------------------------------------------
// Flow

export interface LookupOptions {
  readonly pageTimeout: Duration.Duration
  /** Budget for loading every row. */
  readonly loadDeadline: Duration.Duration
}

/** Opens My Appointments, loads every row and finds the booking `target` describes. */
export const findBooking = (
  page: PageHandle,
  urls: PortalUrls,
  target: BookingTarget,
  options: LookupOptions
): Effect.Effect<FoundBooking | undefined, FlowError> =>
  Effect.gen(function*() {
    const shown = yield* openMyAppointments(page, urls, options.pageTimeout)
    if (shown > 0) yield* loadRows(page, urls, { _tag: "all" }, { deadline: options.loadDeadline })
    const table = yield* page.evaluate(readTable, MyAppointments)
    const found = matchBooking(table, target)
    yield* debugNote("appointments: booking looked up", { rows: table.rows.length, found: found !== undefined })
    return found
  }).pipe(Effect.withSpan("BookingLookup.findBooking"))
