/**
 * Every error a caller can see, declared once. Each is a schema-backed tagged error, so REST and
 * RPC carry the same classes; `ErrorSpecs.ts` gives each its HTTP status, retryability,
 * `error_type` and seed-compatible wording (the one table), and renders the body existing clients
 * expect.
 *
 * Errors raised deep inside an operation do not know which session or workflow they ran in; the
 * operations layer attaches that context with `withContext` before the error leaves the service.
 * Errors that only the HTTP edge can raise (no route, no token, a body too large) are not business
 * errors and live with the edge, in `src/http/EdgeErrors.ts`.
 */
import { Schema } from "effect"
import type { SessionId } from "./Ids.ts"

/** Where an error happened, attached by the operations layer (all optional). */
const ContextFields = {
  sessionId: Schema.optional(Schema.String),
  isNewSession: Schema.optional(Schema.Boolean),
  appointmentSessionId: Schema.optional(Schema.String),
  currentPhase: Schema.optional(Schema.Int),
  /** The debug bundle of a failed run with `debug: true` (the seed returned it on failures too). */
  debugBundleUrl: Schema.optional(Schema.String)
}

/** The seed's login error kinds (ELH:68-76), kept verbatim as `error_type`. */
export const LoginErrorKind = Schema.Literals([
  "vpn_required",
  "invalid_credentials",
  "recaptcha_failed",
  "network_error",
  "unknown_error",
  "login_button_not_found",
  "page_load_error"
])
export type LoginErrorKind = typeof LoginErrorKind.Type

export const CaptchaFailureReason = Schema.Literals([
  "wrong_key",
  "zero_balance",
  "unsolvable",
  "timeout",
  "unavailable",
  "rejected"
])
export type CaptchaFailureReason = typeof CaptchaFailureReason.Type

export const PoolExhaustedReason = Schema.Literals(["pool_full", "queue_full", "session_queue_full"])

// ---------------------------------------------------------------------------------------------
// Client mistakes (4xx)

/** The request is malformed: wrong type, missing field, unknown enum value, forbidden key. */
export class InvalidOperationInput extends Schema.TaggedError<InvalidOperationInput>()("InvalidOperationInput", {
  ...ContextFields,
  detail: Schema.String,
  field: Schema.optional(Schema.String),
  missingFields: Schema.optional(Schema.Array(Schema.String))
}) {}

export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  ...ContextFields
}) {}

export class FileNotFound extends Schema.TaggedError<FileNotFound>()("FileNotFound", {
  ...ContextFields
}) {}

export class ContainerNotFound extends Schema.TaggedError<ContainerNotFound>()("ContainerNotFound", {
  ...ContextFields,
  containerId: Schema.String
}) {}

/** The same idempotency key arrived with a different request body. */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()("IdempotencyConflict", {
  ...ContextFields
}) {}

/** An appointment workflow id that expired (APPOINTMENT_SESSION_TTL) or never existed. */
export class WorkflowExpired extends Schema.TaggedError<WorkflowExpired>()("WorkflowExpired", {
  ...ContextFields
}) {}

/** A phase of the appointment wizard needs fields the request did not provide. */
export class AppointmentFieldsMissing extends Schema.TaggedError<AppointmentFieldsMissing>()(
  "AppointmentFieldsMissing",
  {
    ...ContextFields,
    phase: Schema.Int,
    missing: Schema.Array(Schema.String)
  }
) {}

// ---------------------------------------------------------------------------------------------
// Login and captcha

/**
 * The portal login did not succeed; `reason` is one of the seed's seven login error kinds (its
 * status depends on it: only rejected credentials or captcha answers are 401). A portal that fails
 * or cannot be reached at login is PortalUnavailable instead.
 */
export class LoginFailed extends Schema.TaggedError<LoginFailed>()("LoginFailed", {
  ...ContextFields,
  reason: LoginErrorKind,
  detail: Schema.String
}) {}

export class CaptchaFailed extends Schema.TaggedError<CaptchaFailed>()("CaptchaFailed", {
  ...ContextFields,
  reason: CaptchaFailureReason,
  detail: Schema.String
}) {}

// ---------------------------------------------------------------------------------------------
// Pool and session lifecycle

/** No browser slot (or no room in a session's mailbox) within ACQUIRE_TIMEOUT. */
export class PoolExhausted extends Schema.TaggedError<PoolExhausted>()("PoolExhausted", {
  ...ContextFields,
  reason: PoolExhaustedReason,
  retryAfterSeconds: Schema.Int,
  maxSessions: Schema.Int
}) {}

/** The portal logged the session out and the one re-login attempt failed. */
export class SessionExpired extends Schema.TaggedError<SessionExpired>()("SessionExpired", {
  ...ContextFields,
  detail: Schema.optional(Schema.String)
}) {}

/** The session's Chrome died (crash, OOM kill, SIGKILL); everything it held was freed. */
export class BrowserCrashed extends Schema.TaggedError<BrowserCrashed>()("BrowserCrashed", {
  ...ContextFields,
  detail: Schema.optional(Schema.String)
}) {}

// ---------------------------------------------------------------------------------------------
// Portal behaviour

/** An element the automation relies on is missing: the portal's markup changed. */
export class PortalChanged extends Schema.TaggedError<PortalChanged>()("PortalChanged", {
  ...ContextFields,
  selector: Schema.String,
  phase: Schema.String
}) {}

/** The portal answered with an error page or not at all. */
export class PortalUnavailable extends Schema.TaggedError<PortalUnavailable>()("PortalUnavailable", {
  ...ContextFields,
  detail: Schema.String,
  phase: Schema.optional(Schema.String),
  httpStatus: Schema.optional(Schema.Int)
}) {}

/** The portal refused a business request (unknown booking, no Pregate milestone, slot taken…). */
export class PortalRejected extends Schema.TaggedError<PortalRejected>()("PortalRejected", {
  ...ContextFields,
  reason: Schema.String,
  detail: Schema.String,
  availableOptions: Schema.optional(Schema.Array(Schema.String))
}) {}

/** An operation exceeded OPERATION_TIMEOUT; `phase` names the step it was in. */
export class OperationTimedOut extends Schema.TaggedError<OperationTimedOut>()("OperationTimedOut", {
  ...ContextFields,
  operation: Schema.String,
  phase: Schema.String,
  timeoutMillis: Schema.Int
}) {}

export const AppointmentFailureReason = Schema.Literals([
  "option_not_found",
  "booking_invalid",
  "slot_unavailable",
  "field_not_found",
  "not_advanced",
  "portal_error",
  "not_confirmed",
  /** The portal refused the step with a message (a dialog), e.g. a container not available for the move. */
  "rejected"
])
export type AppointmentFailureReason = typeof AppointmentFailureReason.Type

/**
 * The requested truck plate is not one the portal offers for the trucking company (and not the
 * wildcard). Nothing was submitted; the workflow stays at phase 2 for a retry with only
 * `truck_plate`. `offered` holds at most the first 20 plates of the portal's list.
 */
export class TruckPlateNotOffered extends Schema.TaggedError<TruckPlateNotOffered>()("TruckPlateNotOffered", {
  ...ContextFields,
  plate: Schema.String,
  offered: Schema.Array(Schema.String),
  offeredCount: Schema.Int
}) {}

/**
 * A booking's Submit was clicked and its answer was lost (the service stopped before recording
 * it), and My Appointments shows no appointment matching it — or could not be read to its end —
 * so whether it was booked cannot be told. Submit is never clicked again for it: `check` names
 * the appointment to look for in My Appointments (container or booking, time, truck plate).
 */
export class BookingOutcomeUnknown extends Schema.TaggedError<BookingOutcomeUnknown>()("BookingOutcomeUnknown", {
  ...ContextFields,
  check: Schema.String
}) {}

/** At most this many of the portal's plates are listed in a TruckPlateNotOffered. */
export const OFFERED_PLATES_LISTED = 20

/** A step of the appointment wizard failed; `phase` is the stepper position (1-4). */
export class AppointmentPhaseFailed extends Schema.TaggedError<AppointmentPhaseFailed>()("AppointmentPhaseFailed", {
  ...ContextFields,
  phase: Schema.Int,
  step: Schema.String,
  reason: AppointmentFailureReason,
  detail: Schema.String,
  availableOptions: Schema.optional(Schema.Array(Schema.String))
}) {}

// ---------------------------------------------------------------------------------------------
// Server-side

/** A result file could not be written (DATA_DIR full or not writable). */
export class StorageFailed extends Schema.TaggedError<StorageFailed>()("StorageFailed", {
  ...ContextFields,
  detail: Schema.String
}) {}

/**
 * The service's database (SQLite file or Postgres) cannot be read or written right now: the file
 * is not writable, the disk is full, Postgres is down. Nothing was half-written (every write is a
 * transaction) and the store reconnects by itself, so the request can be retried. `operation`
 * names the store step; `detail` is for the log, never shown to the caller.
 */
export class StorageUnavailable extends Schema.TaggedError<StorageUnavailable>()("StorageUnavailable", {
  ...ContextFields,
  operation: Schema.String,
  detail: Schema.String
}) {}

/** A defect. The body never shows internals; the log line carries the request and session ids. */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  ...ContextFields,
  requestId: Schema.optional(Schema.String)
}) {}

export const PortalError = Schema.Union([
  InvalidOperationInput,
  SessionNotFound,
  FileNotFound,
  ContainerNotFound,
  IdempotencyConflict,
  WorkflowExpired,
  AppointmentFieldsMissing,
  LoginFailed,
  CaptchaFailed,
  PoolExhausted,
  SessionExpired,
  BrowserCrashed,
  PortalChanged,
  PortalUnavailable,
  PortalRejected,
  OperationTimedOut,
  AppointmentPhaseFailed,
  TruckPlateNotOffered,
  BookingOutcomeUnknown,
  StorageFailed,
  StorageUnavailable,
  InternalError
])
export type PortalError = typeof PortalError.Type
export type PortalErrorTag = PortalError["_tag"]

/** Context the operations layer knows and an inner error does not. */
export interface ErrorContext {
  readonly sessionId?: SessionId | undefined
  readonly isNewSession?: boolean | undefined
  readonly appointmentSessionId?: string | undefined
  readonly currentPhase?: number | undefined
  readonly debugBundleUrl?: string | undefined
}

const contextKeys = ["sessionId", "isNewSession", "appointmentSessionId", "currentPhase", "debugBundleUrl"] as const

/**
 * Returns a copy of `e` with the missing context fields filled in (fields already set win: the
 * innermost layer knows best). Errors without context fields are returned unchanged.
 */
export const withContext = <E extends PortalError>(e: E, ctx: ErrorContext): E => {
  const patch: Record<string, unknown> = {}
  for (const key of contextKeys) {
    const current: unknown = Reflect.get(e, key)
    const next = ctx[key]
    if (current === undefined && next !== undefined) patch[key] = next
  }
  if (Object.keys(patch).length === 0) return e
  const Ctor = e.constructor as new (args: Record<string, unknown>) => E
  const fields = Object.fromEntries(Object.entries(e).filter(([k]) => k !== "_tag"))
  return new Ctor({ ...fields, ...patch })
}

export const isPortalError = Schema.is(PortalError)

/** The context fields as an error carries them (a SessionNotFound echoes whatever id it was sent). */
export interface CarriedContext {
  readonly sessionId?: string | undefined
  readonly isNewSession?: boolean | undefined
  readonly appointmentSessionId?: string | undefined
  readonly currentPhase?: number | undefined
  readonly debugBundleUrl?: string | undefined
}

/** The context `e` carries already (to pass on to an error that replaces it). */
export const contextOf = (e: PortalError): CarriedContext => {
  const c: CarriedContext = e
  return {
    sessionId: c.sessionId,
    isNewSession: c.isNewSession,
    appointmentSessionId: c.appointmentSessionId,
    currentPhase: c.currentPhase,
    debugBundleUrl: c.debugBundleUrl
  }
}
