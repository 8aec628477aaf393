/**
 * What the flows that load a list by scrolling (the containers grid, My Appointments) share: the
 * loop around the page runtime's growth signal (`scrollUntil`: scroll, wait until the rows grow or
 * the page stays quiet, count idle rounds, under a deadline). The page side is
 * `../page/ListRuntime.ts`; the list's selectors travel with each call.
 */

import { Clock, Duration, Effect } from "effect"
import type { BrowserError, PageHandle } from "../Browser.ts"
import { WaitTimedOut } from "../Browser.ts"
import type { Growth, ListRows } from "../page/ListRuntime.ts"
import { debugNote } from "./Debug.ts"
import { type FlowPhase, gaveUp } from "./Phase.ts"

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

export type { Growth, ListRows } from "../page/ListRuntime.ts"

export interface ScrollLoop<S extends { readonly present: boolean }, Stop extends string, E> {
  /** Names the waits and the deadline's WaitTimedOut ("containers:scroll"). */
  readonly what: FlowPhase
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
      const outcome = yield* page.until(
        loop.what,
        { timeout: Duration.millis(Math.min(millis(tuning.attemptTimeout), budgetMs - elapsed)), polling: 50 },
        "awaitGrowth",
        loop.list,
        before,
        quietMs
      ).pipe(
        // An attempt that outlasts its bound counts as quiet (the page kept showing it was busy).
        Effect.catchTag("WaitTimedOut", () =>
          gaveUp(loop.what, "rows or a quiet page after a scroll", { rows: before }).pipe(Effect.as<Growth>({ kind: "quiet", rows: before })))
      )
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
