/**
 * The one table of the errors declared in `Errors.ts`: each error's HTTP status, retryability,
 * `error_type` and seed-compatible wording, and `toSeedBody`, the body existing clients expect:
 * `{success: false, error, error_type, session_id?, appointment_session_id?, current_phase?, message?}`.
 */
import type {
  AppointmentFailureReason,
  CaptchaFailureReason,
  CarriedContext,
  LoginErrorKind,
  PortalError,
  PortalErrorTag
} from "./Errors.ts"

interface ErrorSpec<E> {
  readonly status: (e: E) => number
  readonly retryable: boolean | ((e: E) => boolean)
  readonly errorType: string | ((e: E) => string)
  /** The seed's `error` string. */
  readonly error: (e: E) => string
  /** The seed's optional `message`: what the caller can do about it. */
  readonly message?: (e: E) => string | undefined
}

/** Each error class by its tag. */
type ErrorOf = { readonly [K in PortalErrorTag]: Extract<PortalError, { readonly _tag: K }> }

type Specs = { readonly [K in PortalErrorTag]: ErrorSpec<ErrorOf[K]> }

const fieldList = (fields: ReadonlyArray<string>) => fields.join(", ")

const loginMessages: Record<LoginErrorKind, string> = {
  vpn_required: "Geographic restriction detected. VPN to US required.",
  invalid_credentials: "Invalid username or password",
  recaptcha_failed: "reCAPTCHA could not be solved",
  network_error: "The portal could not be reached",
  unknown_error: "The login result could not be determined",
  login_button_not_found: "The LOGIN button stayed disabled after the captcha",
  page_load_error: "Login form fields not found. Page may have changed."
}

/**
 * Only a rejection is 401: the portal refused the credentials or the captcha answer. A geo-block is
 * 403, and a login page that did not behave as expected is 502 — the portal is at fault, not the
 * caller's credentials. (An outage at login is PortalUnavailable, 502; `network_error` stays for
 * the seed's list of kinds.)
 */
const loginStatus: Record<LoginErrorKind, number> = {
  invalid_credentials: 401,
  recaptcha_failed: 401,
  vpn_required: 403,
  network_error: 502,
  unknown_error: 502,
  login_button_not_found: 502,
  page_load_error: 502
}

const captchaStatus: Record<CaptchaFailureReason, number> = {
  wrong_key: 401,
  zero_balance: 402,
  unsolvable: 502,
  timeout: 504,
  unavailable: 502,
  rejected: 502
}

const appointmentStatus: Record<AppointmentFailureReason, number> = {
  option_not_found: 422,
  booking_invalid: 400,
  slot_unavailable: 409,
  field_not_found: 502,
  not_advanced: 502,
  portal_error: 502,
  not_confirmed: 502,
  rejected: 422
}

export const ErrorSpecs: Specs = {
  InvalidOperationInput: {
    status: () => 400,
    retryable: false,
    errorType: "invalid_input",
    error: (e) => e.detail
  },
  SessionNotFound: {
    status: () => 404,
    retryable: false,
    errorType: "session_not_found",
    error: () => "Session not found",
    message: () => "Create a session with /get_session, or send username, password and captcha_api_key"
  },
  FileNotFound: {
    status: () => 404,
    retryable: false,
    errorType: "file_not_found",
    error: () => "File not found"
  },
  ContainerNotFound: {
    status: () => 404,
    retryable: false,
    errorType: "container_not_found",
    error: (e) => `Container '${e.containerId}' not found after scrolling`
  },
  IdempotencyConflict: {
    status: () => 409,
    retryable: false,
    errorType: "idempotency_conflict",
    error: () => "This idempotency key was already used for a different request"
  },
  WorkflowExpired: {
    status: () => 410,
    retryable: false,
    errorType: "workflow_expired",
    error: () => "Appointment session expired or not found",
    message: () => "Start a new workflow: send the request again without appointment_session_id"
  },
  AppointmentFieldsMissing: {
    status: () => 400,
    retryable: false,
    errorType: "missing_fields",
    error: (e) =>
      e.missing.length === 1
        ? `Missing required field for Phase ${e.phase}: ${fieldList(e.missing)}`
        : `Missing required fields for Phase ${e.phase}: ${fieldList(e.missing)}`,
    message: (e) => `Please provide ${fieldList(e.missing)} and retry with appointment_session_id`
  },
  LoginFailed: {
    status: (e) => loginStatus[e.reason],
    retryable: (e) => e.reason !== "invalid_credentials" && e.reason !== "vpn_required",
    errorType: (e) => e.reason,
    error: () => "Authentication failed",
    message: (e) => e.detail || loginMessages[e.reason]
  },
  CaptchaFailed: {
    status: (e) => captchaStatus[e.reason],
    retryable: (e) => e.reason === "timeout" || e.reason === "unavailable" || e.reason === "unsolvable",
    errorType: (e) => `captcha_${e.reason}`,
    error: (e) => `Captcha solving failed: ${e.detail}`
  },
  PoolExhausted: {
    status: () => 503,
    retryable: true,
    errorType: "pool_exhausted",
    error: (e) =>
      e.reason === "session_queue_full"
        ? "Too many requests are queued for this session"
        : `All ${e.maxSessions} browser sessions are busy`,
    message: (e) => `Retry after ${e.retryAfterSeconds} seconds`
  },
  SessionExpired: {
    status: () => 401,
    retryable: true,
    errorType: "session_expired",
    error: () => "The portal session expired and could not be renewed",
    message: (e) => e.detail
  },
  BrowserCrashed: {
    status: () => 503,
    retryable: true,
    errorType: "browser_crashed",
    error: () => "The session's browser stopped unexpectedly; the session was closed",
    message: () => "Retry with credentials to start a new session"
  },
  PortalChanged: {
    status: () => 502,
    retryable: false,
    errorType: "portal_changed",
    error: (e) => `The portal page did not match the expected layout during ${e.phase} (${e.selector})`
  },
  PortalUnavailable: {
    status: () => 502,
    retryable: true,
    errorType: "portal_unavailable",
    error: (e) => `Portal unavailable: ${e.detail}`
  },
  PortalRejected: {
    status: () => 422,
    retryable: false,
    errorType: (e) => e.reason,
    error: (e) => e.detail
  },
  OperationTimedOut: {
    status: () => 504,
    retryable: true,
    errorType: "operation_timed_out",
    error: (e) => `Operation ${e.operation} timed out during ${e.phase}`
  },
  AppointmentPhaseFailed: {
    status: (e) => appointmentStatus[e.reason],
    retryable: (e) => e.reason === "portal_error" || e.reason === "not_advanced",
    errorType: (e) => e.reason,
    error: (e) => `Phase ${e.phase} failed - ${e.step}: ${e.detail}`,
    message: (e) =>
      e.availableOptions !== undefined && e.availableOptions.length > 0
        ? `Available options: ${e.availableOptions.slice(0, 10).join(", ")}`
        : "Fix the field and retry with appointment_session_id"
  },
  TruckPlateNotOffered: {
    status: () => 422,
    retryable: false,
    errorType: "truck_plate_not_offered",
    error: (e) =>
      `Phase 2 failed - Truck plate: '${e.plate}' is not one of the ${e.offeredCount} truck plates the portal offers for this trucking company`,
    message: () => "Nothing was submitted. Retry with appointment_session_id and one of available_options as truck_plate (\"\" takes the first)"
  },
  BookingOutcomeUnknown: {
    status: () => 409,
    retryable: false,
    errorType: "booking_outcome_unknown",
    error: (e) => `The outcome of an earlier Submit of this booking is unknown: check My Appointments for ${e.check}`,
    message: () =>
      "Submit is not clicked again for it. If My Appointments lists it, it is booked; if not, book it with a new workflow (and a new idempotency key)"
  },
  StorageFailed: {
    status: () => 507,
    retryable: true,
    errorType: "result_storage_failed",
    error: () => "The result file could not be stored on the server"
  },
  StorageUnavailable: {
    status: () => 503,
    retryable: true,
    errorType: "storage_unavailable",
    error: () => "The service's database is unavailable; nothing was changed",
    message: () => "Retry later"
  },
  InternalError: {
    status: () => 500,
    retryable: true,
    errorType: "internal_error",
    error: () => "Internal server error"
  }
}

/** The table's row of an error (indexed by a tag type parameter, so TypeScript correlates row and error). */
const specOf = <K extends PortalErrorTag>(e: ErrorOf[K] & { readonly _tag: K }): ErrorSpec<ErrorOf[K]> => ErrorSpecs[e._tag]

/** Every status an error of this tag can have (for documentation). */
export const possibleStatuses = (tag: PortalErrorTag): ReadonlyArray<number> => {
  switch (tag) {
    case "LoginFailed":
      return [...new Set(Object.values(loginStatus))].sort()
    case "CaptchaFailed":
      return [...new Set(Object.values(captchaStatus))].sort()
    case "AppointmentPhaseFailed":
      return [...new Set(Object.values(appointmentStatus))].sort()
    default:
      // Every other status function ignores its argument.
      return [(ErrorSpecs[tag].status as (e: unknown) => number)(undefined)]
  }
}

export const statusOf = (e: PortalError): number => specOf(e).status(e)

export const isRetryable = (e: PortalError): boolean => {
  const r = specOf(e).retryable
  return typeof r === "boolean" ? r : r(e)
}

export const errorTypeOf = (e: PortalError): string => {
  const t = specOf(e).errorType
  return typeof t === "string" ? t : t(e)
}

/** The JSON body of an error response, a superset of the seed's `{success: false, error}`. */
export interface SeedErrorBody {
  readonly success: false
  readonly error: string
  readonly error_type: string
  readonly retryable: boolean
  readonly session_id?: string
  readonly is_new_session?: boolean
  readonly appointment_session_id?: string
  readonly current_phase?: number
  readonly message?: string
  readonly field?: string
  readonly missing_fields?: ReadonlyArray<string>
  readonly available_options?: ReadonlyArray<string>
  readonly retry_after?: number
  readonly details?: string
  readonly debug_bundle_url?: string
  /** BookingOutcomeUnknown: what to look for in My Appointments. */
  readonly check?: string
}

export const toSeedBody = (e: PortalError): SeedErrorBody => {
  const spec = specOf(e)
  const message = spec.message?.(e)
  const extra: Record<string, unknown> = {}
  switch (e._tag) {
    case "InvalidOperationInput":
      if (e.field !== undefined) extra.field = e.field
      if (e.missingFields !== undefined) extra.missing_fields = e.missingFields
      break
    case "AppointmentFieldsMissing":
      extra.missing_fields = e.missing
      break
    case "LoginFailed":
      // The seed sent `details: "LoginErrorType.INVALID_CREDENTIALS"` (str() of a Python enum);
      // we send the plain kind, the same value as error_type.
      extra.details = e.reason
      break
    case "PortalRejected":
    case "AppointmentPhaseFailed":
      if (e.availableOptions !== undefined) extra.available_options = e.availableOptions
      break
    case "BookingOutcomeUnknown":
      extra.check = e.check
      break
    case "TruckPlateNotOffered":
      extra.field = "truck_plate"
      extra.available_options = e.offered
      break
    case "PoolExhausted":
      extra.retry_after = e.retryAfterSeconds
      break
  }
  const ctx: CarriedContext = e
  return {
    success: false,
    error: spec.error(e),
    error_type: errorTypeOf(e),
    retryable: isRetryable(e),
    ...(ctx?.sessionId !== undefined ? { session_id: ctx.sessionId } : {}),
    ...(ctx?.isNewSession !== undefined ? { is_new_session: ctx.isNewSession } : {}),
    ...(ctx?.appointmentSessionId !== undefined ? { appointment_session_id: ctx.appointmentSessionId } : {}),
    ...(ctx?.currentPhase !== undefined ? { current_phase: ctx.currentPhase } : {}),
    ...(ctx?.debugBundleUrl !== undefined ? { debug_bundle_url: ctx.debugBundleUrl } : {}),
    ...(message !== undefined && message !== "" ? { message } : {}),
    ...extra
  } as SeedErrorBody
}
