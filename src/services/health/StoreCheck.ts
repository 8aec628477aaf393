/**
 * The store check of /health, a pluggable contributor: the service asks it whether its SQL store
 * answers. Until the store is wired into PortalLayer it reports `not_configured`
 * (`StoreCheck.notConfigured`); wiring it is one line there: `StoreCheck.layerSql` in its place,
 * which pings the store (bounded by PING_WITHIN) and names its backend and the ping's latency.
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import type { StoreCheckReport } from "../../domain/Health.ts"
import { SqlStore } from "../store/SqlStore.ts"

/** A store that does not answer a ping within this is failing. */
export const PING_WITHIN = "2 seconds"

export interface StoreCheckShape {
  readonly check: Effect.Effect<StoreCheckReport>
}

export class StoreCheck extends Context.Service<StoreCheck, StoreCheckShape>()("emodal-api/services/health/StoreCheck") {
  /** What a service without a store reports. */
  static readonly notConfiguredCheck: StoreCheckShape = {
    check: Effect.succeed({
      status: "not_configured",
      detail: "the service keeps its state in memory (no SQL store is wired)",
      backend: null,
      latency_ms: null
    })
  }

  /** The service runs without a store (today's wiring). */
  static readonly notConfigured: Layer.Layer<StoreCheck> = Layer.succeed(StoreCheck, StoreCheck.of(StoreCheck.notConfiguredCheck))

  /** Pings the SQL store on every check. */
  static readonly layerSql: Layer.Layer<StoreCheck, never, SqlStore> = Layer.effect(
    StoreCheck,
    Effect.gen(function*() {
      const store = yield* SqlStore
      const check = Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const pinged = yield* store.ping.pipe(Effect.timeoutOption(PING_WITHIN), Effect.result)
        const latency = (yield* Clock.currentTimeMillis) - started
        if (pinged._tag === "Success" && Option.isSome(pinged.success)) {
          return { status: "ok", detail: `${store.backend} answered a ping`, backend: store.backend, latency_ms: latency } as const
        }
        const why = pinged._tag === "Failure" ? "the ping failed" : `no answer within ${PING_WITHIN}`
        return { status: "failing", detail: `${store.backend}: ${why}`, backend: store.backend, latency_ms: null } as const
      }).pipe(Effect.withSpan("StoreCheck.check"))
      return StoreCheck.of({ check })
    })
  )
}
