/**
 * BROWSER_ISOLATION=context: all sessions share one Chrome (started on first use, started again
 * if it dies) and each lease is a BrowserContext of its own — its own cookies and storage — with
 * one page in it, at a fraction of the memory. A crash of the shared Chrome ends every lease in it,
 * which the pool handles like any crash. The context outlives its page (the page is opened and
 * closed in it), which is what a parked session will keep.
 */
import { Deferred, Effect, Exit, Ref, Scope, Semaphore } from "effect"
import { makeOpaqueToken } from "../../domain/Ids.ts"
import type { PortalConfigShape } from "../PortalConfig.ts"
import * as Processes from "../Processes.ts"
import type { BrowserError } from "./BrowserErrors.ts"
import { launchScoped } from "./ChromeLauncher.ts"
import type { BrowserLease, ChromeProcess } from "./Handles.ts"

interface SharedChrome {
  readonly chrome: ChromeProcess
  readonly scope: Scope.Closeable
  /** Completes when this Chrome goes away (every context in it ends with it). */
  readonly gone: Deferred.Deferred<string>
  /** Leases open on it now. */
  leases: number
}

/**
 * `open` for BROWSER_ISOLATION=context. The shared Chrome lives in the layer's scope (in a scope
 * of its own, so a dead one can be closed and replaced while the service runs).
 */
export const makeContextOpener = (
  config: PortalConfigShape,
  executable: string,
  args: ReadonlyArray<string>
): Effect.Effect<Effect.Effect<BrowserLease, BrowserError, Scope.Scope>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const layerScope = yield* Effect.scope
    const current = yield* Ref.make<SharedChrome | undefined>(undefined)
    const starting = yield* Semaphore.make(1)

    const launchShared = Effect.gen(function*() {
      const scope = yield* Scope.fork(layerScope, "sequential")
      return yield* Effect.gen(function*() {
        const { chrome, isClosing } = yield* launchScoped(config, executable, args, makeOpaqueToken())
        const gone = yield* Deferred.make<string>()
        chrome.onDisconnected(() => {
          Deferred.doneUnsafe(gone, Exit.succeed(isClosing() ? "closed" : "shared Chrome disconnected"))
        })
        // The initial blank page of the default context is not anyone's session.
        return { chrome, scope, gone, leases: 0 } satisfies SharedChrome
      }).pipe(Scope.provide(scope), Effect.onError(() => Scope.close(scope, Exit.void)))
    })

    /** The live shared Chrome, started (again) when there is none. */
    const shared = starting.withPermits(1)(Effect.gen(function*() {
      const existing = yield* Ref.get(current)
      if (existing !== undefined && existing.chrome.isConnected()) return existing
      if (existing !== undefined) yield* Scope.close(existing.scope, Exit.void).pipe(Effect.forkIn(layerScope))
      const fresh = yield* launchShared
      yield* Ref.set(current, fresh)
      yield* Effect.logInfo("shared Chrome started", { pid: fresh.chrome.pid })
      return fresh
    }))

    return Effect.gen(function*() {
      const shared_ = yield* shared
      const { chrome } = shared_
      let closing = false
      const isClosing = () => closing
      const crashed = yield* Deferred.make<string>()
      const context = yield* Effect.acquireRelease(chrome.newContext, (ctx) =>
        Effect.suspend(() => {
          closing = true
          shared_.leases--
          return ctx.close
        }))
      shared_.leases++
      const page = yield* context.openPage({ isClosing, onCrash: (why) => Deferred.doneUnsafe(crashed, Exit.succeed(why)) })
      // The shared Chrome going away is this lease's crash too.
      yield* Deferred.await(shared_.gone).pipe(
        Effect.flatMap((why) => (isClosing() ? Effect.void : Deferred.succeed(crashed, why))),
        Effect.forkScoped
      )
      const pid = chrome.pid
      return {
        token: makeOpaqueToken(),
        page,
        pid,
        isConnected: page.isOpen,
        crashed: Deferred.await(crashed),
        // The shared tree's memory, divided among its sessions: a fair share for recycling decisions.
        memoryMb: () => (pid === undefined ? 0 : Processes.treePssMb(pid) / Math.max(1, shared_.leases))
      } satisfies BrowserLease
    })
  })
