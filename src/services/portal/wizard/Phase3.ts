/**
 * Phase 3 and the booking: read the times the wizard offers (the slot select; for exports the
 * calendar's open dates and each date's slots), choose the requested one, and Submit — then read
 * the Confirmation step's number. A booking is reported only with the number the portal showed.
 */
import { Duration, Effect } from "effect"
import type { PageHandle } from "../../Browser.ts"
import { Wizard } from "../../PortalSelectors.ts"
import { debugStep } from "../Debug.ts"
import { setPhase } from "../Phase.ts"
import { openCalendar, openDates, pickDate } from "./Calendar.ts"
import { openPanel, pickMatch } from "./Fields.ts"
import { dateOf, matchOption } from "./Matching.ts"
import { answerOf, failOnNewOverlay, markOverlaysSeen } from "./Stepper.ts"
import { click, closePanels, exists, failed, inspect, seconds, selectTarget, type WizardError } from "./WizardPage.ts"

/** Submit until the Confirmation step shows its number. */
const SUBMIT_TIMEOUT = Duration.seconds(45)

const slotTarget = selectTarget(Wizard.appointmentLabel, Wizard.slotSelect)

/** Opens the slot select, reads its options, closes it. */
const readSlotOptions = (page: PageHandle, screenshot: string) =>
  Effect.gen(function*() {
    const options = yield* openPanel(page, 3, "Appointment time", slotTarget, "Appointment time dropdown not found")
    yield* debugStep(page, screenshot, { count: options.length })
    yield* closePanels(page, "appointment:3")
    return options
  })

export interface AvailableTimes {
  readonly times: ReadonlyArray<string>
  /** Export: the calendar's open dates (MM/DD/YYYY). */
  readonly dates?: ReadonlyArray<string>
  /** Export: whether the date picker was found (the seed's `calendar_found`). */
  readonly calendarFound?: boolean
}

/**
 * Phase 3 without booking. Import: the slot select's options. Export: the calendar's open dates
 * and, per date, the slot select's options (a missing calendar is `calendarFound: false`, as the
 * seed, never an error).
 */
export const readTimes = (page: PageHandle, containerType: "import" | "export"): Effect.Effect<AvailableTimes, WizardError> =>
  Effect.gen(function*() {
    yield* setPhase("appointment:3")
    if (containerType === "import") {
      return { times: yield* readSlotOptions(page, "appointment_dropdown_opened") }
    }
    if (!(yield* openCalendar(page))) {
      yield* debugStep(page, "calendar_not_found")
      return { times: [], dates: [], calendarFound: false }
    }
    yield* debugStep(page, "calendar_opened")
    const dates = yield* openDates(page)
    yield* closePanels(page, "appointment:3")
    const times: Array<string> = []
    for (const date of dates) {
      yield* pickDate(page, date)
      for (const t of yield* readSlotOptions(page, `slots_${date.replace(/\//g, "")}`)) if (!times.includes(t)) times.push(t)
    }
    return { times, dates, calendarFound: true }
  })

/**
 * make_appointment's choice: for exports the date of `time` first, then the slot matching `time`
 * (exact, dash-normalised, partial). A time the portal does not offer is slot_unavailable with
 * the times it does offer.
 */
export const chooseTime = (page: PageHandle, containerType: "import" | "export", time: string): Effect.Effect<string, WizardError> =>
  Effect.gen(function*() {
    yield* setPhase("appointment:3")
    if (containerType === "export") {
      const date = dateOf(time)
      if (date === undefined) return yield* failed(3, "Appointment date", "slot_unavailable", `'${time}' has no MM/DD/YYYY date`)
      yield* pickDate(page, date)
    }
    const options = yield* openPanel(page, 3, "Appointment time", slotTarget, "Appointment time dropdown not found")
    const text = yield* pickMatch(page, 3, "Appointment time", slotTarget, options, matchOption(options, time), "slot_unavailable", () =>
      `Appointment time '${time}' is not available`)
    yield* debugStep(page, "appointment_time_selected", { appointment_time: text })
    return text
  })

/**
 * Clicks Submit (calling `commit` first: from here on the booking may exist) and waits for the
 * Confirmation step with its number. A 500 (snack bar) is portal_error, a taken slot (dialog) is
 * slot_unavailable, no confirmation within the deadline is not_confirmed.
 */
export const submit = (page: PageHandle, commit: Effect.Effect<void>): Effect.Effect<string, WizardError> =>
  Effect.gen(function*() {
    yield* markOverlaysSeen(page, 3)
    const button = { k: "button", text: Wizard.submitText, css: Wizard.button } as const
    if (!(yield* exists(page, button))) return yield* failed(3, "Submit", "field_not_found", "Submit button not found")
    yield* commit
    yield* setPhase("appointment:submit")
    if (!(yield* click(page, "Submit", button))) return yield* failed(3, "Submit", "field_not_found", "Submit button disappeared")
    const snap = yield* answerOf(page, "confirmation", { k: "submit" }, SUBMIT_TIMEOUT)
    if (snap === null) {
      const now = yield* inspect(page)
      yield* debugStep(page, "submit_unconfirmed")
      return yield* failed(
        now.step === 4 ? 4 : 3,
        "Submit",
        "not_confirmed",
        `${now.step === 4 ? "The Confirmation step showed no confirmation number" : "The portal did not confirm"} within ${seconds(SUBMIT_TIMEOUT)}; the appointment may have been booked — check My Appointments before trying again`
      )
    }
    if (snap.step === 4 && snap.confirmation !== null) {
      yield* setPhase("appointment:4")
      yield* debugStep(page, "appointment_confirmed", { confirmation_number: snap.confirmation })
      return snap.confirmation
    }
    yield* failOnNewOverlay(page, 3, "Submit", snap, (text) =>
      failed(3, "Submit", new RegExp(Wizard.slotTakenPattern, "i").test(text) ? "slot_unavailable" : "rejected", text))
    return yield* failed(3, "Submit", "not_advanced", `Submit did not go through: ${snap.errors.join("; ")}`)
  })
