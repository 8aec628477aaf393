/**
 * The appointment wizard's requests and answers (check_appointments, make_appointment): the fields
 * of the portal's four steps, the conditional rules stated for the document, and what a workflow
 * answers at each step.
 */
import { Schema } from "effect"
import { Count, DebugBundleField, described, documentedRule, Flag, IsNewSessionField, type JsonSchema, opt, PHASE_1_FIELDS, PHASE_2_FIELDS, present, RESUME, SESSION_OR_CREDENTIALS, SessionIdField, Str, Text, CommonOptionFields, SessionSelectorFields } from "./Fields.ts"
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "./Operations.ts"

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
