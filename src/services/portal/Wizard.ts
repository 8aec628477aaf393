/**
 * The termops appointment wizard (SEED-SYSTEM §3.6-3.7): open `/trucker/web/addvisit`, fill phase 1
 * (trucking company, terminal, move type, then the container chip, the booking chip or the
 * alternative Line / Equip Size / Quantity form), phase 2 (first unit, PIN or unit and seals, truck
 * plate, own chassis), read phase 3's times (the slot select; for exports the calendar's dates and
 * each date's times), pick a time and Submit, then read the Confirmation step's number.
 *
 * Every step waits on the page's own signals under a deadline — the stepper's aria-selected /
 * aria-posinset, option panels, chips, Angular's testability, snack bars and dialogs — never a
 * fixed sleep. All DOM access goes through one self-contained page function (`wizardDom`) that
 * receives the `Wizard` selectors as an argument; requested values (company names, plates…) are
 * compared as text inside it and never spliced into a selector.
 */
import { Duration, Effect } from "effect"
import {
  AppointmentFieldsMissing,
  AppointmentPhaseFailed,
  type AppointmentFailureReason,
  OFFERED_PLATES_LISTED,
  type PortalUnavailable,
  TruckPlateNotOffered
} from "../../domain/Errors.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "../Browser.ts"
import type { PortalUrls } from "../PortalConfig.ts"
import { Paths, Session, Wizard } from "../PortalSelectors.ts"
import { debugNote, debugStep } from "./Debug.ts"
import { LoggedOut, openApp } from "./PageState.ts"
import { setPhase } from "./Phase.ts"

/** What a wizard flow can fail with before the session actor translates it. */
export type WizardError =
  | BrowserError
  | WaitTimedOut
  | LoggedOut
  | PortalUnavailable
  | AppointmentPhaseFailed
  | AppointmentFieldsMissing
  | TruckPlateNotOffered

// ---------------------------------------------------------------------------------------------
// Deadlines (each bounds one wait on a page signal)

/** Loading the wizard page until step 1 is ready. */
const OPEN_TIMEOUT = Duration.seconds(30)
/** A field appearing (move fields after the selects, Quantity after a booking). */
const FIELD_TIMEOUT = Duration.seconds(10)
/** An option panel or the calendar opening, a value showing after a click. */
const PANEL_TIMEOUT = Duration.seconds(10)
/** The page settling after typing (a chip's validation request). */
const SETTLE_TIMEOUT = Duration.seconds(15)
/** The stepper reacting to Next (advance, error snack bar, dialog or field errors). */
const NEXT_TIMEOUT = Duration.seconds(30)
/** The next step finishing loading once the stepper moved. */
const STEP_TIMEOUT = Duration.seconds(30)
/** Submit until the Confirmation step shows its number. */
const SUBMIT_TIMEOUT = Duration.seconds(45)
/** Closing a panel or dialog. */
const CLOSE_TIMEOUT = Duration.seconds(3)
/** Months the calendar is paged through when collecting open dates. */
const CALENDAR_MONTHS = 3

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

const spaces = (s: string) => s.replace(/\s+/g, " ").trim()
const dashes = (s: string) => spaces(s).replace(/\s*-\s*/g, "-")

/**
 * The option to pick for `wanted` (the seed's select_dropdown_by_text): exact text, then with the
 * spaces around dashes removed ("TraPac LLC - Los Angeles" ≈ "TraPac LLC-Los Angeles"), then the
 * same ignoring case, then the first option containing it. -1 when nothing matches.
 */
export const matchOption = (options: ReadonlyArray<string>, wanted: string): number => {
  const w = spaces(wanted)
  if (w === "") return -1
  const tests: ReadonlyArray<(o: string) => boolean> = [
    (o) => spaces(o) === w,
    (o) => dashes(o) === dashes(w),
    (o) => dashes(o).toLowerCase() === dashes(w).toLowerCase(),
    (o) => dashes(o).toLowerCase().includes(dashes(w).toLowerCase())
  ]
  for (const test of tests) {
    const i = options.findIndex(test)
    if (i >= 0) return i
  }
  return -1
}

/** Autocomplete options (Line, Equip Size): exact or case-insensitive, then contained; no "any" fallback. */
export const matchAutocomplete = (options: ReadonlyArray<string>, wanted: string): number => {
  const w = spaces(wanted).toLowerCase()
  if (w === "") return -1
  const exact = options.findIndex((o) => spaces(o).toLowerCase() === w)
  return exact >= 0 ? exact : options.findIndex((o) => spaces(o).toLowerCase().includes(w))
}

/** A plate as compared: whitespace removed, upper case ("7x 82346" → "7X82346"). */
export const normalPlate = (plate: string): string => plate.replace(/\s+/g, "").toUpperCase()

/** The seed's plate wildcard: "" or "ABC123" (any case) picks the first registered plate. */
export const isPlateWildcard = (plate: string): boolean => {
  const p = normalPlate(plate)
  return p === "" || p === Wizard.plateWildcard
}

/**
 * The plate option to pick, or -1. A plate is matched exactly, ignoring case and whitespace — never
 * by prefix or substring, so "7X8234" cannot pick "7X82346". The wildcard ("" / "ABC123") takes the
 * first option, unless "ABC123" is itself one of the plates. A plate that matches nothing is -1: the
 * caller stops the workflow rather than book another truck (the seed silently took the first plate).
 */
export const pickPlateIndex = (options: ReadonlyArray<string>, plate: string): number => {
  const wanted = normalPlate(plate)
  const exact = wanted === "" ? -1 : options.findIndex((o) => normalPlate(o) === wanted)
  if (exact >= 0) return exact
  return isPlateWildcard(plate) && options.length > 0 ? 0 : -1
}

/**
 * own_chassis as the toggle to set: true / "true" / "yes" → YES, false / "false" / "no" → NO (any
 * case); null, absent or "ignore" leave the portal's choice (undefined). The seed treated every
 * non-empty string, "false" included, as YES.
 */
export const ownChassisTarget = (value: unknown): "YES" | "NO" | undefined => {
  if (value === true) return "YES"
  if (value === false) return "NO"
  if (typeof value !== "string") return undefined
  const v = value.trim().toLowerCase()
  if (v === "true" || v === "yes") return "YES"
  if (v === "false" || v === "no") return "NO"
  return undefined
}

/** `MM/DD/YYYY` from a slot label or date text ("Friday 10/24/2025 18:30 - 19:30"); undefined if none. */
export const dateOf = (text: string): string | undefined => {
  const m = /(\d{1,2})\/(\d{1,2})\/(\d{4})/.exec(text)
  if (m === null) return undefined
  return `${m[1]!.padStart(2, "0")}/${m[2]!.padStart(2, "0")}/${m[3]}`
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

/** A calendar cell's aria-label ("October 24, 2025") as `MM/DD/YYYY`; undefined if unreadable. */
export const calendarLabelToDate = (label: string): string | undefined => {
  const m = /([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})/.exec(label)
  if (m === null) return undefined
  const month = MONTHS.findIndex((x) => x.startsWith(m[1]!.toLowerCase().slice(0, 3)))
  if (month < 0) return undefined
  return `${String(month + 1).padStart(2, "0")}/${m[2]!.padStart(2, "0")}/${m[3]}`
}

const monthIndex = (date: string): number => {
  const [mm, , yyyy] = date.split("/")
  return Number(yyyy) * 12 + Number(mm) - 1
}

// ---------------------------------------------------------------------------------------------
// The page function

type Sel = typeof Wizard

/** An element of the wizard, found inside the step being shown (overlays: in the document). */
export type Target =
  | { readonly k: "select"; readonly label: string; readonly css: string }
  | { readonly k: "option"; readonly index: number }
  | { readonly k: "input"; readonly css: string; readonly label: string; readonly labelCss: string; readonly fallback: string }
  | { readonly k: "chipRemove"; readonly css: string }
  | { readonly k: "button"; readonly text: string; readonly css: string }
  | { readonly k: "checkbox" }
  | { readonly k: "toggle"; readonly value: string }
  | { readonly k: "calendarToggle" }
  | { readonly k: "calendarCell"; readonly date: string }
  | { readonly k: "calendarNav"; readonly next: boolean }
  | { readonly k: "backdrop" }
  | { readonly k: "dialogButton"; readonly texts: ReadonlyArray<string> }

/** A condition a wait holds out for. */
export type Want =
  | { readonly k: "now" }
  | { readonly k: "settled" }
  | { readonly k: "ready"; readonly step: number }
  | { readonly k: "options" }
  | { readonly k: "closed" }
  | { readonly k: "noDialog" }
  | { readonly k: "calendar" }
  | { readonly k: "calendarView"; readonly not: string }
  | { readonly k: "chip"; readonly css: string; readonly value: string }
  | { readonly k: "anyOf"; readonly targets: ReadonlyArray<Target> }
  | { readonly k: "next"; readonly from: number }
  | { readonly k: "submit" }
  | { readonly k: "value"; readonly t: Target; readonly value: string }
  | { readonly k: "checked" }
  | { readonly k: "toggle"; readonly value: string }

type Op =
  | { readonly k: "locate"; readonly t: Target }
  | { readonly k: "exists"; readonly t: Target }
  | { readonly k: "probe"; readonly want: Want }
  | { readonly k: "value"; readonly t: Target }
  | { readonly k: "checkbox" }
  | { readonly k: "toggles" }
  | { readonly k: "calendarCells" }
  | { readonly k: "markSeen" }
  | { readonly k: "setMarker"; readonly token: string }

export interface Overlay {
  readonly text: string
  /** Present before the last Next/Submit click (so not its outcome). */
  readonly seen: boolean
}

/** The wizard as the page shows it now. */
export interface WizardSnapshot {
  readonly path: string
  readonly marker: string | null
  readonly step: number | null
  readonly stable: boolean
  readonly busy: boolean
  readonly loggedOut: boolean
  readonly dialogs: ReadonlyArray<Overlay>
  readonly snacks: ReadonlyArray<Overlay>
  /** Texts of the open option panel; null when no panel is open. */
  readonly options: ReadonlyArray<string> | null
  readonly calendarOpen: boolean
  /** First date shown by the open calendar (identifies its month view). */
  readonly calendarView: string
  readonly errors: ReadonlyArray<string>
  readonly confirmation: string | null
}

export interface CalendarCells {
  readonly open: boolean
  readonly cells: ReadonlyArray<{ readonly date: string; readonly enabled: boolean }>
}

/**
 * Runs inside Chrome (self-contained: everything it needs is in its arguments). One function for
 * finding elements, reading values and probing wait conditions, so they share one notion of
 * "visible" and of "the current step".
 */
const wizardDom = (s: Sel, unauthorized: ReadonlyArray<string>, op: Op): unknown => {
  const visible = (e: Element | null | undefined): e is Element => {
    if (e === null || e === undefined) return false
    const h = e as HTMLElement
    if (h.getClientRects().length === 0) return false
    const st = getComputedStyle(h)
    return st.visibility !== "hidden" && st.display !== "none"
  }
  const norm = (x: string | null | undefined) => (x ?? "").replace(/\s+/g, " ").trim()
  const q = (root: ParentNode, css: string): Array<Element> => (css === "" ? [] : Array.from(root.querySelectorAll(css)))
  const topLevel = (els: Array<Element>) => els.filter((e) => !els.some((o) => o !== e && o.contains(e)))
  const active: ParentNode = document.querySelector(s.activeStep) ?? document
  const pad = (n: number) => String(n).padStart(2, "0")
  const dateKey = (label: string) => {
    const d = new Date(label)
    return Number.isNaN(d.getTime()) ? "" : `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${d.getFullYear()}`
  }

  const labelled = (label: string, css: string): Element | null => {
    const want = label.toLowerCase()
    const fields = q(active, s.formField)
    const labelOf = (f: Element) => norm(f.querySelector(s.label)?.textContent).toLowerCase()
    // An exact label first ("Line" must not pick "Deadline"), then one that contains it.
    for (const pass of [(l: string) => l === want, (l: string) => l.includes(want)]) {
      for (const f of fields) {
        if (!pass(labelOf(f))) continue
        const hit = q(f, css).find(visible)
        if (hit !== undefined) return hit
      }
    }
    return null
  }
  const calendarEl = () => q(document, s.calendar).find(visible) ?? null

  const locate = (t: Target): Element | null => {
    switch (t.k) {
      case "select":
        return q(active, t.css).find(visible) ??
          labelled(t.label, s.select) ??
          q(active, s.select).find((e) => visible(e) && (e.getAttribute("aria-label") ?? "").toLowerCase().includes(t.label.toLowerCase())) ??
          null
      case "option":
        return q(document, s.option).filter(visible)[t.index] ?? null
      case "input":
        return q(active, t.css).find(visible) ??
          (t.label !== "" ? labelled(t.label, t.labelCss) : null) ??
          q(active, t.fallback).find(visible) ??
          null
      case "chipRemove": {
        const input = q(active, t.css).find(visible)
        const list = input?.closest(s.chipList)
        return list ? q(list, s.chipRemove).find(visible) ?? null : null
      }
      case "button": {
        const usable = (b: Element) => visible(b) && !(b as HTMLButtonElement).disabled
        const hasText = (b: Element) =>
          norm(b.textContent).includes(t.text) || q(b, s.buttonTextPart).some((x) => norm(x.textContent).includes(t.text))
        return q(active, t.css).find((b) => usable(b) && hasText(b)) ?? q(active, s.button).find((b) => usable(b) && hasText(b)) ?? null
      }
      case "checkbox": {
        const box = q(active, s.unitCheckbox).find(visible)
        return box === undefined ? null : box.querySelector(s.checkboxLabel) ?? box.querySelector(s.checkboxInput) ?? box
      }
      case "toggle": {
        const toggle = q(active, s.toggle).find((x) => norm(x.textContent).toUpperCase() === t.value)
        return toggle === undefined ? null : toggle.querySelector(s.toggleButton) ?? toggle
      }
      case "calendarToggle": {
        const icons = q(active, s.icon).filter(visible)
        const icon = icons.find((i) => norm(i.textContent) === s.calendarIcon) ?? icons.find((i) => norm(i.textContent).includes(s.calendarIconWord))
        return icon === undefined ? null : icon.closest(s.button) ?? icon
      }
      case "calendarCell": {
        const cal = calendarEl()
        return cal === null ? null : q(cal, s.calendarAnyCell).find((c) => dateKey(c.getAttribute("aria-label") ?? "") === t.date) ?? null
      }
      case "calendarNav": {
        const cal = calendarEl()
        return cal === null ? null : q(cal, t.next ? s.calendarNext : s.calendarPrevious).find(visible) ?? null
      }
      case "backdrop": {
        const drops = q(document, s.overlayBackdrop).filter(visible)
        return drops[drops.length - 1] ?? null
      }
      case "dialogButton": {
        const wanted = t.texts.map((x) => x.toLowerCase())
        for (const d of topLevel(q(document, s.dialog)).filter(visible)) {
          for (const b of q(d, s.button)) {
            if (visible(b) && wanted.includes(norm(b.textContent).toLowerCase())) return b
          }
        }
        return null
      }
    }
  }

  const valueOf = (t: Target): string | null => {
    const el = locate(t)
    if (el === null) return null
    if (t.k === "select") return norm(el.querySelector(s.selectValue)?.textContent)
    if (el instanceof HTMLInputElement) return el.value
    return norm(el.textContent)
  }

  const checkboxState = (): boolean | null => {
    const box = q(active, s.unitCheckbox).find(visible)
    if (box === undefined) return null
    const input = box.querySelector(s.checkboxInput) as HTMLInputElement | null
    return input?.checked === true || input?.getAttribute("aria-checked") === "true" || box.classList.contains(s.checkboxCheckedClass)
  }

  const toggleState = (): Record<string, boolean> | null => {
    const toggles = q(active, s.toggle)
    if (toggles.length === 0) return null
    const out: Record<string, boolean> = {}
    for (const t of toggles) {
      const button = t.querySelector(s.toggleButton)
      out[norm(t.textContent).toUpperCase()] = t.classList.contains(s.toggleChecked) || button?.getAttribute("aria-pressed") === "true"
    }
    return out
  }

  const calendarCells = () => {
    const cal = calendarEl()
    if (cal === null) return { open: false, cells: [] }
    return {
      open: true,
      cells: q(cal, s.calendarAnyCell).map((c) => ({
        date: dateKey(c.getAttribute("aria-label") ?? ""),
        enabled: c.getAttribute("aria-disabled") !== "true" && !c.classList.contains(s.calendarDisabledClass)
      })).filter((c) => c.date !== "")
    }
  }

  const snapshot = () => {
    const header = q(document, s.stepHeader).find((h) => h.getAttribute("aria-selected") === "true")
    const w = window as unknown as { getAllAngularTestabilities?: () => Array<{ isStable(): boolean }>; __ebaWizard?: string }
    let stable = true
    try {
      if (typeof w.getAllAngularTestabilities === "function") stable = w.getAllAngularTestabilities().every((x) => x.isStable())
    } catch {
      stable = true
    }
    const bodyText = (document.body?.innerText ?? "").toLowerCase()
    const overlays = (css: string, textCss: string) =>
      topLevel(q(document, css)).filter(visible).map((e) => ({
        text: norm((textCss === "" ? e : e.querySelector(textCss) ?? e).textContent),
        seen: e.hasAttribute("data-eba-seen")
      }))
    const panelOpen = q(document, s.optionPanel).some(visible)
    const options = q(document, s.option).filter(visible).map((o) => norm((o.querySelector(s.optionText) ?? o).textContent))
    const confirmation = q(document, s.confirmationNumber).find(visible)
    const cells = calendarCells().cells
    return {
      path: location.pathname,
      marker: w.__ebaWizard ?? null,
      step: header === undefined ? null : Number(header.getAttribute("aria-posinset")) || null,
      stable,
      busy: q(active, s.spinner).some(visible),
      loggedOut: unauthorized.some((u) => bodyText.includes(u)),
      dialogs: overlays(s.dialog, s.dialogText),
      snacks: overlays(s.snackBar, ""),
      options: panelOpen || options.length > 0 ? options : null,
      calendarOpen: calendarEl() !== null,
      calendarView: cells[0]?.date ?? "",
      errors: q(active, s.fieldError).filter(visible).map((e) => norm(e.textContent)).filter((x) => x !== ""),
      confirmation: confirmation === undefined ? null : norm(confirmation.textContent) || null
    }
  }

  const holds = (want: Want, snap: ReturnType<typeof snapshot>): boolean => {
    const settled = snap.stable && !snap.busy
    switch (want.k) {
      case "now":
        return true
      case "settled":
        return settled
      case "ready":
        return snap.step === want.step && settled
      case "options":
        return snap.options !== null && snap.stable
      case "closed":
        return snap.options === null && !snap.calendarOpen
      case "noDialog":
        return snap.dialogs.length === 0
      case "calendar":
        return snap.calendarOpen && snap.calendarView !== ""
      case "calendarView":
        return snap.calendarOpen && snap.calendarView !== "" && snap.calendarView !== want.not
      case "chip": {
        const input = q(active, want.css).find(visible)
        const list = input?.closest(s.chipList)
        const chip = list ? q(list, s.chipText).some((c) => norm(c.textContent).toLowerCase().includes(want.value.toLowerCase())) : false
        return (chip || snap.dialogs.length > 0) && settled
      }
      case "anyOf":
        return settled && want.targets.some((t) => locate(t) !== null)
      case "next":
        return (snap.step !== null && snap.step > want.from) ||
          snap.dialogs.some((d) => !d.seen) ||
          snap.snacks.some((d) => !d.seen) ||
          (settled && snap.errors.length > 0)
      case "submit":
        return (snap.step === 4 && snap.confirmation !== null) ||
          snap.dialogs.some((d) => !d.seen) ||
          snap.snacks.some((d) => !d.seen) ||
          (settled && snap.step === 3 && snap.errors.length > 0)
      case "value":
        return norm(valueOf(want.t)).toLowerCase() === norm(want.value).toLowerCase()
      case "checked":
        return checkboxState() === true
      case "toggle":
        return toggleState()?.[want.value] === true
    }
  }

  switch (op.k) {
    case "locate":
      return locate(op.t)
    case "exists":
      return locate(op.t) !== null
    case "value":
      return valueOf(op.t)
    case "checkbox":
      return checkboxState()
    case "toggles":
      return toggleState()
    case "calendarCells":
      return calendarCells()
    case "markSeen":
      for (const e of [...q(document, s.dialog), ...q(document, s.snackBar)]) e.setAttribute("data-eba-seen", "1")
      return true
    case "setMarker":
      ;(window as unknown as { __ebaWizard?: string }).__ebaWizard = op.token
      return true
    case "probe": {
      const snap = snapshot()
      return snap.loggedOut || holds(op.want, snap) ? snap : null
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Effect-side primitives

const U = Session.unauthorizedTexts
const findFn = wizardDom as unknown as (s: Sel, u: ReadonlyArray<string>, op: Op) => Element | null
const probeFn = wizardDom as unknown as (s: Sel, u: ReadonlyArray<string>, op: Op) => WizardSnapshot | null

const read = <R>(page: PageHandle, op: Op): Effect.Effect<R, BrowserError> =>
  page.evaluate(wizardDom as unknown as (s: Sel, u: ReadonlyArray<string>, op: Op) => R, Wizard, U, op) as Effect.Effect<R, BrowserError>

const click = (page: PageHandle, what: string, t: Target) => page.clickElement(what, findFn, Wizard, U, { k: "locate", t })

const typeInto = (page: PageHandle, what: string, text: string, t: Target) =>
  page.typeIntoElement(what, text, { clear: true }, findFn, Wizard, U, { k: "locate", t })

const exists = (page: PageHandle, t: Target) => read<boolean>(page, { k: "exists", t })

const loggedOut = () => new LoggedOut({ detail: "the appointment wizard showed the 401 page" })

/** Waits until `want` holds; the 401 page ends the wait with LoggedOut. */
const until = (page: PageHandle, what: string, want: Want, timeout: Duration.Duration) =>
  page.waitFor(what, probeFn, { timeout, polling: 50 }, Wizard, U, { k: "probe", want }).pipe(
    Effect.flatMap((snap) => (snap.loggedOut ? Effect.fail(loggedOut()) : Effect.succeed(snap as WizardSnapshot)))
  )

/** The page now, as a snapshot. */
export const inspect = (page: PageHandle): Effect.Effect<WizardSnapshot, BrowserError> =>
  read<WizardSnapshot>(page, { k: "probe", want: { k: "now" } })

const failed = (
  phase: number,
  step: string,
  reason: AppointmentFailureReason,
  detail: string,
  availableOptions?: ReadonlyArray<string>
) => new AppointmentPhaseFailed({ phase, step, reason, detail, ...(availableOptions !== undefined ? { availableOptions } : {}) })

const isTimeout = (e: unknown): e is WaitTimedOut =>
  typeof e === "object" && e !== null && (e as { _tag?: string })._tag === "WaitTimedOut"

/** Turns a wait's deadline into the phase's typed failure. */
const onTimeout = (phase: number, step: string, reason: AppointmentFailureReason, detail: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, WaitTimedOut> | AppointmentPhaseFailed, R> =>
    self.pipe(Effect.catch((e: E): Effect.Effect<never, Exclude<E, WaitTimedOut> | AppointmentPhaseFailed> =>
      isTimeout(e) ? Effect.fail(failed(phase, step, reason, detail)) : Effect.fail(e as Exclude<E, WaitTimedOut>)
    ))

const seconds = (d: Duration.Duration) => `${Math.round(Duration.toMillis(d) / 1000)} s`

const selectTarget = (label: string, css = ""): Target => ({ k: "select", label, css })
const inputTarget = (css: string, fallback = "", label = "", labelCss = "input"): Target => ({ k: "input", css, label, labelCss, fallback })

/** Closes an open option panel or calendar: its backdrop, else Escape. Never fails the flow. */
const closePanels = (page: PageHandle) =>
  Effect.gen(function*() {
    const snap = yield* inspect(page)
    if (snap.options === null && !snap.calendarOpen) return
    if (yield* click(page, "overlay backdrop", { k: "backdrop" })) {
      const closed = yield* Effect.result(until(page, "panel closed", { k: "closed" }, CLOSE_TIMEOUT))
      if (closed._tag === "Success") return
    }
    yield* page.press("Escape")
    yield* until(page, "panel closed", { k: "closed" }, CLOSE_TIMEOUT).pipe(Effect.ignore)
  })

const CLOSE_ONLY: ReadonlyArray<string> = [Wizard.closeButtonText]

/**
 * Closes every open dialog through its own CLOSE button (`buttons`: also a first-run prompt's
 * "Got it"…, only when the wizard opens); returns the texts of the dialogs it closed.
 */
const closeDialogs = (page: PageHandle, buttons: ReadonlyArray<string> = CLOSE_ONLY) =>
  Effect.gen(function*() {
    const texts: Array<string> = []
    for (let i = 0; i < 5; i++) {
      const snap = yield* inspect(page)
      const first = snap.dialogs[0]
      if (first === undefined) break
      const clicked = yield* click(page, "dialog button", { k: "dialogButton", texts: buttons })
      if (!clicked) break
      texts.push(first.text)
      yield* until(page, "dialog closed", { k: "noDialog" }, CLOSE_TIMEOUT).pipe(Effect.ignore)
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
    const closed = yield* closeDialogs(page, [Wizard.closeButtonText, ...Wizard.promptButtonTexts])
    if (closed.length > 0) yield* debugNote("wizard: closed popups on open", { dialogs: closed })
    yield* read(page, { k: "setMarker", token })
    yield* debugStep(page, "appointment_wizard_opened")
  })

/** True when the page is the wizard document marked with `token`, at `step`, and settled. */
export const isAt = (page: PageHandle, token: string | undefined, step: number): Effect.Effect<boolean, BrowserError> =>
  Effect.map(inspect(page), (s) =>
    token !== undefined && s.marker === token && s.path.endsWith(Paths.addVisit) && s.step === step && s.stable && !s.busy && !s.loggedOut)

/** Before resuming in place: closes leftovers of a failed attempt (panels, dialogs). */
export const tidy = (page: PageHandle) =>
  Effect.gen(function*() {
    yield* closePanels(page)
    yield* closeDialogs(page)
  })

// ---------------------------------------------------------------------------------------------
// Selects, autocompletes, chips

/** Opens the panel of `target` and waits for its options (panel open and the page stable). */
const openPanel = (page: PageHandle, phase: number, step: string, target: Target, notFound: string) =>
  Effect.gen(function*() {
    yield* closePanels(page)
    if (!(yield* click(page, `${step} field`, target))) return yield* failed(phase, step, "field_not_found", notFound)
    const snap = yield* until(page, `${step} options`, { k: "options" }, PANEL_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `the ${step} list did not open within ${seconds(PANEL_TIMEOUT)}`)
    )
    return snap.options ?? []
  })

/** Picks option `index` of the open panel and waits until `target` shows `text`. */
const pickOption = (page: PageHandle, phase: number, step: string, target: Target, index: number, text: string) =>
  Effect.gen(function*() {
    if (!(yield* click(page, `${step} option`, { k: "option", index }))) {
      return yield* failed(phase, step, "portal_error", `the option '${text}' disappeared before it could be clicked`)
    }
    yield* until(page, `${step} value`, { k: "value", t: target, value: text }, PANEL_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `'${text}' was clicked but the field did not take it`)
    )
    yield* closePanels(page)
  })

/**
 * Picks option `index` of the open panel (as pickOption) and returns its text; when nothing
 * matched (-1), closes the panel and fails with `reason`, `missing(first)` as the detail and the
 * first 10 options as the available ones.
 */
const pickMatch = (
  page: PageHandle,
  phase: number,
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
      yield* closePanels(page)
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
const selectOption = (page: PageHandle, phase: number, step: string, label: string, wanted: string, css = "") =>
  Effect.gen(function*() {
    const target = selectTarget(label, css)
    const options = yield* openPanel(page, phase, step, target, `${label} dropdown not found`)
    return yield* pickMatch(page, phase, step, target, options, matchOption(options, wanted), "option_not_found", (first) =>
      `Option '${wanted}' not found in ${label}. Available options: ${first.length > 0 ? first.join(", ") : "(none)"}`)
  })

/** The Line / Equip Size autocompletes: open with an empty value, pick the matching option. */
const fillAutocomplete = (page: PageHandle, phase: number, step: string, label: string, wanted: string) =>
  Effect.gen(function*() {
    const target = inputTarget("", "", label, Wizard.autocompleteInput)
    if (!(yield* typeInto(page, step, "", target))) return yield* failed(phase, step, "field_not_found", `${label} field not found`)
    const options = yield* openPanel(page, phase, step, target, `${label} field not found`)
    if (options.length === 0) return yield* failed(phase, step, "option_not_found", `No options available in ${label} autocomplete`, [])
    return yield* pickMatch(page, phase, step, target, options, matchAutocomplete(options, wanted), "option_not_found", (first) =>
      `'${wanted}' not found in ${label} options. Available: ${first.join(", ")}`)
  })

/** Types `value` into a plain input and checks the field holds it. */
const fillInput = (page: PageHandle, phase: number, step: string, target: Target, value: string) =>
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
const fillChip = (page: PageHandle, phase: number, step: string, css: string, value: string) =>
  Effect.gen(function*() {
    const target = inputTarget(css)
    for (let i = 0; i < 20; i++) {
      if (!(yield* click(page, `${step} remove chip`, { k: "chipRemove", css }))) break
      yield* until(page, "chip removed", { k: "settled" }, SETTLE_TIMEOUT).pipe(Effect.ignore)
    }
    if (!(yield* typeInto(page, step, value, target))) return yield* failed(phase, step, "field_not_found", `${step} field not found`)
    yield* page.press("Enter")
    return yield* until(page, `${step} chip`, { k: "chip", css, value }, SETTLE_TIMEOUT).pipe(
      onTimeout(phase, step, "portal_error", `no chip appeared for '${value}' within ${seconds(SETTLE_TIMEOUT)}`)
    )
  })

// ---------------------------------------------------------------------------------------------
// Next and the stepper. Next and Submit are answered by the stepper, or by a snack bar or dialog
// the click raised: the overlays shown before the click are marked seen, so only new ones count.

/** Before a Next or Submit click: lets the step settle and marks the overlays shown so far as seen. */
const markOverlaysSeen = (page: PageHandle) =>
  until(page, "step settled", { k: "settled" }, SETTLE_TIMEOUT).pipe(
    Effect.ignore,
    Effect.andThen(read(page, { k: "markSeen" }))
  )

/** Waits for the click's answer; null when none came within the deadline (other failures pass through). */
const answerOf = (page: PageHandle, what: string, want: Want, timeout: Duration.Duration) =>
  until(page, what, want, timeout).pipe(Effect.catchTag("WaitTimedOut", () => Effect.succeed(null)))

/**
 * Fails when the click raised an overlay: a new snack bar is portal_error; a new dialog is closed
 * and becomes `fromDialog(its text)`. Succeeds when there is neither.
 */
const failOnNewOverlay = (
  page: PageHandle,
  phase: number,
  step: string,
  snap: WizardSnapshot,
  fromDialog: (text: string) => AppointmentPhaseFailed
) =>
  Effect.gen(function*() {
    const snack = snap.snacks.find((x) => !x.seen)
    if (snack !== undefined) return yield* failed(phase, step, "portal_error", snack.text || "the portal reported an error")
    const dialog = snap.dialogs.find((x) => !x.seen)
    if (dialog !== undefined) {
      yield* closeDialogs(page)
      return yield* fromDialog(dialog.text)
    }
  })

type NextOutcome = { readonly _tag: "advanced" } | { readonly _tag: "stuck"; readonly detail: string }

/** One Next click: advanced, or stuck (field errors, or nothing within the deadline). */
const clickNextOnce = (page: PageHandle, phase: number, step: string): Effect.Effect<NextOutcome, WizardError> =>
  Effect.gen(function*() {
    yield* markOverlaysSeen(page)
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
 * and tries again (the seed's needs_retry), then fails with not_advanced. Finally waits until the
 * next step finished loading.
 */
export const next = <E>(page: PageHandle, phase: number, refill: Effect.Effect<unknown, E>): Effect.Effect<void, WizardError | E> =>
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
    yield* setPhase(`appointment:${phase + 1}`)
    yield* until(page, `step ${phase + 1} ready`, { k: "ready", step: phase + 1 }, STEP_TIMEOUT).pipe(
      onTimeout(phase + 1, Wizard.stepLabels[phase] ?? "Next step", "not_advanced", `step ${phase + 1} did not finish loading within ${seconds(STEP_TIMEOUT)}`)
    )
  })

// ---------------------------------------------------------------------------------------------
// Phases

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
      Effect.catchTag("WaitTimedOut", () => Effect.succeed(false))
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
      Effect.catchTag("WaitTimedOut", () => Effect.void)
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
      const popups = yield* closeDialogs(page)
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
        yield* closeDialogs(page)
        return yield* failed(1, "Booking number", "booking_invalid", rejected.text)
      }
      const popups = yield* closeDialogs(page)
      if (popups.length > 0) yield* debugNote("wizard: popups after the booking", { dialogs: popups })
      yield* fillQuantity(page, f.quantity)
    }
    yield* debugStep(page, "phase1_filled", { form })
    return form
  })

/** Ticks the first unit (only the first, as the seed) unless it is already ticked. */
const tickFirstUnit = (page: PageHandle) =>
  Effect.gen(function*() {
    const state = yield* read<boolean | null>(page, { k: "checkbox" })
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
      yield* closePanels(page)
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
    const state = yield* read<Record<string, boolean> | null>(page, { k: "toggles" })
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

// ---------------------------------------------------------------------------------------------
// Phase 3

const slotTarget = selectTarget(Wizard.appointmentLabel, Wizard.slotSelect)

/** Opens the slot select, reads its options, closes it. */
const readSlotOptions = (page: PageHandle, screenshot: string) =>
  Effect.gen(function*() {
    const options = yield* openPanel(page, 3, "Appointment time", slotTarget, "Appointment time dropdown not found")
    yield* debugStep(page, screenshot, { count: options.length })
    yield* closePanels(page)
    return options
  })

const openCalendar = (page: PageHandle) =>
  Effect.gen(function*() {
    yield* closePanels(page)
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
const openDates = (page: PageHandle) =>
  Effect.gen(function*() {
    const dates: Array<string> = []
    for (let m = 0; m < CALENDAR_MONTHS; m++) {
      const view = yield* read<CalendarCells>(page, { k: "calendarCells" })
      const enabled = view.cells.filter((c) => c.enabled).map((c) => c.date)
      dates.push(...enabled.filter((d) => !dates.includes(d)))
      if (enabled.length === 0 && dates.length > 0) break
      if (m + 1 < CALENDAR_MONTHS && !(yield* pageCalendar(page, true))) break
    }
    return dates
  })

/** Opens the calendar on the month of `date` and clicks it; slot_unavailable when it is closed. */
const pickDate = (page: PageHandle, date: string) =>
  Effect.gen(function*() {
    if (!(yield* openCalendar(page))) return yield* failed(3, "Appointment date", "field_not_found", "Calendar not found")
    for (let i = 0; i < 24; i++) {
      const view = yield* read<CalendarCells>(page, { k: "calendarCells" })
      const cell = view.cells.find((c) => c.date === date)
      if (cell !== undefined) {
        if (!cell.enabled) break
        yield* click(page, "calendar date", { k: "calendarCell", date })
        yield* until(page, "calendar closed", { k: "closed" }, PANEL_TIMEOUT).pipe(
          onTimeout(3, "Appointment date", "portal_error", `the calendar did not take ${date}`)
        )
        yield* until(page, "date applied", { k: "settled" }, SETTLE_TIMEOUT).pipe(Effect.ignore)
        return
      }
      const first = view.cells[0]?.date
      if (first === undefined) break
      if (!(yield* pageCalendar(page, monthIndex(date) > monthIndex(first)))) break
    }
    const open = yield* openDates(page).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    yield* closePanels(page)
    return yield* failed(3, "Appointment date", "slot_unavailable", `No appointments can be made on ${date}`, open.slice(0, 10))
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
    yield* closePanels(page)
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
    yield* markOverlaysSeen(page)
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

