/**
 * The outcome of a booking whose Submit lost its answer: the service stopped (SIGTERM, SIGKILL,
 * power loss) after the workflow recorded the Submit as in flight and before it recorded the
 * confirmation. Never a second Submit: the outcome is what the store recorded (booked, with the
 * confirmation), else what the portal's My Appointments shows — the row with the submitted slot,
 * the workflow's container or booking and its plate — looked up on the workflow's own session (a
 * restored one: no new login). When no row matches, the outcome cannot be told:
 * BookingOutcomeUnknown (409) names what to check. A failure to read the list (portal down, a
 * timeout) is answered as such (retryable): the next attempt reconciles again.
 */
import { Duration, Effect, Option } from "effect"
import { BookingOutcomeUnknown, type PortalError } from "../../domain/Errors.ts"
import type { MakeAppointmentResponse } from "../../domain/AppointmentWizard.ts"
import { setRequestPhase } from "../portal/Phase.ts"
import type { WorkflowRecord, WorkflowStoreShape } from "../store/WorkflowStore.ts"
import { type Kit, loadBudget, onSession, type RequestContext, type SessionSelector, withContextIfPortal } from "./Kit.ts"

/** What the container / booking column of the booked row must name, from the workflow's fields. */
export const bookedUnits = (w: Pick<WorkflowRecord, "containerType" | "phaseData">): ReadonlyArray<string> => {
  const d = w.phaseData
  const text = (k: string) => (typeof d[k] === "string" ? (d[k] as string).trim() : "")
  if (w.containerType === "export") return text("booking_number") === "" ? [] : [text("booking_number")]
  if (text("container_id") !== "") return text("container_id").split(/[\s,;]+/).filter((c) => c !== "")
  return [text("line"), text("equip_size")].filter((x) => x !== "")
}

/** What a person checking My Appointments looks for. */
export const describeBooking = (w: WorkflowRecord): string => {
  const units = bookedUnits(w)
  const time = w.booking.state === "none" ? "" : w.booking.time
  return [
    `an appointment for ${units.length > 0 ? units.join(" ") : "this workflow"}`,
    time !== "" ? `at ${time}` : undefined,
    w.selectedPlate !== undefined && w.selectedPlate !== "" ? `with truck plate ${w.selectedPlate}` : undefined,
    typeof w.phaseData.terminal === "string" ? `(${w.phaseData.terminal})` : undefined
  ].filter((p) => p !== undefined).join(" ")
}

/** The answer for a booking that is known to exist. */
export const bookedResponse = (
  w: WorkflowRecord,
  confirmation: string,
  time: string,
  session: { readonly id: string; readonly isNew: boolean }
): MakeAppointmentResponse => {
  // As every answer shows the workflow's fields: without the PIN.
  const { pin_code: _pin, ...fields } = w.phaseData
  const plate = w.selectedPlate !== undefined ? { selected_truck_plate: w.selectedPlate } : {}
  return {
    success: true,
    session_id: session.id,
    is_new_session: session.isNew,
    appointment_confirmed: true,
    confirmation_number: confirmation,
    appointment_details: { ...fields, container_type: w.containerType, appointment_time: time, confirmation_number: confirmation, ...plate },
    ...plate,
    reconciled: true
  }
}

/** Kept back from OPERATION_TIMEOUT for reading the rows after they are loaded. */
const WRAP_UP = Duration.seconds(15)

export type Reconciled =
  | { readonly _tag: "booked"; readonly response: MakeAppointmentResponse }
  /** The workflow holds no booking in flight (it was cleared meanwhile): nothing was booked. */
  | { readonly _tag: "none" }

/**
 * The outcome of the booking in flight of workflow `id` (see the module comment), on the
 * workflow's session — `request`'s credentials only as the fallback when that session is gone.
 */
export const reconcileBooking = (
  kit: Kit,
  workflows: WorkflowStoreShape,
  id: string,
  request: SessionSelector,
  _context: RequestContext
): Effect.Effect<Reconciled, PortalError> =>
  Effect.gen(function*() {
    yield* setRequestPhase("make_appointment:reconcile")
    const found = yield* workflows.peek(id)
    if (Option.isNone(found)) {
      return yield* new BookingOutcomeUnknown({
        appointmentSessionId: id,
        check: "the appointment this request booked (its workflow is gone)"
      })
    }
    const wf = found.value
    if (wf.booking.state === "none") return { _tag: "none" } as const
    if (wf.booking.state === "booked") {
      return { _tag: "booked", response: bookedResponse(wf, wf.booking.confirmation, wf.booking.time, { id: wf.sessionId, isNew: false }) } as const
    }
    const target = { time: wf.booking.time, units: bookedUnits(wf), plate: wf.selectedPlate }
    const selector: SessionSelector = {
      session_id: wf.sessionId,
      username: request.username,
      password: request.password,
      captcha_api_key: request.captcha_api_key
    }
    return yield* kit.withSession(selector, (acquired) =>
      Effect.gen(function*() {
        const booking = yield* onSession(acquired.session, "make_appointment", (page) =>
          kit.driver.findBooking(page, target, { loadDeadline: loadBudget(kit, WRAP_UP) }))
        if (booking === undefined) {
          yield* Effect.logWarning("a lost Submit is not in My Appointments: its outcome is unknown; not submitting again")
          return yield* new BookingOutcomeUnknown({ check: describeBooking(wf) })
        }
        yield* Effect.logInfo("a lost Submit was found in My Appointments: booked", { phase: "make_appointment:reconcile" })
        yield* workflows.markBooked(id, booking.confirmation).pipe(
          Effect.catchTag("StorageUnavailable", (e) => Effect.logWarning("reconciled booking not recorded: store unavailable", { detail: e.detail })),
          Effect.catchTag("WorkflowExpired", () => Effect.void)
        )
        return {
          _tag: "booked",
          response: bookedResponse(wf, booking.confirmation, booking.time, { id: acquired.session.id, isNew: acquired.isNew })
        } as const
      }))
  }).pipe(
    Effect.mapError((e) => withContextIfPortal(e, { appointmentSessionId: id })),
    Effect.withSpan("PortalOperations.reconcileBooking")
  )
