/**
 * The pool's metrics, as Effect Metrics: counters of logins, restores, evictions, keep-alive
 * refreshes and their failures, and crashes; gauges of the sessions by state. They live in the
 * metric registry of the context the layer is built in — PortalLayer gives each service instance
 * one of its own (`registryLayer`) — so `/health` reads them and an exporter can serve the same
 * registry. Session-state gauges are sampled from the pool whenever it reports its stats; the
 * slot-waiters gauge follows admission live. Labels carry states only: never ids or usernames.
 */
import { Context, Effect, Layer, Metric } from "effect"

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

/** The metrics, by Prometheus name. */
export const PoolMetricDefinitions = {
  logins: counter("emodal_logins_total", "Portal logins: new sessions, and pinned sessions logged in again after a failed keep-alive"),
  restores: counter("emodal_session_restores_total", "Sessions brought back from their snapshot without a login"),
  evictions: counter("emodal_session_evictions_total", "Idle sessions evicted to make room under MAX_SESSIONS"),
  refreshes: counter("emodal_session_refreshes_total", "Successful keep-alive visits"),
  refreshFailures: counter("emodal_session_refresh_failures_total", "Keep-alive visits that found the session logged out or failed"),
  crashes: counter("emodal_session_crashes_total", "Sessions whose Chrome or page renderer died"),
  sessions: Metric.gauge("emodal_sessions", { description: "Live sessions by state (busy or idle)" }),
  pinned: Metric.gauge("emodal_sessions_pinned", { description: "Live sessions pinned with never_terminate" }),
  loggingIn: Metric.gauge("emodal_sessions_logging_in", { description: "Sessions logging in, new ones included" }),
  fingerprints: Metric.gauge("emodal_session_fingerprints", { description: "Credentials with a live session" }),
  slotWaiters: Metric.gauge("emodal_session_slot_waiters", { description: "Requests waiting for a session slot" })
} as const

const busySessions = Metric.withAttributes(PoolMetricDefinitions.sessions, { state: "busy" })
const idleSessions = Metric.withAttributes(PoolMetricDefinitions.sessions, { state: "idle" })

/** Something the pool counts. */
export type PoolEvent = "logins" | "restores" | "evictions" | "refreshes" | "refreshFailures" | "crashes"

export type PoolCounts = { readonly [K in PoolEvent]: number }

/** The session-state gauges, sampled from the pool. */
export interface SessionCounts {
  readonly busy: number
  readonly idle: number
  readonly pinned: number
  readonly loggingIn: number
  readonly fingerprints: number
}

export interface PoolMetricsShape {
  /** Counts one `event`. */
  readonly count: (event: PoolEvent) => Effect.Effect<void>
  /** Sets the number of requests waiting for a slot. */
  readonly slotWaiters: (waiting: number) => Effect.Effect<void>
  /** Sets the session-state gauges. */
  readonly sample: (counts: SessionCounts) => Effect.Effect<void>
  /** The counters' values now. */
  readonly counts: Effect.Effect<PoolCounts>
}

const EVENTS: ReadonlyArray<PoolEvent> = ["logins", "restores", "evictions", "refreshes", "refreshFailures", "crashes"]

export class PoolMetrics extends Context.Service<PoolMetrics, PoolMetricsShape>()("emodal-api/services/pool/PoolMetrics") {
  /** Records into the metric registry of the context it is built in. */
  static readonly layer: Layer.Layer<PoolMetrics> = Layer.effect(
    PoolMetrics,
    Effect.gen(function*() {
      const registry = yield* Metric.MetricRegistry
      // Methods run in their callers' fibers: each records into the registry captured here.
      const inRegistry = <A>(effect: Effect.Effect<A>) => Effect.provideService(effect, Metric.MetricRegistry, registry)
      const m = PoolMetricDefinitions

      const count = Effect.fn("PoolMetrics.count")(function*(event: PoolEvent) {
        yield* inRegistry(Metric.update(m[event], 1))
      })

      const slotWaiters = Effect.fn("PoolMetrics.slotWaiters")(function*(waiting: number) {
        yield* inRegistry(Metric.update(m.slotWaiters, waiting))
      })

      const sample = Effect.fn("PoolMetrics.sample")(function*(c: SessionCounts) {
        yield* inRegistry(Effect.all([
          Metric.update(busySessions, c.busy),
          Metric.update(idleSessions, c.idle),
          Metric.update(m.pinned, c.pinned),
          Metric.update(m.loggingIn, c.loggingIn),
          Metric.update(m.fingerprints, c.fingerprints)
        ], { discard: true }))
      })

      const counts = Effect.gen(function*() {
        const values = yield* inRegistry(Effect.forEach(EVENTS, (event) => Metric.value(m[event])))
        const out: Record<PoolEvent, number> = { logins: 0, restores: 0, evictions: 0, refreshes: 0, refreshFailures: 0, crashes: 0 }
        EVENTS.forEach((event, i) => {
          out[event] = values[i]!.count
        })
        return out
      }).pipe(Effect.withSpan("PoolMetrics.counts"))

      return PoolMetrics.of({ count, slotWaiters, sample, counts })
    })
  )

  /** A metric registry of its own, for one service instance (PortalLayer, tests). */
  static readonly registryLayer = Layer.sync(Metric.MetricRegistry, (): Metric.MetricRegistry => new Map())
}
