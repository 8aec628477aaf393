/**
 * The pool's metrics (declared in `metrics/MetricCatalog.ts`): counters of logins, restores,
 * evictions, keep-alive refreshes and their failures, and crashes, per account; the session gauges
 * by tier and state, sampled from the pool whenever it reports its stats (every /metrics scrape
 * and /health read does); the slot waiters, live; and the time logins take and that new sessions
 * and messages wait. It records into the metric registry of the context the layer is built in —
 * PortalLayer gives each service instance one of its own (`registryLayer`) — and keeps the
 * counters' totals over all accounts for /health.
 */
import { Context, Effect, Layer, Metric, Ref } from "effect"
import { PortalConfig } from "../PortalConfig.ts"
import { accountAttributes } from "../metrics/AccountLabel.ts"
import { inRegistry, Metrics, type Tier } from "../metrics/MetricCatalog.ts"
import type { OperationKind, SessionState } from "../session/SessionProtocol.ts"

/** The pool's metrics, by Prometheus name (a part of the service's catalogue). */
export const PoolMetricDefinitions = {
  logins: Metrics.logins,
  restores: Metrics.restores,
  evictions: Metrics.evictions,
  refreshes: Metrics.refreshes,
  refreshFailures: Metrics.refreshFailures,
  crashes: Metrics.crashes,
  sessions: Metrics.sessions,
  pinned: Metrics.pinned,
  slots: Metrics.slots,
  slotWaiters: Metrics.slotWaiters,
  queued: Metrics.queued,
  fingerprints: Metrics.fingerprints,
  loginSeconds: Metrics.loginSeconds,
  slotWaitSeconds: Metrics.slotWaitSeconds,
  mailboxWaitSeconds: Metrics.mailboxWaitSeconds
} as const

/** Something the pool counts. */
export type PoolEvent = "logins" | "restores" | "evictions" | "refreshes" | "refreshFailures" | "crashes"

export type PoolCounts = { readonly [K in PoolEvent]: number }

/** The states a live session is counted under (a session in no message is `idle`). */
export const SESSION_STATES = ["idle", "busy", "logging_in", "refreshing", "closing"] as const
export type SessionStateLabel = (typeof SESSION_STATES)[number]

export const stateLabel = (state: SessionState): SessionStateLabel => (state === "ready" ? "idle" : state)

/** The session gauges, sampled from the pool. */
export interface SessionCounts {
  readonly tier: Tier
  readonly byState: Readonly<Record<SessionStateLabel, number>>
  readonly pinned: number
  readonly queued: number
  readonly fingerprints: number
}

/** How a new session's wait for a slot ended. */
export type SlotOutcome = "admitted" | "pool_full" | "queue_full"

export interface PoolMetricsShape {
  /** Counts one `event` of `username`'s session. */
  readonly count: (event: PoolEvent, username: string) => Effect.Effect<void>
  /** Sets the number of requests waiting for a slot. */
  readonly slotWaiters: (waiting: number) => Effect.Effect<void>
  /** Sets the session gauges. */
  readonly sample: (counts: SessionCounts) => Effect.Effect<void>
  /** The counters' totals over all accounts now. */
  readonly counts: Effect.Effect<PoolCounts>
  /** Records a login that took `seconds` and ended with `outcome` (ok, or the error kind). */
  readonly loginTimed: (seconds: number, outcome: string) => Effect.Effect<void>
  /** Records a new session's wait for a slot. */
  readonly slotWaited: (seconds: number, outcome: SlotOutcome) => Effect.Effect<void>
  /** Records a message's wait in its session's mailbox. */
  readonly mailboxWaited: (seconds: number, kind: OperationKind) => Effect.Effect<void>
}

const EVENTS: ReadonlyArray<PoolEvent> = ["logins", "restores", "evictions", "refreshes", "refreshFailures", "crashes"]

const ZERO: PoolCounts = { logins: 0, restores: 0, evictions: 0, refreshes: 0, refreshFailures: 0, crashes: 0 }

export class PoolMetrics extends Context.Service<PoolMetrics, PoolMetricsShape>()("emodal-api/services/pool/PoolMetrics") {
  /** Records into the metric registry of the context it is built in. */
  static readonly layer: Layer.Layer<PoolMetrics, never, PortalConfig> = Layer.effect(
    PoolMetrics,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      // Methods run in their callers' fibers: each records into the registry captured here.
      const record = inRegistry(yield* Metric.MetricRegistry)
      const account = accountAttributes(config.metricsAccountLabel, config.serverSecret)
      const totals = yield* Ref.make(ZERO)
      const m = PoolMetricDefinitions
      yield* record(Effect.all([Metric.update(m.slots, config.maxSessions), Metric.update(m.slotWaiters, 0)], { discard: true }))

      const count = Effect.fn("PoolMetrics.count")(function*(event: PoolEvent, username: string) {
        yield* Ref.update(totals, (t) => ({ ...t, [event]: t[event] + 1 }))
        yield* record(Metric.update(Metric.withAttributes(m[event], account(username)), 1))
      })

      const slotWaiters = Effect.fn("PoolMetrics.slotWaiters")(function*(waiting: number) {
        yield* record(Metric.update(m.slotWaiters, waiting))
      })

      const sample = Effect.fn("PoolMetrics.sample")(function*(c: SessionCounts) {
        yield* record(Effect.all([
          ...SESSION_STATES.map((state) => Metric.update(Metric.withAttributes(m.sessions, { tier: c.tier, state }), c.byState[state])),
          Metric.update(Metric.withAttributes(m.pinned, { tier: c.tier }), c.pinned),
          Metric.update(m.queued, c.queued),
          Metric.update(m.fingerprints, c.fingerprints)
        ], { discard: true }))
      })

      const loginTimed = (seconds: number, outcome: string) =>
        record(Metric.update(Metric.withAttributes(m.loginSeconds, { outcome }), seconds))

      const slotWaited = (seconds: number, outcome: SlotOutcome) =>
        record(Metric.update(Metric.withAttributes(m.slotWaitSeconds, { outcome }), seconds))

      const mailboxWaited = (seconds: number, kind: OperationKind) =>
        record(Metric.update(Metric.withAttributes(m.mailboxWaitSeconds, { kind }), seconds))

      return PoolMetrics.of({ count, slotWaiters, sample, counts: Ref.get(totals), loginTimed, slotWaited, mailboxWaited })
    })
  )

  /** A metric registry of its own, for one service instance (PortalLayer, tests). */
  static readonly registryLayer = Layer.sync(Metric.MetricRegistry, (): Metric.MetricRegistry => new Map())
}

