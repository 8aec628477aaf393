/**
 * Chrome recycling: once the Chrome behind a session passes RECYCLE_AFTER_USES, RECYCLE_AFTER_AGE or
 * RECYCLE_MEMORY_MB, the session replaces it between two messages, keeping its login: snapshot →
 * new Chrome → restore → verify (log in on the new one if the restore did not hold) → swap → close
 * the old one. It needs snapshots (SNAPSHOT_KEY). If anything fails the old Chrome simply stays, so
 * no caller ever sees the swap. At most one recycle is pending at a time.
 */
import { Clock, Duration, Effect, Ref } from "effect"
import type { Credentials } from "../../domain/Credentials.ts"
import { PhaseTracker } from "../portal/Phase.ts"
import * as Snapshot from "../portal/Snapshot.ts"
import type { PortalConfigShape } from "../PortalConfig.ts"
import type { PortalDriverShape } from "../PortalDriver.ts"
import type { SessionChrome } from "./SessionChrome.ts"
import type { SnapshotWriter } from "./SnapshotWriter.ts"

export interface RecyclerParams {
  readonly config: Pick<PortalConfigShape, "recycleAfterUses" | "recycleAfterAge" | "recycleMemoryMb">
  readonly chrome: SessionChrome
  readonly writer: SnapshotWriter
  readonly driver: PortalDriverShape
  readonly credentials: Credentials
  /** Records a login made on the new Chrome. */
  readonly loggedIn: Effect.Effect<void>
  /** Records a recycle; answers how many there have been. */
  readonly recycled: Effect.Effect<number>
}

export interface Recycler {
  /** True (and the recycle is then pending) when one is due and none is pending yet. */
  readonly claim: Effect.Effect<boolean>
  /** Replaces the Chrome (run holding the session's permit; `phase` follows its steps); clears the pending claim. */
  readonly recycle: (phase: Ref.Ref<string>) => Effect.Effect<void>
}

export const make = (params: RecyclerParams): Effect.Effect<Recycler> =>
  Effect.gen(function*() {
    const { config, chrome, writer, driver } = params
    const pending = yield* Ref.make(false)

    const due = Effect.gen(function*() {
      if (!writer.enabled) return false
      const slot = chrome.current()
      const now = yield* Clock.currentTimeMillis
      const age = Duration.toMillis(config.recycleAfterAge)
      return (
        (config.recycleAfterUses > 0 && (yield* chrome.uses) >= config.recycleAfterUses) ||
        (age > 0 && now - slot.openedAt >= age) ||
        (config.recycleMemoryMb > 0 && slot.lease.memoryMb() >= config.recycleMemoryMb)
      )
    })

    const claim = Effect.gen(function*() {
      if ((yield* Ref.get(pending)) || !(yield* due)) return false
      return yield* Ref.modify(pending, (p) => [!p, true])
    })

    const recycle = (phase: Ref.Ref<string>) => Effect.gen(function*() {
      const state = yield* writer.capture(chrome.current().lease.page)
      const fresh = yield* chrome.open
      const swapped = yield* Effect.gen(function*() {
        yield* Snapshot.apply(fresh.lease.page, state)
        const verdict = yield* driver.refresh(fresh.lease.page)
        if (verdict !== "logged_in") {
          yield* driver.login(fresh.lease.page, params.credentials)
          yield* params.loggedIn
        }
        return true
      }).pipe(
        Effect.provideService(PhaseTracker, phase),
        Effect.catchCause((cause) =>
          Effect.logWarning("Chrome recycling failed; keeping the current one", cause).pipe(
            Effect.andThen(chrome.discard(fresh)),
            Effect.as(false)
          )
        )
      )
      if (!swapped) return
      yield* chrome.swap(fresh)
      const recycles = yield* params.recycled
      yield* Effect.logInfo("Chrome recycled", { recycles, pid: fresh.lease.pid })
      yield* writer.write(fresh.lease.page)
    }).pipe(
      Effect.catchCause((cause) => Effect.logWarning("Chrome recycling skipped", cause)),
      Effect.ensuring(Ref.set(pending, false))
    )

    return { claim, recycle } satisfies Recycler
  })
