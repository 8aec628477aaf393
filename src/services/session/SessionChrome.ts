/**
 * The Chrome behind a session. Each one opens in a scope of its own under the session's, so it can
 * be replaced alone (recycling) and closes with the session on every path. Each is watched from its
 * own scope: a Chrome that goes away on its own, or a page whose renderer dies, ends the session at
 * once — and a replaced Chrome's watcher goes with it.
 */
import { Clock, Effect, Exit, Ref, Scope } from "effect"
import type { BrowserError, BrowserLease } from "../Browser.ts"

/** One opened Chrome: its lease, its scope, when it opened. */
export interface ChromeSlot {
  readonly lease: BrowserLease
  readonly scope: Scope.Closeable
  readonly openedAt: number
}

export interface SessionChrome {
  /** The Chrome in use now. */
  readonly current: () => ChromeSlot
  /** Operations run on the current Chrome (recycling counts them). */
  readonly uses: Effect.Effect<number>
  readonly countUse: Effect.Effect<void>
  /** Opens another Chrome, not in use yet (watched only once it is swapped in). */
  readonly open: Effect.Effect<ChromeSlot, BrowserError>
  /** Puts `fresh` in use and closes the one it replaces. */
  readonly swap: (fresh: ChromeSlot) => Effect.Effect<void>
  /** Closes a Chrome that was opened but will not be used. */
  readonly discard: (slot: ChromeSlot) => Effect.Effect<void>
}

export interface SessionChromeParams {
  /** Opens a Chrome for the session (in the scope it is given). */
  readonly openLease: Effect.Effect<BrowserLease, BrowserError, Scope.Scope>
  /** Called (once per Chrome) when the Chrome in use stops unexpectedly. */
  readonly crashed: (why: string) => Effect.Effect<void>
}

/** Opens the session's first Chrome in the current (the session's) scope. */
export const make = (params: SessionChromeParams): Effect.Effect<SessionChrome, BrowserError, Scope.Scope> =>
  Effect.gen(function*() {
    const sessionScope = yield* Effect.scope

    const open = Effect.gen(function*() {
      const scope = yield* Scope.fork(sessionScope, "sequential")
      const lease = yield* params.openLease.pipe(
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      return { lease, scope, openedAt: yield* Clock.currentTimeMillis } satisfies ChromeSlot
    })

    const watch = (slot: ChromeSlot) =>
      Effect.forkIn(Effect.flatMap(slot.lease.crashed, params.crashed), slot.scope)

    let slot = yield* open
    const uses = yield* Ref.make(0)
    yield* watch(slot)

    return {
      current: () => slot,
      uses: Ref.get(uses),
      countUse: Ref.update(uses, (n) => n + 1),
      open,
      swap: (fresh) =>
        Effect.gen(function*() {
          const old = slot
          slot = fresh
          yield* Ref.set(uses, 0)
          yield* watch(fresh)
          yield* Scope.close(old.scope, Exit.void)
        }),
      discard: (s) => Scope.close(s.scope, Exit.void)
    } satisfies SessionChrome
  })
