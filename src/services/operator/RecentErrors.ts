/**
 * RecentErrors keeps the last failed business operations, newest first, for the dashboard: when,
 * the request id of the request that failed (the one its access-log line and its caller's
 * `x-request-id` carry), the endpoint, the `error_type` and the error as the caller read it, the
 * account and the session (its log reference, never the id itself). A bounded ring: the oldest
 * entry goes when a new one comes past CAPACITY. Memory only; a restart forgets them.
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"

/** How many errors are kept. */
export const CAPACITY = 50

export interface RecentError {
  /** ISO 8601. */
  readonly at: string
  /** The failed request's id; null when the operation ran outside a request (embedding). */
  readonly request_id: string | null
  readonly endpoint: string
  readonly error_type: string
  readonly error: string
  readonly account: string | null
  /** The session's log reference (its id's first characters), when the operation had one. */
  readonly session: string | null
}

export interface RecentErrorsShape {
  readonly record: (error: Omit<RecentError, "at">) => Effect.Effect<void>
  /** Newest first. */
  readonly list: Effect.Effect<ReadonlyArray<RecentError>>
}

export class RecentErrors extends Context.Service<RecentErrors, RecentErrorsShape>()("emodal-api/services/operator/RecentErrors") {
  static readonly layer: Layer.Layer<RecentErrors> = Layer.effect(
    RecentErrors,
    Effect.gen(function*() {
      const ring = yield* Ref.make<ReadonlyArray<RecentError>>([])
      return RecentErrors.of({
        record: (error) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Ref.update(ring, (r) => [{ at: new Date(now).toISOString(), ...error }, ...r].slice(0, CAPACITY))),
        list: Ref.get(ring)
      })
    })
  )
}
