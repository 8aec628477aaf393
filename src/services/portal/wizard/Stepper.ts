/**
 * The stepper: Next (and Submit, see `./Phase3.ts`) are answered by the stepper moving, or by a
 * snack bar or dialog the click raised. The overlays shown before the click are marked seen, so
 * only new ones count as its answer. A Next that does not move re-fills the phase once and tries
 * again (the seed's needs_retry) before failing with not_advanced.
 */
import { Duration, Effect } from "effect"
import type { AppointmentPhaseFailed } from "../../../domain/Errors.ts"
import type { PageHandle } from "../../Browser.ts"
import { Wizard } from "../../PortalSelectors.ts"
import { debugStep } from "../Debug.ts"
import { bestEffort, setPhase } from "../Phase.ts"
import {
  click,
  closeDialogs,
  failed,
  inspect,
  onTimeout,
  seconds,
  SETTLE_TIMEOUT,
  stepPhase,
  until,
  type Want,
  type WizardError,
  type WizardSnapshot,
  type WizardStep
} from "./WizardPage.ts"

/** The stepper reacting to Next (advance, error snack bar, dialog or field errors). */
const NEXT_TIMEOUT = Duration.seconds(30)
/** The next step finishing loading once the stepper moved. */
const STEP_TIMEOUT = Duration.seconds(30)

/** Before a Next or Submit click: lets the step settle and marks the overlays shown so far as seen. */
export const markOverlaysSeen = (page: PageHandle, phase: WizardStep) =>
  until(page, "step settled", { k: "settled" }, SETTLE_TIMEOUT).pipe(
    bestEffort(stepPhase(phase), "the step to settle before a click"),
    Effect.andThen(page.call("wizardMarkSeen", Wizard))
  )

/** Waits for the click's answer; null when none came within the deadline (other failures pass through). */
export const answerOf = (page: PageHandle, what: string, want: Want, timeout: Duration.Duration) =>
  until(page, what, want, timeout).pipe(Effect.catchTag("WaitTimedOut", () => Effect.succeed(null)))

/**
 * Fails when the click raised an overlay: a new snack bar is portal_error; a new dialog is closed
 * and becomes `fromDialog(its text)`. Succeeds when there is neither.
 */
export const failOnNewOverlay = (
  page: PageHandle,
  phase: WizardStep,
  step: string,
  snap: WizardSnapshot,
  fromDialog: (text: string) => AppointmentPhaseFailed
) =>
  Effect.gen(function*() {
    const snack = snap.snacks.find((x) => !x.seen)
    if (snack !== undefined) return yield* failed(phase, step, "portal_error", snack.text || "the portal reported an error")
    const dialog = snap.dialogs.find((x) => !x.seen)
    if (dialog !== undefined) {
      yield* closeDialogs(page, stepPhase(phase))
      return yield* fromDialog(dialog.text)
    }
  })

type NextOutcome = { readonly _tag: "advanced" } | { readonly _tag: "stuck"; readonly detail: string }

/** One Next click: advanced, or stuck (field errors, or nothing within the deadline). */
const clickNextOnce = (page: PageHandle, phase: 1 | 2, step: string): Effect.Effect<NextOutcome, WizardError> =>
  Effect.gen(function*() {
    yield* markOverlaysSeen(page, phase)
    if (!(yield* click(page, step, { k: "button", text: Wizard.nextText, css: Wizard.nextButton }))) {
      return yield* failed(phase, step, "field_not_found", "Next button not found")
    }
    const snap = yield* answerOf(page, "stepper after Next", { k: "next", from: phase }, NEXT_TIMEOUT)
    if (snap === null) return { _tag: "stuck", detail: `Phase did not advance from ${phase} within ${seconds(NEXT_TIMEOUT)}` }
    if (snap.step !== null && snap.step > phase) return { _tag: "advanced" }
    yield* failOnNewOverlay(page, phase, step, snap, (text) => {
      const booking = text.includes(Wizard.bookingNotOpenText)
      return failed(phase, booking ? "Booking number" : step, booking ? "booking_invalid" : "rejected", text)
    })
    return { _tag: "stuck", detail: `Phase did not advance from ${phase}: ${snap.errors.join("; ")}` }
  })

/**
 * Next with stepper verification: waits for the stepper to move (or an error snack bar →
 * portal_error, or a dialog → the portal's message); when it did not move, re-fills the phase once
 * and tries again, then fails with not_advanced. Finally waits until the next step finished loading.
 */
export const next = <E>(page: PageHandle, phase: 1 | 2, refill: Effect.Effect<unknown, E>): Effect.Effect<void, WizardError | E> =>
  Effect.gen(function*() {
    const first = yield* clickNextOnce(page, phase, "Next button")
    if (first._tag === "stuck") {
      yield* debugStep(page, `phase${phase}_next_stuck`, { detail: first.detail })
      // It may have moved just after the deadline.
      const now = yield* inspect(page)
      if (now.step === null || now.step <= phase) {
        yield* Effect.logWarning("wizard step did not advance; re-filling once", { phase, detail: first.detail })
        yield* refill
        const second = yield* clickNextOnce(page, phase, "Next button (after retry)")
        if (second._tag === "stuck") return yield* failed(phase, "Next button (after retry)", "not_advanced", second.detail)
      }
    }
    const following = phase === 1 ? 2 : 3
    yield* setPhase(stepPhase(following))
    yield* until(page, `step ${following} ready`, { k: "ready", step: following }, STEP_TIMEOUT).pipe(
      onTimeout(following, Wizard.stepLabels[phase] ?? "Next step", "not_advanced", `step ${following} did not finish loading within ${seconds(STEP_TIMEOUT)}`)
    )
  })
