/**
 * The ecp2 containers flows (SEED-SYSTEM §3.4): open the grid, load rows by scrolling #searchres
 * until the mode's stop condition, read the rows from the table cells into `Container` records,
 * find one container, expand its row, read its Booking # and timeline, decide pregate (divider
 * classes first, else the brightness of a real screenshot), and collapse the row again.
 *
 * Every wait is on a page signal (row count, busy indicators, icon text) under a deadline, never a
 * fixed sleep. Container ids are compared as text inside page functions, so an id is never spliced
 * into a selector or an XPath. Page functions run in Chrome: they are self-contained and receive
 * the `Containers` selectors as an argument.
 */
import { Duration, Effect } from "effect"
import { ContainerNotFound, PortalChanged, type PortalUnavailable } from "../../domain/Errors.ts"
import { CONTAINER_COLUMNS, type Container } from "../../domain/Operations.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "../Browser.ts"
import type { PortalUrls } from "../PortalConfig.ts"
import { Containers, Paths } from "../PortalSelectors.ts"
import { debugNote, debugStep } from "./Debug.ts"
import { failLoggedOutOr, type LoggedOut, openApp } from "./PageState.ts"
import { type ListRows, millis, type ScrollTuning, scrollUntil } from "./ListSignals.ts"
import * as Png from "./Png.ts"
import { setPhase } from "./Phase.ts"

type Sel = typeof Containers

/** What a containers flow can fail with before the session actor translates it. */
export type FlowError = BrowserError | WaitTimedOut | LoggedOut | PortalUnavailable | PortalChanged

// ---------------------------------------------------------------------------------------------
// Tuning

export const DEFAULT_TUNING: ScrollTuning = {
  idleAttempts: 3,
  quietPeriod: Duration.millis(750),
  attemptTimeout: Duration.seconds(20)
}

/** How long the grid may take to appear once the page is ready. */
const GRID_TIMEOUT = Duration.seconds(20)
/** How long an expand or collapse click may take to show (detail content included). */
const TOGGLE_TIMEOUT = Duration.seconds(10)
/** Bound on collapsing a row in a finalizer (the result is already read by then). */
const COLLAPSE_BUDGET = Duration.seconds(5)
/** Most viewport captures stitched into one element screenshot. */
const MAX_CAPTURE_PIECES = 12

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

const CORE_ID = new RegExp(`^(${Containers.idCorePattern})([A-Z])?$`)

/**
 * A container id as the grid compares it: upper-case, no whitespace, without the one-letter L/E
 * suffix the grid appends (`MSDU5772413L` → `MSDU5772413`). Text that is not an id is returned
 * upper-cased and compacted, so it can still be compared (and will match nothing).
 */
export const normalizeContainerId = (raw: string): string => {
  const compact = raw.replace(/\s+/g, "").toUpperCase()
  return CORE_ID.exec(compact)?.[1] ?? compact
}

/** Whether `raw` (after normalising) looks like a container id at all. */
export const isContainerId = (raw: string): boolean => CORE_ID.test(raw.replace(/\s+/g, "").toUpperCase())

const UNDERSCORE_ICON_WORDS = Containers.iconWords.filter((w) => w.includes("_"))

/**
 * A cell's value: icon ligature words removed as whole tokens, whitespace collapsed and trimmed
 * (so Holds' leading space goes). In the id cell every icon word is removed (that is where the
 * expand icon lives); elsewhere only the underscore ligatures (`keyboard_arrow_right`…), which
 * cannot be real data, while a plain word such as `info` could be a genuine value and is kept.
 */
export const cleanCell = (text: string, idCell = false): string => {
  const drop: ReadonlyArray<string> = idCell ? Containers.iconWords : UNDERSCORE_ICON_WORDS
  return text.split(/\s+/).filter((t) => t !== "" && !drop.includes(t)).join(" ")
}

const normHeader = (h: string) => h.replace(/\s+/g, " ").trim().toLowerCase()

export type ParsedGrid =
  | { readonly _tag: "Parsed"; readonly containers: ReadonlyArray<Container>; readonly skipped: number }
  | { readonly _tag: "MissingHeaders"; readonly missing: ReadonlyArray<string> }

/**
 * Maps the grid's cells to Container records by header text (not position, so a reordered grid
 * still reads right). Rows whose first cell holds no container id — the portal's all-`N/A`
 * placeholder rows — are skipped and counted: they describe no container, and a spreadsheet row
 * without an id is useless to the caller (the seed's parser dropped them too).
 */
export const parseGrid = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): ParsedGrid => {
  const position = new Map<string, number>()
  headers.forEach((h, i) => {
    const key = normHeader(h)
    if (!position.has(key)) position.set(key, i)
  })
  const missing = CONTAINER_COLUMNS.filter(([, header]) => !position.has(normHeader(header))).map(([, header]) => header)
  if (missing.length > 0) return { _tag: "MissingHeaders", missing }
  const index = CONTAINER_COLUMNS.map(([key, header]) => [key, position.get(normHeader(header))!] as const)
  const containers: Array<Container> = []
  let skipped = 0
  for (const cells of rows) {
    const record: Record<string, string> = {}
    for (const [key, i] of index) record[key] = cleanCell(cells[i] ?? "", key === "container_id")
    const id = CORE_ID.exec((record["container_id"] ?? "").replace(/\s+/g, "").toUpperCase())
    if (id === null) {
      skipped++
      continue
    }
    record["container_id"] = id[1]!
    containers.push(record as unknown as Container)
  }
  return { _tag: "Parsed", containers, skipped }
}

export type DividerStatus = "completed" | "pending" | "ambiguous"

/**
 * A timeline divider's meaning from its class tokens (exact tokens, never substrings — the seed
 * read `dividerflowcolor2` as done): `dividerflowcolor` without `horizontalconflow` is completed,
 * `horizontalconflow` is pending, anything else (no divider, unknown classes) is ambiguous.
 */
export const dividerStatus = (classes: ReadonlyArray<string> | null): DividerStatus => {
  if (classes === null) return "ambiguous"
  if (classes.includes(Containers.dividerPending)) return "pending"
  if (classes.includes(Containers.dividerDone)) return "completed"
  return "ambiguous"
}

/** A milestone as the page shows it, oldest first (DOM order). */
export interface RawMilestone {
  readonly name: string
  readonly date: string
  /** The divider's class tokens, or null when the milestone has no divider. */
  readonly divider: ReadonlyArray<string> | null
}

export interface TimelineEntry {
  readonly milestone: string
  readonly date: string
  readonly status: "completed" | "pending"
}

const isPregate = (name: string): boolean => normHeader(name) === normHeader(Containers.pregateMilestone)

/**
 * The API's timeline: newest first. An ambiguous divider takes the Pregate verdict when it is the
 * Pregate milestone (image check), else "pending" (the seed's default: only a positive signal
 * makes a milestone completed).
 */
export const buildTimeline = (milestones: ReadonlyArray<RawMilestone>, pregatePassed?: boolean): ReadonlyArray<TimelineEntry> =>
  [...milestones].reverse().map((m) => {
    const status = dividerStatus(m.divider)
    const resolved = status !== "ambiguous"
      ? status
      : isPregate(m.name) && pregatePassed !== undefined
      ? (pregatePassed ? "completed" : "pending")
      : "pending"
    return { milestone: m.name, date: m.date === "" ? Containers.notAvailable : m.date, status: resolved }
  })

export interface BookingRead {
  /** Whether the "Booking #" label exists in the detail at all. */
  readonly label: boolean
  readonly value: string | null
}

/** `N/A`, empty or absent → null (the seed's "Booking number not available"). */
export const bookingValue = (read: BookingRead): string | null => {
  const v = read.value?.trim() ?? ""
  return v === "" || v.toUpperCase() === Containers.notAvailable ? null : v
}

// ---------------------------------------------------------------------------------------------
// Page functions (self-contained: they run in Chrome)

interface GridStatus {
  readonly present: boolean
  readonly rows: number
  readonly containers: number
  readonly targetFound: boolean
}

const gridStatus = (s: Sel, target: string | null): GridStatus => {
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  if (box === null || table === null) return { present: false, rows: 0, containers: 0, targetFound: false }
  const rows = Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table)
  const core = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
  let containers = 0
  let targetFound = false
  for (const row of rows) {
    const cell = row.querySelector(s.cell)
    if (cell === null) continue
    let text = cell.textContent ?? ""
    for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", "")
    const m = core.exec(text.replace(/\s+/g, "").toUpperCase())
    if (m === null) continue
    containers++
    if (m[1] === target) targetFound = true
  }
  return { present: true, rows: rows.length, containers, targetFound }
}

/**
 * Ready once the grid is there with rows, or there and idle (an empty list); "absent" once idle
 * without it. `quietKey` is the window property that remembers since when the page has been idle.
 */
const gridReady = (s: Sel, quietMs: number, quietKey: string): { readonly state: "ready" | "absent"; readonly rows: number } | null => {
  const w = window as unknown as Record<string, unknown> & { getAllAngularTestabilities?: () => Array<{ isStable(): boolean }> }
  let busy = false
  try {
    busy = typeof w.getAllAngularTestabilities === "function" && !w.getAllAngularTestabilities().every((t) => t.isStable())
  } catch {
    busy = false
  }
  if (!busy) busy = Array.from(document.querySelectorAll(s.spinner)).some((e) => e.getClientRects().length > 0)
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  const rows = table === null ? 0 : Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table).length
  if (table !== null && (rows > 0 || !busy)) return { state: "ready", rows }
  if (busy) {
    w[quietKey] = null
    return null
  }
  const now = performance.now()
  const since = w[quietKey]
  if (typeof since !== "number") {
    w[quietKey] = now
    return null
  }
  return now - since >= quietMs ? { state: "absent", rows: 0 } : null
}

/** The window property of gridReady's quiet period. */
const GRID_READY_QUIET_KEY = "__emodalApiGridQuiet"

/**
 * Scrolls #searchres to its end the way the list listens for it: scrollTop, then a `scroll` event.
 * Clears `quietKey` (the scroll signal's quiet mark) first, so the wait that follows starts afresh.
 */
const scrollToEnd = (s: Sel, quietKey: string): boolean => {
  const box = document.querySelector(s.scrollBox) as HTMLElement | null
  if (box === null) return false
  ;(window as unknown as Record<string, unknown>)[quietKey] = null
  box.scrollTop = box.scrollHeight
  box.dispatchEvent(new Event("scroll"))
  return true
}

/** The grid's rows for the shared scroll signal (only the rows of the grid's own table count). */
const GRID_ROWS: ListRows = {
  root: Containers.scrollBox,
  table: Containers.table,
  rows: Containers.bodyRows,
  rowHas: null,
  spinner: Containers.spinner,
  quietKey: "__emodalApiQuietSince"
}

interface RawGrid {
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** Header texts and every body row's cell texts (icon elements' text left out). */
const readGrid = (s: Sel): RawGrid | null => {
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  if (table === null) return null
  const own = (e: Element) => e.closest("table") === table
  const headers = Array.from(table.querySelectorAll(s.headerCells)).filter(own).map((h) => (h.textContent ?? "").replace(/\s+/g, " ").trim())
  const rows = Array.from(table.querySelectorAll(s.bodyRows)).filter(own).map((row) =>
    Array.from(row.children).filter((c) => c.matches(s.cell)).map((cell) => {
      let text = cell.textContent ?? ""
      for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", " ")
      return text
    })
  )
  return { headers, rows }
}

/** The expand/collapse icon of the row whose id is `target`, when its text is one of `texts`. */
const rowIcon = (s: Sel, target: string, texts: ReadonlyArray<string>): Element | null => {
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  if (table === null) return null
  const core = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
  const row = Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table).find((r) => {
    const cell = r.querySelector(s.cell)
    if (cell === null) return false
    let text = cell.textContent ?? ""
    for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", "")
    return core.exec(text.replace(/\s+/g, "").toUpperCase())?.[1] === target
  })
  if (row === undefined) return null
  return Array.from(row.querySelectorAll(s.icon)).find((i) => texts.includes((i.textContent ?? "").trim())) ?? null
}

type RowState = "missing" | "collapsed" | "expanding" | "expanded" | "unknown"

/**
 * The state of the row whose id is `target`. Expanded means the icon shows a collapse arrow and
 * the next row is the detail row with its content rendered. With `want` set, returns the state
 * only when it equals `want` (for waits), else null.
 */
const rowState = (s: Sel, target: string, want: string): RowState | null => {
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  const core = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
  const row = table === null ? undefined : Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table).find((r) => {
    const cell = r.querySelector(s.cell)
    if (cell === null) return false
    let text = cell.textContent ?? ""
    for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", "")
    return core.exec(text.replace(/\s+/g, "").toUpperCase())?.[1] === target
  })
  let state: RowState
  if (row === undefined) {
    state = "missing"
  } else {
    const iconTexts = Array.from(row.querySelectorAll(s.icon)).map((i) => (i.textContent ?? "").trim())
    const next = row.nextElementSibling
    const detail = next !== null && next.matches(s.expandedRow) ? next : null
    const down = iconTexts.some((t) => s.collapseIconTexts.includes(t as never))
    const right = iconTexts.some((t) => s.expandIconTexts.includes(t as never))
    const rendered = detail !== null && (detail.querySelector(s.fieldLabel) !== null || detail.querySelector(s.timeline) !== null)
    state = down && rendered ? "expanded" : down || detail !== null ? "expanding" : right ? "collapsed" : "unknown"
  }
  if (want === "") return state
  return state === want ? state : null
}

interface RawDetail {
  readonly booking: BookingRead
  readonly timeline: boolean
  readonly milestones: ReadonlyArray<RawMilestone>
}

/** Booking # and the timeline from the expanded detail row of `target`. */
const readDetail = (s: Sel, target: string): RawDetail | null => {
  const box = document.querySelector(s.scrollBox)
  const table = box?.querySelector(s.table) ?? null
  const core = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
  const row = table === null ? undefined : Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table).find((r) => {
    const cell = r.querySelector(s.cell)
    if (cell === null) return false
    let text = cell.textContent ?? ""
    for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", "")
    return core.exec(text.replace(/\s+/g, "").toUpperCase())?.[1] === target
  })
  const detail = row?.nextElementSibling
  if (detail === null || detail === undefined || !detail.matches(s.expandedRow)) return null
  const norm = (t: string | null) => (t ?? "").replace(/\s+/g, " ").trim()

  // Booking #: the label's value is the field-data at the same position among its siblings (the
  // portal lists labels first, then values); failing that, the next btn-link or field-data sibling.
  const labels = Array.from(detail.querySelectorAll(s.fieldLabel))
  const label = labels.find((l) => norm(l.textContent) === s.bookingLabel) ?? labels.find((l) => norm(l.textContent).includes(s.bookingLabel))
  let booking: BookingRead = { label: false, value: null }
  if (label !== undefined) {
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
    booking = { label: true, value: value === undefined ? null : norm(value.textContent) }
  }

  const timeline = detail.querySelector(s.timeline)
  const milestones: Array<RawMilestone> = []
  if (timeline !== null) {
    for (const mrow of Array.from(timeline.querySelectorAll(s.milestoneRow))) {
      // Wrapper rows that hold other milestone rows are layout, not milestones.
      if (mrow.querySelector(s.milestoneRow) !== null) continue
      const spans = Array.from(mrow.querySelectorAll(s.milestoneLabel))
      const name = norm(spans[0]?.textContent ?? null)
      if (name === "" || s.timelineToggleNames.includes(name as never)) continue
      const dateSpan = mrow.querySelector(s.milestoneDate) ?? spans[1] ?? null
      const date = dateSpan === null || dateSpan === spans[0] ? "" : norm(dateSpan.textContent)
      let divider = mrow.querySelector(s.divider)
      if (divider === null) {
        const prev = mrow.previousElementSibling
        const nxt = mrow.nextElementSibling
        divider = prev !== null && prev.matches(s.divider) ? prev : nxt !== null && nxt.matches(s.divider) ? nxt : null
      }
      milestones.push({ name, date, divider: divider === null ? null : Array.from(divider.classList) })
    }
  }
  return { booking, timeline: timeline !== null, milestones }
}

type CaptureWhat = "timeline" | "pregate-divider" | "pregate-row"

interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

interface CaptureFrame {
  /** The element's box in viewport coordinates, after scrolling. */
  readonly el: Rect
  /** The part of the viewport where the scroll box shows its content (below its sticky header). */
  readonly band: { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number }
  readonly viewportWidth: number
}

/**
 * Scrolls #searchres so that the part of the element starting `offset` px below its top sits at
 * the top of the box's visible band, and reports where things are. The band excludes the sticky
 * header, which would otherwise be painted over the element in a screenshot.
 */
const frameForCapture = (s: Sel, target: string, what: CaptureWhat, offset: number): CaptureFrame | null => {
  const box = document.querySelector(s.scrollBox) as HTMLElement | null
  const table = box?.querySelector(s.table) ?? null
  if (box === null || table === null) return null
  const core = new RegExp(`^(${s.idCorePattern})[A-Z]?$`)
  const row = Array.from(table.querySelectorAll(s.bodyRows)).filter((r) => r.closest("table") === table).find((r) => {
    const cell = r.querySelector(s.cell)
    if (cell === null) return false
    let text = cell.textContent ?? ""
    for (const icon of Array.from(cell.querySelectorAll(s.icon))) text = text.replace(icon.textContent ?? "", "")
    return core.exec(text.replace(/\s+/g, "").toUpperCase())?.[1] === target
  })
  const detail = row?.nextElementSibling
  if (detail === null || detail === undefined || !detail.matches(s.expandedRow)) return null
  const timeline = detail.querySelector(s.timeline)
  if (timeline === null) return null
  let el: Element | null = timeline.matches(s.timelineBox) ? timeline : timeline.querySelector(s.timelineBox) ?? timeline
  if (what !== "timeline") {
    const norm = (t: string | null) => (t ?? "").replace(/\s+/g, " ").trim().toLowerCase()
    const pregateRow = Array.from(timeline.querySelectorAll(s.milestoneRow)).find((r) =>
      r.querySelector(s.milestoneRow) === null && norm(r.querySelector(s.milestoneLabel)?.textContent ?? null) === norm(s.pregateMilestone)
    )
    if (pregateRow === undefined) return null
    if (what === "pregate-row") {
      el = pregateRow
    } else {
      el = pregateRow.querySelector(s.divider)
      if (el === null) {
        const prev = pregateRow.previousElementSibling
        const nxt = pregateRow.nextElementSibling
        el = prev !== null && prev.matches(s.divider) ? prev : nxt !== null && nxt.matches(s.divider) ? nxt : null
      }
    }
  }
  if (el === null) return null
  const b0 = box.getBoundingClientRect()
  if (b0.top < 0 || b0.bottom > window.innerHeight) box.scrollIntoView({ block: "nearest" })
  const bandOf = () => {
    const b = box.getBoundingClientRect()
    let top = b.top + box.clientTop
    for (const head of Array.from(table.querySelectorAll(s.stickyHeader))) {
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
}

/** The first visible `a`/`button` whose text is exactly `text` (the side menu's "Containers"). */
const menuLink = (elements: string, text: string): Element | null =>
  Array.from(document.querySelectorAll(elements)).find((e) =>
    (e.textContent ?? "").replace(/\s+/g, " ").trim() === text && e.getClientRects().length > 0
  ) ?? null

// ---------------------------------------------------------------------------------------------
// Flows

/** Why the grid went away: a logged-out page (the actor re-logs in), else the portal changed. */
const gridGone = (page: PageHandle, urls: PortalUrls, phase: string) =>
  failLoggedOutOr(
    page,
    urls,
    `the containers page showed the login or 401 page during ${phase}`,
    new PortalChanged({ selector: Containers.scrollBox, phase })
  )

/** Forgets the quiet-period marks of earlier waits (window properties `keys`). */
const resetQuiet = (keys: ReadonlyArray<string>): void => {
  const w = window as unknown as Record<string, unknown>
  for (const key of keys) w[key] = null
}

const waitGrid = (page: PageHandle) =>
  page.evaluate(resetQuiet, [GRID_READY_QUIET_KEY, GRID_ROWS.quietKey]).pipe(
    Effect.andThen(
      page.waitFor(
        "containers grid",
        gridReady,
        { timeout: GRID_TIMEOUT, polling: 50 },
        Containers,
        millis(DEFAULT_TUNING.quietPeriod),
        GRID_READY_QUIET_KEY
      )
    )
  )

/**
 * Opens the containers page: the direct URL first, then (if the grid does not show) the
 * "Containers" menu link, as the seed did. Fails with LoggedOut / PortalUnavailable from the
 * navigation, PortalChanged when neither way shows the grid.
 */
export const openContainersPage = (
  page: PageHandle,
  urls: PortalUrls,
  timeout: Duration.Duration
): Effect.Effect<void, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("containers:open")
    yield* openApp(page, new URL(Paths.containers, urls.ecp2).href, urls, { timeout, what: "containers page" })
    let grid = yield* waitGrid(page)
    if (grid.state === "absent") {
      yield* debugStep(page, "containers: grid missing after navigation")
      const clicked = yield* page.clickElement("Containers menu link", menuLink, Containers.menuLinkElements, Containers.menuLink)
      if (!clicked) return yield* gridGone(page, urls, "containers:open")
      grid = yield* waitGrid(page)
      if (grid.state === "absent") return yield* gridGone(page, urls, "containers:open")
    }
    yield* debugStep(page, "containers: grid shown", { rows: grid.rows })
  }).pipe(Effect.withSpan("Containers.open"))

export type LoadMode =
  | { readonly _tag: "all" }
  | { readonly _tag: "target_count"; readonly count: number }
  | { readonly _tag: "find"; readonly containerId: string }
  | { readonly _tag: "first_page" }

export interface LoadProgress {
  /** Containers (rows with an id) loaded so far. */
  readonly containers: number
  readonly scrollCycles: number
}

export interface LoadOptions {
  /** Overall budget of the scrolling; past it the flow fails with WaitTimedOut("containers:scroll"). */
  readonly deadline: Duration.Duration
  readonly onProgress?: ((progress: LoadProgress) => Effect.Effect<void>) | undefined
  readonly tuning?: Partial<ScrollTuning> | undefined
}

export interface LoadResult {
  readonly rows: number
  readonly containers: number
  /** Scroll attempts made (those that loaded nothing included). */
  readonly scrollCycles: number
  /** What ended the loading. */
  readonly stop: "target_count" | "found" | "end" | "first_page"
}

/**
 * Loads rows until the mode is satisfied: `first_page` does not scroll; `target_count` stops once
 * at least N containers are loaded; `find` once the container's row is loaded (checked before the
 * first scroll too); `all` (and the others, when they run out) once `idleAttempts` scrolls in a row
 * loaded nothing. A scroll is `scrollTop = scrollHeight` plus a dispatched `scroll` event; each
 * attempt waits for the row count to grow, or for the page to stay quiet, under a deadline.
 */
export const loadRows = (
  page: PageHandle,
  urls: PortalUrls,
  mode: LoadMode,
  options: LoadOptions
): Effect.Effect<LoadResult, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("containers:scroll")
    const target = mode._tag === "find" ? normalizeContainerId(mode.containerId) : null
    const onProgress = options.onProgress
    const { state, cycles, stop } = yield* scrollUntil(page, {
      what: "containers:scroll",
      label: "containers",
      list: GRID_ROWS,
      tuning: { ...DEFAULT_TUNING, ...options.tuning },
      deadline: options.deadline,
      read: page.evaluate(gridStatus, Containers, target),
      count: (st) => st.rows,
      stop: (st): LoadResult["stop"] | null =>
        mode._tag === "first_page"
          ? "first_page"
          : mode._tag === "target_count" && st.containers >= mode.count
          ? "target_count"
          : mode._tag === "find" && st.targetFound
          ? "found"
          : null,
      scroll: page.evaluate(scrollToEnd, Containers, GRID_ROWS.quietKey),
      gone: gridGone(page, urls, "containers:scroll"),
      progress: onProgress === undefined ? undefined : (st, scrollCycles) => onProgress({ containers: st.containers, scrollCycles })
    })
    return { rows: state.rows, containers: state.containers, scrollCycles: cycles, stop }
  }).pipe(
    Effect.tap((r) => debugNote("containers: loading stopped", r)),
    Effect.withSpan("Containers.loadRows")
  )

/** Every loaded row with a container id, read from the table cells, in grid order. */
export const readContainers = (page: PageHandle, urls: PortalUrls): Effect.Effect<ReadonlyArray<Container>, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("containers:read")
    const grid = yield* page.evaluate(readGrid, Containers)
    if (grid === null) return yield* gridGone(page, urls, "containers:read")
    const parsed = parseGrid(grid.headers, grid.rows)
    if (parsed._tag === "MissingHeaders") {
      return yield* new PortalChanged({ selector: `${Containers.headerCells} "${parsed.missing.join("\", \"")}"`, phase: "containers:read" })
    }
    yield* debugStep(page, "containers: rows read", { containers: parsed.containers.length, placeholdersSkipped: parsed.skipped })
    return parsed.containers
  }).pipe(Effect.withSpan("Containers.read"))

/** Scroll-searches for a container; ContainerNotFound when the list ends without it. */
const findContainer = (
  page: PageHandle,
  urls: PortalUrls,
  containerId: string,
  options: Omit<LoadOptions, "onProgress">
): Effect.Effect<void, FlowError | ContainerNotFound> =>
  Effect.gen(function*() {
    const loaded = yield* loadRows(page, urls, { _tag: "find", containerId }, options)
    if (loaded.stop !== "found") return yield* new ContainerNotFound({ containerId })
  })

const toggle = (page: PageHandle, urls: PortalUrls, id: string, to: "expanded" | "collapsed") =>
  Effect.gen(function*() {
    const phase = to === "expanded" ? "containers:expand" : "containers:collapse"
    yield* setPhase(phase)
    const texts = to === "expanded" ? Containers.expandIconTexts : Containers.collapseIconTexts
    for (let attempt = 1; attempt <= 2; attempt++) {
      const state = yield* page.evaluate(rowState, Containers, id, "")
      if (state === to) return
      if (state === "missing") {
        if (to === "collapsed") return
        return yield* failLoggedOutOr(page, urls, "the containers page showed the login or 401 page", new ContainerNotFound({ containerId: id }))
      }
      // Expanding while "expanding": the click already happened and the detail is still
      // rendering; clicking again would close it.
      if (!(to === "expanded" && state === "expanding")) {
        const clicked = yield* page.clickElement(to === "expanded" ? "expand row" : "collapse row", rowIcon, Containers, id, texts)
        if (!clicked) return yield* new PortalChanged({ selector: `${Containers.icon} ${texts.join(" | ")}`, phase })
      }
      const done = yield* page.waitFor(`row ${to}`, rowState, { timeout: TOGGLE_TIMEOUT, polling: 50 }, Containers, id, to).pipe(
        Effect.map(() => true),
        Effect.catchTag("WaitTimedOut", () => Effect.succeed(false))
      )
      if (done) return
    }
    return yield* new PortalChanged({ selector: `${Containers.icon} ${texts.join(" | ")} → ${Containers.expandedRow}`, phase })
  })

/** Expands the row, verified (collapse arrow shown and the detail rendered). */
const expandRow = (page: PageHandle, urls: PortalUrls, id: string) =>
  toggle(page, urls, normalizeContainerId(id), "expanded").pipe(Effect.withSpan("Containers.expand"))

/** Collapses the row, verified (expand arrow back, detail row gone). */
const collapseRow = (page: PageHandle, urls: PortalUrls, id: string) =>
  toggle(page, urls, normalizeContainerId(id), "collapsed").pipe(Effect.withSpan("Containers.collapse"))

/**
 * Runs `use` with the row expanded, then collapses it on every exit path. A collapse that fails is
 * logged, not raised: the result was already read, and the next lookup copes with an open row.
 */
const withExpandedRow = <A, E>(page: PageHandle, urls: PortalUrls, id: string, use: Effect.Effect<A, E>) =>
  expandRow(page, urls, id).pipe(
    Effect.andThen(use),
    Effect.ensuring(
      collapseRow(page, urls, id).pipe(
        // Finalizers run uninterruptibly; let the budget cut a collapse that hangs (e.g. after an
        // OPERATION_TIMEOUT interrupted the flow on a stuck page).
        Effect.interruptible,
        Effect.timeoutOrElse({ duration: COLLAPSE_BUDGET, orElse: () => Effect.logWarning("collapsing a container row timed out", { containerId: id }) }),
        Effect.tap(() => debugStep(page, "containers: row collapsed", { containerId: id })),
        Effect.catchCause((cause) => Effect.logWarning("could not collapse a container row", { containerId: id, cause }))
      )
    )
  )

/**
 * A screenshot of part of the expanded detail, exactly as Chrome paints it: the element is scrolled
 * into the grid's visible band piece by piece, each piece cropped from a viewport screenshot, and
 * the pieces stacked (the timeline is taller than the grid's scroll box). Null when the element is
 * not there or has no area.
 */
const captureDetail = (page: PageHandle, id: string, what: CaptureWhat): Effect.Effect<Png.Rgba | null, BrowserError> =>
  Effect.gen(function*() {
    const target = normalizeContainerId(id)
    const pieces: Array<Png.Rgba> = []
    let offset = 0
    for (let i = 0; i < MAX_CAPTURE_PIECES; i++) {
      const frame = yield* page.evaluate(frameForCapture, Containers, target, what, offset)
      if (frame === null) return null
      const { el, band } = frame
      const top = Math.max(el.y + offset, band.top)
      const bottom = Math.min(el.y + el.height, band.bottom)
      const left = Math.max(el.x, band.left)
      const right = Math.min(el.x + el.width, band.right)
      if (bottom - top < 1 || right - left < 1) break
      const shot = yield* Png.decode(yield* page.screenshot())
      const scale = shot.width / frame.viewportWidth
      pieces.push(Png.crop(shot, left * scale, top * scale, (right - left) * scale, (bottom - top) * scale))
      offset = bottom - el.y
      if (offset >= el.height - 0.5) break
    }
    if (pieces.length === 0) return null
    return Png.stack(pieces)
  }).pipe(
    // Chrome's own screenshot that we cannot decode is our bug, not the portal's: a defect.
    Effect.catchTag("PngUnsupported", (e) => Effect.die(e)),
    Effect.withSpan("Containers.capture")
  )

export interface ImageAnalysis {
  readonly average_brightness: number
  readonly threshold: number
  readonly average_color_rgb: readonly [number, number, number]
}

export interface PregateVerdict {
  readonly passed: boolean
  readonly method: "dom_class_check" | "image_processing"
  readonly imageAnalysis?: ImageAnalysis
}

const round2 = (n: number) => Math.round(n * 100) / 100

/**
 * The image check (§3.4.9): the Pregate divider's own pixels (all of them), or — when the
 * milestone has no divider element — the bottom 30 % of the Pregate row, as the seed cropped it.
 * Brightness below the threshold means passed.
 */
const pregateByImage = (page: PageHandle, id: string) =>
  Effect.gen(function*() {
    yield* setPhase("containers:pregate-image")
    const divider = yield* captureDetail(page, id, "pregate-divider")
    const [image, fraction] = divider !== null && divider.height > 0
      ? [divider, 1] as const
      : [yield* captureDetail(page, id, "pregate-row"), 0.3] as const
    if (image === null || image.width === 0 || image.height === 0) {
      return yield* new PortalChanged({ selector: `${Containers.milestoneRow} "${Containers.pregateMilestone}" ${Containers.divider}`, phase: "containers:pregate-image" })
    }
    const avg = Png.averageColor(image, fraction)
    const threshold = Containers.pregateBrightnessThreshold
    const analysis: ImageAnalysis = {
      average_brightness: round2(avg.brightness),
      threshold,
      average_color_rgb: [round2(avg.rgb[0]), round2(avg.rgb[1]), round2(avg.rgb[2])]
    }
    yield* debugNote("containers: pregate image analysed", { ...analysis, width: image.width, height: image.height, fraction })
    return { passed: avg.brightness < threshold, method: "image_processing" as const, imageAnalysis: analysis }
  })

export interface InspectOptions {
  /** Decide pregate (needs a Pregate milestone; null in `pregate` when there is none). */
  readonly pregate: boolean
  /** Screenshot the timeline (only taken when the container has a Pregate milestone). */
  readonly screenshot: boolean
}

export interface ContainerDetail {
  readonly booking: BookingRead
  readonly milestones: ReadonlyArray<RawMilestone>
  /** undefined when not asked; null when the timeline has no Pregate milestone (exports). */
  readonly pregate: PregateVerdict | null | undefined
  readonly screenshot: Uint8Array | undefined
}

/**
 * On an open containers page: scroll-search the container, expand its row, read Booking # and the
 * timeline (and pregate, and a timeline screenshot, when asked), collapse the row.
 */
export const inspectContainer = (
  page: PageHandle,
  urls: PortalUrls,
  containerId: string,
  options: InspectOptions & Omit<LoadOptions, "onProgress">
): Effect.Effect<ContainerDetail, FlowError | ContainerNotFound> =>
  Effect.gen(function*() {
    const id = normalizeContainerId(containerId)
    yield* findContainer(page, urls, id, options)
    yield* debugStep(page, "containers: container found", { containerId: id })
    return yield* withExpandedRow(page, urls, id, Effect.gen(function*() {
      yield* debugStep(page, "containers: row expanded", { containerId: id })
      yield* setPhase("containers:detail")
      const detail = yield* page.evaluate(readDetail, Containers, id)
      if (detail === null) return yield* new PortalChanged({ selector: Containers.expandedRow, phase: "containers:detail" })
      let pregate: PregateVerdict | null | undefined = undefined
      if (options.pregate) {
        if (!detail.timeline || detail.milestones.length === 0) {
          return yield* new PortalChanged({ selector: `${Containers.timeline} ${Containers.milestoneRow}`, phase: "containers:timeline" })
        }
        const milestone = detail.milestones.find((m) => isPregate(m.name))
        if (milestone === undefined) {
          pregate = null
        } else {
          const status = dividerStatus(milestone.divider)
          pregate = status === "ambiguous"
            ? yield* pregateByImage(page, id)
            : { passed: status === "completed", method: "dom_class_check" }
        }
      }
      let screenshot: Uint8Array | undefined
      if (options.screenshot && pregate !== null) {
        yield* setPhase("containers:screenshot")
        const image = yield* captureDetail(page, id, "timeline")
        if (image !== null) screenshot = Png.encode(image)
      }
      yield* debugStep(page, "containers: detail read", {
        containerId: id,
        milestones: detail.milestones.length,
        bookingLabel: detail.booking.label,
        pregate: pregate ?? null
      })
      return { booking: detail.booking, milestones: detail.milestones, pregate, screenshot }
    }))
  }).pipe(Effect.withSpan("Containers.inspect"))
