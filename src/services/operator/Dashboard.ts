/**
 * Dashboard assembles what the live sessions dashboard (/dashboard) shows, in one read: every
 * session — its account, tier, state, the message it runs and the phase it is in with their elapsed
 * times, last use, pinned and keep-alive, and its health (error score, uses, age, Chrome memory) —,
 * the pool's pressure, the service's readiness and the last failed operations with their request
 * ids. It also takes a session's "peek": a fresh screenshot of its page, taken through the session's
 * protocol as a message of its own, so never in the middle of an operation (it waits up to
 * PEEK_WITHIN for the running one to end).
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { OperationTimedOut, type PortalError } from "../../domain/Errors.ts"
import type { PoolCheckReport } from "../../domain/Health.ts"
import { SERVICE_VERSION } from "../../domain/Operations.ts"
import { poolCheck } from "../health/HealthChecks.ts"
import type { Tier } from "../metrics/MetricCatalog.ts"
import { Readiness, type ReadinessState } from "../Readiness.ts"
import { SessionPool } from "../SessionPool.ts"
import type { SessionState } from "../session/SessionProtocol.ts"
import { type RecentError, RecentErrors } from "./RecentErrors.ts"

/** How long a peek waits for the session's running message before it gives up. */
export const PEEK_WITHIN = Duration.seconds(20)

export interface DashboardSession {
  readonly session_id: string
  readonly username: string
  readonly tier: Tier
  readonly state: SessionState
  /** The message running now ("login", "containers"…), null while idle. */
  readonly operation: string | null
  /** Its flow's current step ("containers:scroll"…). */
  readonly phase: string | null
  readonly operation_seconds: number | null
  readonly phase_seconds: number | null
  readonly queued: number
  readonly last_used: string
  readonly pinned: boolean
  readonly keep_alive: boolean
  readonly health: {
    /** Operations failed in a row for browser-level reasons (the session retires at 5). */
    readonly error_score: number
    readonly uses: number
    readonly age_seconds: number
    readonly logins: number
    readonly recycles: number
    /** PSS of its Chrome's process tree (its share of the shared Chrome in context isolation); null without one. */
    readonly memory_mb: number | null
  }
}

export interface DashboardState {
  readonly now: string
  readonly version: string
  readonly readiness: ReadinessState
  readonly pool: PoolCheckReport & { readonly busy: number; readonly idle: number; readonly pinned: number; readonly logging_in: number }
  readonly sessions: ReadonlyArray<DashboardSession>
  readonly errors: ReadonlyArray<RecentError>
}

export interface DashboardShape {
  readonly state: Effect.Effect<DashboardState>
  /** A PNG of the session's page, taken between two of its messages. */
  readonly peek: (sessionId: string) => Effect.Effect<Uint8Array, PortalError>
}

const seconds = (ms: number) => Math.round(ms / 100) / 10

export class Dashboard extends Context.Service<Dashboard, DashboardShape>()("emodal-api/services/operator/Dashboard") {
  static readonly layer: Layer.Layer<Dashboard, never, SessionPool | RecentErrors | Readiness> = Layer.effect(
    Dashboard,
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const recentErrors = yield* RecentErrors
      const readiness = yield* Readiness

      const state = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const stats = yield* pool.stats
        const sessions = yield* Effect.forEach(yield* pool.sessions, (session) =>
          Effect.gen(function*() {
            const summary = yield* session.summary
            const health = yield* session.health
            const activity = yield* session.activity
            const lease = session.lease
            return {
              session_id: session.id,
              username: session.username,
              tier: "hot",
              state: summary.state,
              operation: activity?.operation ?? null,
              phase: activity?.phase ?? null,
              operation_seconds: activity === null ? null : seconds(now - activity.startedAt),
              phase_seconds: activity === null ? null : seconds(now - activity.phaseAt),
              queued: summary.queued,
              last_used: summary.last_used,
              pinned: summary.never_terminate,
              keep_alive: summary.keep_alive,
              health: {
                error_score: health.consecutiveErrors,
                uses: health.uses,
                age_seconds: summary.age_seconds,
                logins: health.logins,
                recycles: health.recycles,
                memory_mb: lease.pid === undefined ? null : Math.round(lease.memoryMb() * 10) / 10
              }
            } satisfies DashboardSession
          }))
        return {
          now: new Date(now).toISOString(),
          version: SERVICE_VERSION,
          readiness: yield* readiness.state,
          pool: { ...poolCheck(stats), busy: stats.busy, idle: stats.idle, pinned: stats.pinned, logging_in: stats.loggingIn },
          // Most recently used first.
          sessions: [...sessions].reverse(),
          errors: yield* recentErrors.list
        } satisfies DashboardState
      }).pipe(Effect.withSpan("Dashboard.state"))

      const peek = Effect.fn("Dashboard.peek")(function*(sessionId: string) {
        const session = yield* pool.get(sessionId)
        return yield* session.peek.pipe(
          Effect.timeoutOrElse({
            duration: PEEK_WITHIN,
            orElse: () =>
              Effect.fail(new OperationTimedOut({ sessionId: session.id, operation: "peek", phase: "queued", timeoutMillis: Duration.toMillis(PEEK_WITHIN) }))
          })
        )
      })

      return Dashboard.of({ state, peek })
    })
  )
}
