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

/** What /health reports as `service` and `version` (the OpenAPI document declares the same version). */
export const SERVICE_NAME = "E-Modal Business Operations API"
export const SERVICE_VERSION = "2.0.0"

/** The longest idempotency key accepted: Idempotency-Key header, RPC `idempotency_key`, `request_id`. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200

const opt = Schema.optionalKey

/** A string of at most `max` characters, described. */
const Str = (max: number, description: string) => Schema.String.check(Schema.isMaxLength(max)).annotate({ description })
/** A described schema. */
const described = <S extends Schema.Top>(schema: S, description: string): S["Rebuild"] => schema.annotate({ description })
const Text = (description: string) => described(Schema.String, description)
const Flag = (description: string) => described(Schema.Boolean, description)
const Count = (description: string) => described(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), description)
/** A finite number (JSON has no Infinity or NaN, and neither does the document). */
const Finite = (description: string) => described(Schema.Finite, description)

/** U+0000–U+001F and U+007F. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/
export const CONTROL_CHARACTERS_MESSAGE = "must not contain control characters (U+0000–U+001F, U+007F)"

/**
 * Credentials never contain control characters. Without this check `"de\u0000mo"` would be a
 * second account to the pool (another fingerprint, another Chrome) but the same one to the portal,
 * which ends the first session's login: "one login per credentials" would not hold.
 */
const noControlCharacters = Schema.makeFilter<string>((s) => !CONTROL_CHARACTERS.test(s) || CONTROL_CHARACTERS_MESSAGE, {
  toJsonSchema: () => ({ pattern: "^[^\\u0000-\\u001f\\u007f]*$" })
})
const Username = (description: string) => Schema.String.check(Schema.isMaxLength(256), noControlCharacters).annotate({ description })
/** A secret: Redacted in memory, a plain string on the wire (the description sits on the wire form). */
const Secret = (description: string) =>
  Schema.Redacted(Schema.String.check(Schema.isMaxLength(4096), noControlCharacters).annotate({ description }))

// ---------------------------------------------------------------------------------------------
// Rules the operations layer enforces, stated for the document

type JsonSchema = Record<string, unknown>

/**
 * A rule of a request that the operations layer checks (with the seed's wording, and knowing the
 * server's configuration), stated here for the OpenAPI document: a check that passes every value
 * and contributes `jsonSchema` to the request's JSON Schema.
 */
const documentedRule = <T>(jsonSchema: JsonSchema) => Schema.makeFilter<T>(() => true, { toJsonSchema: () => jsonSchema })

/** A string with at least one character that is not whitespace (the operations layer trims). */
const NOT_BLANK: JsonSchema = { type: "string", pattern: "\\S" }

const present = (...fields: ReadonlyArray<string>): JsonSchema => ({
  required: fields,
  properties: Object.fromEntries(fields.map((f) => [f, NOT_BLANK]))
})

/** The session comes from `session_id`, or from the credentials (CAPTCHA_API_KEY may stand in for the key). */
const SESSION_OR_CREDENTIALS: JsonSchema = {
  anyOf: [
    { required: ["session_id"], properties: { session_id: { minLength: 1 } } },
    {
      required: ["username", "password", "captcha_api_key"],
      properties: { username: { minLength: 1 }, password: { minLength: 1 }, captcha_api_key: { minLength: 1 } }
    }
  ]
}

/** Phase 1 of the wizard: the three selects, then the container (import) or the booking (export). */
const PHASE_1_FIELDS: JsonSchema = {
  allOf: [
    present("trucking_company", "terminal", "move_type"),
    {
      if: { required: ["container_type"], properties: { container_type: { const: "export" } } },
      then: present("booking_number"),
      else: { anyOf: [present("container_id"), present("line", "equip_size")] }
    }
  ]
}

/** Phase 2: a truck plate (`""` is the wildcard: any plate the portal offers). */
const PHASE_2_FIELDS: JsonSchema = { required: ["truck_plate"] }

const RESUME: JsonSchema = { required: ["appointment_session_id"], properties: { appointment_session_id: { minLength: 1 } } }

// ---------------------------------------------------------------------------------------------
// Session selection, shared by the business requests

/** How a request names its browser session: an id, or credentials, or both (id first). */
export const SessionSelectorFields = {
  session_id: opt(Str(200, "A session from /get_session (or an earlier answer). Unknown with credentials: a session from the credentials; unknown without: 404.")),
  username: opt(Username("Portal username; with `password` (and `captcha_api_key`) used when there is no `session_id`. Sessions are reused per username and password.")),
  password: opt(Secret("Portal password (never logged or returned).")),
  captcha_api_key: opt(Secret("2captcha-compatible solver key for the login's reCAPTCHA; optional when the server has CAPTCHA_API_KEY.")),
  never_terminate: opt(Flag("Pin the session: never evicted, re-logged in rather than dropped when a refresh fails.")),
  keep_alive: opt(Flag("Keep the session logged in with periodic refreshes (default true)."))
}

/** Per-request extras the seed accepted on most endpoints. */
export const CommonOptionFields = {
  debug: opt(Flag("Capture per-step screenshots, HTML and a step log into a debug ZIP (`debug_bundle_url`, on failures too).")),
  screens_label: opt(Str(200, "Label for screenshots in debug bundles (default: the username)."))
}

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

const SessionIdField = Text("The browser session (a bearer secret: whoever holds it drives the logged-in session).")
const IsNewSessionField = Flag("Whether this request logged in (true) or reused a live session (false).")
const Timestamp = (description: string) => described(Schema.String, `${description} (ISO 8601, UTC).`)
const DebugBundleField = opt(Text("The debug ZIP of this run (with `debug: true`)."))

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
// Appointment wizard

/** `own_chassis`: true/false, or null / "ignore" to leave the toggle as the portal set it. */
export const OwnChassis = Schema.Union([
  Schema.Boolean,
  Schema.Null,
  Schema.Literals(["ignore", "IGNORE", "Ignore", "true", "false", "yes", "no", "YES", "NO", "True", "False"])
]).annotate({ description: "Own chassis: true/false (or \"yes\"/\"no\"); null or \"ignore\" leaves the portal's toggle as it is." })

/**
 * `container_type`: "import" or "export". The operations layer trims it and ignores letter case,
 * and refuses anything else with the seed's wording, so the schema keeps it a string and states
 * the two values for the document.
 */
export const ContainerType = Schema.String.check(
  documentedRule({ enum: ["import", "export"] }),
  Schema.isMaxLength(16)
).annotate({ description: "Import or export (the server also accepts other letter cases and surrounding spaces)." })

export const AppointmentFields = {
  container_type: opt(ContainerType),
  trucking_company: opt(Str(200, "Phase 1: the trucking company, as listed in the portal's dropdown.")),
  terminal: opt(Str(200, "Phase 1: the terminal, e.g. \"ITS Long Beach\".")),
  move_type: opt(Str(100, "Phase 1: the move type, e.g. \"PICK FULL\" or \"DROP EMPTY\".")),
  container_id: opt(Str(64, "Phase 1 (import): the container; or give `line` and `equip_size` instead (the alternative form).")),
  booking_number: opt(Str(64, "Phase 1 (export): the booking number.")),
  line: opt(Str(64, "Phase 1 (import, alternative form): the line.")),
  equip_size: opt(Str(64, "Phase 1 (import, alternative form): the equipment size.")),
  quantity: opt(described(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(99)), "Phase 1 (export): how many containers.")),
  truck_plate: opt(Str(64, "Phase 2: the truck plate, one the portal offers; \"\" takes any offered plate.")),
  own_chassis: opt(OwnChassis),
  pin_code: opt(Str(32, "Phase 2: the PIN code, when the terminal asks for one.")),
  unit_number: opt(Str(32, "Phase 2: the unit number, when the terminal asks for one.")),
  seal_value: opt(Str(64, "Phase 2 (export): the seal values.")),
  container_number: opt(Str(64, "Screenshot label only, as the seed.")),
  vm_email: opt(Str(320, "Accepted and ignored, as the seed."))
}

export const CheckAppointmentsRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  ...AppointmentFields,
  appointment_session_id: opt(Str(200, "Resume this workflow (from an earlier answer or error) with only the missing or corrected fields."))
}).check(documentedRule({
  anyOf: [RESUME, { allOf: [{ required: ["container_type"] }, SESSION_OR_CREDENTIALS, PHASE_1_FIELDS, PHASE_2_FIELDS] }]
})).annotate({
  description:
    "A new workflow needs `container_type`, a session (or credentials), the phase 1 fields (trucking company, terminal, move type, and the container (import: `container_id`, or `line` and `equip_size`) or the booking number (export)) and `truck_plate`. A request that stops at a missing field answers 400 `missing_fields` with an `appointment_session_id`; resume it with that id and only the missing fields."
})
export type CheckAppointmentsRequest = typeof CheckAppointmentsRequest.Type

export const PhaseData = Schema.Record(Schema.String, Schema.Unknown).annotate({
  description: "The wizard fields the workflow holds so far (no credentials)."
})

export const CheckAppointmentsResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  container_type: described(Schema.Literals(["import", "export"]), "The workflow's container type."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  appointment_session_id: Text("The workflow: send it to make_appointment (or back here) to continue."),
  current_phase: described(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(4)), "The wizard step the workflow is at (3: choosing a time)."),
  phase_data: PhaseData,
  available_times: opt(described(Schema.Array(Schema.String), "The open times, as make_appointment's `appointment_time` accepts them.")),
  count: opt(Count("How many times are open.")),
  available_dates: opt(described(Schema.Array(Schema.String), "Export: the calendar's open dates (MM/DD/YYYY); `available_times` holds every date's times.")),
  dropdown_screenshot_url: opt(described(Schema.NullOr(Schema.String), "Screenshot of the time dropdown, when taken.")),
  calendar_found: opt(Flag("Export: whether the calendar was found.")),
  calendar_screenshot_url: opt(described(Schema.NullOr(Schema.String), "Screenshot of the calendar, when taken.")),
  selected_truck_plate: opt(Text("The plate the wizard selected.")),
  debug_bundle_url: DebugBundleField
}).annotate({ identifier: "CheckAppointmentsResponse", description: "The open appointment times; nothing was booked." })
export type CheckAppointmentsResponse = typeof CheckAppointmentsResponse.Type

const EXPORT_TIME_HAS_DATE: JsonSchema = {
  if: {
    required: ["container_type"],
    properties: { container_type: { const: "export" } },
    not: { required: ["appointment_session_id"], properties: { appointment_session_id: { minLength: 1 } } }
  },
  then: { properties: { appointment_time: { pattern: "\\d{1,2}/\\d{1,2}/\\d{4}" } } }
}

export const MakeAppointmentRequest = Schema.Struct({
  ...SessionSelectorFields,
  ...CommonOptionFields,
  ...AppointmentFields,
  appointment_session_id: opt(Str(200, "Book within this workflow (from check_appointments) with only the missing or corrected fields.")),
  appointment_time: opt(Str(100, "One of check_appointments' `available_times`; an export's must name its date (MM/DD/YYYY).")),
  request_id: opt(Str(MAX_IDEMPOTENCY_KEY_LENGTH, "Idempotency key (the Idempotency-Key header wins when both are sent)."))
}).check(documentedRule({
  allOf: [
    present("appointment_time"),
    { anyOf: [RESUME, { allOf: [SESSION_OR_CREDENTIALS, PHASE_1_FIELDS, PHASE_2_FIELDS] }] },
    EXPORT_TIME_HAS_DATE
  ]
})).annotate({
  description:
    "`appointment_time` always; a new booking (no `appointment_session_id`) also needs a session (or credentials), the phase 1 fields and `truck_plate`. Without `container_type` a new booking is an import. An export's `appointment_time` must name its date."
})
export type MakeAppointmentRequest = typeof MakeAppointmentRequest.Type

export const MakeAppointmentResponse = Schema.Struct({
  success: described(Schema.Literal(true), "Always true on success."),
  session_id: SessionIdField,
  is_new_session: IsNewSessionField,
  appointment_confirmed: Flag("True only when the portal showed its confirmation."),
  confirmation_number: Text("The portal's confirmation number."),
  appointment_session_id: opt(Text("The workflow (absent once booked: it is finished).")),
  appointment_details: described(Schema.Record(Schema.String, Schema.Unknown), "What was booked: the wizard fields, the time and the confirmation number."),
  selected_truck_plate: opt(Text("The plate the wizard selected.")),
  debug_bundle_url: DebugBundleField,
  idempotent_replay: opt(Flag("True when this is the stored answer of an earlier request with the same idempotency key.")),
  reconciled: opt(Flag(
    "True when the booking's Submit lost its answer (the service stopped) and this outcome was found afterwards — recorded, or in My Appointments; Submit was not clicked again."
  ))
}).annotate({ identifier: "MakeAppointmentResponse", description: "The confirmed booking." })
export type MakeAppointmentResponse = typeof MakeAppointmentResponse.Type

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
