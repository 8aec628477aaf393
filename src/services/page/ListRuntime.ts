/**
 * The page side of loading a list by scrolling (the containers grid, My Appointments): scroll to
 * the end the way the list listens for it, then tell whether the scroll loaded more rows, left the
 * page quiet, or lost the list. Part of the page runtime (`./PageRuntime.ts`): runs inside Chrome.
 */
import type { DomRuntime } from "./DomRuntime.ts"

/** Where a list's rows are and what tells that the page is still working. */
export type ListRows = {
  /** The element holding the list. */
  readonly root: string
  /** When set: count only the rows of this table inside the root (not rows of nested tables). */
  readonly table: string | null
  readonly rows: string
  /** When set: count only rows that contain such an element. */
  readonly rowHas: string | null
  readonly spinner: string
  /** Names the list's quiet window (one per list). */
  readonly quietKey: string
}

export type Growth = { readonly kind: "grew" | "quiet" | "gone"; readonly rows: number }

export const listRuntime = (dom: DomRuntime) => ({
  /**
   * After a scroll: "grew" once there are more rows than `previous`; "quiet" once the page has had
   * no pending request and no visible spinner for `quietMs`; "gone" when the list itself
   * disappeared (a 401 page replaced it, say); null to keep waiting.
   */
  awaitGrowth(list: ListRows, previous: number, quietMs: number): Growth | null {
    const root = document.querySelector(list.root)
    const container = list.table === null ? root : root?.querySelector(list.table) ?? null
    if (root === null || container === null) return { kind: "gone", rows: 0 }
    const rows = dom.all(container, list.rows).filter((r) =>
      (list.table === null || r.closest("table") === container) && (list.rowHas === null || r.querySelector(list.rowHas) !== null)
    ).length
    if (rows > previous) return { kind: "grew", rows }
    return dom.quietFor(list.quietKey, dom.busy(list.spinner), quietMs) ? { kind: "quiet", rows } : null
  },

  /**
   * Scrolls the element `box` to its end the way an infinite-scroll list listens for it:
   * scrollTop, then a `scroll` event. Starts the list's quiet window afresh; false without the box.
   */
  scrollBoxToEnd(box: string, quietKey: string): boolean {
    const el = document.querySelector(box)
    if (el === null) return false
    dom.resetQuiet([quietKey])
    el.scrollTop = el.scrollHeight
    el.dispatchEvent(new Event("scroll"))
    return true
  },

  /**
   * Scrolls the window to the bottom: `scrollTo`, then a `scroll` event (the browser's own arrives
   * a frame later; the list ignores a second one while loading). Starts the quiet window afresh.
   */
  scrollWindowToEnd(quietKey: string): boolean {
    dom.resetQuiet([quietKey])
    window.scrollTo(0, document.documentElement.scrollHeight)
    window.dispatchEvent(new Event("scroll"))
    return true
  },

  /** Forgets quiet windows, so the next wait starts its own. */
  resetQuiet(keys: ReadonlyArray<string>): boolean {
    return dom.resetQuiet(keys)
  }
})

export type ListRuntime = ReturnType<typeof listRuntime>
