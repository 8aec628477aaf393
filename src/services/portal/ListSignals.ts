/**
 * Page functions shared by the flows that load a list by scrolling (the containers grid, My
 * Appointments). Page functions run inside Chrome and cannot call helpers, so each is complete in
 * itself and gets everything — the list's selectors included — as arguments.
 */

import type * as Duration from "effect/Duration"

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
