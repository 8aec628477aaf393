/**
 * check_appointments and make_appointment (SEED-SYSTEM §1.4, §1.5, §2.9) on top of the Kit. Each
 * request is ONE message on its session's actor: a new workflow acquires a session, registers a
 * workflow (`appointment_session_id`) and walks the wizard; a resume continues the workflow on ITS
 * session — in place when the page is still that workflow's wizard at the right step, otherwise by
 * replaying the completed phases from the stored fields — with only the missing fields. Errors
 * carry session_id, is_new_session, appointment_session_id and current_phase (the phase a resume
 * starts at). make_appointment reports a booking as confirmed only when the portal showed its
 * confirmation number.
 *
 * Never a double booking. Submit is clicked at most once per request (a re-run after a lost session
 * stops before it), and with an idempotency key at most once per key:
 * - The key belongs to its caller: before any replay the caller is authenticated by what it
 *   presented — the credential fingerprint of the session it resolves to (a live or restorable
 *   `session_id`, or username AND password: Kit.ownerOf), and for a resume the workflow id itself —
 *   so a session id first and credentials later (or the reverse) are the same owner, and a caller
 *   with the username but not the password gets 409 with nothing of the first result.
 * - Durable: right before Submit the booking is recorded as in flight in the SQL store — on the
 *   workflow (with the slot) and on the idempotency key — and its confirmation once shown. If the
 *   service dies in between, the next attempt with that key, or for that workflow, reconciles
 *   (BookingReconciliation: the recorded outcome, else My Appointments) instead of submitting;
 *   when it cannot tell, BookingOutcomeUnknown (409). A booked workflow answers its booking to a
 *   repeat until its TTL ends.
 * - Once Submit is clicked, every outcome is final: a confirmation; a refusal the portal showed
 *   (slot taken, a dialog); or, when the outcome is unknown (a timeout, a crash, a lost page, a
 *   defect while waiting for the answer), `not_confirmed` (retryable: false, "check My Appointments
 *   before trying again"). Those are stored for the key. The one exception is a Submit the portal
 *   demonstrably did not act on — it answered with an error (a 500's snack bar, `portal_error`) or
 *   refused the form (`not_advanced`, field errors and nothing pending) with no confirmation — which
 *   releases the key, so a retry with the same key books. We rely on the portal's booking call
 *   being atomic: an error answer means no appointment, as the simulator models it.
 */
import { Cause, Effect, Option, Ref } from "effect"
import { AppointmentFieldsMissing, AppointmentPhaseFailed, BookingOutcomeUnknown, type CarriedContext, contextOf, InvalidOperationInput, isPortalError, PortalError, WorkflowExpired } from "../../domain/Errors.ts"
import { toSeedBody } from "../../domain/ErrorSpecs.ts"
import { type CheckAppointmentsRequest, type CheckAppointmentsResponse, type MakeAppointmentRequest, MakeAppointmentResponse } from "../../domain/AppointmentWizard.ts"
import type { PageHandle } from "../Browser.ts"
import type { IdempotencyShape } from "../Idempotency.ts"
import type { PhaseData, WorkflowContainerType as ContainerType, WorkflowStoreShape } from "../store/WorkflowStore.ts"
import { reconcileBooking } from "./BookingReconciliation.ts"
import { debugNote } from "../portal/Debug.ts"
import { setRequestPhase } from "../portal/Phase.ts"
import { dateOf } from "../portal/wizard/Matching.ts"
import type { AvailableTimes } from "../PortalDriver.ts"
import {
  CONTAINER_TYPE_ERROR,
  fingerprintBody,
  missingFields,
  parseContainerType,
  PHASE_OF_FIELD,
  phaseFieldsOf,
  publicPhaseData,
  wizardFields
} from "./AppointmentFields.ts"
import { type Acquired, type Kit, onSession, type RequestContext, type SessionSelector, withContextIfPortal } from "./Kit.ts"

export interface AppointmentOperations {
  readonly checkAppointments: (request: CheckAppointmentsRequest, context: RequestContext) => Effect.Effect<CheckAppointmentsResponse, PortalError>
  readonly makeAppointment: (request: MakeAppointmentRequest, context: RequestContext) => Effect.Effect<MakeAppointmentResponse, PortalError>
}

type Mode =
  | { readonly kind: "check" }
  | {
    readonly kind: "make"
    readonly time: string
    /**
     * Records, right before Submit, the booking of the slot `time` as in flight for the workflow
     * (and its idempotency key); Submit is not clicked when it fails.
     */
    readonly prepare: (workflowId: string, time: string) => Effect.Effect<void, PortalError>
    /** Called as Submit is clicked. */
    readonly commit: Effect.Effect<void>
    /** Whether this request has already clicked Submit. */
    readonly submitted: Effect.Effect<boolean>
  }

/** The wizard step whose failure can mean the portal booked nothing (see the header). */
const SUBMIT_STEP = "Submit"

/**
 * A failure after Submit that shows the portal did not book: it answered with an error, or the form
 * refused to go (field errors, nothing pending). Releases the idempotency key.
 */
export const submitNotDone = (e: unknown): boolean =>
  isPortalError(e) && e._tag === "AppointmentPhaseFailed" && e.step === SUBMIT_STEP &&
  (e.reason === "portal_error" || e.reason === "not_advanced")

/** A failure after Submit that shows nothing was booked: `submitNotDone`, or a refusal the portal showed. */
const bookedNothing = (e: unknown): boolean =>
  submitNotDone(e) ||
  isPortalError(e) && e._tag === "AppointmentPhaseFailed" && e.step === SUBMIT_STEP && (e.reason === "slot_unavailable" || e.reason === "rejected")

const UNKNOWN_OUTCOME = "the appointment may have been booked — check My Appointments before trying again"

/** The final answer for a Submit whose outcome is unknown (`what` says why), with the context it replaces. */
const notConfirmed = (what: string, context: CarriedContext = {}) =>
  new AppointmentPhaseFailed({ ...context, phase: 3, step: SUBMIT_STEP, reason: "not_confirmed", detail: `${what}; ${UNKNOWN_OUTCOME}` })

/**
 * Makes a failure after Submit was clicked final. The Submit step's own verdicts stay as they are
 * (a refusal the portal showed, not_confirmed, or a demonstrated non-booking, which releases the
 * key); anything else — a timeout, a crash, a lost session, a defect — leaves the outcome unknown
 * and becomes not_confirmed (retryable: false), keeping the error's session and workflow context.
 */
export const afterSubmit = (cause: Cause.Cause<unknown>): Effect.Effect<never, PortalError> => {
  // This fiber is alive (a handler never runs for its own interruption): the work it waited on
  // was interrupted, e.g. the session closed under it. Unknown outcome.
  if (Cause.hasInterruptsOnly(cause)) return Effect.fail(notConfirmed("Submit was clicked, then the work was interrupted"))
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error) && isPortalError(error.value)) {
    const e = error.value
    if (e._tag === "AppointmentPhaseFailed" && e.step === SUBMIT_STEP) return Effect.fail(e)
    return Effect.fail(notConfirmed(`Submit was clicked, then: ${toSeedBody(e).error}`, contextOf(e)))
  }
  return Effect.logError("make_appointment failed unexpectedly after Submit", cause).pipe(
    Effect.andThen(Effect.fail(notConfirmed("Submit was clicked, then the service failed while waiting for the answer")))
  )
}

/** Whether an attempt has clicked Submit (read synchronously by the idempotency's `notDone`). */
interface Clicks {
  clicked: boolean
}

type DriveResult =
  | { readonly kind: "check"; readonly times: AvailableTimes }
  | { readonly kind: "make"; readonly chosenTime: string; readonly confirmation: string }

export const makeAppointmentOperations = (
  kit: Kit,
  workflows: WorkflowStoreShape,
  idempotency: IdempotencyShape
): AppointmentOperations => {
  const wizard = kit.driver.wizard

  /** Adds the workflow's id and current phase (read now, when the store answers) to an error. */
  const withWorkflow = (id: string) => <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    self.pipe(Effect.catch((e: E) =>
      Effect.flatMap(Effect.option(workflows.peek(id)), (w) =>
        Effect.fail(withContextIfPortal(e, { appointmentSessionId: id, currentPhase: Option.getOrUndefined(Option.flatten(w))?.currentPhase })))
    ))

  /**
   * A booking that failed: when nothing was booked — Submit never clicked, or the portal's answer
   * shows it booked nothing — the workflow's booking in flight is cleared, so the workflow can book
   * (another time); otherwise it stays in flight and the next attempt reconciles.
   */
  const settleFailedBooking = (id: string, mode: Extract<Mode, { readonly kind: "make" }>, e: unknown) =>
    Effect.gen(function*() {
      if ((yield* mode.submitted) && !bookedNothing(e)) return
      yield* workflows.clearSubmitting(id)
    }).pipe(Effect.catch((failure) => Effect.logDebug("workflow booking state not cleared", { error: failure._tag })))

  /**
   * The wizard work of one request, inside the session's actor. It reads the workflow afresh (an
   * earlier message may have moved it), resumes in place when the page is still this workflow's
   * wizard at its current step, else opens the wizard and walks from phase 1 with the stored
   * fields; the store follows every completed phase.
   */
  const drive = (page: PageHandle, id: string, mode: Mode) =>
    Effect.gen(function*() {
      const wf = yield* workflows.use(id)
      const f = wizardFields(wf.containerType, wf.phaseData)
      // A stored workflow is at phase 1, 2 or 3 (it ends with the booking).
      const resumeAt = wf.currentPhase >= 3 ? 3 : 2
      const inPlace = wf.currentPhase > 1 && (yield* wizard.isAt(page, wf.pageToken, resumeAt))
      let phase = wf.currentPhase
      if (inPlace) {
        yield* debugNote("resuming the wizard in place", { phase })
        yield* wizard.tidy(page, resumeAt)
      } else {
        const missing = missingFields(1, wf.containerType, wf.phaseData)
        if (missing.length > 0) return yield* new AppointmentFieldsMissing({ phase: 1, missing })
        if (wf.currentPhase > 1) yield* debugNote("replaying the completed phases", { phase: wf.currentPhase })
        const token = yield* workflows.newPageToken
        yield* workflows.update(id, { pageToken: token, currentPhase: 1 })
        phase = 1
        yield* wizard.open(page, token)
      }
      if (phase === 1) {
        const fill = wizard.phase1(page, f)
        yield* fill
        yield* wizard.next(page, 1, fill)
        yield* workflows.update(id, { currentPhase: 2 })
        phase = 2
      }
      if (phase === 2) {
        const missing = missingFields(2, wf.containerType, wf.phaseData)
        if (missing.length > 0) return yield* new AppointmentFieldsMissing({ phase: 2, missing })
        const fill = wizard.phase2(page, f)
        const plate = yield* fill
        yield* wizard.next(page, 2, fill)
        yield* workflows.update(id, { currentPhase: 3, selectedPlate: plate })
      }
      if (mode.kind === "check") {
        const times = yield* wizard.readTimes(page, wf.containerType)
        return { kind: "check", times } satisfies DriveResult
      }
      const chosenTime = yield* wizard.chooseTime(page, wf.containerType, mode.time)
      yield* mode.prepare(id, chosenTime)
      const confirmation = yield* wizard.submit(page, mode.commit)
      return { kind: "make", chosenTime, confirmation } satisfies DriveResult
    })

  /** Runs the workflow `id` on `acquired` and shapes the response. */
  const proceed = (id: string, acquired: Acquired, request: CheckAppointmentsRequest | MakeAppointmentRequest, context: RequestContext, mode: Mode) =>
    Effect.gen(function*() {
      // A re-run of this request (its session was lost and withSession tried again) never reaches
      // Submit a second time: the first click's outcome is unknown.
      if (mode.kind === "make" && (yield* mode.submitted)) {
        return yield* notConfirmed("Submit was clicked, then the session was lost; it is not clicked again")
      }
      const session = acquired.session
      const wf = yield* workflows.use(id)
      const time = mode.kind === "make" ? mode.time : undefined
      // Fail before queueing when the request cannot get far. check: phase 1 (phase 2's plate is
      // checked once phase 1 is done, so a resume starts at 2); make: everything up to the time.
      const phases: ReadonlyArray<1 | 2 | 3> = mode.kind === "make" ? [1, 2, 3] : wf.currentPhase > 1 ? [] : [1]
      const missing = phases.flatMap((p) => missingFields(p, wf.containerType, wf.phaseData, time).map((field) => ({ p, field })))
      if (missing.length > 0) {
        return yield* new AppointmentFieldsMissing({ phase: missing[0]!.p, missing: missing.map((m) => m.field) })
      }
      const label = mode.kind === "check" ? "check_appointments" : "make_appointment"
      const { result, debugBundleUrl } = yield* workflows.inUse(
        id,
        kit.withDebug(
          { enabled: request.debug === true, session, label, context },
          // A booking must never run twice: no automatic re-run after a logout mid-way.
          onSession(session, label, (page) => drive(page, id, mode), { retryOnLoggedOut: mode.kind === "check" })
        ).pipe(Effect.tapError((e) => mode.kind === "make" ? settleFailedBooking(id, mode, e) : Effect.void))
      )
      const after = yield* workflows.peek(id)
      return { result, debugBundleUrl, workflow: Option.getOrElse(after, () => wf) }
    }).pipe(withWorkflow(id))

  /** A new workflow: session from the request, then the workflow, then the wizard. */
  const start = (type: ContainerType, request: CheckAppointmentsRequest | MakeAppointmentRequest, context: RequestContext, mode: Mode) =>
    kit.withSession(request as SessionSelector, (acquired) =>
      Effect.gen(function*() {
        const phaseData = { ...phaseFieldsOf(request as Record<string, unknown>), container_type: type }
        const wf = yield* workflows.create({ sessionId: acquired.session.id, containerType: type, phaseData })
        const done = yield* proceed(wf.id, acquired, request, context, mode)
        return { ...done, acquired, id: wf.id }
      }))

  /**
   * A resume: the stored fields with the new ones over them, on the workflow's own session (the
   * request's credentials are only a fallback when that session is gone). A change to a field of
   * an already completed phase replays the wizard from phase 1.
   */
  const resume = (id: string, request: CheckAppointmentsRequest | MakeAppointmentRequest, context: RequestContext, mode: Mode) =>
    Effect.gen(function*() {
      const wf = yield* workflows.use(id)
      // Booked: the workflow is done (make_appointment answers its booking before coming here).
      if (wf.booking.state === "booked") return yield* new WorkflowExpired({ appointmentSessionId: id })
      const fresh = phaseFieldsOf(request as Record<string, unknown>)
      if (fresh.container_type === "invalid") return yield* new InvalidOperationInput({ detail: CONTAINER_TYPE_ERROR, field: "container_type" })
      const merged: Record<string, unknown> = { ...wf.phaseData, ...fresh }
      const containerType = (fresh.container_type as ContainerType | undefined) ?? wf.containerType
      const changedDone = Object.keys(fresh).some((k) => (PHASE_OF_FIELD[k] ?? 3) < wf.currentPhase && fresh[k] !== wf.phaseData[k])
      const selector: SessionSelector = {
        session_id: wf.sessionId,
        username: request.username,
        password: request.password,
        captcha_api_key: request.captcha_api_key,
        never_terminate: request.never_terminate,
        keep_alive: request.keep_alive
      }
      return yield* kit.withSession(selector, (acquired) =>
        Effect.gen(function*() {
          const moved = acquired.session.id !== wf.sessionId
          if (moved) yield* Effect.logWarning("the workflow's session is gone; replaying it on a new one")
          yield* workflows.update(id, {
            phaseData: merged,
            containerType,
            sessionId: acquired.session.id,
            ...(changedDone || moved || containerType !== wf.containerType ? { pageToken: undefined } : {})
          })
          const done = yield* proceed(id, acquired, request, context, mode)
          return { ...done, acquired, id }
        }))
    }).pipe(withWorkflow(id))

  const checkAppointments = Effect.fn("PortalOperations.checkAppointments")(function*(
    request: CheckAppointmentsRequest,
    context: RequestContext
  ) {
    const resumeId = request.appointment_session_id
    const type = parseContainerType(request.container_type)
    const isResume = resumeId !== undefined && resumeId !== ""
    if (!isResume && (type === undefined || type === "invalid")) {
      return yield* new InvalidOperationInput({ detail: CONTAINER_TYPE_ERROR, field: "container_type" })
    }
    const { result, debugBundleUrl, workflow, acquired, id } = yield* (isResume
      ? resume(resumeId, request, context, { kind: "check" })
      : start(type as ContainerType, request, context, { kind: "check" }))
    const times = result.kind === "check" ? result.times : { times: [] }
    const response: CheckAppointmentsResponse = {
      success: true,
      container_type: workflow.containerType,
      session_id: acquired.session.id,
      is_new_session: acquired.isNew,
      appointment_session_id: id,
      current_phase: workflow.currentPhase,
      phase_data: publicPhaseData(workflow.phaseData),
      available_times: times.times,
      count: times.times.length,
      ...(times.dates !== undefined ? { available_dates: times.dates } : {}),
      ...(times.calendarFound !== undefined ? { calendar_found: times.calendarFound } : {}),
      ...(workflow.selectedPlate !== undefined ? { selected_truck_plate: workflow.selectedPlate } : {}),
      ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
    }
    return response
  })

  /**
   * make_appointment without idempotency: validate, walk (or resume), submit, confirm. Submit is
   * clicked at most once, and every failure after it is final (`afterSubmit`). Right before the
   * click the booking is recorded as in flight — the workflow's, then the idempotency key's
   * (`commitKey`) — so a crash after the click is reconciled, never submitted again.
   */
  const makeOnce = (
    request: MakeAppointmentRequest,
    context: RequestContext,
    commitKey: (workflowId: string) => Effect.Effect<void, PortalError>,
    clicks: Clicks = { clicked: false }
  ) =>
    walkAndBook(request, context, {
      kind: "make",
      time: request.appointment_time?.trim() ?? "",
      prepare: (id, time) => workflows.markSubmitting(id, time).pipe(Effect.andThen(commitKey(id))),
      commit: Effect.sync(() => {
        clicks.clicked = true
      }),
      submitted: Effect.sync(() => clicks.clicked)
    }).pipe(
      Effect.catchCause((cause) => (clicks.clicked ? afterSubmit(cause) : Effect.failCause(cause)))
    ) as Effect.Effect<MakeAppointmentResponse, PortalError>

  const walkAndBook = (request: MakeAppointmentRequest, context: RequestContext, mode: Extract<Mode, { readonly kind: "make" }>) =>
    Effect.gen(function*() {
      const time = mode.time
      const resumeId = request.appointment_session_id
      const isResume = resumeId !== undefined && resumeId !== ""
      // For seed compatibility a new booking without container_type is an import.
      const type = parseContainerType(request.container_type) ?? "import"
      if (!isResume) {
        // A new booking is validated whole before anything else happens (the seed did the same).
        if (type === "invalid") return yield* new InvalidOperationInput({ detail: CONTAINER_TYPE_ERROR, field: "container_type" })
        const d = phaseFieldsOf(request as Record<string, unknown>)
        const missing = [...missingFields(1, type, d), ...missingFields(2, type, d), ...missingFields(3, type, d, time)]
        if (missing.length > 0) {
          return yield* new InvalidOperationInput({ detail: `Missing required fields: ${missing.join(", ")}`, missingFields: missing })
        }
        if (type === "export" && dateOf(time) === undefined) {
          return yield* new InvalidOperationInput({
            detail: "appointment_time must name its date (MM/DD/YYYY) for an export, e.g. 'Friday 10/24/2025 18:30 - 19:30'",
            field: "appointment_time"
          })
        }
      } else if (Option.exists(yield* workflows.peek(resumeId), (w) => w.booking.state !== "none")) {
        // The workflow booked already, or its Submit lost its answer: its outcome, never a second Submit.
        const reconciled = yield* reconcileBooking(kit, workflows, resumeId, request, context)
        if (reconciled._tag === "booked") return reconciled.response
      }
      const { result, debugBundleUrl, workflow, acquired, id } = yield* (isResume
        ? resume(resumeId, request, context, mode)
        : start(type as ContainerType, request, context, mode))
      if (result.kind !== "make") return yield* Effect.die(new Error("make_appointment ran without booking"))
      // Booked and confirmed: the workflow is done; it answers a repeat until its TTL ends. A store
      // outage here loses nothing: the booking stays in flight and a repeat reconciles it.
      yield* workflows.markBooked(id, result.confirmation).pipe(
        Effect.catch((e) => Effect.logWarning("booking confirmed but not recorded on its workflow", { error: e._tag }))
      )
      const response: MakeAppointmentResponse = {
        success: true,
        session_id: acquired.session.id,
        is_new_session: acquired.isNew,
        appointment_confirmed: true,
        confirmation_number: result.confirmation,
        appointment_details: {
          ...publicPhaseData(workflow.phaseData),
          container_type: workflow.containerType,
          appointment_time: result.chosenTime,
          ...(result.chosenTime !== time ? { requested_appointment_time: time } : {}),
          confirmation_number: result.confirmation,
          ...(workflow.selectedPlate !== undefined ? { selected_truck_plate: workflow.selectedPlate } : {})
        },
        ...(workflow.selectedPlate !== undefined ? { selected_truck_plate: workflow.selectedPlate } : {}),
        ...(debugBundleUrl !== undefined ? { debug_bundle_url: debugBundleUrl } : {})
      }
      return response
    })

  /**
   * What the caller of a keyed request has proved (see the header): the credential fingerprint of
   * the session it resolves to — for a resume, the workflow's session first, as `resume` runs on it
   * — and, for a resume, the workflow id it presented (a bearer secret handed only to its owner; it
   * still proves ownership after the booking ended the workflow).
   */
  const principalsOf = (request: MakeAppointmentRequest) =>
    Effect.gen(function*() {
      const principals: Array<string> = []
      const resumeId = request.appointment_session_id
      const isResume = resumeId !== undefined && resumeId !== ""
      const workflow = isResume ? Option.getOrUndefined(yield* workflows.peek(resumeId)) : undefined
      if (isResume) principals.push(`workflow:${idempotency.fingerprint({ appointment_session_id: resumeId })}`)
      const owner = yield* kit.ownerOf(workflow === undefined ? request : { ...request, session_id: workflow.sessionId })
      if (owner !== undefined) principals.push(`credentials:${owner}`)
      return principals
    })

  /** The outcome of a keyed booking whose earlier attempt lost its Submit's answer. */
  const reconcileKey = (workflowId: string | undefined, request: MakeAppointmentRequest, context: RequestContext) =>
    Effect.gen(function*() {
      if (workflowId === undefined) return yield* new BookingOutcomeUnknown({ check: "the appointment this request booked" })
      const reconciled = yield* reconcileBooking(kit, workflows, workflowId, request, context)
      if (reconciled._tag === "booked") return reconciled.response
      // Cleared meanwhile (nothing booked), but the key was not released: still not told for sure.
      return yield* new BookingOutcomeUnknown({ appointmentSessionId: workflowId, check: "the appointment this request booked" })
    })

  const makeAppointment = Effect.fn("PortalOperations.makeAppointment")(function*(
    request: MakeAppointmentRequest,
    context: RequestContext
  ) {
    const key = context.idempotencyKey ?? request.request_id
    if (key === undefined || key === "") return yield* makeOnce(request, context, () => Effect.void)
    // Authenticate first: the decision below answers a repeat only for the key's owner.
    yield* setRequestPhase("make_appointment:idempotency")
    const principals = yield* principalsOf(request)
    const clicks: Clicks = { clicked: false }
    const outcome = yield* idempotency.run(
      `make_appointment:${key}`,
      { fingerprint: idempotency.fingerprint(fingerprintBody(request)), principals },
      (attempt) => makeOnce(request, context, attempt.commit, clicks),
      {
        success: MakeAppointmentResponse,
        failure: PortalError,
        // Recorded but never clicked, or clicked and the portal demonstrably booked nothing.
        notDone: (e) => !clicks.clicked || submitNotDone(e),
        reconcile: (workflowId) => reconcileKey(workflowId, request, context)
      }
    )
    return outcome.replayed ? { ...outcome.value, idempotent_replay: true } : outcome.value
  })

  return {
    checkAppointments,
    makeAppointment
  }
}
