/**
 * The page side of truckerportal's My Appointments: the list's readiness, its selectable rows
 * (with the ids each can be matched by and its checkbox state), the checkboxes and the export icon
 * to click, and what the page says after the export click. Part of the page runtime
 * (`./PageRuntime.ts`): runs inside Chrome and receives the `MyAppointments` selectors as data.
 */
import type { MyAppointments } from "../PortalSelectors.ts"
import type { DomRuntime } from "./DomRuntime.ts"

type Sel = typeof MyAppointments

export interface ListState {
  readonly state: "ready" | "empty" | "absent"
  readonly rows: number
}

export interface RowsRead {
  readonly present: boolean
  /** Per row: the ids it can be matched by (row attributes, checkbox value, the appointment # cell). */
  readonly ids: ReadonlyArray<ReadonlyArray<string>>
  readonly checked: ReadonlyArray<boolean>
}

export type ExportProblem = { readonly kind: "snack"; readonly text: string } | { readonly kind: "gone" }

export const appointmentListRuntime = (dom: DomRuntime) => {
  /** The quiet window of the list's readiness. */
  const READY_QUIET_KEY = "appointments:ready"

  /** The rows that are appointments: those with a checkbox. */
  const selectable = (s: Sel, list: Element): Array<Element> => dom.all(list, s.row).filter((r) => r.querySelector(s.checkbox) !== null)

  const isChecked = (s: Sel, row: Element): boolean => {
    const input = row.querySelector(s.checkbox) as HTMLInputElement | null
    return input !== null && (input.getAttribute("aria-checked") ?? String(input.checked)) === "true"
  }

  /** Set by `armExportWatch` in this document (a navigation starts a new, unarmed one). */
  let exportArmed = false

  return {
    /**
     * The list is ready once it has rows, or once the page has been quiet (no pending request, no
     * spinner) for `quietMs` — then it is an empty list, an "empty" message, or absent.
     */
    listReady(s: Sel, quietMs: number): ListState | null {
      const list = document.querySelector(s.list)
      const rows = list === null ? 0 : selectable(s, list).length
      if (list !== null && rows > 0) return { state: "ready", rows }
      if (!dom.quietFor(READY_QUIET_KEY, dom.busy(s.spinner), quietMs)) return null
      if (list !== null) return { state: "empty", rows: 0 }
      const text = dom.pageText()
      return { state: s.emptyTexts.some((t) => text.includes(t)) ? "empty" : "absent", rows: 0 }
    },

    /** Every selectable row of the list, in order. */
    appointmentRows(s: Sel): RowsRead {
      const list = document.querySelector(s.list)
      if (list === null) return { present: false, ids: [], checked: [] }
      const pattern = new RegExp(s.confirmationHeader, "i")
      const column = dom.all(list, s.headerCells).map((h) => dom.norm(h.textContent)).findIndex((h) => pattern.test(h))
      const rows = selectable(s, list)
      const ids = rows.map((r) => {
        const out: Array<string> = []
        if (column >= 0) {
          const text = dom.norm(dom.all(r, s.cell)[column]?.textContent)
          if (text !== "") out.push(text)
        }
        for (const attribute of s.rowIdAttributes) {
          const v = r.getAttribute(attribute)
          if (v !== null && v.trim() !== "") out.push(v.trim())
        }
        const input = r.querySelector(s.checkbox) as HTMLInputElement | null
        if (input !== null && input.value !== "" && input.value !== "on") out.push(input.value)
        return out
      })
      return { present: true, ids, checked: rows.map((r) => isChecked(s, r)) }
    },

    /** Row `index`'s `mat-checkbox` ("host") or its native input ("input"). */
    rowCheckbox(s: Sel, index: number, part: "host" | "input"): Element | null {
      const list = document.querySelector(s.list)
      const row = list === null ? undefined : selectable(s, list)[index]
      if (row === undefined) return null
      return part === "host" ? (row.querySelector(s.checkboxHost) ?? row.querySelector(s.checkbox)) : row.querySelector(s.checkbox)
    },

    /** The header's select-all checkbox's aria-checked, or null without one. */
    selectAllState(s: Sel): string | null {
      const host = document.querySelector(s.selectAll)
      return host === null ? null : host.querySelector(s.checkbox)?.getAttribute("aria-checked") ?? "false"
    },

    selectAllHost(s: Sel): Element | null {
      return document.querySelector(s.selectAll)
    },

    /** True once exactly the rows in `want` are checked. */
    selectionIs(s: Sel, want: ReadonlyArray<number>): boolean {
      const list = document.querySelector(s.list)
      if (list === null) return false
      const wanted = new Set(want)
      return selectable(s, list).every((r, i) => isChecked(s, r) === wanted.has(i))
    },

    /** The first rendered element of the first export-icon selector that has one. */
    excelIcon(s: Sel): Element | null {
      for (const selector of s.excelIcon) {
        const found = dom.all(document, selector).find(dom.rendered)
        if (found !== undefined) return found
      }
      return null
    },

    /** Marks the snack bars already shown, so only one raised by the export click counts. */
    armExportWatch(s: Sel): boolean {
      dom.markSeen(s.snackBar)
      exportArmed = true
      return true
    },

    /**
     * After the export click: a new snack bar (the portal refused), or the list replaced by another
     * page. Puppeteer re-runs a wait in the new document after a navigation, which is not armed: a
     * missing list counts there on its own.
     */
    exportProblem(s: Sel): ExportProblem | null {
      if (document.readyState !== "loading" && document.querySelector(s.list) === null) return { kind: "gone" }
      if (!exportArmed) return null
      const snack = dom.all(document, s.snackBar).find((e) => !dom.seen(e) && dom.rendered(e) && (e.textContent ?? "").trim() !== "")
      return snack === undefined ? null : { kind: "snack", text: dom.norm(snack.textContent) }
    }
  }
}

export type AppointmentListRuntime = ReturnType<typeof appointmentListRuntime>
