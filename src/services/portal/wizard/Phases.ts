/**
 * Phases 1 and 2 of the wizard. Phase 1: the three selects (trucking company, terminal, move
 * type), then the form the portal shows — the container chip (import), the booking chip and
 * Quantity (export), or Line / Equip Size / Quantity (the alternative import form). Phase 2: the
 * first unit, the PIN (import) or unit and seals (export), the truck plate (only one the portal
 * offers: never another truck) and own chassis.
 */
import { Effect } from "effect"
import { AppointmentFieldsMissing, OFFERED_PLATES_LISTED, TruckPlateNotOffered } from "../../../domain/Errors.ts"
import type { PageHandle } from "../../Browser.ts"
import { Wizard } from "../../PortalSelectors.ts"
import { debugNote, debugStep } from "../Debug.ts"
import { gaveUp, setPhase } from "../Phase.ts"
import { fillAutocomplete, fillChip, fillInput, openPanel, pickOption, selectOption } from "./Fields.ts"
import { normalPlate, pickPlateIndex } from "./Matching.ts"
import {
  click,
  closeDialogs,
  closePanels,
  exists,
  FIELD_TIMEOUT,
  failed,
  inputTarget,
  onTimeout,
  PANEL_TIMEOUT,
  typeInto,
  until,
  type WizardError
} from "./WizardPage.ts"

/** The fields of the wizard, resolved by the operations layer (defaults not applied yet). */
export interface WizardFields {
  readonly containerType: "import" | "export"
  readonly truckingCompany: string
  readonly terminal: string
  readonly moveType: string
  readonly containerId?: string | undefined
  readonly bookingNumber?: string | undefined
  readonly line?: string | undefined
  readonly equipSize?: string | undefined
  readonly quantity?: number | undefined
  /** A plate the portal offers (case and spaces ignored); "" or "ABC123": the first plate. */
  readonly truckPlate?: string | undefined
  readonly ownChassis?: "YES" | "NO" | undefined
  readonly pinCode?: string | undefined
  readonly unitNumber?: string | undefined
  readonly sealValue?: string | undefined
}

export type Phase1Form = "container" | "booking" | "alternative"

/**
 * Which move fields step 1 shows once terminal and move type are chosen. Never the booking input
 * for an import (the seed used it whenever it existed).
 */
const moveForm = (page: PageHandle, containerType: "import" | "export") =>
  Effect.gen(function*() {
    const container = inputTarget(Wizard.containerInput)
    const booking = inputTarget(Wizard.bookingInput)
    const line = inputTarget("", "", Wizard.lineLabel, Wizard.autocompleteInput)
    const targets = containerType === "export" ? [booking] : [container, line]
    const shown = yield* until(page, "move fields", { k: "anyOf", targets }, FIELD_TIMEOUT).pipe(
      Effect.as(true),
      Effect.catchTag("WaitTimedOut", () => gaveUp("appointment:1", "the move fields").pipe(Effect.as(false)))
    )
    if (!shown) return undefined
    if (containerType === "export") return "booking" as const
    return (yield* exists(page, container)) ? "container" as const : "alternative" as const
  })

const quantityTarget = inputTarget("", Wizard.quantityFallback, Wizard.quantityLabel, Wizard.quantityInput)

/** Types the quantity (default 1) into the Quantity field, waiting for it to appear. */
const fillQuantity = (page: PageHandle, quantity: number | undefined) =>
  Effect.gen(function*() {
    // Exports: the field appears once the booking was accepted.
    yield* until(page, "Quantity field", { k: "anyOf", targets: [quantityTarget] }, FIELD_TIMEOUT).pipe(
      Effect.catchTag("WaitTimedOut", () => gaveUp("appointment:1", "the Quantity field"))
    )
    const value = String(quantity ?? 1)
    if (!(yield* fillInput(page, 1, "Quantity", quantityTarget, value))) {
      return yield* failed(1, "Quantity", "field_not_found", "Quantity field not found")
    }
  })

/**
 * Phase 1: the three selects, then the form the portal shows: container chip (import), booking
 * chip + Quantity (export), or Line / Equip Size / Quantity (alternative import form, used only when
 * there is no container input: then `line` and `equip_size` are required and `container_id` is
 * not). An unknown booking fails with the dialog's text; other CLOSE popups are closed.
 */
export const phase1 = (page: PageHandle, f: WizardFields): Effect.Effect<Phase1Form, WizardError> =>
  Effect.gen(function*() {
    yield* setPhase("appointment:1")
    yield* selectOption(page, 1, "Trucking company", Wizard.truckingLabel, f.truckingCompany)
    yield* selectOption(page, 1, "Terminal", Wizard.terminalLabel, f.terminal)
    yield* selectOption(page, 1, "Move type", Wizard.moveLabel, f.moveType)
    const form = yield* moveForm(page, f.containerType)
    if (form === undefined) {
      return yield* f.containerType === "export"
        ? failed(1, "Booking number", "field_not_found", "Booking number field not found")
        : failed(1, "Container", "field_not_found", "Container field not found, and no Line / Equip Size form either")
    }
    if (form === "container") {
      if (f.containerId === undefined || f.containerId === "") {
        return yield* new AppointmentFieldsMissing({ phase: 1, missing: ["container_id"] })
      }
      yield* fillChip(page, 1, "Container", Wizard.containerInput, f.containerId)
      const popups = yield* closeDialogs(page, "appointment:1")
      if (popups.length > 0) yield* debugNote("wizard: popups after the container", { dialogs: popups })
    } else if (form === "alternative") {
      const missing = [f.line ? undefined : "line", f.equipSize ? undefined : "equip_size"].filter((x) => x !== undefined)
      if (missing.length > 0) return yield* new AppointmentFieldsMissing({ phase: 1, missing })
      yield* debugNote("wizard: alternative import form (Line / Equip Size)")
      yield* fillAutocomplete(page, 1, "Line", Wizard.lineLabel, f.line!)
      yield* fillAutocomplete(page, 1, "Equip Size", Wizard.equipSizeLabel, f.equipSize!)
      yield* fillQuantity(page, f.quantity)
    } else {
      if (f.bookingNumber === undefined || f.bookingNumber === "") {
        return yield* new AppointmentFieldsMissing({ phase: 1, missing: ["booking_number"] })
      }
      const snap = yield* fillChip(page, 1, "Booking number", Wizard.bookingInput, f.bookingNumber)
      const rejected = snap.dialogs.find((d) => d.text.includes(Wizard.bookingNotOpenText))
      if (rejected !== undefined) {
        yield* debugStep(page, "booking_number_error")
        yield* closeDialogs(page, "appointment:1")
        return yield* failed(1, "Booking number", "booking_invalid", rejected.text)
      }
      const popups = yield* closeDialogs(page, "appointment:1")
      if (popups.length > 0) yield* debugNote("wizard: popups after the booking", { dialogs: popups })
      yield* fillQuantity(page, f.quantity)
    }
    yield* debugStep(page, "phase1_filled", { form })
    return form
  })

/** Ticks the first unit (only the first, as the seed) unless it is already ticked. */
const tickFirstUnit = (page: PageHandle) =>
  Effect.gen(function*() {
    const state = yield* page.call("wizardCheckbox", Wizard)
    if (state === null) return yield* failed(2, "Checkbox", "field_not_found", "No unit checkbox on the page")
    if (state) return
    yield* click(page, "unit checkbox", { k: "checkbox" })
    yield* until(page, "unit ticked", { k: "checked" }, PANEL_TIMEOUT).pipe(
      onTimeout(2, "Checkbox", "portal_error", "the first unit's checkbox did not become ticked")
    )
  })

/**
 * The truck plate autocomplete (matching rules: `pickPlateIndex`). Types the plate and looks for it
 * among the options the portal suggests; when it is not there, clears the field and looks through
 * the whole list. A plate the portal does not offer is TruckPlateNotOffered with the plates it does
 * offer — nothing is picked, so nothing can be booked with another truck. Returns the plate chosen.
 */
const choosePlate = (page: PageHandle, plate: string) =>
  Effect.gen(function*() {
    const target = inputTarget(Wizard.plateInput, Wizard.plateFallback)
    const typed = normalPlate(plate) === "" ? "" : plate.trim()
    if (!(yield* typeInto(page, "Truck plate", typed, target))) {
      return yield* failed(2, "Truck plate", "field_not_found", "Truck plate field not found")
    }
    let options = yield* openPanel(page, 2, "Truck plate", target, "Truck plate field not found")
    let i = pickPlateIndex(options, plate)
    if (i < 0 && typed !== "") {
      // The suggestions for the typed text do not hold it: read the whole list.
      yield* typeInto(page, "Truck plate", "", target)
      options = yield* openPanel(page, 2, "Truck plate", target, "Truck plate field not found")
      i = pickPlateIndex(options, plate)
    }
    const text = options[i]
    if (i < 0 || text === undefined) {
      yield* closePanels(page, "appointment:2")
      if (options.length === 0) {
        return yield* failed(2, "Truck plate", "option_not_found", "No truck plates are registered for this trucking company", [])
      }
      yield* debugStep(page, "truck_plate_not_offered", { truck_plate: plate, offered: options.length })
      return yield* new TruckPlateNotOffered({
        plate: plate.trim(),
        offered: options.slice(0, OFFERED_PLATES_LISTED),
        offeredCount: options.length
      })
    }
    yield* pickOption(page, 2, "Truck plate", target, i, text)
    return text
  })

/** Sets the own-chassis toggle when asked (undefined leaves the portal's choice). */
const setOwnChassis = (page: PageHandle, target: "YES" | "NO" | undefined) =>
  Effect.gen(function*() {
    if (target === undefined) return
    const state = yield* page.call("wizardToggles", Wizard)
    if (state === null || state[target] === undefined) {
      return yield* failed(2, "Own chassis", "field_not_found", "Own chassis YES/NO toggle not found")
    }
    if (state[target]) return
    yield* click(page, "own chassis", { k: "toggle", value: target })
    yield* until(page, "own chassis set", { k: "toggle", value: target }, PANEL_TIMEOUT).pipe(
      onTimeout(2, "Own chassis", "portal_error", `the ${target} toggle did not become selected`)
    )
  })

/**
 * Phase 2: first unit, PIN (import, default "1111" when the field exists) or Unit (default "1")
 * and the four seals (default "1") for exports, the truck plate, own chassis. Returns the plate
 * the wizard chose.
 */
export const phase2 = (page: PageHandle, f: WizardFields): Effect.Effect<string, WizardError> =>
  Effect.gen(function*() {
    yield* setPhase("appointment:2")
    yield* tickFirstUnit(page)
    if (f.containerType === "import") {
      const pin = inputTarget(Wizard.pinInput, Wizard.pinFallback)
      // Optional field: fillInput is false when it is not on the page.
      yield* fillInput(page, 2, "PIN", pin, f.pinCode || "1111")
    } else {
      const unit = inputTarget(Wizard.unitInput, Wizard.unitFallback)
      if (!(yield* fillInput(page, 2, "Unit number", unit, f.unitNumber || "1"))) {
        return yield* failed(2, "Unit number", "field_not_found", "Unit number field not found")
      }
      let seals = 0
      for (const css of Wizard.sealInputs) {
        const seal = inputTarget(css)
        if (yield* fillInput(page, 2, "Seal fields", seal, f.sealValue || "1")) seals++
      }
      if (seals === 0) return yield* failed(2, "Seal fields", "field_not_found", "No seal fields found")
    }
    const plate = yield* choosePlate(page, f.truckPlate ?? "")
    yield* setOwnChassis(page, f.ownChassis)
    yield* debugStep(page, "phase2_filled", { truck_plate: plate })
    return plate
  })
