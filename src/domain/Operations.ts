/**
 * The seed's request and response bodies, as schemas shared by REST, RPC and the embedding API.
 * Field names are the seed's snake_case wire names so existing clients work unchanged; every field
 * carries the description the OpenAPI document shows. Requests ignore unknown fields (old clients
 * still send `keep_browser_alive`, `capture_screens`, `mode`, `manifested_date`…).
 *
 * Conditional requirements (credentials OR session_id, the appointment wizard's phase fields) are
 * checked by the operations layer, which words its errors as the seed did and knows the server's
 * configuration (a CAPTCHA_API_KEY makes `captcha_api_key` optional). The request schemas state
 * them for the document with `documentedRule`: a check that passes every value and contributes
 * only its JSON Schema, so what the document promises is what the operations layer enforces.
 */
import { Schema } from "effect"
import { Count, DebugBundleField, described, documentedRule, Finite, Flag, IsNewSessionField, type JsonSchema, opt, present, Secret, SESSION_OR_CREDENTIALS, SessionIdField, Str, Text, Timestamp, Username, CommonOptionFields, SessionSelectorFields } from "./Fields.ts"

/** What /health reports as `service` and `version` (the OpenAPI document declares the same version). */
export const SERVICE_NAME = "E-Modal Business Operations API"
export const SERVICE_VERSION = "2.0.0"

/** The longest idempotency key accepted: Idempotency-Key header, RPC `idempotency_key`, `request_id`. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200
// ---------------------------------------------------------------------------------------------
// Sessions

export const GetSessionRequest = Schema.Struct({
  username: Username("Portal username.").check(Schema.isMinLength(1)),
  password: Secret("Portal password (never logged or returned)."),
  captcha_api_key: opt(Secret("2captcha-compatible solver key; optional when the server has CAPTCHA_API_KEY.")),
  never_terminate: opt(Flag("Pin the session: never evicted, re-logged in rather than dropped when a refresh fails.")),
  keep_alive: opt(Flag("Keep the session logged in with periodic refreshes (default true)."))
}).check(documentedRule({
  // The key is optional only on a server with CAPTCHA_API_KEY; the document cannot know the server's.
  required: ["captcha_api_key"],
  properties: { password: { minLength: 1 }, captcha_api_key: { minLength: 1 } }
})).annotate({ description: "Portal credentials for a persistent session (`captcha_api_key` may be left out when the server has CAPTCHA_API_KEY)." })
export type GetSessionRequest = typeof GetSessionRequest.Type


export const GetSessionResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new: Flag("Whether this call logged in (true) or found the session of the same credentials (false)."),
  username: Text("The portal username of the session."),
  created_at: Timestamp("When the session logged in"),
  expires_at: described(Schema.Null, "Always null: sessions do not expire while kept alive (the seed's field)."),
  message: Text("\"New persistent session created\" or \"Using existing persistent session\"."),
  never_terminate: Flag("Whether the session is pinned."),
  keep_alive: Flag("Whether the session is refreshed periodically.")
}).annotate({ identifier: "GetSessionResponse", description: "The session to use in later requests." })
export type GetSessionResponse = typeof GetSessionResponse.Type

export const SessionIdRequest = Schema.Struct({
  session_id: Str(200, "The session to close.")
}).annotate({ description: "Names a session." })
export type SessionIdRequest = typeof SessionIdRequest.Type

export const PingSessionRequest = Schema.Struct({
  session_id: Str(200, "The session to keep alive."),
  never_terminate: opt(Flag("Pin (true) or unpin (false) the session while pinging it.")),
  keep_alive: opt(Flag("Turn periodic refreshes on or off."))
}).annotate({ description: "A session to mark used now, and optionally pin." })
export type PingSessionRequest = typeof PingSessionRequest.Type

/** The optional body of POST /ping_session/:session_id. */
export const PingSettingsRequest = Schema.Struct({
  never_terminate: opt(Flag("Pin (true) or unpin (false) the session while pinging it.")),
  keep_alive: opt(Flag("Turn periodic refreshes on or off."))
}).annotate({ description: "Optional settings to change while pinging (an empty body is fine)." })
export type PingSettingsRequest = typeof PingSettingsRequest.Type

export const PingSessionResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  last_used: Timestamp("When the session was last used (now)"),
  never_terminate: Flag("Whether the session is pinned."),
  keep_alive: Flag("Whether the session is refreshed periodically.")
}).annotate({ identifier: "PingSessionResponse", description: "The session, marked used now." })
export type PingSessionResponse = typeof PingSessionResponse.Type

export const CloseSessionResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: Text("The closed session."),
  message: Text("\"Session <id> closed\".")
}).annotate({ identifier: "CloseSessionResponse", description: "The session was closed: its Chrome, directories and credential mapping are gone." })
export type CloseSessionResponse = typeof CloseSessionResponse.Type

export const SessionSummary = Schema.Struct({
  session_id: SessionIdField,
  username: Text("The portal username of the session."),
  created_at: Timestamp("When the session logged in"),
  last_used: Timestamp("When an operation last used the session"),
  last_refresh: described(Schema.NullOr(Schema.String), "When the session was last refreshed (ISO 8601), or null."),
  keep_alive: Flag("Whether the session is refreshed periodically."),
  never_terminate: Flag("Whether the session is pinned."),
  busy: Flag("Whether an operation runs on the session now."),
  queued: Count("Requests waiting for the session."),
  uses: Count("Operations run on the session so far."),
  consecutive_errors: Count("Failed operations in a row (a session that keeps failing is replaced)."),
  age_seconds: Count("Seconds since the session logged in."),
  current_url: described(
    Schema.NullOr(Schema.String),
    "Origin and path of the page the session last showed (no query string: it may hold tokens), or null."
  ),
  state: described(Schema.Literals(["logging_in", "ready", "busy", "refreshing", "closing"]), "Lifecycle state of the session.")
}).annotate({ identifier: "SessionSummary", description: "A live browser session (never secrets or credential fingerprints)." })
export type SessionSummary = typeof SessionSummary.Type

export const ListSessionsResponse = Schema.Struct({
  active_sessions: Count("How many sessions are live."),
  sessions: described(Schema.Array(SessionSummary), "The live sessions.")
}).annotate({ identifier: "ListSessionsResponse", description: "The live browser sessions." })
export type ListSessionsResponse = typeof ListSessionsResponse.Type

// ---------------------------------------------------------------------------------------------
// Containers

/** One row of the containers grid, the 18 columns in portal order. */
export const Container = Schema.Struct({
  container_id: Text("Container #"),
  trade_type: Text("Trade Type (Import or Export)"),
  status: Text("Status"),
  holds: Text("Holds"),
  pregate_ticket: Text("Pregate Ticket#"),
  emodal_pregate_status: Text("Emodal Pregate Status"),
  gate_status: Text("Gate Status"),
  origin: Text("Origin"),
  destination: Text("Destination"),
  current_loc: Text("Current Loc"),
  line: Text("Line"),
  vessel_name: Text("Vessel Name"),
  vessel_code: Text("Vessel Code"),
  voyage: Text("Voyage"),
  size_type: Text("Size Type"),
  fees: Text("Fees"),
  lfd_gtd: Text("LFD/GTD"),
  tags: Text("Tags")
}).annotate({ identifier: "Container", description: "One row of the portal's containers grid (the columns as the portal prints them)." })
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

const TargetCount = (description: string) =>
  described(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(100_000)), description)

export const GetContainersRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  infinite_scrolling: opt(Flag("Mode \"all\": scroll to the end of the list (default true). false: the first page only.")),
  target_count: opt(TargetCount("Mode \"target_count\": stop once N containers are loaded; the file holds exactly N rows (fewer if the list is shorter).")),
  target_container_id: opt(Str(64, "Mode \"find_container\": stop once this container is loaded (wins over the other modes; blank is ignored).")),
  return_url: opt(Flag("true: answer JSON with `file_url`. false (default, as the seed): answer the xlsx itself, the session in the X-Session-Id header.")),
  include_rows: opt(Flag("Also return the rows as JSON (`containers`)."))
}).check(documentedRule(SESSION_OR_CREDENTIALS)).annotate({
  description: "Which session, and how much of the containers list to load."
})
export type GetContainersRequest = typeof GetContainersRequest.Type

export const GetContainersResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  file_url: Text("Absolute URL of the workbook (GET it with the same bearer token)."),
  file_name: Text("containers_scraped_<YYYYmmdd_HHMMSS>.xlsx"),
  file_size: Count("Bytes in the workbook."),
  total_containers: Count("Rows in the workbook."),
  scroll_cycles: Count("Scrolls it took to load them."),
  mode: described(Schema.Literals(["all", "target_count", "find_container", "first_page"]), "The loading mode the request selected."),
  found_target_container: opt(Flag("Mode \"find_container\": whether the container was found.")),
  stopped_reason: Text("Why loading stopped, e.g. \"End of list reached\"."),
  debug_bundle_url: DebugBundleField,
  containers: opt(described(Schema.Array(Container), "The rows, with `include_rows: true`."))
}).annotate({ identifier: "GetContainersResponse", description: "The containers workbook, by URL." })
export type GetContainersResponse = typeof GetContainersResponse.Type

/** Progress of a list being loaded (containers, My Appointments): rows so far. */
export const RowsProgress = Schema.Struct({
  rows_loaded: Count("Rows loaded so far."),
  scroll_cycles: Count("Scrolls so far.")
}).annotate({ identifier: "RowsProgress", description: "Rows of the list loaded so far." })
export type RowsProgress = typeof RowsProgress.Type

/** Streaming progress of get_containers (RPC): rows loaded so far, then the result. */
export const ContainersProgress = Schema.Union([
  Schema.Struct({ type: Schema.Literal("progress"), rows_loaded: Schema.Int, scroll_cycles: Schema.Int }),
  Schema.Struct({ type: Schema.Literal("result"), result: GetContainersResponse })
])
export type ContainersProgress = typeof ContainersProgress.Type

// ---------------------------------------------------------------------------------------------
// Timeline and booking number

const CONTAINER_ID_GIVEN: JsonSchema = {
  anyOf: [
    present("container_id"),
    { allOf: [{ not: { required: ["container_id"], properties: { container_id: {} } } }, present("container")] }
  ]
}

export const ContainerLookupRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  container_id: opt(Str(64, "The container, e.g. MSDU1234567 (required, or its alias `container`).")),
  container: opt(Str(64, "Alias of `container_id` accepted by the seed (used when `container_id` is absent)."))
}).check(documentedRule({ allOf: [SESSION_OR_CREDENTIALS, CONTAINER_ID_GIVEN] })).annotate({
  description: "Which session, and which container."
})
export type ContainerLookupRequest = typeof ContainerLookupRequest.Type

export const Milestone = Schema.Struct({
  milestone: Text("The milestone's name, e.g. \"Pregate\"."),
  date: Text("Its date as the portal prints it (MM/DD/YYYY HH:MM), or \"N/A\"."),
  status: described(Schema.Literals(["completed", "pending"]), "Whether the milestone is reached.")
}).annotate({ identifier: "Milestone", description: "One step of a container's timeline." })
export type Milestone = typeof Milestone.Type

export const ImageAnalysis = Schema.Struct({
  average_brightness: Finite("Mean brightness (0-255) of the Pregate divider's screenshot."),
  threshold: Finite("Brightness under which the divider counts as passed."),
  average_color_rgb: described(
    Schema.Tuple([Schema.Finite, Schema.Finite, Schema.Finite]),
    "Mean red, green and blue (0-255) of the screenshot."
  )
}).annotate({ identifier: "ImageAnalysis", description: "How `image_processing` decided `passed_pregate`." })

export const TimelineResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  container_id: Text("The container."),
  passed_pregate: Flag("Whether the container passed Pregate."),
  timeline: described(Schema.Array(Milestone), "Milestones, newest first."),
  milestone_count: Count("Milestones in `timeline`."),
  detection_method: described(
    Schema.Literals(["dom_class_check", "image_processing"]),
    "How `passed_pregate` was decided: the divider's classes, or the brightness of its screenshot when they are ambiguous."
  ),
  image_analysis: opt(ImageAnalysis),
  screenshot_url: opt(Text("Absolute URL of a screenshot of the expanded row.")),
  debug_bundle_url: DebugBundleField
}).annotate({ identifier: "TimelineResponse", description: "A container's timeline and Pregate status." })
export type TimelineResponse = typeof TimelineResponse.Type

export const BookingNumberResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  container_id: Text("The container."),
  booking_number: described(Schema.NullOr(Schema.String), "The booking number, or null when the portal shows N/A."),
  message: opt(Text("\"Booking number not available\" when `booking_number` is null.")),
  debug_bundle_url: DebugBundleField
}).annotate({ identifier: "BookingNumberResponse", description: "A container's booking number." })
export type BookingNumberResponse = typeof BookingNumberResponse.Type

// ---------------------------------------------------------------------------------------------
// My Appointments

export const GetAppointmentsRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  infinite_scrolling: opt(Flag("Read by the seed but unused; accepted for compatibility.")),
  target_count: opt(TargetCount("Select the first N appointments.")),
  target_appointment_id: opt(Str(128, "Select only the appointment with this number or id (wins over `target_count`; blank is ignored)."))
}).check(documentedRule(SESSION_OR_CREDENTIALS)).annotate({
  description: "Which session, and which appointments to export (default: all)."
})
export type GetAppointmentsRequest = typeof GetAppointmentsRequest.Type

export const GetAppointmentsResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  selected_count: Count("Appointments selected for the export."),
  file_url: Text("Absolute URL of the portal's export (GET it with the same bearer token)."),
  file_name: Text("appointments_<YYYYmmdd_HHMMSS>.xlsx (or .xls, as the portal exported it)."),
  file_size: Count("Bytes in the file."),
  debug_bundle_url: DebugBundleField
}).annotate({ identifier: "GetAppointmentsResponse", description: "The My Appointments export, by URL." })
export type GetAppointmentsResponse = typeof GetAppointmentsResponse.Type

// ---------------------------------------------------------------------------------------------
// Bulk

const ContainerList = (description: string) =>
  described(Schema.Array(Schema.String.check(Schema.isMaxLength(64))).check(Schema.isMaxLength(500)), description)

export const GetInfoBulkRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  import_containers: opt(ContainerList("Imports: each one's timeline and Pregate status.")),
  export_containers: opt(ContainerList("Exports: each one's booking number."))
}).check(documentedRule({
  allOf: [
    SESSION_OR_CREDENTIALS,
    {
      anyOf: [
        { required: ["import_containers"], properties: { import_containers: { minItems: 1 } } },
        { required: ["export_containers"], properties: { export_containers: { minItems: 1 } } }
      ]
    }
  ]
})).annotate({ description: "Which session, and at least one container (import or export)." })
export type GetInfoBulkRequest = typeof GetInfoBulkRequest.Type

const ItemError = {
  error: opt(Text("Why this item failed.")),
  error_type: opt(Text("Machine-readable kind of the item's failure, e.g. container_not_found."))
}

export const ImportItemResult = Schema.Struct({
  container_id: Text("The container."),
  success: Flag("Whether this item succeeded."),
  pregate_status: described(Schema.NullOr(Schema.Boolean), "Whether it passed Pregate (null when unknown)."),
  pregate_details: described(
    Schema.NullOr(Schema.Struct({ detection_method: Text("dom_class_check or image_processing.") })),
    "How Pregate was decided (null when unknown)."
  ),
  timeline: described(Schema.Array(Milestone), "Milestones, newest first."),
  milestone_count: Count("Milestones in `timeline`."),
  ...ItemError
}).annotate({ identifier: "ImportItemResult", description: "One import's timeline." })

export const ExportItemResult = Schema.Struct({
  container_id: Text("The container."),
  success: Flag("Whether this item succeeded."),
  booking_number: described(Schema.NullOr(Schema.String), "The booking number (null when not available or failed)."),
  ...ItemError
}).annotate({ identifier: "ExportItemResult", description: "One export's booking number." })

export const GetInfoBulkResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success (items can still fail: see `summary`)."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  results: Schema.Struct({
    import_results: described(Schema.Array(ImportItemResult), "One result per import, in request order."),
    export_results: described(Schema.Array(ExportItemResult), "One result per export, in request order."),
    summary: Schema.Struct({
      total_import: Count("Imports asked for."),
      total_export: Count("Exports asked for."),
      import_success: Count("Imports that succeeded."),
      import_failed: Count("Imports that failed."),
      export_success: Count("Exports that succeeded."),
      export_failed: Count("Exports that failed.")
    }).annotate({ description: "Counts of successes and failures." })
  }).annotate({ description: "Per-item results and their summary." }),
  message: Text("\"Bulk processing completed: N successful, M failed\"."),
  debug_bundle_url: DebugBundleField
}).annotate({ identifier: "GetInfoBulkResponse", description: "Every container's result; one failure never fails the others." })
export type GetInfoBulkResponse = typeof GetInfoBulkResponse.Type

/** Progress of get_info_bulk: one event per finished item. */
export const BulkProgress = Schema.Struct({
  items_done: Count("Items finished so far."),
  items_total: Count("Items asked for."),
  container_id: Text("The item just finished."),
  kind: described(Schema.Literals(["import", "export"]), "Which list the item came from."),
  success: Flag("Whether the item succeeded.")
}).annotate({ identifier: "BulkProgress", description: "A container of the bulk request is done." })
export type BulkProgress = typeof BulkProgress.Type
