/**
 * PortalHealth remembers how the latest contacts with each portal host (identity, ecp2, termops,
 * truckerportal) and with the captcha solver went, for /health. The login flow, page navigations
 * and the solver report every contact's outcome; only the target, ok or failed, when, and the
 * failure's kind (with its HTTP status) are kept — never a URL, a credential or page text.
 *
 * The rule /health states: a target is failing while its latest contact failed less than
 * RECENT_FAILURE_WINDOW ago; the portal is "degraded" while any target is failing. A later
 * successful contact clears it, and so does time: a failure older than the window with no contact
 * since is history, not a verdict (nothing was tried since). Every failed contact is also counted
 * (`emodal_portal_errors_total{target,kind}`).
 */
import { Clock, Context, Duration, Effect, Layer, Metric, Option, Ref } from "effect"
import { type ContactFailureKind, PORTAL_TARGETS, type PortalContactStatus, type PortalHealthReport, type PortalTarget } from "../domain/Health.ts"
import { inRegistry, Metrics } from "./metrics/MetricCatalog.ts"
import type { PortalUrls } from "./PortalConfig.ts"

/** How long a failed latest contact keeps its target failing. */
export const RECENT_FAILURE_WINDOW = Duration.minutes(5)

export type ContactOutcome =
  | { readonly _tag: "ok" }
  | { readonly _tag: "failed"; readonly kind: ContactFailureKind; readonly httpStatus?: number | undefined }

export const contactOk: ContactOutcome = { _tag: "ok" }

export const contactFailed = (kind: ContactFailureKind, httpStatus?: number): ContactOutcome =>
  ({ _tag: "failed", kind, ...(httpStatus !== undefined ? { httpStatus } : {}) })

export interface PortalHealthShape {
  /** Records the outcome of one contact with `target`. */
  readonly report: (target: PortalTarget, outcome: ContactOutcome) => Effect.Effect<void>
  /** The latest outcomes per target and the verdict, as /health shows them. */
  readonly status: Effect.Effect<PortalHealthReport>
}

interface TargetRecord {
  readonly lastOutcome: "ok" | "failed" | null
  readonly lastContactAt: number | null
  readonly lastSuccessAt: number | null
  readonly lastFailureAt: number | null
  readonly lastErrorKind: ContactFailureKind | null
  readonly lastHttpStatus: number | null
  readonly consecutiveFailures: number
}

const EMPTY: TargetRecord = {
  lastOutcome: null,
  lastContactAt: null,
  lastSuccessAt: null,
  lastFailureAt: null,
  lastErrorKind: null,
  lastHttpStatus: null,
  consecutiveFailures: 0
}

const next = (r: TargetRecord, outcome: ContactOutcome, at: number): TargetRecord =>
  outcome._tag === "ok"
    ? { ...r, lastOutcome: "ok", lastContactAt: at, lastSuccessAt: at, consecutiveFailures: 0 }
    : {
      ...r,
      lastOutcome: "failed",
      lastContactAt: at,
      lastFailureAt: at,
      lastErrorKind: outcome.kind,
      lastHttpStatus: outcome.httpStatus ?? null,
      consecutiveFailures: r.consecutiveFailures + 1
    }

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const isFailing = (r: TargetRecord, now: number, windowMs: number) =>
  r.lastOutcome === "failed" && r.lastFailureAt !== null && now - r.lastFailureAt < windowMs

const reasonOf = (target: PortalTarget, r: TargetRecord, now: number): string => {
  const what = r.lastErrorKind === "http_5xx" && r.lastHttpStatus !== null ? `HTTP ${r.lastHttpStatus}` : r.lastErrorKind ?? "failed"
  const ago = Math.max(0, Math.round((now - (r.lastFailureAt ?? now)) / 1000))
  const times = r.consecutiveFailures > 1 ? ` (${r.consecutiveFailures} times in a row)` : ""
  return `${target}: last contact failed ${ago} s ago: ${what}${times}`
}

/** The report for `records` at `now` (pure, so the rule is testable on its own). */
export const reportOf = (
  records: ReadonlyMap<PortalTarget, TargetRecord>,
  now: number,
  window: Duration.Duration = RECENT_FAILURE_WINDOW
): PortalHealthReport => {
  const windowMs = Duration.toMillis(window)
  const hosts = {} as Record<PortalTarget, PortalContactStatus>
  const reasons: Array<string> = []
  for (const target of PORTAL_TARGETS) {
    const r = records.get(target) ?? EMPTY
    const failing = isFailing(r, now, windowMs)
    if (failing) reasons.push(reasonOf(target, r, now))
    hosts[target] = {
      last_outcome: r.lastOutcome,
      last_contact_at: iso(r.lastContactAt),
      last_success_at: iso(r.lastSuccessAt),
      last_failure_at: iso(r.lastFailureAt),
      last_error_kind: r.lastErrorKind,
      last_http_status: r.lastHttpStatus,
      consecutive_failures: r.consecutiveFailures,
      failing
    }
  }
  return {
    status: reasons.length > 0 ? "degraded" : "ok",
    reasons,
    recent_window_seconds: Math.round(windowMs / 1000),
    hosts
  }
}

const make = (window: Duration.Duration) =>
  Effect.gen(function*() {
    const records = yield* Ref.make<ReadonlyMap<PortalTarget, TargetRecord>>(new Map())
    const record = inRegistry(yield* Metric.MetricRegistry)

    const report = Effect.fn("PortalHealth.report")(function*(target: PortalTarget, outcome: ContactOutcome) {
      const at = yield* Clock.currentTimeMillis
      yield* Ref.update(records, (m) => new Map(m).set(target, next(m.get(target) ?? EMPTY, outcome, at)))
      if (outcome._tag === "failed") yield* record(Metric.update(Metric.withAttributes(Metrics.portalErrors, { target, kind: outcome.kind }), 1))
    })

    const status = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return reportOf(yield* Ref.get(records), now, window)
    })

    return PortalHealth.of({ report, status })
  })

export class PortalHealth extends Context.Service<PortalHealth, PortalHealthShape>()("emodal-api/services/PortalHealth") {
  static readonly layer: Layer.Layer<PortalHealth> = Layer.effect(PortalHealth, make(RECENT_FAILURE_WINDOW))

  /** The live layer keeps nothing outside memory, so it is its own test layer. */
  static readonly layerTest: Layer.Layer<PortalHealth> = PortalHealth.layer
}

/**
 * Reports to the PortalHealth in the fiber's context, if any. For page flows, which run inside a
 * session's actor and take no services: PortalDriver provides it around the login and keep-alive
 * flows, the operations Kit around every operation's flow. Without it (unit tests of a flow) the
 * report is dropped.
 */
export const reportContact = (target: PortalTarget, outcome: ContactOutcome): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(PortalHealth), Option.match({
    onNone: () => Effect.void,
    onSome: (health) => health.report(target, outcome)
  }))

/** The portal host a URL host (host:port) belongs to; undefined for any other host. */
export const targetOfHost = (host: string, urls: PortalUrls): PortalTarget | undefined => {
  const h = host.toLowerCase()
  if (h === urls.identity.host) return "identity"
  if (h === urls.ecp2.host) return "ecp2"
  if (h === urls.termops.host) return "termops"
  if (h === urls.truckerportal.host) return "truckerportal"
  return undefined
}
