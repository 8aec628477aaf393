/**
 * The ecp2 containers grid (SEED-SYSTEM §3.4): open it, load rows by scrolling #searchres until
 * the mode's stop condition, and read the rows from the table cells into `Container` records (by
 * header text, not position). Every wait is on a page signal (row count, busy indicators) under a
 * deadline, never a fixed sleep. The page side is `../../page/GridRuntime.ts`; the `Containers`
 * selectors travel with each call.
 */
import { Duration, Effect } from "effect"
import { PortalChanged, type PortalUnavailable } from "../../../domain/Errors.ts"
import { CONTAINER_COLUMNS, type Container } from "../../../domain/Operations.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "../../Browser.ts"
import type { PortalUrls } from "../../PortalConfig.ts"
import { Containers, Paths } from "../../PortalSelectors.ts"
import { debugNote, debugStep } from "../Debug.ts"
import { type ListRows, millis, type ScrollTuning, scrollUntil } from "../ListSignals.ts"
import { failLoggedOutOr, type LoggedOut, openApp } from "../PageState.ts"
import { type FlowPhase, setPhase } from "../Phase.ts"

/** What a containers flow can fail with before the session actor translates it. */
export type FlowError = BrowserError | WaitTimedOut | LoggedOut | PortalUnavailable | PortalChanged

export const DEFAULT_TUNING: ScrollTuning = {
  idleAttempts: 3,
  quietPeriod: Duration.millis(750),
  attemptTimeout: Duration.seconds(20)
}

/** How long the grid may take to appear once the page is ready. */
const GRID_TIMEOUT = Duration.seconds(20)

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

/** A header as compared: whitespace collapsed, trimmed, lower-case. */
export const normHeader = (h: string) => h.replace(/\s+/g, " ").trim().toLowerCase()

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
    // Every column of a Container is a string, and `index` names each of them once.
    const record = Object.fromEntries(index.map(([key, i]) => [key, cleanCell(cells[i] ?? "", key === "container_id")])) as Container
    const id = CORE_ID.exec(record.container_id.replace(/\s+/g, "").toUpperCase())
    if (id === null) {
      skipped++
      continue
    }
    containers.push({ ...record, container_id: id[1]! })
  }
  return { _tag: "Parsed", containers, skipped }
}

// ---------------------------------------------------------------------------------------------
// Flows

/** The quiet window of the grid's readiness. */
const GRID_READY_QUIET_KEY = "containers:ready"

/** The grid's rows for the shared scroll signal (only the rows of the grid's own table count). */
const GRID_ROWS: ListRows = {
  root: Containers.scrollBox,
  table: Containers.table,
  rows: Containers.bodyRows,
  rowHas: null,
  spinner: Containers.spinner,
  quietKey: "containers:scroll"
}

/** Why the grid went away: a logged-out page (the actor re-logs in), else the portal changed. */
const gridGone = (page: PageHandle, urls: PortalUrls, phase: FlowPhase) =>
  failLoggedOutOr(
    page,
    urls,
    `the containers page showed the login or 401 page during ${phase}`,
    new PortalChanged({ selector: Containers.scrollBox, phase })
  )

/** Waits until the grid is there (with rows, or idle and empty) or idle and absent. */
const waitGrid = (page: PageHandle) =>
  page.call("resetQuiet", [GRID_READY_QUIET_KEY, GRID_ROWS.quietKey]).pipe(
    Effect.andThen(
      page.until("containers grid", { timeout: GRID_TIMEOUT, polling: 50 }, "gridReady", Containers, millis(DEFAULT_TUNING.quietPeriod), GRID_READY_QUIET_KEY)
    )
  )

/**
 * Opens the containers page: the direct URL first, then (if the grid does not show) the
 * "Containers" menu link, as the seed did. Fails with LoggedOut / PortalUnavailable from the
 * navigation, PortalChanged when neither way shows the grid.
 */
export const openContainersPage = (page: PageHandle, urls: PortalUrls, timeout: Duration.Duration): Effect.Effect<void, FlowError> =>
  Effect.gen(function*() {
    yield* setPhase("containers:open")
    yield* openApp(page, new URL(Paths.containers, urls.ecp2).href, urls, { timeout, what: "containers page" })
    let grid = yield* waitGrid(page)
    if (grid.state === "absent") {
      yield* debugStep(page, "containers: grid missing after navigation")
      const clicked = yield* page.click("Containers menu link", "menuLink", Containers.menuLinkElements, Containers.menuLink)
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
export const loadRows = (page: PageHandle, urls: PortalUrls, mode: LoadMode, options: LoadOptions): Effect.Effect<LoadResult, FlowError> =>
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
      read: page.call("gridStatus", Containers, target),
      count: (st) => st.rows,
      stop: (st): LoadResult["stop"] | null =>
        mode._tag === "first_page"
          ? "first_page"
          : mode._tag === "target_count" && st.containers >= mode.count
          ? "target_count"
          : mode._tag === "find" && st.targetFound
          ? "found"
          : null,
      scroll: page.call("scrollBoxToEnd", Containers.scrollBox, GRID_ROWS.quietKey),
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
    const grid = yield* page.call("readGrid", Containers)
    if (grid === null) return yield* gridGone(page, urls, "containers:read")
    const parsed = parseGrid(grid.headers, grid.rows)
    if (parsed._tag === "MissingHeaders") {
      return yield* new PortalChanged({ selector: `${Containers.headerCells} "${parsed.missing.join("\", \"")}"`, phase: "containers:read" })
    }
    yield* debugStep(page, "containers: rows read", { containers: parsed.containers.length, placeholdersSkipped: parsed.skipped })
    return parsed.containers
  }).pipe(Effect.withSpan("Containers.read"))
