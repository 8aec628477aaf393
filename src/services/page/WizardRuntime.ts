/**
 * The page side of the termops appointment wizard: finding its elements inside the step being
 * shown (overlays in the document), reading values, checkboxes, toggles and the calendar, and one
 * snapshot of the wizard that every wait is judged on, so finding, reading and waiting share one
 * notion of "visible" and of "the current step". Requested values (company names, plates…) are
 * compared as text and never spliced into a selector. Part of the page runtime
 * (`./PageRuntime.ts`): runs inside Chrome and receives the `Wizard` selectors as data.
 */
import type { Wizard } from "../PortalSelectors.ts"
import type { DomRuntime } from "./DomRuntime.ts"

type Sel = typeof Wizard

declare global {
  interface Window {
    /** The wizard document's mark (a workflow's page token); any navigation clears it. */
    __emodalApiWizard?: string
  }
}

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

export const wizardRuntime = (dom: DomRuntime) => {
  const { all, norm, visible } = dom
  const active = (s: Sel): ParentNode => document.querySelector(s.activeStep) ?? document
  /** The outermost of `els` (a dialog's inner dialog role is the same dialog). */
  const topLevel = (els: Array<Element>) => els.filter((e) => !els.some((o) => o !== e && o.contains(e)))
  const pad = (n: number) => String(n).padStart(2, "0")
  /** A calendar cell's aria-label as MM/DD/YYYY ("" when unreadable). */
  const dateKey = (label: string) => {
    const d = new Date(label)
    return Number.isNaN(d.getTime()) ? "" : `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${d.getFullYear()}`
  }
  const labelled = (s: Sel, label: string, css: string) => dom.labelledField(active(s), s.formField, s.label, label, css)
  const calendarEl = (s: Sel) => all(document, s.calendar).find(visible) ?? null

  const locate = (s: Sel, t: Target): Element | null => {
    const step = active(s)
    switch (t.k) {
      case "select":
        return all(step, t.css).find(visible) ??
          labelled(s, t.label, s.select) ??
          all(step, s.select).find((e) => visible(e) && (e.getAttribute("aria-label") ?? "").toLowerCase().includes(t.label.toLowerCase())) ??
          null
      case "option":
        return all(document, s.option).filter(visible)[t.index] ?? null
      case "input":
        return all(step, t.css).find(visible) ?? (t.label !== "" ? labelled(s, t.label, t.labelCss) : null) ?? all(step, t.fallback).find(visible) ?? null
      case "chipRemove": {
        const list = all(step, t.css).find(visible)?.closest(s.chipList)
        return list ? all(list, s.chipRemove).find(visible) ?? null : null
      }
      case "button": {
        const usable = (b: Element) => visible(b) && !(b as HTMLButtonElement).disabled
        const hasText = (b: Element) => norm(b.textContent).includes(t.text) || all(b, s.buttonTextPart).some((x) => norm(x.textContent).includes(t.text))
        return all(step, t.css).find((b) => usable(b) && hasText(b)) ?? all(step, s.button).find((b) => usable(b) && hasText(b)) ?? null
      }
      case "checkbox": {
        const box = all(step, s.unitCheckbox).find(visible)
        return box === undefined ? null : box.querySelector(s.checkboxLabel) ?? box.querySelector(s.checkboxInput) ?? box
      }
      case "toggle": {
        const toggle = all(step, s.toggle).find((x) => norm(x.textContent).toUpperCase() === t.value)
        return toggle === undefined ? null : toggle.querySelector(s.toggleButton) ?? toggle
      }
      case "calendarToggle": {
        const icons = all(step, s.icon).filter(visible)
        const icon = icons.find((i) => norm(i.textContent) === s.calendarIcon) ?? icons.find((i) => norm(i.textContent).includes(s.calendarIconWord))
        return icon === undefined ? null : icon.closest(s.button) ?? icon
      }
      case "calendarCell": {
        const cal = calendarEl(s)
        return cal === null ? null : all(cal, s.calendarAnyCell).find((c) => dateKey(c.getAttribute("aria-label") ?? "") === t.date) ?? null
      }
      case "calendarNav": {
        const cal = calendarEl(s)
        return cal === null ? null : all(cal, t.next ? s.calendarNext : s.calendarPrevious).find(visible) ?? null
      }
      case "backdrop": {
        const drops = all(document, s.overlayBackdrop).filter(visible)
        return drops[drops.length - 1] ?? null
      }
      case "dialogButton": {
        const wanted = t.texts.map((x) => x.toLowerCase())
        for (const d of topLevel(all(document, s.dialog)).filter(visible)) {
          const button = all(d, s.button).find((b) => visible(b) && wanted.includes(norm(b.textContent).toLowerCase()))
          if (button !== undefined) return button
        }
        return null
      }
    }
  }

  const valueOf = (s: Sel, t: Target): string | null => {
    const el = locate(s, t)
    if (el === null) return null
    if (t.k === "select") return norm(el.querySelector(s.selectValue)?.textContent)
    if (el instanceof HTMLInputElement) return el.value
    return norm(el.textContent)
  }

  const checkboxState = (s: Sel): boolean | null => {
    const box = all(active(s), s.unitCheckbox).find(visible)
    if (box === undefined) return null
    const input = box.querySelector(s.checkboxInput) as HTMLInputElement | null
    return input?.checked === true || input?.getAttribute("aria-checked") === "true" || box.classList.contains(s.checkboxCheckedClass)
  }

  const toggleState = (s: Sel): Record<string, boolean> | null => {
    const toggles = all(active(s), s.toggle)
    if (toggles.length === 0) return null
    const out: Record<string, boolean> = {}
    for (const t of toggles) {
      const button = t.querySelector(s.toggleButton)
      out[norm(t.textContent).toUpperCase()] = t.classList.contains(s.toggleChecked) || button?.getAttribute("aria-pressed") === "true"
    }
    return out
  }

  const calendarCells = (s: Sel): CalendarCells => {
    const cal = calendarEl(s)
    if (cal === null) return { open: false, cells: [] }
    return {
      open: true,
      cells: all(cal, s.calendarAnyCell).map((c) => ({
        date: dateKey(c.getAttribute("aria-label") ?? ""),
        enabled: c.getAttribute("aria-disabled") !== "true" && !c.classList.contains(s.calendarDisabledClass)
      })).filter((c) => c.date !== "")
    }
  }

  const snapshot = (s: Sel, unauthorized: ReadonlyArray<string>): WizardSnapshot => {
    const header = all(document, s.stepHeader).find((h) => h.getAttribute("aria-selected") === "true")
    const text = dom.pageText()
    const overlays = (css: string, textCss: string) =>
      topLevel(all(document, css)).filter(visible).map((e) => ({
        text: norm((textCss === "" ? e : e.querySelector(textCss) ?? e).textContent),
        seen: dom.seen(e)
      }))
    const panelOpen = all(document, s.optionPanel).some(visible)
    const options = all(document, s.option).filter(visible).map((o) => norm((o.querySelector(s.optionText) ?? o).textContent))
    const confirmation = all(document, s.confirmationNumber).find(visible)
    const cal = calendarCells(s)
    return {
      path: location.pathname,
      marker: window.__emodalApiWizard ?? null,
      step: header === undefined ? null : Number(header.getAttribute("aria-posinset")) || null,
      stable: !dom.angularBusy(),
      busy: all(active(s), s.spinner).some(visible),
      loggedOut: unauthorized.some((u) => text.includes(u)),
      dialogs: overlays(s.dialog, s.dialogText),
      snacks: overlays(s.snackBar, ""),
      options: panelOpen || options.length > 0 ? options : null,
      calendarOpen: cal.open,
      calendarView: cal.cells[0]?.date ?? "",
      errors: all(active(s), s.fieldError).filter(visible).map((e) => norm(e.textContent)).filter((x) => x !== ""),
      confirmation: confirmation === undefined ? null : norm(confirmation.textContent) || null
    }
  }

  const holds = (s: Sel, want: Want, snap: WizardSnapshot): boolean => {
    const settled = snap.stable && !snap.busy
    const newOverlay = snap.dialogs.some((d) => !d.seen) || snap.snacks.some((d) => !d.seen)
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
        const list = all(active(s), want.css).find(visible)?.closest(s.chipList)
        const chip = list ? all(list, s.chipText).some((c) => norm(c.textContent).toLowerCase().includes(want.value.toLowerCase())) : false
        return (chip || snap.dialogs.length > 0) && settled
      }
      case "anyOf":
        return settled && want.targets.some((t) => locate(s, t) !== null)
      case "next":
        return (snap.step !== null && snap.step > want.from) || newOverlay || (settled && snap.errors.length > 0)
      case "submit":
        return (snap.step === 4 && snap.confirmation !== null) || newOverlay || (settled && snap.step === 3 && snap.errors.length > 0)
      case "value":
        return norm(valueOf(s, want.t)).toLowerCase() === norm(want.value).toLowerCase()
      case "checked":
        return checkboxState(s) === true
      case "toggle":
        return toggleState(s)?.[want.value] === true
    }
  }

  return {
    /** The element `t` names (to click or type into). */
    wizardFind: locate,
    wizardExists(s: Sel, t: Target): boolean {
      return locate(s, t) !== null
    },
    /** The unit checkbox's state; null without one. */
    wizardCheckbox: checkboxState,
    /** The YES/NO toggles' states by their text; null without toggles. */
    wizardToggles: toggleState,
    wizardCalendar: calendarCells,
    wizardSnapshot: snapshot,
    /** The snapshot once `want` holds — or once the page shows the 401 text; null until then. */
    wizardProbe(s: Sel, unauthorized: ReadonlyArray<string>, want: Want): WizardSnapshot | null {
      const snap = snapshot(s, unauthorized)
      return snap.loggedOut || holds(s, want, snap) ? snap : null
    },
    /** Marks the dialogs and snack bars shown now as seen (before a Next or Submit click). */
    wizardMarkSeen(s: Sel): boolean {
      dom.markSeen(s.dialog)
      dom.markSeen(s.snackBar)
      return true
    },
    /** Marks this document as the wizard of the workflow page `token`. */
    wizardSetMarker(token: string): boolean {
      window.__emodalApiWizard = token
      return true
    }
  }
}

export type WizardRuntime = ReturnType<typeof wizardRuntime>
