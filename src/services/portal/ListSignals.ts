/**
 * What the flows that load a list by scrolling (the containers grid, My Appointments) share: the
 * page function that tells whether a scroll loaded more rows (`awaitGrowth`), and the Effect-side
 * loop around it (`scrollUntil`: scroll, wait for growth or quiet, count idle rounds, under a
 * deadline). Page functions run inside Chrome and cannot call helpers, so each is complete in
 * itself and gets everything — the list's selectors included — as arguments.
 */

import { Clock, Duration, Effect } from "effect"
import type { BrowserError, PageHandle } from "../Browser.ts"
import { WaitTimedOut } from "../Browser.ts"
import { debugNote } from "./Debug.ts"

/** A duration as whole milliseconds for page functions and deadlines (at least 1). */
export const millis = (d: Duration.Duration): number => Math.max(1, Math.round(Duration.toMillis(d)))

/** How a flow decides that a list loaded by scrolling is complete (each flow has its defaults). */
export interface ScrollTuning {
  /** Scrolls in a row that load nothing before the list counts as complete (the seed's 3). */
  readonly idleAttempts: number
  /**
   * How long the page must stay quiet after a scroll (no spinner, no pending request) before the
   * attempt counts as "nothing loaded". Covers ngx-infinite-scroll's throttle (300 ms by default).
   */
  readonly quietPeriod: Duration.Duration
  /** Upper bound of one attempt while the page keeps showing that it is busy. */
  readonly attemptTimeout: Duration.Duration
}

/** Where a list's rows are and what tells that the page is still working. (A type alias, not an
 * interface: page-function arguments must be plain JSON-like records.) */
export type ListRows = {
  /** The element holding the list. */
  readonly root: string
  /** When set: count only the rows of this table inside the root (not rows of nested tables). */
  readonly table: string | null
  readonly rows: string
  /** When set: count only rows that contain such an element. */
  readonly rowHas: string | null
  readonly spinner: string
  /** The window property that remembers since when the page has been quiet (one per list). */
  readonly quietKey: string
}

export type Growth = { readonly kind: "grew" | "quiet" | "gone"; readonly rows: number }

/**
 * After a scroll: "grew" once there are more rows than `previous`; "quiet" once the page has had
 * no pending request (Angular testabilities) and no visible spinner for `quietMs`; "gone" when the
 * list itself disappeared (a 401 page replaced it, say); null to keep waiting.
 */
export const awaitGrowth = (list: ListRows, previous: number, quietMs: number): Growth | null => {
  const root = document.querySelector(list.root)
  const container = list.table === null ? root : root?.querySelector(list.table) ?? null
  if (root === null || container === null) return { kind: "gone", rows: 0 }
  const rows = Array.from(container.querySelectorAll(list.rows)).filter((r) =>
    (list.table === null || r.closest("table") === container) && (list.rowHas === null || r.querySelector(list.rowHas) !== null)
  ).length
  if (rows > previous) return { kind: "grew", rows }
  const w = window as unknown as Record<string, unknown> & { getAllAngularTestabilities?: () => Array<{ isStable(): boolean }> }
  let busy = false
  try {
    busy = typeof w.getAllAngularTestabilities === "function" && !w.getAllAngularTestabilities().every((t) => t.isStable())
  } catch {
    busy = false
  }
  if (!busy) busy = Array.from(document.querySelectorAll(list.spinner)).some((e) => e.getClientRects().length > 0)
  const now = performance.now()
  if (busy) {
    w[list.quietKey] = null
    return null
  }
  const since = w[list.quietKey]
  if (typeof since !== "number") {
    w[list.quietKey] = now
    return null
  }
  return now - since >= quietMs ? { kind: "quiet", rows } : null
}

export interface ScrollLoop<S extends { readonly present: boolean }, Stop extends string, E> {
  /** Names the waits and the deadline's WaitTimedOut ("containers:scroll"). */
  readonly what: string
  /** Prefix of the debug notes ("containers"). */
  readonly label: string
  readonly list: ListRows
  readonly tuning: ScrollTuning
  /** Overall budget; past it the loop fails with WaitTimedOut(`what`). */
  readonly deadline: Duration.Duration
  /** Reads the list's state; `present: false` when the list is gone. */
  readonly read: Effect.Effect<S, E>
  /** The rows the state counts (what must grow for a scroll to count as loading something). */
  readonly count: (state: S) => number
  /** The flow's stop condition, checked before every scroll (the first one included). */
  readonly stop: (state: S) => Stop | null
  /** Scrolls to the end of the list (clearing `list.quietKey`); false when there is nothing to scroll. */
  readonly scroll: Effect.Effect<boolean, E>
  /** Fails with why the list went away (logged out, or the portal changed). */
  readonly gone: Effect.Effect<never, E>
  /** Called with the first state read and after every scroll that loaded rows. */
  readonly progress?: ((state: S, cycles: number) => Effect.Effect<void>) | undefined
}

export interface Scrolled<S, Stop> {
  /** The state read last. */
  readonly state: S
  /** Scroll attempts made (those that loaded nothing included). */
  readonly cycles: number
  /** The flow's stop, or "end" once `idleAttempts` scrolls in a row loaded nothing. */
  readonly stop: Stop | "end"
}

/**
 * Scrolls until `stop` holds or `idleAttempts` scrolls in a row loaded nothing. Each attempt
 * waits (under the overall deadline) until the row count grows or the page stays quiet for
 * `quietPeriod`; an attempt that outlasts `attemptTimeout` counts as quiet.
 */
export const scrollUntil = <S extends { readonly present: boolean }, Stop extends string, E>(
  page: PageHandle,
  loop: ScrollLoop<S, Stop, E>
): Effect.Effect<Scrolled<S, Stop>, E | BrowserError | WaitTimedOut> =>
  Effect.gen(function*() {
    const { tuning } = loop
    const quietMs = millis(tuning.quietPeriod)
    const budgetMs = millis(loop.deadline)
    const started = yield* Clock.currentTimeMillis
    let state = yield* loop.read
    if (!state.present) return yield* loop.gone
    let cycles = 0
    let idle = 0
    if (loop.progress !== undefined) yield* loop.progress(state, cycles)
    while (true) {
      const stop = loop.stop(state)
      if (stop !== null) return { state, cycles, stop }
      if (idle >= tuning.idleAttempts) return { state, cycles, stop: "end" as const }
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (elapsed >= budgetMs) {
        yield* debugNote(`${loop.label}: scroll deadline reached`, { rows: loop.count(state), cycles })
        return yield* new WaitTimedOut({ what: loop.what, timeoutMillis: budgetMs })
      }
      if (!(yield* loop.scroll)) return yield* loop.gone
      cycles++
      const before = loop.count(state)
      const outcome = yield* page.waitFor(
        loop.what,
        awaitGrowth,
        { timeout: Duration.millis(Math.min(millis(tuning.attemptTimeout), budgetMs - elapsed)), polling: 50 },
        loop.list,
        before,
        quietMs
      ).pipe(Effect.catchTag("WaitTimedOut", () => Effect.succeed<Growth>({ kind: "quiet", rows: before })))
      if (outcome.kind === "gone") return yield* loop.gone
      state = yield* loop.read
      if (!state.present) return yield* loop.gone
      if (loop.count(state) > before) {
        idle = 0
        if (loop.progress !== undefined) yield* loop.progress(state, cycles)
      } else {
        idle++
      }
    }
  })
