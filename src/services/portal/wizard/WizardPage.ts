/**
 * The termops appointment wizard as a page (SEED-SYSTEM §3.6-3.7): the typed calls of the page
 * runtime's wizard part (`../../page/WizardRuntime.ts`) — find, click, type, wait for a condition
 * on the wizard's snapshot — the phase failures they turn into, closing panels and dialogs, and
 * opening the wizard and knowing whether a page is still a workflow's wizard. Every wait is on the
 * page's own signals (stepper, panels, chips, Angular's testability, snack bars, dialogs) under a
 * deadline; never a fixed sleep.
 */
import { Duration, Effect } from "effect"
import {
  type AppointmentFailureReason,
  AppointmentPhaseFailed,
  type AppointmentFieldsMissing,
  type PortalUnavailable,
  type TruckPlateNotOffered
} from "../../../domain/Errors.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "../../Browser.ts"
import type { Target, Want, WizardSnapshot } from "../../page/WizardRuntime.ts"
import type { PortalUrls } from "../../PortalConfig.ts"
import { Paths, Session, Wizard } from "../../PortalSelectors.ts"
import { debugNote, debugStep } from "../Debug.ts"
import { LoggedOut, openApp } from "../PageState.ts"
import { bestEffort, type FlowPhase, setPhase } from "../Phase.ts"

export type { Target, Want, WizardSnapshot } from "../../page/WizardRuntime.ts"

/** What a wizard flow can fail with before the session actor translates it. */
export type WizardError =
  | BrowserError
  | WaitTimedOut
  | LoggedOut
  | PortalUnavailable
  | AppointmentPhaseFailed
  | AppointmentFieldsMissing
  | TruckPlateNotOffered

/** The stepper's positions: 1-3 the phases, 4 the Confirmation step. */
export type WizardStep = 1 | 2 | 3 | 4

/** Loading the wizard page until step 1 is ready. */
const OPEN_TIMEOUT = Duration.seconds(30)
/** A field appearing (move fields after the selects, Quantity after a booking). */
export const FIELD_TIMEOUT = Duration.seconds(10)
/** An option panel or the calendar opening, a value showing after a click. */
export const PANEL_TIMEOUT = Duration.seconds(10)
/** The page settling after typing (a chip's validation request). */
export const SETTLE_TIMEOUT = Duration.seconds(15)
/** Closing a panel or dialog. */
const CLOSE_TIMEOUT = Duration.seconds(3)

// ---------------------------------------------------------------------------------------------
// The runtime's wizard part, typed

export const click = (page: PageHandle, what: string, t: Target) => page.click(what, "wizardFind", Wizard, t)

export const typeInto = (page: PageHandle, what: string, text: string, t: Target) =>
  page.type(what, text, { clear: true }, "wizardFind", Wizard, t)

export const exists = (page: PageHandle, t: Target) => page.call("wizardExists", Wizard, t)

/** The page now, as a snapshot. */
export const inspect = (page: PageHandle): Effect.Effect<WizardSnapshot, BrowserError> =>
  page.call("wizardSnapshot", Wizard, Session.unauthorizedTexts)

/** Waits until `want` holds; the 401 page ends the wait with LoggedOut. */
export const until = (page: PageHandle, what: string, want: Want, timeout: Duration.Duration) =>
  page.until(what, { timeout, polling: 50 }, "wizardProbe", Wizard, Session.unauthorizedTexts, want).pipe(
    Effect.flatMap((snap) => (snap.loggedOut ? Effect.fail(new LoggedOut({ detail: "the appointment wizard showed the 401 page" })) : Effect.succeed(snap)))
  )

export const failed = (
  phase: WizardStep,
  step: string,
  reason: AppointmentFailureReason,
  detail: string,
  availableOptions?: ReadonlyArray<string>
) => new AppointmentPhaseFailed({ phase, step, reason, detail, ...(availableOptions !== undefined ? { availableOptions } : {}) })

const isTimeout = (e: unknown): e is WaitTimedOut =>
  typeof e === "object" && e !== null && (e as { readonly _tag?: unknown })._tag === "WaitTimedOut"

/** Turns a wait's deadline into the phase's typed failure. */
export const onTimeout = (phase: WizardStep, step: string, reason: AppointmentFailureReason, detail: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, WaitTimedOut> | AppointmentPhaseFailed, R> =>
    self.pipe(Effect.catch((e: E): Effect.Effect<never, Exclude<E, WaitTimedOut> | AppointmentPhaseFailed> =>
      isTimeout(e) ? Effect.fail(failed(phase, step, reason, detail)) : Effect.fail(e as Exclude<E, WaitTimedOut>)
    ))

export const seconds = (d: Duration.Duration) => `${Math.round(Duration.toMillis(d) / 1000)} s`

export const selectTarget = (label: string, css = ""): Target => ({ k: "select", label, css })

export const inputTarget = (css: string, fallback = "", label = "", labelCss = "input"): Target => ({ k: "input", css, label, labelCss, fallback })

/** The wizard step `n` as the phase a flow is in. */
export const stepPhase = (n: WizardStep): FlowPhase => `appointment:${n}`

// ---------------------------------------------------------------------------------------------
// Panels and dialogs

/** Closes an open option panel or calendar: its backdrop, else Escape. Never fails the flow. */
export const closePanels = (page: PageHandle, phase: FlowPhase) =>
  Effect.gen(function*() {
    const snap = yield* inspect(page)
    if (snap.options === null && !snap.calendarOpen) return
    if (yield* click(page, "overlay backdrop", { k: "backdrop" })) {
      const closed = yield* Effect.result(until(page, "panel closed", { k: "closed" }, CLOSE_TIMEOUT))
      if (closed._tag === "Success") return
    }
    yield* page.press("Escape")
    yield* until(page, "panel closed", { k: "closed" }, CLOSE_TIMEOUT).pipe(bestEffort(phase, "an option panel to close"))
  })

const CLOSE_ONLY: ReadonlyArray<string> = [Wizard.closeButtonText]

/**
 * Closes every open dialog through its own CLOSE button (`buttons`: also a first-run prompt's
 * "Got it"…, only when the wizard opens); returns the texts of the dialogs it closed.
 */
export const closeDialogs = (page: PageHandle, phase: FlowPhase, buttons: ReadonlyArray<string> = CLOSE_ONLY) =>
  Effect.gen(function*() {
    const texts: Array<string> = []
    for (let i = 0; i < 5; i++) {
      const first = (yield* inspect(page)).dialogs[0]
      if (first === undefined) break
      if (!(yield* click(page, "dialog button", { k: "dialogButton", texts: buttons }))) break
      texts.push(first.text)
      yield* until(page, "dialog closed", { k: "noDialog" }, CLOSE_TIMEOUT).pipe(bestEffort(phase, "a dialog to close"))
    }
    return texts
  })

// ---------------------------------------------------------------------------------------------
// Opening the wizard and knowing whether the page is still ours

/**
 * Navigates to the wizard and waits until step 1 is ready; marks the page (a window property
 * that any navigation clears) with `token`, so a later request can tell it still drives it.
 */
export const open = (page: PageHandle, urls: PortalUrls, token: string): Effect.Effect<void, WizardError> =>
  Effect.gen(function*() {
    yield* setPhase("appointment:open")
    yield* openApp(page, new URL(Paths.addVisit, urls.termops).href, urls, { timeout: OPEN_TIMEOUT, what: "appointment wizard" }).pipe(
      onTimeout(1, "Navigation", "not_advanced", `the appointment wizard did not finish loading within ${seconds(OPEN_TIMEOUT)}`),
      // The seed's "Navigation failed": a 5xx or 403 page is a phase-1 failure of this workflow.
      Effect.catchTag("PortalUnavailable", (e) => Effect.fail(failed(1, "Navigation", "portal_error", e.detail)))
    )
    yield* until(page, "wizard step 1", { k: "ready", step: 1 }, FIELD_TIMEOUT).pipe(
      onTimeout(1, "Navigation", "not_advanced", "the wizard's first step did not become ready")
    )
    const closed = yield* closeDialogs(page, "appointment:open", [Wizard.closeButtonText, ...Wizard.promptButtonTexts])
    if (closed.length > 0) yield* debugNote("wizard: closed popups on open", { dialogs: closed })
    yield* page.call("wizardSetMarker", token)
    yield* debugStep(page, "appointment_wizard_opened")
  })

/** True when the page is the wizard document marked with `token`, at `step`, and settled. */
export const isAt = (page: PageHandle, token: string | undefined, step: WizardStep): Effect.Effect<boolean, BrowserError> =>
  Effect.map(inspect(page), (s) =>
    token !== undefined && s.marker === token && s.path.endsWith(Paths.addVisit) && s.step === step && s.stable && !s.busy && !s.loggedOut)

/** Before resuming in place at `step`: closes leftovers of a failed attempt (panels, dialogs). */
export const tidy = (page: PageHandle, step: WizardStep) =>
  Effect.gen(function*() {
    yield* closePanels(page, stepPhase(step))
    yield* closeDialogs(page, stepPhase(step))
  })
