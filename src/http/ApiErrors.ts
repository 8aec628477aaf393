/**
 * The HTTP form of every error a REST endpoint declares: a schema whose Type is the error class
 * (what handlers fail with) and whose encoded form is the seed's body `{success: false, error,
 * error_type, retryable, …}`, annotated with the status it is sent with (and its headers:
 * Retry-After, WWW-Authenticate). HttpApi encodes a handler's failure through these, the OpenAPI
 * document shows one body schema per error with its `error_type` values, and the REST client
 * decodes a body back into the error class. Two headers are set where the error is answered
 * (HttpApi allows one response with headers per status): Retry-After with PoolExhausted and
 * WWW-Authenticate with Unauthorized; the document declares them (`withErrorHeaders`).
 *
 * An error whose status depends on its reason (CaptchaFailed, AppointmentPhaseFailed) has one
 * schema per status, each accepting only the errors of that status. Bodies carry fewer facts than
 * the classes (e.g. an operation's timeout in milliseconds), so a decoded error holds what its body
 * said: the rendering (`toSeedBody`) of a decoded error equals the body it came from.
 */
import { Schema } from "effect"
import * as E from "../domain/Errors.ts"
import * as Specs from "../domain/ErrorSpecs.ts"
import { availableOptions, contextOf, described, match, opt, reasonsByStatus, seedError, edgeSeedError, statusOfSchema } from "./errors/SeedErrorSchema.ts"
import { edgeSeedBody, PayloadTooLarge, RouteNotFound, Unauthorized } from "./EdgeErrors.ts"

// ---------------------------------------------------------------------------------------------
// Client mistakes

export const InvalidOperationInput = seedError(E.InvalidOperationInput, {
  status: 400,
  identifier: "InvalidInputError",
  description: "InvalidOperationInput: the request is malformed (not JSON, a wrong type, a missing field, a forbidden key); `error` names the problem.",
  errorTypes: ["invalid_input"],
  fields: {
    field: opt(described(Schema.String, "The field at fault, when one is.")),
    missing_fields: opt(described(Schema.Array(Schema.String), "The required fields that are missing."))
  },
  encode: Specs.toSeedBody,
  decode: (b) =>
    new E.InvalidOperationInput({
      ...contextOf(b),
      detail: b.error,
      ...(b.field !== undefined ? { field: b.field } : {}),
      ...(b.missing_fields !== undefined ? { missingFields: b.missing_fields } : {})
    })
})

export const SessionNotFound = seedError(E.SessionNotFound, {
  status: 404,
  identifier: "SessionNotFoundError",
  description: "SessionNotFound: `session_id` names no live session and no credentials were given to make one.",
  errorTypes: ["session_not_found"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.SessionNotFound(contextOf(b))
})

export const FileNotFound = seedError(E.FileNotFound, {
  status: 404,
  identifier: "FileNotFoundError",
  description: "FileNotFound: no file this service produced is at that URL (or it was cleaned up).",
  errorTypes: ["file_not_found"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.FileNotFound(contextOf(b))
})

export const ContainerNotFound = seedError(E.ContainerNotFound, {
  status: 404,
  identifier: "ContainerNotFoundError",
  description: "ContainerNotFound: the container is not in the portal's list.",
  errorTypes: ["container_not_found"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.ContainerNotFound({ ...contextOf(b), containerId: match(b.error, /^Container '(.*)' not found/s)[1] ?? "" })
})

export const IdempotencyConflict = seedError(E.IdempotencyConflict, {
  status: 409,
  identifier: "IdempotencyConflictError",
  description: "IdempotencyConflict: the idempotency key was used by another caller or for a different request.",
  errorTypes: ["idempotency_conflict"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.IdempotencyConflict(contextOf(b))
})

export const WorkflowExpired = seedError(E.WorkflowExpired, {
  status: 410,
  identifier: "WorkflowExpiredError",
  description: "WorkflowExpired: the appointment workflow expired (APPOINTMENT_SESSION_TTL) or never existed.",
  errorTypes: ["workflow_expired"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.WorkflowExpired(contextOf(b))
})

export const AppointmentFieldsMissing = seedError(E.AppointmentFieldsMissing, {
  status: 400,
  identifier: "MissingFieldsError",
  description:
    "AppointmentFieldsMissing: the wizard stopped at a phase that needs fields the request did not give; resume with `appointment_session_id` and only `missing_fields`.",
  errorTypes: ["missing_fields"],
  fields: { missing_fields: described(Schema.Array(Schema.String), "The fields the phase needs.") },
  encode: Specs.toSeedBody,
  decode: (b) =>
    new E.AppointmentFieldsMissing({
      ...contextOf(b),
      phase: Number(match(b.error, /Phase (\d+)/)[1] ?? b.current_phase ?? 1),
      missing: b.missing_fields ?? []
    })
})

// ---------------------------------------------------------------------------------------------
// Login and captcha

const loginStatus = (reason: E.LoginErrorKind) => Specs.statusOf(new E.LoginFailed({ reason, detail: "" }))

/**
 * LoginFailed, one schema per status: 401 when the portal rejected the credentials or the captcha
 * answer, 403 for a geo-block, 502 when the login page misbehaved.
 */
export const LoginFailed = reasonsByStatus(E.LoginErrorKind.literals, loginStatus).map(([status, reasons]) =>
  seedError(E.LoginFailed, {
    status,
    identifier: `LoginFailed${status}Error`,
    description: `LoginFailed (${reasons.join(", ")}): ${
      status === 401
        ? "the portal refused the credentials or the captcha answer (`invalid_credentials` is not retryable)"
        : status === 403
        ? "the portal refused access from this network (geo-block)"
        : "the portal's login page did not behave as expected"
    }.`,
    errorTypes: reasons,
    fields: { details: described(Schema.String, "The login error kind again (the seed's field).") },
    when: (e) => loginStatus(e.reason) === status,
    encode: Specs.toSeedBody,
    decode: (b) =>
      new E.LoginFailed({ ...contextOf(b), reason: b.error_type as E.LoginErrorKind, detail: b.message ?? "" })
  })
)

const captchaStatus = (reason: E.CaptchaFailureReason) => Specs.statusOf(new E.CaptchaFailed({ reason, detail: "" }))

const captchaSchemas = reasonsByStatus(E.CaptchaFailureReason.literals, captchaStatus).map(([status, reasons]) =>
  seedError(E.CaptchaFailed, {
    status,
    identifier: `CaptchaFailed${status}Error`,
    description: `CaptchaFailed (${reasons.join(", ")}): the captcha solver ${
      status === 401 ? "refused the key" : status === 402 ? "has no balance" : status === 504 ? "took too long" : "could not solve it"
    }.`,
    errorTypes: reasons.map((r) => `captcha_${r}`),
    when: (e) => captchaStatus(e.reason) === status,
    encode: Specs.toSeedBody,
    decode: (b) =>
      new E.CaptchaFailed({
        ...contextOf(b),
        reason: b.error_type.replace(/^captcha_/, "") as E.CaptchaFailureReason,
        detail: b.error.replace(/^Captcha solving failed: /, "")
      })
  })
)
/** CaptchaFailed, one schema per status (401, 402, 502, 504). */
export const CaptchaFailed = captchaSchemas

// ---------------------------------------------------------------------------------------------
// Pool and session lifecycle

/** Sent with a Retry-After header as well (added where the error is answered). */
export const PoolExhausted = seedError(E.PoolExhausted, {
  status: 503,
  identifier: "PoolExhaustedError",
  description: "PoolExhausted: every browser slot (or the session's queue) stayed busy for ACQUIRE_TIMEOUT; retry after `retry_after` seconds (also the Retry-After header).",
  errorTypes: ["pool_exhausted"],
  fields: { retry_after: described(Schema.Int, "Seconds to wait before retrying (also the Retry-After header).") },
  encode: Specs.toSeedBody,
  decode: (b) =>
    new E.PoolExhausted({
      ...contextOf(b),
      reason: /queued for this session/.test(b.error) ? "session_queue_full" : "pool_full",
      retryAfterSeconds: b.retry_after ?? 0,
      maxSessions: Number(match(b.error, /All (\d+) browser/)[1] ?? 0)
    })
})

export const SessionExpired = seedError(E.SessionExpired, {
  status: 401,
  identifier: "SessionExpiredError",
  description: "SessionExpired: the portal logged the session out and logging in again failed.",
  errorTypes: ["session_expired"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.SessionExpired({ ...contextOf(b), ...(b.message !== undefined ? { detail: b.message } : {}) })
})

export const BrowserCrashed = seedError(E.BrowserCrashed, {
  status: 503,
  identifier: "BrowserCrashedError",
  description: "BrowserCrashed: the session's Chrome stopped unexpectedly; the session was closed (retry with credentials).",
  errorTypes: ["browser_crashed"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.BrowserCrashed(contextOf(b))
})

// ---------------------------------------------------------------------------------------------
// Portal behaviour

export const PortalChanged = seedError(E.PortalChanged, {
  status: 502,
  identifier: "PortalChangedError",
  description: "PortalChanged: a page of the portal did not have the layout the automation relies on.",
  errorTypes: ["portal_changed"],
  encode: Specs.toSeedBody,
  decode: (b) => {
    const [, phase, selector] = match(b.error, /during (.*) \((.*)\)$/s)
    return new E.PortalChanged({ ...contextOf(b), phase: phase ?? "", selector: selector ?? "" })
  }
})

export const PortalUnavailable = seedError(E.PortalUnavailable, {
  status: 502,
  identifier: "PortalUnavailableError",
  description: "PortalUnavailable: the portal answered with an error page or not at all (retryable).",
  errorTypes: ["portal_unavailable"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.PortalUnavailable({ ...contextOf(b), detail: b.error.replace(/^Portal unavailable: /, "") })
})

export const PortalRejected = seedError(E.PortalRejected, {
  status: 422,
  identifier: "PortalRejectedError",
  description: "PortalRejected: the portal refused the request on business grounds (e.g. an export has no Pregate milestone, no such appointment).",
  errorTypeText: "the refusal, e.g. no_pregate_milestone, appointment_not_found, no_appointments, export_refused",
  fields: { available_options: availableOptions },
  encode: Specs.toSeedBody,
  decode: (b) =>
    new E.PortalRejected({
      ...contextOf(b),
      reason: b.error_type,
      detail: b.error,
      ...(b.available_options !== undefined ? { availableOptions: b.available_options } : {})
    })
})

export const OperationTimedOut = seedError(E.OperationTimedOut, {
  status: 504,
  identifier: "OperationTimedOutError",
  description: "OperationTimedOut: the operation exceeded OPERATION_TIMEOUT (retryable).",
  errorTypes: ["operation_timed_out"],
  encode: Specs.toSeedBody,
  decode: (b) => {
    const [, operation, phase] = match(b.error, /^Operation (\S+) timed out during (.*)$/s)
    return new E.OperationTimedOut({ ...contextOf(b), operation: operation ?? "", phase: phase ?? "", timeoutMillis: 0 })
  }
})

const phaseStatus = (reason: E.AppointmentFailureReason) =>
  Specs.statusOf(new E.AppointmentPhaseFailed({ phase: 1, step: "", reason, detail: "" }))

/** AppointmentPhaseFailed, one schema per status (400, 409, 422, 502). */
export const AppointmentPhaseFailed = reasonsByStatus(E.AppointmentFailureReason.literals, phaseStatus).map(([status, reasons]) =>
  seedError(E.AppointmentPhaseFailed, {
    status,
    identifier: `AppointmentPhaseFailed${status}Error`,
    description: `AppointmentPhaseFailed (${reasons.join(", ")}): a step of the appointment wizard failed; the workflow is kept for a corrected retry.`,
    errorTypes: reasons,
    fields: { available_options: availableOptions },
    when: (e) => phaseStatus(e.reason) === status,
    encode: Specs.toSeedBody,
    decode: (b) => {
      const [, phase, step, detail] = match(b.error, /^Phase (\d+) failed - (.*?): (.*)$/s)
      return new E.AppointmentPhaseFailed({
        ...contextOf(b),
        phase: Number(phase ?? b.current_phase ?? 1),
        step: step ?? "",
        reason: b.error_type as E.AppointmentFailureReason,
        detail: detail ?? b.error,
        ...(b.available_options !== undefined ? { availableOptions: b.available_options } : {})
      })
    }
  })
)

export const TruckPlateNotOffered = seedError(E.TruckPlateNotOffered, {
  status: 422,
  identifier: "TruckPlateNotOfferedError",
  description:
    "TruckPlateNotOffered: `truck_plate` is not one of the plates the portal offers for the trucking company; nothing was submitted and the workflow is kept at phase 2 for a retry with only `truck_plate`.",
  errorTypes: ["truck_plate_not_offered"],
  fields: {
    field: described(Schema.Literal("truck_plate"), "The field at fault."),
    available_options: described(Schema.Array(Schema.String), `The plates the portal offers (at most ${E.OFFERED_PLATES_LISTED}).`)
  },
  encode: Specs.toSeedBody,
  decode: (b) => {
    const [, plate, count] = match(b.error, /^Phase 2 failed - Truck plate: '(.*)' is not one of the (\d+) truck plates/s)
    return new E.TruckPlateNotOffered({
      ...contextOf(b),
      plate: plate ?? "",
      offered: b.available_options ?? [],
      offeredCount: Number(count ?? b.available_options?.length ?? 0)
    })
  }
})

export const BookingOutcomeUnknown = seedError(E.BookingOutcomeUnknown, {
  status: 409,
  identifier: "BookingOutcomeUnknownError",
  description:
    "BookingOutcomeUnknown: an earlier Submit of this booking (same idempotency key, or same workflow) lost its answer when the service stopped, and My Appointments shows no matching appointment; Submit is never clicked again for it. `check` names what to look for in My Appointments.",
  errorTypes: ["booking_outcome_unknown"],
  fields: {
    check: described(Schema.String, "The appointment to look for in My Appointments: container or booking, time, truck plate.")
  },
  encode: Specs.toSeedBody,
  decode: (b) => new E.BookingOutcomeUnknown({ ...contextOf(b), check: b.check ?? "" })
})

// ---------------------------------------------------------------------------------------------
// Server-side

export const StorageFailed = seedError(E.StorageFailed, {
  status: 507,
  identifier: "StorageFailedError",
  description: "StorageFailed: a result file could not be stored (DATA_DIR full or not writable).",
  errorTypes: ["result_storage_failed"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.StorageFailed({ ...contextOf(b), detail: b.error })
})

export const StorageUnavailable = seedError(E.StorageUnavailable, {
  status: 503,
  identifier: "StorageUnavailableError",
  description:
    "StorageUnavailable: the service's database (SQLite file or Postgres) cannot be written right now; nothing was changed and the store reconnects by itself, so the request can be retried.",
  errorTypes: ["storage_unavailable"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.StorageUnavailable({ ...contextOf(b), operation: "", detail: b.error })
})

export const InternalError = seedError(E.InternalError, {
  status: 500,
  identifier: "InternalError",
  description: "InternalError: a defect; nothing internal is shown (the x-request-id header names the log line).",
  errorTypes: ["internal_error"],
  encode: Specs.toSeedBody,
  decode: (b) => new E.InternalError(contextOf(b))
})

// ---------------------------------------------------------------------------------------------
// The edge

/** Sent with `WWW-Authenticate: Bearer` as well (added where the error is answered). */
export const ApiUnauthorized = edgeSeedError(Unauthorized, {
  status: 401,
  identifier: "UnauthorizedError",
  description: "Unauthorized: API_TOKEN is set and the request did not carry it as `Authorization: Bearer <token>`.",
  errorTypes: ["unauthorized"],
  encode: edgeSeedBody,
  decode: () => new Unauthorized({})
})

export const ApiPayloadTooLarge = edgeSeedError(PayloadTooLarge, {
  status: 413,
  identifier: "PayloadTooLargeError",
  description: "PayloadTooLarge: the request body is over 1 MB.",
  errorTypes: ["payload_too_large"],
  encode: edgeSeedBody,
  decode: (b) => new PayloadTooLarge({ limitBytes: Number(match(b.error, /exceeds (\d+) bytes/)[1] ?? 0) })
})

export const ApiRouteNotFound = edgeSeedError(RouteNotFound, {
  status: 404,
  identifier: "RouteNotFoundError",
  description: "RouteNotFound: no route for the method and path.",
  errorTypes: ["not_found"],
  encode: edgeSeedBody,
  decode: (b) => {
    const [, method, path] = match(b.error, /^No route for (\S+) (.*)$/s)
    return new RouteNotFound({ method: method ?? "", path: path ?? "" })
  }
})

/**
 * The document's side of the two error headers: Retry-After on the 503 answers that can be
 * PoolExhausted, WWW-Authenticate on the 401 answers that can be Unauthorized.
 */
export const withErrorHeaders = (spec: Record<string, any>): Record<string, any> => {
  for (const item of Object.values<Record<string, any>>(spec.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      const responses = op?.responses as Record<string, any> | undefined
      if (responses === undefined) continue
      const mentions = (status: string, component: string) =>
        JSON.stringify(responses[status]?.content ?? {}).includes(`#/components/schemas/${component}"`)
      if (mentions("503", "PoolExhaustedError")) {
        responses["503"].headers = {
          ...responses["503"].headers,
          "Retry-After": { description: "With pool_exhausted: seconds to wait before retrying.", schema: { type: "integer", minimum: 0 } }
        }
      }
      if (mentions("401", "UnauthorizedError")) {
        responses["401"].headers = {
          ...responses["401"].headers,
          "WWW-Authenticate": { description: "With unauthorized: the scheme to authenticate with.", schema: { type: "string", enum: ["Bearer"] } }
        }
      }
    }
  }
  return spec
}

/** Every error schema, for decoding a body whose endpoint is not at hand (a progress stream's error event). */
const AllErrors: ReadonlyArray<Schema.Decoder<unknown>> = [
  InvalidOperationInput,
  SessionNotFound,
  FileNotFound,
  ContainerNotFound,
  IdempotencyConflict,
  WorkflowExpired,
  AppointmentFieldsMissing,
  ...LoginFailed,
  ...CaptchaFailed,
  PoolExhausted,
  SessionExpired,
  BrowserCrashed,
  PortalChanged,
  PortalUnavailable,
  ...AppointmentPhaseFailed,
  TruckPlateNotOffered,
  BookingOutcomeUnknown,
  PortalRejected,
  OperationTimedOut,
  StorageFailed,
  StorageUnavailable,
  InternalError,
  ApiUnauthorized,
  ApiPayloadTooLarge,
  ApiRouteNotFound
]

/** What the error schemas decode to (each decodes to one of these classes). */
const isApiError = (u: unknown): u is E.PortalError | Unauthorized | RouteNotFound | PayloadTooLarge =>
  E.isPortalError(u) || u instanceof Unauthorized || u instanceof RouteNotFound || u instanceof PayloadTooLarge

/**
 * The error class of a seed error body sent with `status` (the first schema of that status that
 * decodes it); a body no schema accepts is an InternalError.
 */
export const decodeErrorBody = (status: number, body: unknown): E.PortalError | Unauthorized | RouteNotFound | PayloadTooLarge => {
  for (const schema of AllErrors) {
    if (statusOfSchema.get(schema) !== status) continue
    const decoded = Schema.decodeUnknownOption(schema)(body)
    if (decoded._tag === "Some" && isApiError(decoded.value)) return decoded.value
  }
  return new E.InternalError({})
}
