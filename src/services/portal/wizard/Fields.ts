/**
 * Filling the wizard's fields: the mat-selects (the seed's select_dropdown_by_text), the Line /
 * Equip Size autocompletes, plain inputs and the chip inputs (container or booking number). Each
 * waits for its panel, value or chip to show under a deadline, and a miss names what the portal
 * offered instead.
 */
import { Effect } from "effect"
import type { AppointmentFailureReason } from "../../../domain/Errors.ts"
import type { PageHandle } from "../../Browser.ts"
import { Wizard } from "../../PortalSelectors.ts"
import { bestEffort } from "../Phase.ts"
import { matchAutocomplete, matchOption } from "./Matching.ts"
import {
  click,
  closePanels,
  failed,
  inputTarget,
  onTimeout,
  PANEL_TIMEOUT,
  seconds,
  selectTarget,
  SETTLE_TIMEOUT,
  stepPhase,
  type Target,
  typeInto,
  until,
  type WizardStep
} from "./WizardPage.ts"

/** Opens the panel of `target` and waits for its options (panel open and the page stable). */
export const openPanel = (page: PageHandle, phase: WizardStep, step: string, target: Target, notFound: string) =>
  Effect.gen(function*() {
    yield* closePanels(page, stepPhase(phase))
    if (!(yield* click(page, `${step} field`, target))) return yield* failed(phase, step, "field_not_found", notFound)
    const snap = yield* until(page, `${step} options`, { k: "options" }, PANEL_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `the ${step} list did not open within ${seconds(PANEL_TIMEOUT)}`)
    )
    return snap.options ?? []
  })

/** Picks option `index` of the open panel and waits until `target` shows `text`. */
export const pickOption = (page: PageHandle, phase: WizardStep, step: string, target: Target, index: number, text: string) =>
  Effect.gen(function*() {
    if (!(yield* click(page, `${step} option`, { k: "option", index }))) {
      return yield* failed(phase, step, "portal_error", `the option '${text}' disappeared before it could be clicked`)
    }
    yield* until(page, `${step} value`, { k: "value", t: target, value: text }, PANEL_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `'${text}' was clicked but the field did not take it`)
    )
    yield* closePanels(page, stepPhase(phase))
  })

/**
 * Picks option `index` of the open panel (as pickOption) and returns its text; when nothing
 * matched (-1), closes the panel and fails with `reason`, `missing(first)` as the detail and the
 * first 10 options as the available ones.
 */
export const pickMatch = (
  page: PageHandle,
  phase: WizardStep,
  step: string,
  target: Target,
  options: ReadonlyArray<string>,
  index: number,
  reason: AppointmentFailureReason,
  missing: (first: ReadonlyArray<string>) => string
) =>
  Effect.gen(function*() {
    const text = options[index]
    if (index < 0 || text === undefined) {
      yield* closePanels(page, stepPhase(phase))
      const first = options.slice(0, 10)
      return yield* failed(phase, step, reason, missing(first), first)
    }
    yield* pickOption(page, phase, step, target, index, text)
    return text
  })

/**
 * The seed's select_dropdown_by_text: open the mat-select labelled `label`, pick `wanted` (exact,
 * dash-normalised, partial); on a miss close the panel and fail with the first 10 options.
 */
export const selectOption = (page: PageHandle, phase: WizardStep, step: string, label: string, wanted: string, css = "") =>
  Effect.gen(function*() {
    const target = selectTarget(label, css)
    const options = yield* openPanel(page, phase, step, target, `${label} dropdown not found`)
    return yield* pickMatch(page, phase, step, target, options, matchOption(options, wanted), "option_not_found", (first) =>
      `Option '${wanted}' not found in ${label}. Available options: ${first.length > 0 ? first.join(", ") : "(none)"}`)
  })

/** The Line / Equip Size autocompletes: open with an empty value, pick the matching option. */
export const fillAutocomplete = (page: PageHandle, phase: WizardStep, step: string, label: string, wanted: string) =>
  Effect.gen(function*() {
    const target = inputTarget("", "", label, Wizard.autocompleteInput)
    if (!(yield* typeInto(page, step, "", target))) return yield* failed(phase, step, "field_not_found", `${label} field not found`)
    const options = yield* openPanel(page, phase, step, target, `${label} field not found`)
    if (options.length === 0) return yield* failed(phase, step, "option_not_found", `No options available in ${label} autocomplete`, [])
    return yield* pickMatch(page, phase, step, target, options, matchAutocomplete(options, wanted), "option_not_found", (first) =>
      `'${wanted}' not found in ${label} options. Available: ${first.join(", ")}`)
  })

/** Types `value` into a plain input and checks the field holds it; false when the field is absent. */
export const fillInput = (page: PageHandle, phase: WizardStep, step: string, target: Target, value: string) =>
  Effect.gen(function*() {
    if (!(yield* typeInto(page, step, value, target))) return false
    yield* until(page, `${step} value`, { k: "value", t: target, value }, PANEL_TIMEOUT).pipe(
      // Not the value itself: it may be a release PIN, and error details reach clients and logs.
      onTimeout(phase, step, "portal_error", `the ${step} field does not show the typed value`)
    )
    return true
  })

/**
 * A chip input (container or booking number): removes existing chips, types the value, Enter,
 * then waits until the chip shows (or a dialog rejects it) and the page settled.
 */
export const fillChip = (page: PageHandle, phase: WizardStep, step: string, css: string, value: string) =>
  Effect.gen(function*() {
    const target = inputTarget(css)
    for (let i = 0; i < 20; i++) {
      if (!(yield* click(page, `${step} remove chip`, { k: "chipRemove", css }))) break
      yield* until(page, "chip removed", { k: "settled" }, SETTLE_TIMEOUT).pipe(bestEffort(stepPhase(phase), "the page to settle after removing a chip"))
    }
    if (!(yield* typeInto(page, step, value, target))) return yield* failed(phase, step, "field_not_found", `${step} field not found`)
    yield* page.press("Enter")
    return yield* until(page, `${step} chip`, { k: "chip", css, value }, SETTLE_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `no chip appeared for '${value}' within ${seconds(SETTLE_TIMEOUT)}`)
    )
  })
