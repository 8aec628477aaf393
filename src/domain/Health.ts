/**
 * Housekeeping and health bodies: /cleanup, and /health's report (the portal's hosts and the
 * captcha solver as last contacted, the store, the pool).
 */
import { Schema } from "effect"
import { Count, described, Finite, Flag, opt, Text, Timestamp } from "./Fields.ts"
import { SERVICE_NAME } from "./Operations.ts"

// ---------------------------------------------------------------------------------------------
// Housekeeping

export const CleanupRequest = Schema.Struct({
  max_age_hours: opt(described(
    Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(24 * 365)),
    "Delete files older than this many hours (default FILE_RETENTION; 0 deletes every file)."
  ))
}).annotate({ description: "How old a file must be to go (an empty body is fine)." })
export type CleanupRequest = typeof CleanupRequest.Type

export const CleanupResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  message: Text("\"Cleanup completed\"."),
  files_deleted: Count("Files deleted."),
  space_freed_mb: Finite("Megabytes freed."),
  current_storage_mb: Finite("Megabytes still stored."),
  downloads_mb: Finite("Megabytes of downloads and workbooks still stored."),
  screenshots_mb: Finite("Megabytes of screenshots still stored.")
}).annotate({ identifier: "CleanupResponse", description: "What the cleanup freed." })
export type CleanupResponse = typeof CleanupResponse.Type

/** What /health reports contacts with: the portal's four hosts and the captcha solver. */
export const PortalTarget = Schema.Literals(["identity", "ecp2", "termops", "truckerportal", "captcha_solver"])
export type PortalTarget = typeof PortalTarget.Type
export const PORTAL_TARGETS: ReadonlyArray<PortalTarget> = PortalTarget.literals

/**
 * Why a contact failed: no connection or answer (`unreachable`), no answer within its deadline
 * (`timeout`), an HTTP 5xx (`http_5xx`), a 403 geo-block (`forbidden`), an answer that could not be
 * read (`bad_answer`, the solver).
 */
export const ContactFailureKind = Schema.Literals(["unreachable", "timeout", "http_5xx", "forbidden", "bad_answer"])
export type ContactFailureKind = typeof ContactFailureKind.Type

const NullableTimestamp = (description: string) =>
  described(Schema.NullOr(Schema.String), `${description} (ISO 8601, UTC); null before the first such contact.`)

/** The latest contacts with one target (times are ISO 8601; null before the first such contact). */
export const PortalContactStatus = Schema.Struct({
  last_outcome: described(Schema.NullOr(Schema.Literals(["ok", "failed"])), "The latest contact's outcome; null before the first contact."),
  last_contact_at: NullableTimestamp("When the latest contact ended"),
  last_success_at: NullableTimestamp("When the latest successful contact ended"),
  last_failure_at: NullableTimestamp("When the latest failed contact ended"),
  /** What the latest failure was (kept after a later success, for the record). */
  last_error_kind: described(
    Schema.NullOr(ContactFailureKind),
    "What the latest failure was: unreachable, timeout, http_5xx, forbidden (geo-block) or bad_answer; kept after a later success."
  ),
  last_http_status: described(Schema.NullOr(Schema.Int), "The HTTP status of the latest failure, when it had one."),
  /** Failed contacts since the latest success. */
  consecutive_failures: Count("Failed contacts since the latest success."),
  /** The latest contact failed, within the recent window. */
  failing: Flag("The latest contact failed, within the recent window.")
}).annotate({ identifier: "PortalContactStatus", description: "The latest contacts with one portal host or the captcha solver." })
export type PortalContactStatus = typeof PortalContactStatus.Type

/** /health's `portal` section: `degraded` while any target is failing, with one reason per target. */
export const PortalHealthReport = Schema.Struct({
  status: described(Schema.Literals(["ok", "degraded"]), "\"degraded\" while any target is failing."),
  reasons: described(Schema.Array(Schema.String), "One sentence per failing target (no URLs, no credentials)."),
  /** A failed latest contact counts for this long (unless a success follows). */
  recent_window_seconds: Count("A failed latest contact counts as failing for this long, unless a success follows."),
  hosts: Schema.Struct({
    identity: PortalContactStatus,
    ecp2: PortalContactStatus,
    termops: PortalContactStatus,
    truckerportal: PortalContactStatus,
    captcha_solver: PortalContactStatus
  }).annotate({ description: "Per target: the portal's identity, ecp2, termops and truckerportal hosts and the captcha solver." })
}).annotate({ identifier: "PortalHealthReport", description: "The outcome of the latest contacts with the portal and the solver." })
export type PortalHealthReport = typeof PortalHealthReport.Type

/** /health's store check: the SQL store of the service's state (SQLite file or Postgres) answers. */
export const StoreCheckReport = Schema.Struct({
  status: described(
    Schema.Literals(["ok", "failing", "not_configured"]),
    "ok: the store answered a ping; failing: it did not (operations that must write answer 503 storage_unavailable meanwhile); not_configured: a composition without a SQL store (never the service itself)."
  ),
  detail: Text("What was checked, or why it failed (no URL, no credential)."),
  backend: described(Schema.NullOr(Schema.Literals(["sqlite", "postgres"])), "The store's backend, when there is one."),
  latency_ms: described(Schema.NullOr(Schema.Finite), "How long the ping took, when it answered.")
}).annotate({ identifier: "StoreCheckReport", description: "Whether the SQL store answers." })
export type StoreCheckReport = typeof StoreCheckReport.Type

/** /health's solver check: from the latest exchange with the captcha solver (it is never probed). */
export const SolverCheckReport = Schema.Struct({
  status: described(Schema.Literals(["ok", "failing", "unknown"]), "ok: the latest exchange worked; failing: it failed within the recent window; unknown: no exchange since start."),
  detail: Text("The latest exchange in words."),
  server_key_configured: Flag("Whether CAPTCHA_API_KEY is set (requests may then omit captcha_api_key)."),
  last_contact_at: NullableTimestamp("When the latest exchange with the solver ended")
}).annotate({ identifier: "SolverCheckReport", description: "Whether the captcha solver answers." })
export type SolverCheckReport = typeof SolverCheckReport.Type

/** /health's pool check: whether a request for a new session would get a slot now. */
export const PoolCheckReport = Schema.Struct({
  status: described(
    Schema.Literals(["ok", "full", "saturated"]),
    "ok: a new session gets a slot now; full: every slot is taken and nothing is evictable (a new session would wait); saturated: requests are waiting for a slot now."
  ),
  detail: Text("The pressure in words."),
  active: Count("Live sessions."),
  max_sessions: Count("MAX_SESSIONS."),
  free_slots: Count("Slots no session holds (logins in flight hold theirs)."),
  evictable: Count("Idle, unpinned sessions that eviction can free for a new one."),
  waiting_for_slot: Count("Requests waiting for a slot."),
  queued_messages: Count("Operations waiting in the sessions' mailboxes.")
}).annotate({ identifier: "PoolCheckReport", description: "The pool's pressure." })
export type PoolCheckReport = typeof PoolCheckReport.Type

export const HealthResponse = Schema.Struct({
  status: described(
    Schema.Literals(["healthy", "degraded"]),
    "\"healthy\", or \"degraded\" while a check fails: recent contacts with the portal or the solver failed, the store does not answer, or requests wait for a slot (`reasons` says which)."
  ),
  service: Text(`"${SERVICE_NAME}".`),
  version: Text("The service's version."),
  active_sessions: Count("Live browser sessions."),
  max_sessions: Count("MAX_SESSIONS."),
  session_capacity: Text("\"<active>/<max>\"."),
  persistent_sessions: Count("Credentials with a live session."),
  timestamp: Timestamp("Now"),
  pool: Schema.Struct({
    busy: Count("Sessions running an operation."),
    idle: Count("Sessions waiting for work."),
    pinned: Count("Pinned sessions (never_terminate)."),
    logging_in: Count("Sessions logging in."),
    waiting_for_slot: Count("Requests waiting for a browser slot."),
    logins_total: Count("Logins since start."),
    evictions_total: Count("Sessions evicted since start."),
    refreshes_total: Count("Keep-alive refreshes since start."),
    refresh_failures_total: Count("Refreshes that failed since start."),
    crashes_total: Count("Chrome crashes since start.")
  }).annotate({ description: "The session pool's figures." }),
  appointment_workflows: Count("Appointment workflows held (resumable); the last known figure while the store is unavailable."),
  uptime_seconds: Count("Seconds since the service started."),
  portal: PortalHealthReport,
  reasons: described(Schema.Array(Schema.String), "Why the service is degraded, one sentence per failing check (empty while healthy)."),
  checks: Schema.Struct({
    store: StoreCheckReport,
    solver: SolverCheckReport,
    pool: PoolCheckReport
  }).annotate({ description: "The SQL store (workflows, idempotency keys, the session registry, snapshots), the captcha solver and the pool's pressure." })
}).annotate({ identifier: "HealthResponse", description: "The seed's health fields plus pool figures, the portal's recent contacts and the service's checks." })
export type HealthResponse = typeof HealthResponse.Type
