/** The operations group: containers, timeline, booking number, My Appointments, the wizard, bulk. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import * as Ops from "../../domain/Operations.ts"
import * as Wizard from "../../domain/AppointmentWizard.ts"
import * as Err from "../ApiErrors.ts"
import { Authorization, SeedValidation, docs, body, requestBody, ContainerLookupBody, Workbook, accept, acquisition, bodied, SESSION_ID, CREDENTIALS } from "./Contract.ts"
import { ContainersEvents, AppointmentsEvents, BulkEvents } from "./Progress.ts"

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
      payload: body(Wizard.CheckAppointmentsRequest, "CheckAppointmentsRequest"),
      success: Wizard.CheckAppointmentsResponse,
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
    })).annotateMerge(requestBody(Wizard.CheckAppointmentsRequest)),
    HttpApiEndpoint.post("make_appointment", "/make_appointment", {
      payload: body(Wizard.MakeAppointmentRequest, "MakeAppointmentRequest"),
      headers: {
        "idempotency-key": Schema.optional(Schema.String.annotate({
          description:
            "Idempotency key: a repeat within 24 h from the same caller returns the first result and never books twice; anyone else using the key gets 409. Keys over 200 characters are ignored."
        }))
      },
      success: Wizard.MakeAppointmentResponse,
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
    })).annotateMerge(requestBody(Wizard.MakeAppointmentRequest)),
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
