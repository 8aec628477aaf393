/**
 * The REST contract as an HttpApi: every route the seed's clients use, in four groups (health,
 * sessions, operations, files), each endpoint with its request schema, its success schemas, the
 * exact errors it can answer with (their HTTP forms in `ApiErrors`), a summary, a description and
 * an example. The server (HttpApiBuilder), the OpenAPI 3.1 document, the /docs page and the typed
 * REST client are all derived from it, so none of them can drift from another. It imports the
 * domain only: a client project installs it without any server code.
 *
 * Bodies are the seed's: `{success: true, …}` answers, `{success: false, error, error_type,
 * retryable, …}` errors. `get_containers` answers the xlsx itself unless `return_url` is true.
 * `get_containers`, `get_appointments` and `get_info_bulk` also answer `Accept: text/event-stream`
 * with Server-Sent Events: `progress` events while the work runs, then one `result` event (the
 * JSON answer) or one `error` event (an error body with its `status`).
 */
import { Context, Schema, SchemaTransformation } from "effect"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "effect/http-api"
import type { SeedErrorBody } from "../domain/Errors.ts"
import * as Ops from "../domain/Operations.ts"
import * as Err from "./ApiErrors.ts"

// ---------------------------------------------------------------------------------------------
// Middleware declared by the contract (implemented by the server, in PortalApiHandlers)

/** API_TOKEN as a bearer token, on every route but /health. */
export class Authorization extends HttpApiMiddleware.Service<Authorization>()("emodal-api/http/Authorization", {
  security: {
    bearer: HttpApiSecurity.bearer.pipe(
      HttpApiSecurity.annotate(
        OpenApi.Description,
        "The service's API_TOKEN, when it has one (without API_TOKEN every route is open). Never needed for /health, /docs or /openapi.json unless DOCS_PUBLIC=false."
      )
    )
  },
  error: Err.ApiUnauthorized
}) {}

/** Path parameters and headers that do not decode answer the seed's 400 body, like bad bodies. */
export class SeedValidation extends HttpApiMiddleware.Service<SeedValidation>()("emodal-api/http/SeedValidation", {
  error: Err.InvalidOperationInput
}) {}

// ---------------------------------------------------------------------------------------------
// Per-endpoint facts beyond what HttpApi records

/** The request and response shown as the endpoint's examples (they validate against the schemas). */
export class Example extends Context.Service<Example, { readonly request?: unknown; readonly response?: unknown }>()(
  "emodal-api/http/PortalApi/Example"
) {}

/** The domain schema a JSON body is validated against (REST and RPC alike, see Validation.ts). */
export class RequestBody extends Context.Service<RequestBody, {
  readonly schema: Schema.Top
  /** An empty body stands for `{}` (every field optional). */
  readonly emptyIsObject: boolean
}>()("emodal-api/http/PortalApi/RequestBody") {}

const MEDIA_JSON = "application/json"
export const MEDIA_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
export const MEDIA_SSE = "text/event-stream"

type Operation = Record<string, any>

/**
 * Summary, description and examples of an endpoint, and the OpenAPI details HttpApi cannot say
 * by itself: the examples on the media types, an optional request body (an empty body is `{}`),
 * no `Accept` parameter (OpenAPI ignores it; content negotiation is in the responses).
 */
const docs = (options: {
  readonly summary: string
  readonly description: string
  readonly example?: { readonly request?: unknown; readonly response?: unknown } | undefined
  readonly optionalBody?: boolean | undefined
}) =>
  Context.merge(
    OpenApi.annotations({
      summary: options.summary,
      description: options.description,
      transform: (op: Operation) => {
        const request = op.requestBody?.content?.[MEDIA_JSON]
        if (request !== undefined && options.example?.request !== undefined) request.example = options.example.request
        if (op.requestBody !== undefined && options.optionalBody === true) op.requestBody.required = false
        const response = op.responses?.["200"]?.content?.[MEDIA_JSON]
        if (response !== undefined && options.example?.response !== undefined) response.example = options.example.response
        op.parameters = (op.parameters ?? []).filter((p: Operation) => String(p.name).toLowerCase() !== "accept")
        if (op.parameters.length === 0) delete op.parameters
        return op
      }
    }),
    Context.make(Example, options.example ?? {})
  )

/** The body schema of an endpoint, named for the document (the domain schemas carry no names). */
const body = <S extends Schema.Top>(schema: S, identifier: string) => schema.annotate({ identifier }) as S

const requestBody = (schema: Schema.Top, emptyIsObject = false) => Context.make(RequestBody, { schema, emptyIsObject })

/** Shared by get_container_timeline and get_booking_number (one component in the document). */
const ContainerLookupBody = body(Ops.ContainerLookupRequest, "ContainerLookupRequest")

// ---------------------------------------------------------------------------------------------
// Progress over Server-Sent Events

/** An event's `data`: the JSON text of `schema` (described on its wire form, one per schema). */
const jsonData = (() => {
  const cache = new Map<Schema.Top, Schema.Top>()
  return <S extends Schema.Top>(schema: S, identifier: string): Schema.fromJsonString<S> => {
    const cached = cache.get(schema) ??
      Schema.String.annotate({ description: `The JSON text of a ${identifier}.`, contentMediaType: "application/json" }).pipe(
        Schema.decodeTo(schema, SchemaTransformation.fromJsonString())
      )
    cache.set(schema, cached)
    return cached as unknown as Schema.fromJsonString<S>
  }
})()

const sseEvent = <const Name extends string, S extends Schema.Top>(name: Name, data: S, identifier: string, description: string) =>
  Schema.Struct({
    event: Schema.Literal(name).annotate({ description: `The event's name: ${description}` }),
    data: jsonData(data, identifier)
  })

/** The `error` event's data: the error body the JSON answer would have had, and its status. */
export const StreamErrorData = Schema.Struct({
  status: Schema.Int.annotate({ description: "The HTTP status the JSON answer would have had." }),
  success: Schema.Literal(false).annotate({ description: "Always false on errors." }),
  error: Schema.String.annotate({ description: "What went wrong." }),
  error_type: Schema.String.annotate({ description: "Machine-readable kind (as in the JSON error bodies)." }),
  retryable: Schema.Boolean.annotate({ description: "Whether the same request may succeed when sent again later." }),
  message: Schema.optionalKey(Schema.String.annotate({ description: "What to do about it." })),
  session_id: Schema.optionalKey(Schema.String.annotate({ description: "The session the request ran on." })),
  is_new_session: Schema.optionalKey(Schema.Boolean.annotate({ description: "Whether the request logged in." })),
  field: Schema.optionalKey(Schema.String.annotate({ description: "The field at fault." })),
  missing_fields: Schema.optionalKey(Schema.Array(Schema.String).annotate({ description: "The missing fields." })),
  retry_after: Schema.optionalKey(Schema.Int.annotate({ description: "Seconds to wait before retrying." })),
  details: Schema.optionalKey(Schema.String.annotate({ description: "The login error kind." })),
  debug_bundle_url: Schema.optionalKey(Schema.String.annotate({ description: "The debug ZIP of the failed run." }))
}).annotate({ identifier: "StreamErrorData", description: "The error that ended the operation." })
export type StreamErrorData = SeedErrorBody & { readonly status: number }

/** The events of a progress stream: `progress`…, then `result` or `error`. */
const progressEvents = <P extends Schema.Top, R extends Schema.Top>(
  progress: P,
  progressName: string,
  result: R,
  resultName: string,
  identifier: string
) =>
  HttpApiSchema.StreamSse({
    events: Schema.Union([
      sseEvent("progress", progress, progressName, "what is done so far."),
      sseEvent("result", result, resultName, "the answer, exactly as the JSON answer (the last event)."),
      sseEvent("error", StreamErrorData, "StreamErrorData", "the error that ended the operation (the last event).")
    ]).annotate({
      identifier,
      description:
        "Server-Sent Events (with `Accept: text/event-stream`): `progress` while the work runs, then one `result` or `error`; the stream then ends."
    })
  })

export const ContainersEvents = progressEvents(Ops.RowsProgress, "RowsProgress", Ops.GetContainersResponse, "GetContainersResponse", "GetContainersEvent")
export const AppointmentsEvents = progressEvents(Ops.RowsProgress, "RowsProgress", Ops.GetAppointmentsResponse, "GetAppointmentsResponse", "GetAppointmentsEvent")
export const BulkEvents = progressEvents(Ops.BulkProgress, "BulkProgress", Ops.GetInfoBulkResponse, "GetInfoBulkResponse", "GetInfoBulkEvent")

/** The progress events' types, as the stream carries them. */
export type ProgressEvent<P, R> =
  | { readonly event: "progress"; readonly data: P }
  | { readonly event: "result"; readonly data: R }
  | { readonly event: "error"; readonly data: StreamErrorData }

/** The workbook get_containers answers when `return_url` is not true. */
const Workbook = Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: MEDIA_XLSX })).annotate({
  description:
    "The workbook itself (the seed's default): sheet \"Containers\" with the portal's 18 columns; the session is in the X-Session-Id and X-Is-New-Session headers."
})

const accept = {
  accept: Schema.optional(Schema.String.annotate({ description: "`text/event-stream` for progress events." }))
}

// ---------------------------------------------------------------------------------------------
// Errors per endpoint

/**
 * What resolving the caller's session can answer (session_id, else credentials and a login).
 * StorageUnavailable: the session is not live and restoring it, or a new login, needs the store.
 */
const acquisition = [
  Err.InvalidOperationInput,
  Err.SessionNotFound,
  ...Err.LoginFailed,
  ...Err.CaptchaFailed,
  Err.PoolExhausted,
  Err.SessionExpired,
  Err.BrowserCrashed,
  Err.OperationTimedOut,
  Err.PortalUnavailable,
  Err.PortalChanged,
  Err.StorageUnavailable,
  Err.InternalError
] as const

/** A JSON body over the cap, anywhere. */
const bodied = [Err.ApiPayloadTooLarge] as const

const SESSION_ID = "sess_3nQm9XkT2vR7bY1cW8pZ4hJd"
const CREDENTIALS = { username: "demo", password: "demo", captcha_api_key: "demo" }
const AT = "2026-11-22T10:00:00.000Z"
const HEALTHY_HOST = {
  last_outcome: "ok",
  last_contact_at: "2026-11-22T09:59:40.000Z",
  last_success_at: "2026-11-22T09:59:40.000Z",
  last_failure_at: null,
  last_error_kind: null,
  last_http_status: null,
  consecutive_failures: 0,
  failing: false
}

// ---------------------------------------------------------------------------------------------
// Groups

export class HealthGroup extends HttpApiGroup.make("health", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health", {
      query: {
        strict: Schema.optional(Schema.Literals(["true", "false"]).annotate({
          description: "`true`: answer 503 (with the same body) while `status` is \"degraded\", for probes that only read the status."
        }))
      },
      success: [
        Ops.HealthResponse,
        Ops.HealthResponse.pipe(HttpApiSchema.status(503)).annotate({ description: "With `strict=true`, while the service is degraded." })
      ],
      error: [Err.InvalidOperationInput, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Service health: pool figures, the portal's recent answers, the store, solver and pool checks",
      description:
        "Answers 200 while the service runs, without API_TOKEN: the seed's fields plus pool figures; `portal`: the latest contact with each portal host (identity, ecp2, termops, truckerportal) and the captcha solver — ok or failed, when, and the failure's kind (`unreachable`, `timeout`, `http_5xx`, `forbidden`, `bad_answer`), never a URL or a credential; and `checks`: the SQL store (a ping: `failing` while it does not answer, when operations that must write answer 503 `storage_unavailable`), the captcha solver (from its latest exchange) and the pool's pressure (`saturated` while requests wait for a slot). A target is failing while its latest contact failed less than `recent_window_seconds` (5 minutes) ago. While anything fails, `status` is \"degraded\" and `reasons` says why (a later successful contact clears a portal reason). With `strict=true` a degraded service answers 503. For load balancers, GET /ready answers 503 while the service starts or drains.",
      example: {
        response: {
          status: "healthy",
          service: Ops.SERVICE_NAME,
          version: Ops.SERVICE_VERSION,
          active_sessions: 1,
          max_sessions: 10,
          session_capacity: "1/10",
          persistent_sessions: 1,
          timestamp: AT,
          pool: {
            busy: 0,
            idle: 1,
            pinned: 0,
            logging_in: 0,
            waiting_for_slot: 0,
            logins_total: 1,
            evictions_total: 0,
            refreshes_total: 2,
            refresh_failures_total: 0,
            crashes_total: 0
          },
          appointment_workflows: 0,
          uptime_seconds: 3600,
          portal: {
            status: "ok",
            reasons: [],
            recent_window_seconds: 300,
            hosts: {
              identity: HEALTHY_HOST,
              ecp2: HEALTHY_HOST,
              termops: HEALTHY_HOST,
              truckerportal: HEALTHY_HOST,
              captcha_solver: HEALTHY_HOST
            }
          },
          reasons: [],
          checks: {
            store: { status: "ok", detail: "sqlite answered a ping", backend: "sqlite", latency_ms: 1 },
            solver: { status: "ok", detail: "the latest exchange worked", server_key_configured: false, last_contact_at: "2026-11-22T09:59:40.000Z" },
            pool: { status: "ok", detail: "9 free slot(s), 1 evictable session(s)", active: 1, max_sessions: 10, free_slots: 9, evictable: 1, waiting_for_slot: 0, queued_messages: 0 }
          }
        }
      }
    }))
  )
  .middleware(SeedValidation)
  .annotateMerge(OpenApi.annotations({ title: "health", description: "Liveness, open without API_TOKEN." }))
{}

const sessionCloseExample = { success: true, session_id: SESSION_ID, message: `Session ${SESSION_ID} closed` }
const pingExample = { success: true, session_id: SESSION_ID, last_used: AT, never_terminate: true, keep_alive: true }

export class SessionsGroup extends HttpApiGroup.make("sessions", { topLevel: true })
  .add(
    HttpApiEndpoint.post("get_session", "/get_session", {
      payload: body(Ops.GetSessionRequest, "GetSessionRequest"),
      success: Ops.GetSessionResponse,
      error: [...acquisition, ...bodied]
    }).annotateMerge(docs({
      summary: "Log in, or reuse the session of the same credentials",
      description:
        "Creates a persistent browser session (one Chrome logged in to the portal) without doing anything else, or returns the live session of the same username and password (one login per credentials). `never_terminate: true` pins it.",
      example: {
        request: CREDENTIALS,
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new: true,
          username: "demo",
          created_at: AT,
          expires_at: null,
          message: "New persistent session created",
          never_terminate: false,
          keep_alive: true
        }
      }
    })).annotateMerge(requestBody(Ops.GetSessionRequest)),
    HttpApiEndpoint.get("sessions", "/sessions", { success: Ops.ListSessionsResponse, error: Err.InternalError }).annotateMerge(docs({
      summary: "List the live browser sessions",
      description: "Ids, usernames, ages, use counts and states; never secrets or credential fingerprints.",
      example: {
        response: {
          active_sessions: 1,
          sessions: [{
            session_id: SESSION_ID,
            username: "demo",
            created_at: AT,
            last_used: AT,
            last_refresh: null,
            keep_alive: true,
            never_terminate: false,
            busy: false,
            queued: 0,
            uses: 3,
            consecutive_errors: 0,
            age_seconds: 120,
            current_url: "https://ecp2.emodal.com/containers",
            state: "ready"
          }]
        }
      }
    })),
    HttpApiEndpoint.delete("delete_session", "/sessions/:session_id", {
      params: { session_id: Schema.String.annotate({ description: "The session to close." }) },
      success: Ops.CloseSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.StorageUnavailable, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Close a session",
      description: "Closes its Chrome, removes its directories and its credential mapping. A request still running on it fails at once.",
      example: { response: sessionCloseExample }
    })),
    HttpApiEndpoint.post("close_session", "/close_session", {
      payload: body(Ops.SessionIdRequest, "SessionIdRequest"),
      success: Ops.CloseSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.StorageUnavailable, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Close a session (body form)",
      description: "The route the seed's documents describe; the same as DELETE /sessions/{session_id}.",
      example: { request: { session_id: SESSION_ID }, response: sessionCloseExample }
    })).annotateMerge(requestBody(Ops.SessionIdRequest)),
    HttpApiEndpoint.post("ping_session", "/ping_session/:session_id", {
      params: { session_id: Schema.String.annotate({ description: "The session to keep alive." }) },
      payload: body(Ops.PingSettingsRequest, "PingSettingsRequest"),
      success: Ops.PingSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.BrowserCrashed, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Keep a session alive",
      description:
        "Marks the session used now (it moves to the back of the eviction order). The body is optional: it may pin the session (`never_terminate`) or set `keep_alive`.",
      example: { request: { never_terminate: true }, response: pingExample },
      optionalBody: true
    })).annotateMerge(requestBody(Ops.PingSettingsRequest, true)),
    HttpApiEndpoint.post("ping_session_body", "/ping_session", {
      payload: body(Ops.PingSessionRequest, "PingSessionRequest"),
      success: Ops.PingSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.BrowserCrashed, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Keep a session alive (body form)",
      description: "The same as POST /ping_session/{session_id} with the id in the body.",
      example: { request: { session_id: SESSION_ID, never_terminate: true }, response: pingExample }
    })).annotateMerge(requestBody(Ops.PingSessionRequest))
  )
  .middleware(SeedValidation)
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({
    title: "sessions",
    description: "Persistent browser sessions: one Chrome logged in to the portal per username and password."
  }))
{}

const timelineExample = {
  success: true,
  session_id: SESSION_ID,
  is_new_session: false,
  container_id: "MSDU1234567",
  passed_pregate: true,
  timeline: [
    { milestone: "Pregate", date: "10/20/2026 09:14", status: "completed" },
    { milestone: "Discharged", date: "10/18/2026 14:02", status: "completed" }
  ],
  milestone_count: 2,
  detection_method: "dom_class_check",
  screenshot_url: `http://127.0.0.1:5010/files/Xy7kQ2mR9tB4vN8wL1pZ3hJd/timeline_MSDU1234567_20261122_100000.png`
}

const wizardFields = {
  container_type: "import",
  trucking_company: "K & R TRANSPORTATION LLC",
  terminal: "ITS Long Beach",
  move_type: "PICK FULL",
  container_id: "MSDU1234567",
  truck_plate: "ABC123",
  own_chassis: false
}

export class OperationsGroup extends HttpApiGroup.make("operations", { topLevel: true })
  .add(
    HttpApiEndpoint.post("get_containers", "/get_containers", {
      payload: body(Ops.GetContainersRequest, "GetContainersRequest"),
      headers: accept,
      success: [Ops.GetContainersResponse, Workbook, ContainersEvents],
      error: [...acquisition, Err.StorageFailed, ...bodied]
    }).annotateMerge(docs({
      summary: "Export the containers list to Excel",
      description:
        "Loads the containers grid (all rows by infinite scrolling, the first N with `target_count`, or until `target_container_id` is loaded) and builds an xlsx (sheet \"Containers\", the portal's 18 columns). With `return_url: true` the answer is JSON with `file_url`; otherwise (the seed's default) it is the file itself, with the session in the X-Session-Id header. `include_rows: true` adds the rows as JSON. With `Accept: text/event-stream` it streams `progress` events (rows loaded so far) and ends with a `result` event (the JSON answer) or an `error` event.",
      example: {
        request: { ...CREDENTIALS, infinite_scrolling: true, return_url: true },
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new_session: false,
          file_url: "http://127.0.0.1:5010/files/Xy7kQ2mR9tB4vN8wL1pZ3hJd/containers_scraped_20261122_100000.xlsx",
          file_name: "containers_scraped_20261122_100000.xlsx",
          file_size: 48211,
          total_containers: 120,
          scroll_cycles: 3,
          mode: "all",
          stopped_reason: "End of list reached"
        }
      }
    })).annotateMerge(requestBody(Ops.GetContainersRequest)),
    HttpApiEndpoint.post("get_container_timeline", "/get_container_timeline", {
      payload: ContainerLookupBody,
      success: Ops.TimelineResponse,
      error: [...acquisition, Err.ContainerNotFound, Err.PortalRejected, Err.StorageFailed, ...bodied]
    }).annotateMerge(docs({
      summary: "A container's milestones and whether it passed Pregate",
      description:
        "Finds the container in the grid, expands it and reads its timeline (newest first). `passed_pregate` comes from the divider classes (`dom_class_check`) or, when they are ambiguous, from the brightness of a screenshot of the Pregate divider (`image_processing`). An export has no Pregate milestone: 422 `no_pregate_milestone`.",
      example: { request: { ...CREDENTIALS, container_id: "MSDU1234567" }, response: timelineExample }
    })).annotateMerge(requestBody(Ops.ContainerLookupRequest)),
    HttpApiEndpoint.post("get_booking_number", "/get_booking_number", {
      payload: ContainerLookupBody,
      success: Ops.BookingNumberResponse,
      error: [...acquisition, Err.ContainerNotFound, Err.StorageFailed, ...bodied]
    }).annotateMerge(docs({
      summary: "A container's booking number",
      description: "Reads `Booking #` from the expanded row. `booking_number` is null with \"Booking number not available\" when the portal shows N/A.",
      example: {
        request: { session_id: SESSION_ID, container_id: "HMMU9048448" },
        response: { success: true, session_id: SESSION_ID, is_new_session: false, container_id: "HMMU9048448", booking_number: "RICFEM857500" }
      }
    })).annotateMerge(requestBody(Ops.ContainerLookupRequest)),
    HttpApiEndpoint.post("get_appointments", "/get_appointments", {
      payload: body(Ops.GetAppointmentsRequest, "GetAppointmentsRequest"),
      headers: accept,
      success: [Ops.GetAppointmentsResponse, AppointmentsEvents],
      error: [...acquisition, Err.PortalRejected, Err.StorageFailed, ...bodied]
    }).annotateMerge(docs({
      summary: "Export My Appointments through the portal's own Excel export",
      description:
        "Selects all appointments (or the first `target_count`, or the one `target_appointment_id`), clicks the portal's Excel export and waits until the browser's download is complete. An account without appointments, or an unknown `target_appointment_id`, is 422. With `Accept: text/event-stream` it streams `progress` events (rows loaded so far) and ends with a `result` or `error` event.",
      example: {
        request: { session_id: SESSION_ID },
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new_session: false,
          selected_count: 3,
          file_url: "http://127.0.0.1:5010/files/Xy7kQ2mR9tB4vN8wL1pZ3hJd/appointments_20261122_100000.xlsx",
          file_name: "appointments_20261122_100000.xlsx",
          file_size: 7311
        }
      }
    })).annotateMerge(requestBody(Ops.GetAppointmentsRequest)),
    HttpApiEndpoint.post("check_appointments", "/check_appointments", {
      payload: body(Ops.CheckAppointmentsRequest, "CheckAppointmentsRequest"),
      success: Ops.CheckAppointmentsResponse,
      error: [
        ...acquisition,
        Err.AppointmentFieldsMissing,
        ...Err.AppointmentPhaseFailed,
        Err.TruckPlateNotOffered,
        Err.PortalRejected,
        Err.WorkflowExpired,
        Err.StorageFailed,
        ...bodied
      ]
    }).annotateMerge(docs({
      summary: "Walk the appointment wizard and list the open times (no booking)",
      description:
        "Phase 1 (trucking company, terminal, move type, container or booking), phase 2 (plate, chassis, PIN or unit and seals), phase 3 (times). A missing or wrong field fails with `current_phase` and an `appointment_session_id`; send that id with only the missing fields to resume (within APPOINTMENT_SESSION_TTL). `truck_plate` must be one of the portal's plates for the company (case and spaces ignored; `\"\"` or the seed's `ABC123` take the first): another plate is a 422 `truck_plate_not_offered` listing the plates offered.",
      example: {
        request: { ...CREDENTIALS, ...wizardFields },
        response: {
          success: true,
          container_type: "import",
          session_id: SESSION_ID,
          is_new_session: true,
          appointment_session_id: "appt_Qm8sT1xV9bN2cR4wY7pL0kZe",
          current_phase: 3,
          phase_data: { trucking_company: "K & R TRANSPORTATION LLC", terminal: "ITS Long Beach", move_type: "PICK FULL" },
          available_times: ["Monday 11/23/2026 08:00 - 09:00"],
          count: 1,
          selected_truck_plate: "ABC123"
        }
      }
    })).annotateMerge(requestBody(Ops.CheckAppointmentsRequest)),
    HttpApiEndpoint.post("make_appointment", "/make_appointment", {
      payload: body(Ops.MakeAppointmentRequest, "MakeAppointmentRequest"),
      headers: {
        "idempotency-key": Schema.optional(Schema.String.annotate({
          description:
            "Idempotency key: a repeat within 24 h from the same caller returns the first result and never books twice; anyone else using the key gets 409. Keys over 200 characters are ignored."
        }))
      },
      success: Ops.MakeAppointmentResponse,
      error: [
        ...acquisition,
        Err.AppointmentFieldsMissing,
        ...Err.AppointmentPhaseFailed,
        Err.TruckPlateNotOffered,
        Err.PortalRejected,
        Err.WorkflowExpired,
        Err.IdempotencyConflict,
        Err.BookingOutcomeUnknown,
        Err.StorageFailed,
        ...bodied
      ]
    }).annotateMerge(docs({
      summary: "Book an appointment",
      description:
        "Walks the wizard, selects `appointment_time`, submits, and verifies the Confirmation step: `appointment_confirmed` is true only when the portal confirmed, with its `confirmation_number`. Send an Idempotency-Key header (or `request_id`): only final outcomes are replayed; a Submit answered with a portal error releases the key, and an unknown outcome after Submit is `not_confirmed`.",
      example: {
        request: { session_id: SESSION_ID, ...wizardFields, appointment_time: "Monday 11/23/2026 08:00 - 09:00" },
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new_session: false,
          appointment_confirmed: true,
          confirmation_number: "TOAP-104233",
          appointment_details: { terminal: "ITS Long Beach", appointment_time: "Monday 11/23/2026 08:00 - 09:00", confirmation_number: "TOAP-104233" }
        }
      }
    })).annotateMerge(requestBody(Ops.MakeAppointmentRequest)),
    HttpApiEndpoint.post("get_info_bulk", "/get_info_bulk", {
      payload: body(Ops.GetInfoBulkRequest, "GetInfoBulkRequest"),
      headers: accept,
      success: [Ops.GetInfoBulkResponse, BulkEvents],
      error: [...acquisition, Err.StorageFailed, ...bodied]
    }).annotateMerge(docs({
      summary: "Timelines of imports and booking numbers of exports, in one call",
      description:
        "Processes each container in turn; one container's failure never fails the others. `results.summary` counts successes and failures. With `Accept: text/event-stream` it streams one `progress` event per finished container and ends with a `result` or `error` event.",
      example: {
        request: { session_id: SESSION_ID, import_containers: ["MSDU1234567"], export_containers: ["HMMU9048448"] },
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new_session: false,
          results: {
            import_results: [{
              container_id: "MSDU1234567",
              success: true,
              pregate_status: true,
              pregate_details: { detection_method: "dom_class_check" },
              timeline: [{ milestone: "Pregate", date: "10/20/2026 09:14", status: "completed" }],
              milestone_count: 1
            }],
            export_results: [{ container_id: "HMMU9048448", success: true, booking_number: "RICFEM857500" }],
            summary: { total_import: 1, total_export: 1, import_success: 1, import_failed: 0, export_success: 1, export_failed: 0 }
          },
          message: "Bulk processing completed: 2 successful, 0 failed"
        }
      }
    })).annotateMerge(requestBody(Ops.GetInfoBulkRequest))
  )
  .middleware(SeedValidation)
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({
    title: "operations",
    description:
      "The portal's business operations. Each names its session by `session_id`, or by `username`, `password` and `captcha_api_key` (a session is logged in, or the live one of those credentials reused)."
  }))
{}

export class FilesGroup extends HttpApiGroup.make("files", { topLevel: true })
  .add(
    HttpApiEndpoint.get("files", "/files/:folder/:name", {
      params: {
        folder: Schema.String.annotate({ description: "The opaque folder of the file, as in the `file_url` an operation returned." }),
        name: Schema.String.annotate({ description: "The file's name, as in the `file_url` an operation returned." })
      },
      success: Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/octet-stream" })).annotate({
        description: "The file, as an attachment (its own content type: xlsx, png, zip…)."
      }),
      error: [Err.InvalidOperationInput, Err.FileNotFound, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Download a file this service produced",
      description:
        "Result spreadsheets, screenshots and debug bundles, by the URL an operation returned. Only files under DATA_DIR/files are served; API_TOKEN applies."
    })),
    HttpApiEndpoint.post("cleanup", "/cleanup", {
      payload: body(Ops.CleanupRequest, "CleanupRequest"),
      success: Ops.CleanupResponse,
      error: [Err.InvalidOperationInput, Err.StorageFailed, Err.StorageUnavailable, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Delete old result files",
      description: "Deletes files older than `max_age_hours` (default FILE_RETENTION) and reports what it freed. Also runs hourly and at boot. The body is optional.",
      example: {
        request: { max_age_hours: 24 },
        response: { success: true, message: "Cleanup completed", files_deleted: 4, space_freed_mb: 1.2, current_storage_mb: 3.4, downloads_mb: 3, screenshots_mb: 0.4 }
      },
      optionalBody: true
    })).annotateMerge(requestBody(Ops.CleanupRequest, true))
  )
  .middleware(SeedValidation)
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({ title: "files", description: "The files operations produced, and their cleanup." }))
{}

// ---------------------------------------------------------------------------------------------
// The API

/** RFC 6750's scheme name as tools expect it (`bearer`; HttpApi writes "Bearer"). */
const bearerScheme = (spec: Record<string, any>) => {
  const scheme = spec.components?.securitySchemes?.bearer
  if (scheme !== undefined) {
    scheme.scheme = "bearer"
    scheme.bearerFormat = "API_TOKEN"
  }
  return spec
}

/** Request bodies accept fields they do not know (old clients send some), but no prototype keys. */
const openRequestBodies = (spec: Record<string, any>) => {
  const refs = new Set<string>()
  for (const item of Object.values<Record<string, any>>(spec.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      const ref = op?.requestBody?.content?.[MEDIA_JSON]?.schema?.$ref
      if (typeof ref === "string") refs.add(ref.replace("#/components/schemas/", ""))
    }
  }
  for (const name of refs) {
    const schema = spec.components.schemas[name]
    if (schema === undefined) continue
    delete schema.additionalProperties
    schema.propertyNames = { not: { enum: ["__proto__", "constructor", "prototype"] } }
  }
  return spec
}

/** The routes at a glance, in the router's notation (`:param`), for the document's introduction. */
const overview = (groups: ReadonlyArray<{ readonly endpoints: Record<string, HttpApiEndpoint.Top> }>): string =>
  [
    "| Method | Route | What it does |",
    "| --- | --- | --- |",
    ...groups.flatMap((g) =>
      Object.values(g.endpoints).map((e) =>
        `| ${e.method} | \`${e.path}\` | ${Context.getOrElse(e.annotations, OpenApi.Summary, () => e.identifier)} |`
      )
    )
  ].join("\n")

const DESCRIPTION = `Logged-in browser sessions to the E-Modal trucking portal and its business operations, compatible with the original Flask service's JSON.

Every error answers \`{"success": false, "error", "error_type", "retryable", …}\` with the status listed per operation, and every answer carries \`x-request-id\`. With API_TOKEN set, send \`Authorization: Bearer <token>\` (the Authentication box above fills it in for "Test Request"). Operators use their own portal credentials and are responsible for complying with the portal's terms of use.

Typed clients: the \`emodal-api-client\` package (REST and RPC). Typed RPC is served at \`POST /rpc\` (ndjson framing, see the README).

${overview([HealthGroup, SessionsGroup, OperationsGroup, FilesGroup] as ReadonlyArray<{ readonly endpoints: Record<string, HttpApiEndpoint.Top> }>)}`

export class PortalApi extends HttpApi.make("emodal-api")
  .add(HealthGroup)
  .add(SessionsGroup)
  .add(OperationsGroup)
  .add(FilesGroup)
  .annotateMerge(OpenApi.annotations({
    title: "E-Modal Business API",
    version: Ops.SERVICE_VERSION,
    description: DESCRIPTION,
    license: { name: "MIT", url: "https://opensource.org/license/mit" },
    // Relative: the docs page's try-it-out calls the origin it was loaded from; the document served at
    // /openapi.json names the service's own address instead.
    servers: [{ url: "/", description: "This service (the origin the page or the document was loaded from)." }],
    transform: (spec) => Err.withErrorHeaders(openRequestBodies(bearerScheme(spec)))
  }))
{}

// ---------------------------------------------------------------------------------------------
// The endpoint table (derived)

export interface EndpointSpec {
  /** Operation id (the seed route name). */
  readonly id: string
  readonly method: string
  /** The router path (`:param`). */
  readonly path: string
  readonly group: string
  readonly summary: string
  /** The domain schema a JSON body is validated against. */
  readonly body?: Schema.Top | undefined
  readonly emptyBodyIsObject?: boolean | undefined
  /** Open without API_TOKEN. */
  readonly public?: boolean | undefined
  readonly example?: { readonly request?: unknown; readonly response?: unknown } | undefined
}

/** Every endpoint of `PortalApi`, flat: for tests, tools and the overview in the document. */
export const Endpoints: ReadonlyArray<EndpointSpec> = (() => {
  const out: Array<EndpointSpec> = []
  HttpApi.reflect(PortalApi, {
    onGroup() {},
    onEndpoint({ endpoint, group, middleware }) {
      const request = Context.getOption(endpoint.annotations, RequestBody)
      const example = Context.getOption(endpoint.annotations, Example)
      out.push({
        id: endpoint.identifier,
        method: endpoint.method,
        path: endpoint.path,
        group: group.identifier,
        summary: Context.getOrElse(endpoint.annotations, OpenApi.Summary, () => endpoint.identifier),
        body: request._tag === "Some" ? request.value.schema : undefined,
        emptyBodyIsObject: request._tag === "Some" ? request.value.emptyIsObject : undefined,
        public: ![...middleware].some((m) => (m as unknown) === Authorization),
        example: example._tag === "Some" ? example.value : undefined
      })
    }
  })
  return out
})()

/** The OpenAPI 3.1 document of the REST API, generated from `PortalApi`. */
export const openApiDocument = (): Record<string, any> => OpenApi.fromApi(PortalApi)
