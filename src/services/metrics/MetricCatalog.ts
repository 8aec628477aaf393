/**
 * Every metric the service exports on /metrics, declared once: its Prometheus name, type, help text
 * and labels. The services record into the metric registry of the PortalLayer they were built in
 * (each captures it at build time, see `inRegistry`, since their methods run in their callers'
 * fibers); /metrics renders that registry through effect/observability's Prometheus exporter.
 *
 * Labels carry bounded values only — states, tiers, endpoint names, error kinds — and never a
 * secret, a session id or a request id. The one per-account label, `account`, names the portal
 * account of a session that logged in (METRICS_ACCOUNT_LABEL: its username, a keyed hash of it, or
 * no label at all), never a username a request merely sent: a stream of bad logins cannot grow it.
 */
import { Clock, Effect, Exit, Metric } from "effect"

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })
const gauge = (name: string, description: string) => Metric.gauge(name, { description })
const histogram = (name: string, description: string, boundaries: ReadonlyArray<number>) =>
  Metric.histogram(name, { description, boundaries: Metric.boundariesFromIterable(boundaries) })

/** Buckets (seconds) of work on the portal: a booking number takes ~1 s, a full export minutes. */
const WORK_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
/** Buckets (seconds) of waits: usually none, at worst ACQUIRE_TIMEOUT or a long operation ahead. */
const WAIT_SECONDS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]

export const Metrics = {
  // ---- The pool (labels: account) ----------------------------------------------------------
  logins: counter("emodal_logins_total", "Portal logins: new sessions, re-logins of logged-out sessions, pinned sessions logged in again after a failed keep-alive"),
  restores: counter("emodal_session_restores_total", "Sessions brought back from their snapshot without a login"),
  evictions: counter("emodal_session_evictions_total", "Idle sessions evicted to make room under MAX_SESSIONS"),
  refreshes: counter("emodal_session_refreshes_total", "Successful keep-alive visits"),
  refreshFailures: counter("emodal_session_refresh_failures_total", "Keep-alive visits that found the session logged out or failed"),
  crashes: counter("emodal_session_crashes_total", "Sessions whose Chrome or page renderer died"),

  // ---- Sessions now (labels: tier, state), sampled at every scrape ------------------------
  sessions: gauge("emodal_sessions", "Live sessions by tier (hot: a page open) and state (idle, busy, logging_in, refreshing, closing)"),
  pinned: gauge("emodal_sessions_pinned", "Live sessions pinned with never_terminate, by tier"),
  slots: gauge("emodal_session_slots", "Session slots (MAX_SESSIONS)"),
  slotWaiters: gauge("emodal_session_slot_waiters", "Requests waiting for a session slot"),
  queued: gauge("emodal_session_queued_messages", "Messages waiting in the sessions' mailboxes for their turn"),
  fingerprints: gauge("emodal_session_fingerprints", "Credentials with a live session"),

  // ---- Chrome (sampled at every scrape) -------------------------------------------------------
  chromePss: gauge("emodal_chrome_pss_bytes", "Proportional set size of the service's Chromes (every process of each Chrome's tree)"),
  chromes: gauge("emodal_chrome_processes", "Chrome browser processes of the service (one per session in process isolation, one shared in context isolation)"),

  // ---- Work (labels: endpoint, outcome; account on the counter) ----------------------------
  operations: counter("emodal_operations_total", "Business operations by endpoint and outcome (ok, or the error_type answered)"),
  operationSeconds: histogram("emodal_operation_duration_seconds", "Duration of business operations by endpoint and outcome, waits included", WORK_SECONDS),
  loginSeconds: histogram("emodal_login_duration_seconds", "Duration of portal logins (captcha included) by outcome (ok, or the login error kind)", WORK_SECONDS),
  slotWaitSeconds: histogram("emodal_session_slot_wait_seconds", "Time a new session waited for a slot, by outcome (admitted, pool_full, queue_full)", WAIT_SECONDS),
  mailboxWaitSeconds: histogram("emodal_session_mailbox_wait_seconds", "Time a message waited in its session's mailbox before it ran, by kind (operation, login, refresh, snapshot, upkeep)", WAIT_SECONDS),

  // ---- The outside world (labels: method, outcome / target, kind) ------------------------------
  captchaSolves: counter("emodal_captcha_solves_total", "Captcha solver runs by method (token, audio) and outcome (solved, or the failure: wrong_key, zero_balance, unsolvable, timeout, unavailable, rejected)"),
  portalErrors: counter("emodal_portal_errors_total", "Failed contacts with the portal hosts and the captcha solver, by target and kind (unreachable, timeout, http_5xx, forbidden, bad_answer)")
} as const

/** The labels of each metric (`account` only while METRICS_ACCOUNT_LABEL is not off). */
const LABELS: { readonly [K in keyof typeof Metrics]: ReadonlyArray<string> } = {
  logins: ["account"],
  restores: ["account"],
  evictions: ["account"],
  refreshes: ["account"],
  refreshFailures: ["account"],
  crashes: ["account"],
  sessions: ["tier", "state"],
  pinned: ["tier"],
  slots: [],
  slotWaiters: [],
  queued: [],
  fingerprints: [],
  chromePss: [],
  chromes: [],
  operations: ["endpoint", "outcome", "account"],
  operationSeconds: ["endpoint", "outcome"],
  loginSeconds: ["outcome"],
  slotWaitSeconds: ["outcome"],
  mailboxWaitSeconds: ["kind"],
  captchaSolves: ["method", "outcome"],
  portalErrors: ["target", "kind"]
}

export interface MetricSpec {
  readonly name: string
  readonly type: "counter" | "gauge" | "histogram"
  readonly help: string
  readonly labels: ReadonlyArray<string>
}

/** Every exported metric, as Prometheus reads it (for the README and the tests). */
export const MetricList: ReadonlyArray<MetricSpec> = (Object.keys(Metrics) as Array<keyof typeof Metrics>).map((key) => {
  const m = Metrics[key]
  return {
    name: m.id,
    type: m.type === "Counter" ? "counter" : m.type === "Gauge" ? "gauge" : "histogram",
    help: m.description ?? "",
    labels: LABELS[key]
  }
})

/** Markdown table of every metric, for the README (`npm run docs:config` writes it). */
export const metricsMarkdownTable = (): string =>
  [
    "| Metric | Type | Labels | Meaning |",
    "| --- | --- | --- | --- |",
    ...MetricList.map((m) =>
      `| \`${m.name}\` | ${m.type} | ${m.labels.length === 0 ? "—" : m.labels.map((l) => `\`${l}\``).join(", ")} | ${m.help.replaceAll("|", "\\|")} |`
    )
  ].join("\n")

/** The one tier today: every live session has its page open. (Parked and cold come with tiering.) */
export type Tier = "hot"

/**
 * Runs metric updates in `registry`: a service captures its PortalLayer's registry when it is
 * built, and its methods run in callers' fibers, whose context may hold another one.
 */
export const inRegistry = (registry: Metric.MetricRegistry) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, Metric.MetricRegistry, registry)

/** Runs `effect` and hands its duration (seconds, by the Clock) and exit to `record`. */
export const timed = <A, E, R, R2>(
  effect: Effect.Effect<A, E, R>,
  record: (seconds: number, exit: Exit.Exit<A, E>) => Effect.Effect<void, never, R2>
): Effect.Effect<A, E, R | R2> =>
  Effect.flatMap(Clock.currentTimeMillis, (started) =>
    Effect.onExit(effect, (exit) =>
      Effect.flatMap(Clock.currentTimeMillis, (ended) => record(Math.max(0, ended - started) / 1000, exit))))
