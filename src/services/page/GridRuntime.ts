/**
 * The page side of the ecp2 containers grid: the grid's rows, a row found by its container id
 * (compared as text: an id is never spliced into a selector), the grid's readiness, every row's
 * cells, a row's expand state and detail (Booking # and the timeline), and where a part of the
 * detail is for a screenshot. Part of the page runtime (`./PageRuntime.ts`): runs inside Chrome and
 * receives the `Containers` selectors as data.
 */
import type { Containers } from "../PortalSelectors.ts"
import type { DomRuntime } from "./DomRuntime.ts"

type Sel = typeof Containers

export interface GridStatus {
  readonly present: boolean
  readonly rows: number
  readonly containers: number
  readonly targetFound: boolean
}

export interface RawGrid {
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

export type RowState = "missing" | "collapsed" | "expanding" | "expanded" | "unknown"

export interface BookingRead {
  /** Whether the "Booking #" label exists in the detail at all. */
  readonly label: boolean
  readonly value: string | null
}

/** A milestone as the page shows it, oldest first (DOM order). */
export interface RawMilestone {
  readonly name: string
  readonly date: string
  /** The divider's class tokens, or null when the milestone has no divider. */
  readonly divider: ReadonlyArray<string> | null
}

export interface RawDetail {
  readonly booking: BookingRead
  readonly timeline: boolean
  readonly milestones: ReadonlyArray<RawMilestone>
}

export type CaptureWhat = "timeline" | "pregate-divider" | "pregate-row"

export interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export interface CaptureFrame {
  /** The element's box in viewport coordinates, after scrolling. */
  readonly el: Rect
  /** The part of the viewport where the scroll box shows its content (below its sticky header). */
  readonly band: { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number }
  readonly viewportWidth: number
}

export const gridRuntime = (dom: DomRuntime) => {
  /** The grid's own table inside its scroll box. */
  const gridTable = (s: Sel): Element | null => document.querySelector(s.scrollBox)?.querySelector(s.table) ?? null

  /** The body rows of `table` itself (not of tables nested in a detail). */
  const gridRows = (s: Sel, table: Element): Array<Element> => dom.all(table, s.bodyRows).filter((r) => r.closest("table") === table)

  /** The id pattern, compiled once per document (the grid reads it for every row). */
  const idPatterns = new Map<string, RegExp>()
  const idPattern = (s: Sel): RegExp => {
    let re = idPatterns.get(s.idCorePattern)
    if (re === undefined) {
      re = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
      idPatterns.set(s.idCorePattern, re)
    }
    return re
  }

  /** The container id in a row's first cell (icon text left out, the L/E suffix dropped), or null. */
  const containerIdOf = (s: Sel, row: Element): string | null => {
    const cell = row.querySelector(s.cell)
    if (cell === null) return null
    let text = cell.textContent ?? ""
    for (const icon of dom.all(cell, s.icon)) text = text.replace(icon.textContent ?? "", "")
    return idPattern(s).exec(text.replace(/\s+/g, "").toUpperCase())?.[1] ?? null
  }

  /** The grid row of container `target` (a normalised id). */
  const rowByContainerId = (s: Sel, target: string): Element | undefined => {
    const table = gridTable(s)
    return table === null ? undefined : gridRows(s, table).find((r) => containerIdOf(s, r) === target)
  }

  /** The expanded detail row right after `target`'s row. */
  const detailOf = (s: Sel, target: string): Element | null => {
    const next = rowByContainerId(s, target)?.nextElementSibling ?? null
    return next !== null && next.matches(s.expandedRow) ? next : null
  }

  /** A milestone row's divider: inside it, else right before or after it. */
  const dividerOf = (s: Sel, milestone: Element): Element | null => {
    const inside = milestone.querySelector(s.divider)
    if (inside !== null) return inside
    const prev = milestone.previousElementSibling
    const next = milestone.nextElementSibling
    return prev !== null && prev.matches(s.divider) ? prev : next !== null && next.matches(s.divider) ? next : null
  }

  /** Milestone rows proper (wrapper rows holding other milestone rows are layout). */
  const milestoneRows = (s: Sel, timeline: Element): Array<Element> =>
    dom.all(timeline, s.milestoneRow).filter((r) => r.querySelector(s.milestoneRow) === null)

  const rowState = (s: Sel, target: string): RowState => {
    const row = rowByContainerId(s, target)
    if (row === undefined) return "missing"
    const iconTexts = dom.all(row, s.icon).map((i) => (i.textContent ?? "").trim())
    const detail = detailOf(s, target)
    const down = iconTexts.some((t) => (s.collapseIconTexts as ReadonlyArray<string>).includes(t))
    const right = iconTexts.some((t) => (s.expandIconTexts as ReadonlyArray<string>).includes(t))
    const filled = detail !== null && (detail.querySelector(s.fieldLabel) !== null || detail.querySelector(s.timeline) !== null)
    return down && filled ? "expanded" : down || detail !== null ? "expanding" : right ? "collapsed" : "unknown"
  }

  /** Booking #: the field-data at the label's position among its siblings, else the next value. */
  const bookingOf = (s: Sel, detail: Element): BookingRead => {
    const labels = dom.all(detail, s.fieldLabel)
    const label = labels.find((l) => dom.norm(l.textContent) === s.bookingLabel) ?? labels.find((l) => dom.norm(l.textContent).includes(s.bookingLabel))
    if (label === undefined) return { label: false, value: null }
    const siblings = Array.from(label.parentElement?.children ?? [])
    const siblingLabels = siblings.filter((c) => c.matches(s.fieldLabel))
    const siblingValues = siblings.filter((c) => c.matches(s.fieldData))
    let value: Element | undefined = siblingLabels.length === siblingValues.length ? siblingValues[siblingLabels.indexOf(label)] : undefined
    if (value === undefined) {
      let next = label.nextElementSibling
      let firstData: Element | undefined
      while (next !== null && value === undefined) {
        if (next.matches(s.bookingValue)) value = next
        else if (firstData === undefined && next.matches(s.fieldData)) firstData = next
        next = next.nextElementSibling
      }
      value = value ?? firstData
    }
    return { label: true, value: value === undefined ? null : dom.norm(value.textContent) }
  }

  return {
    /** Rows, containers (rows with an id) and whether `target` is among them. */
    gridStatus(s: Sel, target: string | null): GridStatus {
      const table = gridTable(s)
      if (table === null) return { present: false, rows: 0, containers: 0, targetFound: false }
      const rows = gridRows(s, table)
      const ids = rows.map((r) => containerIdOf(s, r)).filter((id) => id !== null)
      return { present: true, rows: rows.length, containers: ids.length, targetFound: target !== null && ids.includes(target) }
    },

    /**
     * Ready once the grid is there with rows, or there and idle (an empty list); "absent" once idle
     * without it for `quietMs` (the quiet window `quietKey`).
     */
    gridReady(s: Sel, quietMs: number, quietKey: string): { readonly state: "ready" | "absent"; readonly rows: number } | null {
      const isBusy = dom.busy(s.spinner)
      const table = gridTable(s)
      const rows = table === null ? 0 : gridRows(s, table).length
      if (table !== null && (rows > 0 || !isBusy)) return { state: "ready", rows }
      return dom.quietFor(quietKey, isBusy, quietMs) ? { state: "absent", rows: 0 } : null
    },

    /** Header texts and every body row's cell texts (icon elements' text left out). */
    readGrid(s: Sel): RawGrid | null {
      const table = gridTable(s)
      if (table === null) return null
      const own = (e: Element) => e.closest("table") === table
      const headers = dom.all(table, s.headerCells).filter(own).map((h) => dom.norm(h.textContent))
      const rows = gridRows(s, table).map((row) =>
        Array.from(row.children).filter((c) => c.matches(s.cell)).map((cell) => {
          let text = cell.textContent ?? ""
          for (const icon of dom.all(cell, s.icon)) text = text.replace(icon.textContent ?? "", " ")
          return text
        })
      )
      return { headers, rows }
    },

    /** The expand/collapse icon of `target`'s row, when its text is one of `texts`. */
    rowIcon(s: Sel, target: string, texts: ReadonlyArray<string>): Element | null {
      const row = rowByContainerId(s, target)
      return row === undefined ? null : dom.all(row, s.icon).find((i) => texts.includes((i.textContent ?? "").trim())) ?? null
    },

    /**
     * The state of `target`'s row: expanded means the icon shows a collapse arrow and the next row
     * is the detail row with its content rendered. With `want` set, the state only when it equals
     * `want` (for waits), else null.
     */
    rowState(s: Sel, target: string, want: RowState | ""): RowState | null {
      const state = rowState(s, target)
      return want === "" || state === want ? state : null
    },

    /** Booking # and the timeline from the expanded detail row of `target`. */
    readDetail(s: Sel, target: string): RawDetail | null {
      const detail = detailOf(s, target)
      if (detail === null) return null
      const timeline = detail.querySelector(s.timeline)
      const milestones: Array<RawMilestone> = []
      for (const mrow of timeline === null ? [] : milestoneRows(s, timeline)) {
        const spans = dom.all(mrow, s.milestoneLabel)
        const name = dom.norm(spans[0]?.textContent)
        if (name === "" || (s.timelineToggleNames as ReadonlyArray<string>).includes(name)) continue
        const dateSpan = mrow.querySelector(s.milestoneDate) ?? spans[1] ?? null
        const date = dateSpan === null || dateSpan === spans[0] ? "" : dom.norm(dateSpan.textContent)
        const divider = dividerOf(s, mrow)
        milestones.push({ name, date, divider: divider === null ? null : Array.from(divider.classList) })
      }
      return { booking: bookingOf(s, detail), timeline: timeline !== null, milestones }
    },

    /**
     * Scrolls the grid's box so that the part of the element starting `offset` px below its top
     * sits at the top of the box's visible band, and reports where things are. The band excludes
     * the sticky header, which would otherwise be painted over the element in a screenshot.
     */
    frameForCapture(s: Sel, target: string, what: CaptureWhat, offset: number): CaptureFrame | null {
      const box = document.querySelector(s.scrollBox)
      const table = gridTable(s)
      const timeline = detailOf(s, target)?.querySelector(s.timeline) ?? null
      if (box === null || table === null || timeline === null) return null
      let el: Element | null = timeline.matches(s.timelineBox) ? timeline : timeline.querySelector(s.timelineBox) ?? timeline
      if (what !== "timeline") {
        const pregate = dom.norm(s.pregateMilestone).toLowerCase()
        const pregateRow = milestoneRows(s, timeline).find((r) => dom.norm(r.querySelector(s.milestoneLabel)?.textContent).toLowerCase() === pregate)
        if (pregateRow === undefined) return null
        el = what === "pregate-row" ? pregateRow : dividerOf(s, pregateRow)
      }
      if (el === null) return null
      const b0 = box.getBoundingClientRect()
      if (b0.top < 0 || b0.bottom > window.innerHeight) box.scrollIntoView({ block: "nearest" })
      const bandOf = () => {
        const b = box.getBoundingClientRect()
        let top = b.top + box.clientTop
        for (const head of dom.all(table, s.stickyHeader)) {
          const h = head.getBoundingClientRect()
          if (h.height > 0 && h.top <= top + 1 && h.bottom > top) top = h.bottom
        }
        return {
          top: Math.max(0, top),
          bottom: Math.min(window.innerHeight, b.top + box.clientTop + box.clientHeight),
          left: Math.max(0, b.left + box.clientLeft),
          right: Math.min(window.innerWidth, b.left + box.clientLeft + box.clientWidth)
        }
      }
      let band = bandOf()
      let r = el.getBoundingClientRect()
      // Aim 2 px below the band's top: scrollTop rounds, and overshooting would hide a sliver of the
      // element under the header (then lost between two pieces).
      box.scrollTop += r.top + offset - band.top - 2
      if (r.left < band.left || r.right > band.right) box.scrollLeft += r.left - band.left
      band = bandOf()
      r = el.getBoundingClientRect()
      return { el: { x: r.left, y: r.top, width: r.width, height: r.height }, band, viewportWidth: window.innerWidth }
    },

    /** The first rendered `elements` whose text is exactly `text` (the side menu's "Containers"). */
    menuLink(elements: string, text: string): Element | null {
      return dom.all(document, elements).find((e) => dom.norm(e.textContent) === text && dom.rendered(e)) ?? null
    }
  }
}

export type GridRuntime = ReturnType<typeof gridRuntime>
