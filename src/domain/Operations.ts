/**
 * The seed's request and response bodies, as schemas shared by REST, RPC and the embedding API.
 * Field names are the seed's snake_case wire names so existing clients work unchanged. Requests
 * ignore unknown fields (old clients still send `keep_browser_alive`, `capture_screens`, `mode`,
 * `manifested_date`…); conditional requirements (credentials OR session_id, phase fields) are
 * checked by the operations layer, which words its errors as the seed did.
 */
import { Schema } from "effect"

/** What /health reports as `service` and `version` (the OpenAPI document declares the same version). */
export const SERVICE_NAME = "E-Modal Business Operations API"
export const SERVICE_VERSION = "2.0.0"

/** The longest idempotency key accepted: Idempotency-Key header, RPC `idempotency_key`, `request_id`. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200

const Str = (max: number) => Schema.String.check(Schema.isMaxLength(max))
const opt = Schema.optionalKey

/** U+0000–U+001F and U+007F. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/
export const CONTROL_CHARACTERS_MESSAGE = "must not contain control characters (U+0000–U+001F, U+007F)"

/**
 * Credentials never contain control characters. Without this check `"de\u0000mo"` would be a
 * second account to the pool (another fingerprint, another Chrome) but the same one to the portal,
 * which ends the first session's login: "one login per credentials" would not hold.
 */
const noControlCharacters = Schema.isPattern(/^[^\u0000-\u001f\u007f]*$/, { message: CONTROL_CHARACTERS_MESSAGE })
const Username = Str(256).check(noControlCharacters)
const Secret = Schema.Redacted(Str(4096).check(noControlCharacters))

/** How a request names its browser session: an id, or credentials, or both (id first). */
export const SessionSelectorFields = {
  session_id: opt(Str(200)),
  username: opt(Username),
  password: opt(Secret),
  captcha_api_key: opt(Secret),
  /** Pin the session: never evicted, re-logged in rather than dropped when a refresh fails. */
  never_terminate: opt(Schema.Boolean),
  /** Keep the session logged in with periodic refreshes (default true, as the seed). */
  keep_alive: opt(Schema.Boolean)
}

/** Per-request extras the seed accepted on most endpoints. */
export const CommonOptionFields = {
  /** Capture per-step screenshots, HTML and a step log into a debug ZIP. */
  debug: opt(Schema.Boolean),
  /** Label for screenshots in debug bundles (default: the username). */
  screens_label: opt(Str(200))
}

// ---------------------------------------------------------------------------------------------
// Sessions

export const GetSessionRequest = Schema.Struct({
  username: Username.check(Schema.isMinLength(1)),
  password: Secret,
  captcha_api_key: opt(Secret),
  never_terminate: opt(Schema.Boolean),
  keep_alive: opt(Schema.Boolean)
})
export type GetSessionRequest = typeof GetSessionRequest.Type

export const GetSessionResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new: Schema.Boolean,
  username: Schema.String,
  created_at: Schema.String,
  expires_at: Schema.Null,
  message: Schema.String,
  never_terminate: Schema.Boolean,
  keep_alive: Schema.Boolean
})
export type GetSessionResponse = typeof GetSessionResponse.Type

export const SessionIdRequest = Schema.Struct({
  session_id: Str(200)
})
export type SessionIdRequest = typeof SessionIdRequest.Type

export const PingSessionRequest = Schema.Struct({
  session_id: Str(200),
  /** Optionally pin or unpin the session while pinging it. */
  never_terminate: opt(Schema.Boolean),
  keep_alive: opt(Schema.Boolean)
})
export type PingSessionRequest = typeof PingSessionRequest.Type

export const PingSessionResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  last_used: Schema.String,
  never_terminate: Schema.Boolean,
  keep_alive: Schema.Boolean
})
export type PingSessionResponse = typeof PingSessionResponse.Type

export const CloseSessionResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  message: Schema.String
})
export type CloseSessionResponse = typeof CloseSessionResponse.Type

export const SessionSummary = Schema.Struct({
  session_id: Schema.String,
  username: Schema.String,
  created_at: Schema.String,
  last_used: Schema.String,
  last_refresh: Schema.NullOr(Schema.String),
  keep_alive: Schema.Boolean,
  never_terminate: Schema.Boolean,
  busy: Schema.Boolean,
  queued: Schema.Int,
  uses: Schema.Int,
  consecutive_errors: Schema.Int,
  age_seconds: Schema.Int,
  /** Origin and path of the page the session last showed (no query string: it may hold tokens). */
  current_url: Schema.NullOr(Schema.String),
  state: Schema.Literals(["logging_in", "ready", "busy", "refreshing", "closing"])
})
export type SessionSummary = typeof SessionSummary.Type

export const ListSessionsResponse = Schema.Struct({
  active_sessions: Schema.Int,
  sessions: Schema.Array(SessionSummary)
})
export type ListSessionsResponse = typeof ListSessionsResponse.Type

// ---------------------------------------------------------------------------------------------
// Containers

/** One row of the containers grid, the 18 columns in portal order. */
export const Container = Schema.Struct({
  container_id: Schema.String,
  trade_type: Schema.String,
  status: Schema.String,
  holds: Schema.String,
  pregate_ticket: Schema.String,
  emodal_pregate_status: Schema.String,
  gate_status: Schema.String,
  origin: Schema.String,
  destination: Schema.String,
  current_loc: Schema.String,
  line: Schema.String,
  vessel_name: Schema.String,
  vessel_code: Schema.String,
  voyage: Schema.String,
  size_type: Schema.String,
  fees: Schema.String,
  lfd_gtd: Schema.String,
  tags: Schema.String
})
export type Container = typeof Container.Type

/** The grid's column headers, exactly as the portal prints them, in order (SEED-SYSTEM §3.4.1). */
export const CONTAINER_COLUMNS: ReadonlyArray<readonly [keyof Container, string]> = [
  ["container_id", "Container #"],
  ["trade_type", "Trade Type"],
  ["status", "Status"],
  ["holds", "Holds"],
  ["pregate_ticket", "Pregate Ticket#"],
  ["emodal_pregate_status", "Emodal Pregate Status"],
  ["gate_status", "Gate Status"],
  ["origin", "Origin"],
  ["destination", "Destination"],
  ["current_loc", "Current Loc"],
  ["line", "Line"],
  ["vessel_name", "Vessel Name"],
  ["vessel_code", "Vessel Code"],
  ["voyage", "Voyage"],
  ["size_type", "Size Type"],
  ["fees", "Fees"],
  ["lfd_gtd", "LFD/GTD"],
  ["tags", "Tags"]
]

export const GetContainersRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  /** Mode "all": scroll to the end of the list (default true, as the seed's code). */
  infinite_scrolling: opt(Schema.Boolean),
  /** Mode "target_count": stop once N containers are loaded; the file holds exactly N rows. */
  target_count: opt(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(100_000))),
  /** Mode "find_container": stop once this container is loaded. */
  target_container_id: opt(Str(64)),
  /** true: JSON with file_url; false (default, as the seed): the xlsx itself. */
  return_url: opt(Schema.Boolean),
  /** Also return the rows as JSON (`containers`). */
  include_rows: opt(Schema.Boolean)
})
export type GetContainersRequest = typeof GetContainersRequest.Type

export const GetContainersResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  file_url: Schema.String,
  file_name: Schema.String,
  file_size: Schema.Int,
  total_containers: Schema.Int,
  scroll_cycles: Schema.Int,
  mode: Schema.Literals(["all", "target_count", "find_container", "first_page"]),
  found_target_container: opt(Schema.Boolean),
  stopped_reason: Schema.String,
  debug_bundle_url: opt(Schema.String),
  containers: opt(Schema.Array(Container))
})
export type GetContainersResponse = typeof GetContainersResponse.Type

/** Streaming progress of get_containers (RPC): rows loaded so far, then the result. */
export const ContainersProgress = Schema.Union([
  Schema.Struct({ type: Schema.Literal("progress"), rows_loaded: Schema.Int, scroll_cycles: Schema.Int }),
  Schema.Struct({ type: Schema.Literal("result"), result: GetContainersResponse })
])
export type ContainersProgress = typeof ContainersProgress.Type

// ---------------------------------------------------------------------------------------------
// Timeline and booking number

export const ContainerLookupRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  container_id: opt(Str(64)),
  /** Alias of container_id accepted by the seed. */
  container: opt(Str(64))
})
export type ContainerLookupRequest = typeof ContainerLookupRequest.Type

export const Milestone = Schema.Struct({
  milestone: Schema.String,
  date: Schema.String,
  status: Schema.Literals(["completed", "pending"])
})
export type Milestone = typeof Milestone.Type

export const ImageAnalysis = Schema.Struct({
  average_brightness: Schema.Number,
  threshold: Schema.Number,
  average_color_rgb: Schema.Tuple([Schema.Number, Schema.Number, Schema.Number])
})

export const TimelineResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  container_id: Schema.String,
  passed_pregate: Schema.Boolean,
  timeline: Schema.Array(Milestone),
  milestone_count: Schema.Int,
  detection_method: Schema.Literals(["dom_class_check", "image_processing"]),
  image_analysis: opt(ImageAnalysis),
  screenshot_url: opt(Schema.String),
  debug_bundle_url: opt(Schema.String)
})
export type TimelineResponse = typeof TimelineResponse.Type

export const BookingNumberResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  container_id: Schema.String,
  booking_number: Schema.NullOr(Schema.String),
  message: opt(Schema.String),
  debug_bundle_url: opt(Schema.String)
})
export type BookingNumberResponse = typeof BookingNumberResponse.Type

// ---------------------------------------------------------------------------------------------
// My Appointments

export const GetAppointmentsRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  /** Read by the seed but unused; accepted for compatibility. */
  infinite_scrolling: opt(Schema.Boolean),
  /** Select the first N appointments. */
  target_count: opt(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(100_000))),
  /** Select only the appointment with this id or confirmation number (unimplemented in the seed). */
  target_appointment_id: opt(Str(128))
})
export type GetAppointmentsRequest = typeof GetAppointmentsRequest.Type

export const GetAppointmentsResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  selected_count: Schema.Int,
  file_url: Schema.String,
  file_name: Schema.String,
  file_size: Schema.Int,
  debug_bundle_url: opt(Schema.String)
})
export type GetAppointmentsResponse = typeof GetAppointmentsResponse.Type

// ---------------------------------------------------------------------------------------------
// Appointment wizard

/** `own_chassis`: true/false, or null / "ignore" to leave the toggle as the portal set it. */
export const OwnChassis = Schema.Union([
  Schema.Boolean,
  Schema.Null,
  Schema.Literals(["ignore", "IGNORE", "Ignore", "true", "false", "yes", "no", "YES", "NO", "True", "False"])
])

export const AppointmentFields = {
  container_type: opt(Schema.String.check(Schema.isMaxLength(16))),
  trucking_company: opt(Str(200)),
  terminal: opt(Str(200)),
  move_type: opt(Str(100)),
  container_id: opt(Str(64)),
  booking_number: opt(Str(64)),
  line: opt(Str(64)),
  equip_size: opt(Str(64)),
  quantity: opt(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(99))),
  truck_plate: opt(Str(64)),
  own_chassis: opt(OwnChassis),
  pin_code: opt(Str(32)),
  unit_number: opt(Str(32)),
  seal_value: opt(Str(64)),
  /** Screenshot label only, as the seed. */
  container_number: opt(Str(64)),
  /** Accepted and ignored, as the seed. */
  vm_email: opt(Str(320))
}

export const CheckAppointmentsRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  ...AppointmentFields,
  appointment_session_id: opt(Str(200))
})
export type CheckAppointmentsRequest = typeof CheckAppointmentsRequest.Type

export const PhaseData = Schema.Record(Schema.String, Schema.Unknown)

export const CheckAppointmentsResponse = Schema.Struct({
  success: Schema.Literal(true),
  container_type: Schema.Literals(["import", "export"]),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  appointment_session_id: Schema.String,
  current_phase: Schema.Int,
  phase_data: PhaseData,
  available_times: opt(Schema.Array(Schema.String)),
  count: opt(Schema.Int),
  /** Export: the calendar's open dates (MM/DD/YYYY); `available_times` holds every date's times. */
  available_dates: opt(Schema.Array(Schema.String)),
  dropdown_screenshot_url: opt(Schema.NullOr(Schema.String)),
  calendar_found: opt(Schema.Boolean),
  calendar_screenshot_url: opt(Schema.NullOr(Schema.String)),
  selected_truck_plate: opt(Schema.String),
  debug_bundle_url: opt(Schema.String)
})
export type CheckAppointmentsResponse = typeof CheckAppointmentsResponse.Type

export const MakeAppointmentRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  ...AppointmentFields,
  appointment_session_id: opt(Str(200)),
  appointment_time: opt(Str(100)),
  /** Idempotency key (also accepted as the Idempotency-Key header). */
  request_id: opt(Str(MAX_IDEMPOTENCY_KEY_LENGTH))
})
export type MakeAppointmentRequest = typeof MakeAppointmentRequest.Type

export const MakeAppointmentResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  appointment_confirmed: Schema.Boolean,
  confirmation_number: Schema.String,
  appointment_session_id: opt(Schema.String),
  appointment_details: Schema.Record(Schema.String, Schema.Unknown),
  selected_truck_plate: opt(Schema.String),
  debug_bundle_url: opt(Schema.String),
  idempotent_replay: opt(Schema.Boolean)
})
export type MakeAppointmentResponse = typeof MakeAppointmentResponse.Type

// ---------------------------------------------------------------------------------------------
// Bulk

const ContainerList = Schema.Array(Str(64)).check(Schema.isMaxLength(500))

export const GetInfoBulkRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  import_containers: opt(ContainerList),
  export_containers: opt(ContainerList)
})
export type GetInfoBulkRequest = typeof GetInfoBulkRequest.Type

export const ImportItemResult = Schema.Struct({
  container_id: Schema.String,
  success: Schema.Boolean,
  pregate_status: Schema.NullOr(Schema.Boolean),
  pregate_details: Schema.NullOr(Schema.Struct({ detection_method: Schema.String })),
  timeline: Schema.Array(Milestone),
  milestone_count: Schema.Int,
  error: opt(Schema.String),
  error_type: opt(Schema.String)
})

export const ExportItemResult = Schema.Struct({
  container_id: Schema.String,
  success: Schema.Boolean,
  booking_number: Schema.NullOr(Schema.String),
  error: opt(Schema.String),
  error_type: opt(Schema.String)
})

export const GetInfoBulkResponse = Schema.Struct({
  success: Schema.Literal(true),
  session_id: Schema.String,
  is_new_session: Schema.Boolean,
  results: Schema.Struct({
    import_results: Schema.Array(ImportItemResult),
    export_results: Schema.Array(ExportItemResult),
    summary: Schema.Struct({
      total_import: Schema.Int,
      total_export: Schema.Int,
      import_success: Schema.Int,
      import_failed: Schema.Int,
      export_success: Schema.Int,
      export_failed: Schema.Int
    })
  }),
  message: Schema.String,
  debug_bundle_url: opt(Schema.String)
})
export type GetInfoBulkResponse = typeof GetInfoBulkResponse.Type

// ---------------------------------------------------------------------------------------------
// Housekeeping

export const CleanupRequest = Schema.Struct({
  /** Delete files older than this many hours (default FILE_RETENTION; the seed ignored it). */
  max_age_hours: opt(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(24 * 365)))
})
export type CleanupRequest = typeof CleanupRequest.Type

export const CleanupResponse = Schema.Struct({
  success: Schema.Literal(true),
  message: Schema.String,
  files_deleted: Schema.Int,
  space_freed_mb: Schema.Number,
  current_storage_mb: Schema.Number,
  downloads_mb: Schema.Number,
  screenshots_mb: Schema.Number
})
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

/** The latest contacts with one target (times are ISO 8601; null before the first such contact). */
export const PortalContactStatus = Schema.Struct({
  last_outcome: Schema.NullOr(Schema.Literals(["ok", "failed"])),
  last_contact_at: Schema.NullOr(Schema.String),
  last_success_at: Schema.NullOr(Schema.String),
  last_failure_at: Schema.NullOr(Schema.String),
  /** What the latest failure was (kept after a later success, for the record). */
  last_error_kind: Schema.NullOr(ContactFailureKind),
  last_http_status: Schema.NullOr(Schema.Int),
  /** Failed contacts since the latest success. */
  consecutive_failures: Schema.Int,
  /** The latest contact failed, within the recent window. */
  failing: Schema.Boolean
})
export type PortalContactStatus = typeof PortalContactStatus.Type

/** /health's `portal` section: `degraded` while any target is failing, with one reason per target. */
export const PortalHealthReport = Schema.Struct({
  status: Schema.Literals(["ok", "degraded"]),
  reasons: Schema.Array(Schema.String),
  /** A failed latest contact counts for this long (unless a success follows). */
  recent_window_seconds: Schema.Int,
  hosts: Schema.Struct({
    identity: PortalContactStatus,
    ecp2: PortalContactStatus,
    termops: PortalContactStatus,
    truckerportal: PortalContactStatus,
    captcha_solver: PortalContactStatus
  })
})
export type PortalHealthReport = typeof PortalHealthReport.Type

export const HealthResponse = Schema.Struct({
  /** "degraded" while the portal section is (the answer is 200 either way). */
  status: Schema.Literals(["healthy", "degraded"]),
  service: Schema.String,
  version: Schema.String,
  active_sessions: Schema.Int,
  max_sessions: Schema.Int,
  session_capacity: Schema.String,
  persistent_sessions: Schema.Int,
  timestamp: Schema.String,
  pool: Schema.Struct({
    busy: Schema.Int,
    idle: Schema.Int,
    pinned: Schema.Int,
    logging_in: Schema.Int,
    waiting_for_slot: Schema.Int,
    logins_total: Schema.Int,
    evictions_total: Schema.Int,
    refreshes_total: Schema.Int,
    refresh_failures_total: Schema.Int,
    crashes_total: Schema.Int
  }),
  appointment_workflows: Schema.Int,
  uptime_seconds: Schema.Int,
  portal: PortalHealthReport
})
export type HealthResponse = typeof HealthResponse.Type
