/**
 * The metrics of business operations: how long each took and how it ended, by endpoint
 * (`emodal_operation_duration_seconds{endpoint,outcome}`), and how many ended so per account
 * (`emodal_operations_total{endpoint,outcome,account}`). The outcome is `ok`, the `error_type` the
 * caller was answered with, or `cancelled` when the caller went away. The account is that of the
 * session the operation resolved to (set by the operations kit once it has one), so a request with
 * a made-up username adds no series: it counts as `unknown`.
 */
import { Cause, Context, Effect, Exit, Metric, Option, type Redacted, Ref, References } from "effect"
import { isPortalError } from "../../domain/Errors.ts"
import { errorTypeOf, toSeedBody } from "../../domain/ErrorSpecs.ts"
import type { RecentErrorsShape } from "../operator/RecentErrors.ts"
import { sessionRef } from "../session/SessionFailures.ts"
import type { AccountLabelMode } from "../PortalConfig.ts"
import { accountAttributes } from "./AccountLabel.ts"
import { inRegistry, Metrics, timed } from "./MetricCatalog.ts"

/** The session the running operation resolved to (its account), once it has one. */
interface Resolved {
  readonly username: string
  readonly sessionId: string
}

export class OperationAccount extends Context.Service<OperationAccount, Ref.Ref<Resolved | undefined>>()(
  "emodal-api/services/metrics/OperationAccount"
) {}

/** Names the session (and so the account) of the running operation (nothing outside a measured operation). */
export const setOperationAccount = (username: string, sessionId: string): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(OperationAccount), Option.match({
    onNone: () => Effect.void,
    onSome: (ref) => Ref.set(ref, { username, sessionId })
  }))

/** How an operation ended, as its metrics name it. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const error = Exit.findErrorOption(exit)
  if (Option.isSome(error)) return isPortalError(error.value) ? errorTypeOf(error.value) : "internal_error"
  return Cause.hasInterruptsOnly(exit.cause) ? "cancelled" : "internal_error"
}

export interface OperationMetrics {
  /** Runs `effect` as the operation `endpoint` (a span of its own), recording its duration, outcome and account. */
  readonly measure: (endpoint: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * Operation metrics recording into `registry`; a failed operation also goes to `recentErrors` (the
 * dashboard's list), with the request id it ran under.
 */
export const makeOperationMetrics = (
  registry: Metric.MetricRegistry,
  mode: AccountLabelMode,
  secret: Redacted.Redacted<string>,
  recentErrors?: RecentErrorsShape | undefined
): OperationMetrics => {
  const record = inRegistry(registry)
  const account = accountAttributes(mode, secret)
  return {
    measure: (endpoint) => (effect) =>
      Effect.flatMap(Ref.make<Resolved | undefined>(undefined), (resolved) =>
        timed(Effect.provideService(effect, OperationAccount, resolved), (seconds, exit) =>
          Effect.gen(function*() {
            const outcome = outcomeOf(exit)
            const session = yield* Ref.get(resolved)
            const who = mode === "off" ? {} : session === undefined ? { account: "unknown" } : account(session.username)
            const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined
            if (recentErrors !== undefined && outcome !== "ok" && outcome !== "cancelled") {
              const requestId = (yield* References.CurrentLogAnnotations)["requestId"]
              yield* recentErrors.record({
                request_id: typeof requestId === "string" ? requestId : null,
                endpoint,
                error_type: outcome,
                error: isPortalError(error) ? toSeedBody(error).error : "Internal server error",
                account: session?.username ?? null,
                session: session === undefined ? null : sessionRef(session.sessionId)
              })
            }
            yield* record(Effect.all([
              Metric.update(Metric.withAttributes(Metrics.operationSeconds, { endpoint, outcome }), seconds),
              Metric.update(Metric.withAttributes(Metrics.operations, { endpoint, outcome, ...who }), 1)
            ], { discard: true }))
          }))).pipe(Effect.withSpan(`PortalOperations.${endpoint}`, { attributes: { "emodal.endpoint": endpoint } }))
  }
}
