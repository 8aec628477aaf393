/**
 * SessionRefresher keeps idle sessions logged in. On Schedule.spaced(REFRESH_CHECK_INTERVAL) it
 * sends a Refresh (a keep-alive visit, run only if the session is idle) to each keep-alive session
 * unused and unrefreshed for SESSION_REFRESH_AFTER; a busy session skips it. A visit that finds the
 * session logged out (or fails) re-logs in a pinned session and ends an unpinned one as expired.
 * Its fiber lives in the layer's scope, so tests drive it with the test clock.
 */
import { Clock, Context, Duration, Effect, Layer, Schedule } from "effect"
import type { BrowserSession } from "../BrowserSession.ts"
import { PortalConfig } from "../PortalConfig.ts"
import { SessionPool } from "../SessionPool.ts"
import { sessionRef } from "../session/SessionFailures.ts"
import { PoolMetrics } from "./PoolMetrics.ts"

export interface RefreshReport {
  readonly refreshed: number
  readonly skippedBusy: number
  readonly relogged: number
  readonly closed: number
}

export interface SessionRefresherShape {
  /** One refresher pass now (the refresher's fiber runs the same on its schedule). */
  readonly refreshDue: Effect.Effect<RefreshReport>
}

type RefreshResult = "not_due" | "busy" | "refreshed" | "relogged" | "relogin_failed" | "closed"

export class SessionRefresher extends Context.Service<SessionRefresher, SessionRefresherShape>()("emodal-api/services/pool/SessionRefresher") {
  static readonly layer: Layer.Layer<SessionRefresher, never, SessionPool | PortalConfig | PoolMetrics> = Layer.effect(
    SessionRefresher,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const pool = yield* SessionPool
      const metrics = yield* PoolMetrics
      const refreshAfterMs = Duration.toMillis(config.sessionRefreshAfter)

      const refreshOne = (session: BrowserSession): Effect.Effect<RefreshResult> =>
        Effect.gen(function*() {
          if (!(yield* session.settings).keepAlive) return "not_due"
          const h = yield* session.health
          const now = yield* Clock.currentTimeMillis
          if (now - Math.max(h.lastUsed, h.lastRefresh ?? 0) < refreshAfterMs) return "not_due"
          const outcome = yield* Effect.result(session.refresh)
          if (outcome._tag === "Success" && outcome.success === "busy") return "busy"
          if (outcome._tag === "Success" && outcome.success === "logged_in") {
            yield* metrics.count("refreshes", session.username)
            yield* Effect.logDebug("session refreshed", { sessionId: sessionRef(session.id) })
            return "refreshed"
          }
          yield* metrics.count("refreshFailures", session.username)
          const why = outcome._tag === "Failure" ? outcome.failure._tag : "logged out"
          if ((yield* session.settings).neverTerminate) {
            yield* Effect.logWarning("refresh failed on a pinned session; logging in again", { sessionId: sessionRef(session.id), why })
            const relogged = yield* Effect.result(session.relogin)
            // The login itself is counted by the session, as every login is.
            if (relogged._tag === "Success") return "relogged"
            yield* Effect.logError("re-login of a pinned session failed; it stays pinned and will retry", {
              sessionId: sessionRef(session.id),
              error: relogged.failure._tag
            })
            return "relogin_failed"
          }
          yield* Effect.logWarning("refresh failed; closing the session", { sessionId: sessionRef(session.id), why })
          // A crashed one is removed by the pool as any crash.
          if (outcome._tag === "Failure" && outcome.failure._tag === "BrowserCrashed") return "closed"
          yield* pool.expire(session)
          return "closed"
        })

      const refreshDue = Effect.gen(function*() {
        const results = yield* Effect.forEach(yield* pool.sessions, refreshOne, { concurrency: 2 })
        const countOf = (r: RefreshResult) => results.filter((x) => x === r).length
        return {
          refreshed: countOf("refreshed"),
          skippedBusy: countOf("busy"),
          relogged: countOf("relogged"),
          closed: countOf("closed")
        } satisfies RefreshReport
      }).pipe(Effect.withSpan("SessionRefresher.refreshDue"))

      yield* refreshDue.pipe(
        Effect.tap((r) => (r.refreshed + r.relogged + r.closed + r.skippedBusy > 0 ? Effect.logInfo("refresh pass", r) : Effect.void)),
        Effect.catchCause((cause) => Effect.logError("refresh pass failed", cause)),
        Effect.repeat(Schedule.spaced(config.refreshCheckInterval)),
        Effect.delay(config.refreshCheckInterval),
        Effect.forkScoped
      )

      return SessionRefresher.of({ refreshDue })
    })
  )
}
