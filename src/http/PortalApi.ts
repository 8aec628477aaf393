/**
 * The REST contract: every route the seed's clients use, declared once with its request and
 * response schemas, the errors it can answer with, and an example. The server's routes, the
 * OpenAPI 3.1 document and the /docs page are all built from this table, so they cannot drift.
 * Imports the domain only: a client can import it without any server code.
 *
 * REST is served through HttpRouter rather than HttpApi on purpose: the seed's clients expect
 * `{success: false, error, …}` bodies with seed wording for validation failures, a raw xlsx or a
 * JSON body from the same route depending on `return_url`, and an unknown `session_id` to fall
 * back to credentials — all easier to honour exactly with explicit handlers.
 */
import { Schema } from "effect"
import type { PortalErrorTag } from "../domain/Errors.ts"
import * as Ops from "../domain/Operations.ts"

export interface EndpointSpec {
  /** Operation id (the seed route name). */
  readonly id: string
  readonly method: "GET" | "POST" | "DELETE"
  /** find-my-way path (`:id` parameters). */
  readonly path: string
  readonly summary: string
  readonly description: string
  /** JSON body schema (decoded with the JSON codec: Redacted fields from strings). */
  readonly body?: Schema.Top
  /** Whether an empty body stands for `{}` (all fields optional). */
  readonly emptyBodyIsObject?: boolean
  readonly pathParams?: ReadonlyArray<string>
  readonly response?: Schema.Top
  /** Non-JSON success responses: media type → description. */
  readonly rawResponses?: Readonly<Record<string, string>>
  readonly errors: ReadonlyArray<PortalErrorTag>
  /** Routes open without API_TOKEN (only /health). */
  readonly public?: boolean
  readonly example?: { readonly request?: unknown; readonly response: unknown }
}

const acquisitionErrors: ReadonlyArray<PortalErrorTag> = [
  "InvalidOperationInput",
  "SessionNotFound",
  "LoginFailed",
  "CaptchaFailed",
  "PoolExhausted",
  "SessionExpired",
  "BrowserCrashed",
  "OperationTimedOut",
  "PortalUnavailable",
  "PortalChanged"
]

const SESSION_ID = "sess_3nQm9XkT2vR7bY1cW8pZ4hJd"
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
const CREDENTIALS = { username: "demo", password: "demo", captcha_api_key: "demo" }

export const Endpoints: ReadonlyArray<EndpointSpec> = [
  {
    id: "health",
    method: "GET",
    path: "/health",
    summary: "Service health, pool figures and the portal's recent answers",
    description:
      "Always answers 200 while the service runs; open without API_TOKEN. The seed's fields plus pool counters, and `portal`: the latest contact with each portal host (identity, ecp2, termops, truckerportal) and the captcha solver — ok or failed, when, and the failure's kind (`unreachable`, `timeout`, `http_5xx`, `forbidden`, `bad_answer`), never a URL or a credential. A target is failing while its latest contact failed less than `recent_window_seconds` (5 minutes) ago; then `status` (top level and `portal.status`) is `degraded` and `portal.reasons` says why. A later successful contact clears it.",
    response: Ops.HealthResponse,
    errors: [],
    public: true,
    example: {
      response: {
        status: "degraded",
        service: Ops.SERVICE_NAME,
        version: Ops.SERVICE_VERSION,
        active_sessions: 1,
        max_sessions: 10,
        session_capacity: "1/10",
        persistent_sessions: 1,
        timestamp: "2026-11-22T10:00:00.000Z",
        pool: {
          busy: 0,
          idle: 1,
          pinned: 1,
          logging_in: 0,
          waiting_for_slot: 0,
          logins_total: 3,
          evictions_total: 0,
          refreshes_total: 12,
          refresh_failures_total: 0,
          crashes_total: 0
        },
        appointment_workflows: 0,
        uptime_seconds: 5400,
        portal: {
          status: "degraded",
          reasons: ["identity: last contact failed 42 s ago: HTTP 503"],
          recent_window_seconds: 300,
          hosts: {
            identity: {
              last_outcome: "failed",
              last_contact_at: "2026-11-22T09:59:18.000Z",
              last_success_at: "2026-11-22T09:41:02.000Z",
              last_failure_at: "2026-11-22T09:59:18.000Z",
              last_error_kind: "http_5xx",
              last_http_status: 503,
              consecutive_failures: 1,
              failing: true
            },
            ecp2: HEALTHY_HOST,
            termops: HEALTHY_HOST,
            truckerportal: HEALTHY_HOST,
            captcha_solver: HEALTHY_HOST
          }
        }
      }
    }
  },
  {
    id: "get_session",
    method: "POST",
    path: "/get_session",
    summary: "Log in, or reuse the session of the same credentials",
    description:
      "Creates a persistent browser session (one Chrome logged in to the portal) without doing anything else, or returns the existing session for the same username and password. `never_terminate: true` pins it (never evicted, re-logged in rather than dropped). Only rejected credentials or captcha answers are 401; the portal failing at login (5xx, no answer in time, unreachable) is 502 `portal_unavailable` (retryable).",
    body: Ops.GetSessionRequest,
    response: Ops.GetSessionResponse,
    errors: acquisitionErrors,
    example: {
      request: CREDENTIALS,
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new: true,
        username: "demo",
        created_at: "2026-11-22T10:00:00.000Z",
        expires_at: null,
        message: "New persistent session created",
        never_terminate: false,
        keep_alive: true
      }
    }
  },
  {
    id: "get_containers",
    method: "POST",
    path: "/get_containers",
    summary: "Export the containers list to Excel",
    description:
      "Loads the containers grid (all rows by infinite scrolling, the first N with `target_count`, or until `target_container_id` is loaded) and builds an xlsx (sheet \"Containers\", the portal's 18 columns). With `return_url: true` the answer is JSON with `file_url`; otherwise (the seed's default) it is the file itself, with the session in the `X-Session-Id` header. `include_rows: true` adds the rows as JSON.",
    body: Ops.GetContainersRequest,
    response: Ops.GetContainersResponse,
    rawResponses: { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "The workbook (when return_url is false)" },
    errors: [...acquisitionErrors, "StorageFailed"],
    example: {
      request: { session_id: SESSION_ID, infinite_scrolling: true, return_url: true },
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new_session: false,
        file_url: "http://127.0.0.1:5010/files/Xy7…/containers_scraped_20261122_100000.xlsx",
        file_name: "containers_scraped_20261122_100000.xlsx",
        file_size: 48211,
        total_containers: 120,
        scroll_cycles: 3,
        mode: "all",
        stopped_reason: "End of list reached"
      }
    }
  },
  {
    id: "get_container_timeline",
    method: "POST",
    path: "/get_container_timeline",
    summary: "A container's milestones and whether it passed Pregate",
    description:
      "Finds the container in the grid, expands it and reads its timeline (newest first). `passed_pregate` comes from the divider classes (`dom_class_check`) or, when they are ambiguous, from the brightness of a screenshot of the Pregate divider (`image_processing`). An export has no Pregate milestone: that is a 422 `no_pregate_milestone`, not a 500.",
    body: Ops.ContainerLookupRequest,
    response: Ops.TimelineResponse,
    errors: [...acquisitionErrors, "ContainerNotFound", "PortalRejected", "StorageFailed"],
    example: {
      request: { session_id: SESSION_ID, container_id: "MSDU1234567" },
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new_session: false,
        container_id: "MSDU1234567",
        passed_pregate: true,
        timeline: [{ milestone: "Pregate", date: "10/20/2026 09:14", status: "completed" }],
        milestone_count: 9,
        detection_method: "dom_class_check"
      }
    }
  },
  {
    id: "get_booking_number",
    method: "POST",
    path: "/get_booking_number",
    summary: "A container's booking number",
    description: "Reads `Booking #` from the expanded row. `booking_number` is null with \"Booking number not available\" when the portal shows N/A.",
    body: Ops.ContainerLookupRequest,
    response: Ops.BookingNumberResponse,
    errors: [...acquisitionErrors, "ContainerNotFound"],
    example: {
      request: { session_id: SESSION_ID, container_id: "HMMU9048448" },
      response: { success: true, session_id: SESSION_ID, is_new_session: false, container_id: "HMMU9048448", booking_number: "RICFEM857500" }
    }
  },
  {
    id: "get_appointments",
    method: "POST",
    path: "/get_appointments",
    summary: "Export My Appointments through the portal's own Excel export",
    description:
      "Selects all appointments (or the first `target_count`, or the one `target_appointment_id`), clicks the portal's Excel export and waits until the browser's download is complete.",
    body: Ops.GetAppointmentsRequest,
    response: Ops.GetAppointmentsResponse,
    errors: [...acquisitionErrors, "PortalRejected", "StorageFailed"],
    example: {
      request: { session_id: SESSION_ID },
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new_session: false,
        selected_count: 3,
        file_url: "http://127.0.0.1:5010/files/Xy7…/appointments_20261122_100000.xlsx",
        file_name: "appointments_20261122_100000.xlsx",
        file_size: 7311
      }
    }
  },
  {
    id: "check_appointments",
    method: "POST",
    path: "/check_appointments",
    summary: "Walk the appointment wizard and list the open times (no booking)",
    description:
      "Phase 1 (trucking company, terminal, move type, container or booking), phase 2 (plate, chassis, PIN or unit and seals), phase 3 (times). A missing or wrong field fails with `current_phase` and an `appointment_session_id`; send that id with only the missing fields to resume (within APPOINTMENT_SESSION_TTL). `truck_plate` must be one of the portal's plates for the company (case and spaces ignored; `\"\"` takes the first): another plate is a 422 `truck_plate_not_offered` listing the plates offered.",
    body: Ops.CheckAppointmentsRequest,
    response: Ops.CheckAppointmentsResponse,
    errors: [...acquisitionErrors, "AppointmentFieldsMissing", "AppointmentPhaseFailed", "TruckPlateNotOffered", "WorkflowExpired"],
    example: {
      request: {
        ...CREDENTIALS,
        container_type: "import",
        trucking_company: "K & R TRANSPORTATION LLC",
        terminal: "ITS Long Beach",
        move_type: "DROP EMPTY",
        container_id: "MSDU1234567",
        truck_plate: "ABC123",
        own_chassis: false
      },
      response: {
        success: true,
        container_type: "import",
        session_id: SESSION_ID,
        is_new_session: true,
        appointment_session_id: "appt_Qm8sT1xV9bN2cR4wY7pL0kZe",
        current_phase: 3,
        phase_data: { trucking_company: "K & R TRANSPORTATION LLC" },
        available_times: ["Monday 11/23/2026 08:00 - 09:00"],
        count: 1
      }
    }
  },
  {
    id: "make_appointment",
    method: "POST",
    path: "/make_appointment",
    summary: "Book an appointment",
    description:
      "Walks the wizard, selects `appointment_time`, submits, and verifies the Confirmation step: `appointment_confirmed` is true only when the portal confirmed, with its `confirmation_number`. Send an `Idempotency-Key` header (or `request_id`): a repeat within 24 h from the same caller (the same credentials, or a session of them) returns the first result and never books twice; anyone else using the key gets 409. Only final outcomes are replayed: a Submit answered with a portal error releases the key, and an unknown outcome after Submit is `not_confirmed`.",
    body: Ops.MakeAppointmentRequest,
    response: Ops.MakeAppointmentResponse,
    errors: [...acquisitionErrors, "AppointmentFieldsMissing", "AppointmentPhaseFailed", "TruckPlateNotOffered", "WorkflowExpired", "IdempotencyConflict"],
    example: {
      request: {
        session_id: SESSION_ID,
        trucking_company: "K & R TRANSPORTATION LLC",
        terminal: "ITS Long Beach",
        move_type: "DROP EMPTY",
        container_id: "MSDU1234567",
        truck_plate: "ABC123",
        appointment_time: "Monday 11/23/2026 08:00 - 09:00"
      },
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new_session: false,
        appointment_confirmed: true,
        confirmation_number: "TOAP-104233",
        appointment_details: { terminal: "ITS Long Beach" }
      }
    }
  },
  {
    id: "get_info_bulk",
    method: "POST",
    path: "/get_info_bulk",
    summary: "Timelines of imports and booking numbers of exports, in one call",
    description: "Processes each container in turn; one container's failure never fails the others. `results.summary` counts successes and failures.",
    body: Ops.GetInfoBulkRequest,
    response: Ops.GetInfoBulkResponse,
    errors: acquisitionErrors,
    example: {
      request: { session_id: SESSION_ID, import_containers: ["MSDU1234567"], export_containers: ["HMMU9048448"] },
      response: {
        success: true,
        session_id: SESSION_ID,
        is_new_session: false,
        results: {
          import_results: [],
          export_results: [],
          summary: { total_import: 1, total_export: 1, import_success: 1, import_failed: 0, export_success: 1, export_failed: 0 }
        },
        message: "Bulk processing completed: 2 successful, 0 failed"
      }
    }
  },
  {
    id: "sessions",
    method: "GET",
    path: "/sessions",
    summary: "List the live browser sessions",
    description: "Ids, usernames, ages, use counts and states; never secrets or credential fingerprints.",
    response: Ops.ListSessionsResponse,
    errors: [],
    example: { response: { active_sessions: 0, sessions: [] } }
  },
  {
    id: "delete_session",
    method: "DELETE",
    path: "/sessions/:session_id",
    pathParams: ["session_id"],
    summary: "Close a session",
    description: "Closes its Chrome, removes its directories and its credential mapping.",
    response: Ops.CloseSessionResponse,
    errors: ["SessionNotFound"],
    example: { response: { success: true, session_id: SESSION_ID, message: `Session ${SESSION_ID} closed` } }
  },
  {
    id: "close_session",
    method: "POST",
    path: "/close_session",
    summary: "Close a session (body form)",
    description: "The route the seed's documents describe; same as DELETE /sessions/:session_id.",
    body: Ops.SessionIdRequest,
    response: Ops.CloseSessionResponse,
    errors: ["SessionNotFound"],
    example: { request: { session_id: SESSION_ID }, response: { success: true, session_id: SESSION_ID, message: `Session ${SESSION_ID} closed` } }
  },
  {
    id: "ping_session",
    method: "POST",
    path: "/ping_session/:session_id",
    pathParams: ["session_id"],
    summary: "Keep a session alive",
    description: "Marks the session used now (it moves to the back of the eviction order). An optional JSON body may pin it (`never_terminate`) or set `keep_alive`.",
    body: Schema.Struct({
      never_terminate: Schema.optionalKey(Schema.Boolean),
      keep_alive: Schema.optionalKey(Schema.Boolean)
    }),
    emptyBodyIsObject: true,
    response: Ops.PingSessionResponse,
    errors: ["SessionNotFound", "BrowserCrashed"],
    example: {
      response: { success: true, session_id: SESSION_ID, last_used: "2026-11-22T10:00:00.000Z", never_terminate: false, keep_alive: true }
    }
  },
  {
    id: "ping_session_body",
    method: "POST",
    path: "/ping_session",
    summary: "Keep a session alive (body form)",
    description: "Same as POST /ping_session/:session_id with the id in the body.",
    body: Ops.PingSessionRequest,
    response: Ops.PingSessionResponse,
    errors: ["SessionNotFound", "BrowserCrashed"],
    example: {
      request: { session_id: SESSION_ID, never_terminate: true },
      response: { success: true, session_id: SESSION_ID, last_used: "2026-11-22T10:00:00.000Z", never_terminate: true, keep_alive: true }
    }
  },
  {
    id: "cleanup",
    method: "POST",
    path: "/cleanup",
    summary: "Delete old result files",
    description: "Deletes files older than `max_age_hours` (default FILE_RETENTION) and reports what it freed. Also runs hourly and at boot.",
    body: Ops.CleanupRequest,
    emptyBodyIsObject: true,
    response: Ops.CleanupResponse,
    errors: ["StorageFailed"],
    example: {
      request: { max_age_hours: 24 },
      response: { success: true, message: "Cleanup completed", files_deleted: 4, space_freed_mb: 1.2, current_storage_mb: 3.4, downloads_mb: 3, screenshots_mb: 0.4 }
    }
  },
  {
    id: "files",
    method: "GET",
    path: "/files/*",
    summary: "Download a file this service produced",
    description: "Result spreadsheets, screenshots and debug bundles, by the URL an operation returned. Only files under DATA_DIR/files are served; API_TOKEN applies.",
    rawResponses: { "application/octet-stream": "The file, as an attachment" },
    errors: ["FileNotFound"]
  }
]
