/**
 * The export date picker of phase 3 (SEED-SYSTEM §3.7.6): open the calendar, page it month by
 * month, collect its open dates, and pick one date — `slot_unavailable` with the open dates when
 * the requested one is closed.
 */
import { Effect } from "effect"
import type { PageHandle } from "../../Browser.ts"
import { Wizard } from "../../PortalSelectors.ts"
import { bestEffort, gaveUp } from "../Phase.ts"
import { monthIndex } from "./Matching.ts"
import { click, closePanels, failed, inspect, onTimeout, PANEL_TIMEOUT, SETTLE_TIMEOUT, until } from "./WizardPage.ts"

/** Months the calendar is paged through when collecting open dates. */
const CALENDAR_MONTHS = 3

/** Opens the calendar; false when the wizard shows no date picker. */
export const openCalendar = (page: PageHandle) =>
  Effect.gen(function*() {
    yield* closePanels(page, "appointment:3")
    if (!(yield* click(page, "calendar", { k: "calendarToggle" }))) return false
    yield* until(page, "calendar open", { k: "calendar" }, PANEL_TIMEOUT).pipe(
      onTimeout(3, "Appointment date", "portal_error", "the calendar did not open")
    )
    return true
  })

/** Pages the open calendar once; false when it cannot. */
const pageCalendar = (page: PageHandle, forward: boolean) =>
  Effect.gen(function*() {
    const before = (yield* inspect(page)).calendarView
    if (!(yield* click(page, "calendar page", { k: "calendarNav", next: forward }))) return false
    yield* until(page, "calendar month", { k: "calendarView", not: before }, PANEL_TIMEOUT).pipe(
      onTimeout(3, "Appointment date", "portal_error", "the calendar did not change month")
    )
    return true
  })

/** The enabled dates of the next CALENDAR_MONTHS month views, in order. */
export const openDates = (page: PageHandle) =>
  Effect.gen(function*() {
    const dates: Array<string> = []
    for (let m = 0; m < CALENDAR_MONTHS; m++) {
      const view = yield* page.call("wizardCalendar", Wizard)
      const enabled = view.cells.filter((c) => c.enabled).map((c) => c.date)
      dates.push(...enabled.filter((d) => !dates.includes(d)))
      if (enabled.length === 0 && dates.length > 0) break
      if (m + 1 < CALENDAR_MONTHS && !(yield* pageCalendar(page, true))) break
    }
    return dates
  })

/** Opens the calendar on the month of `date` and clicks it; slot_unavailable when it is closed. */
export const pickDate = (page: PageHandle, date: string) =>
  Effect.gen(function*() {
    if (!(yield* openCalendar(page))) return yield* failed(3, "Appointment date", "field_not_found", "Calendar not found")
    for (let i = 0; i < 24; i++) {
      const view = yield* page.call("wizardCalendar", Wizard)
      const cell = view.cells.find((c) => c.date === date)
      if (cell !== undefined) {
        if (!cell.enabled) break
        yield* click(page, "calendar date", { k: "calendarCell", date })
        yield* until(page, "calendar closed", { k: "closed" }, PANEL_TIMEOUT).pipe(
          onTimeout(3, "Appointment date", "portal_error", `the calendar did not take ${date}`)
        )
        yield* until(page, "date applied", { k: "settled" }, SETTLE_TIMEOUT).pipe(bestEffort("appointment:3", "the page to settle after picking a date"))
        return
      }
      const first = view.cells[0]?.date
      if (first === undefined) break
      if (!(yield* pageCalendar(page, monthIndex(date) > monthIndex(first)))) break
    }
    // Only for the error's detail: when the open dates cannot be read, the refusal names none.
    const open = yield* openDates(page).pipe(
      Effect.catch((e) => gaveUp("appointment:3", "the calendar's open dates", { error: e._tag }).pipe(Effect.as<ReadonlyArray<string>>([])))
    )
    yield* closePanels(page, "appointment:3")
    return yield* failed(3, "Appointment date", "slot_unavailable", `No appointments can be made on ${date}`, open.slice(0, 10))
  })
