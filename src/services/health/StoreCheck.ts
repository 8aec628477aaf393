/**
 * The store check of /health (`checks.store`), a pluggable contributor: the service asks it whether
 * its SQL store answers. PortalLayer wires `StoreCheck.layerSql`, which pings the store (bounded by
 * PING_WITHIN) and names its backend and the ping's latency; PortalOperations built without a
 * StoreCheck uses the same ping of its store. `StoreCheck.notConfigured` (`not_configured`) is for
 * a composition with no SQL store at all.
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import type { StoreCheckReport } from "../../domain/Health.ts"
import { SqlStore, type SqlStoreShape } from "../store/SqlStore.ts"

/** A store that does not answer a ping within this is failing. */
export const PING_WITHIN = "2 seconds"

export interface StoreCheckShape {
  readonly check: Effect.Effect<StoreCheckReport>
}

export class StoreCheck extends Context.Service<StoreCheck, StoreCheckShape>()("emodal-api/services/health/StoreCheck") {
  /** What a composition without a SQL store reports (the service itself always has one). */
  static readonly notConfiguredCheck: StoreCheckShape = {
    check: Effect.succeed({
      status: "not_configured",
      detail: "no SQL store in this composition",
      backend: null,
      latency_ms: null
    })
  }

  /** For a composition without a SQL store. */
  static readonly notConfigured: Layer.Layer<StoreCheck> = Layer.succeed(StoreCheck, StoreCheck.of(StoreCheck.notConfiguredCheck))

  /** The check of `store`: a ping on every check, bounded by PING_WITHIN, naming its backend and latency. */
  static readonly sqlCheck = (store: SqlStoreShape): StoreCheckShape => ({
    check: Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      const pinged = yield* store.ping.pipe(Effect.timeoutOption(PING_WITHIN), Effect.result)
      const latency = (yield* Clock.currentTimeMillis) - started
      if (pinged._tag === "Success" && Option.isSome(pinged.success)) {
        return { status: "ok", detail: `${store.backend} answered a ping`, backend: store.backend, latency_ms: latency } as const
      }
      const why = pinged._tag === "Failure" ? "the ping failed" : `no answer within ${PING_WITHIN}`
      return { status: "failing", detail: `${store.backend}: ${why}`, backend: store.backend, latency_ms: null } as const
    }).pipe(Effect.withSpan("StoreCheck.check"))
  })

  /** Pings the service's SQL store on every check (PortalLayer's wiring). */
  static readonly layerSql: Layer.Layer<StoreCheck, never, SqlStore> = Layer.effect(
    StoreCheck,
    Effect.gen(function*() {
      return StoreCheck.of(StoreCheck.sqlCheck(yield* SqlStore))
    })
  )
}
