/**
 * The step an operation is in ("login:captcha", "containers:scroll", "appointment:2"…). Flows set
 * it as they go; the session actor reads it when OPERATION_TIMEOUT fires, so a timeout says where
 * it happened. Flows run fine without a tracker (unit tests, one-off calls). The steps are a
 * closed list (`FlowPhase`): an error's `phase` and a timeout's phase always name one of them.
 *
 * A request has a phase of its own (`RequestPhase`, provided by the HTTP edge): the operations layer
 * sets it for the steps outside the session's actor (acquiring a session, waiting in its mailbox),
 * and `setPhase` mirrors the flow's steps into it. When the client disconnects, the edge's
 * access-log line (status 499) says where the request was.
 *
 * A `PhaseObserver` (provided by the session actor around a message's work) hears every step as it
 * is set: the actor shows it on the dashboard and opens a trace span per phase.
 */
import { Context, Effect, Option, Ref } from "effect"

/** The portal's pages a flow opens (their names are also the phase of a failure to open them). */
export type AppPage = "keep-alive page" | "containers page" | "My Appointments page" | "appointment wizard"

/** A step of a portal flow. */
export type FlowPhase =
  | AppPage
  | "login"
  | "login:open"
  | "login:credentials"
  | "login:captcha"
  | "login:captcha-token"
  | "login:captcha-audio"
  | "login:submit"
  | "login:app-ready"
  | "login:fake"
  | "refresh:keep-alive"
  | "containers:open"
  | "containers:scroll"
  | "containers:read"
  | "containers:expand"
  | "containers:collapse"
  | "containers:detail"
  | "containers:timeline"
  | "containers:booking"
  | "containers:pregate-image"
  | "containers:screenshot"
  | "appointments:open"
  | "appointments:scroll"
  | "appointments:select"
  | "appointments:export"
  | "appointment:open"
  | "appointment:1"
  | "appointment:2"
  | "appointment:3"
  | "appointment:4"
  | "appointment:submit"

/** The business operations that run on a session's actor (their names label spans and timeouts). */
export type OperationName =
  | "get_containers"
  | "get_container_timeline"
  | "get_booking_number"
  | "get_info_bulk"
  | "get_appointments"
  | "check_appointments"
  | "make_appointment"

/** A step of a request: a flow's, or one of the edge's and the operations layer's own. */
export type RequestStep =
  | FlowPhase
  | "request:body"
  | "operation"
  | "session:acquire"
  | "make_appointment:idempotency"
  | "make_appointment:reconcile"
  | `${OperationName}:queued`

/** The wizard's step `n` (1-4) as a phase. */
export const appointmentStep = (n: 1 | 2 | 3 | 4): FlowPhase => `appointment:${n}`

export class PhaseTracker extends Context.Service<PhaseTracker, Ref.Ref<string>>()("emodal-api/services/portal/PhaseTracker") {}

/** Hears each phase a flow enters (the session actor: its activity and the phase spans). */
export class PhaseObserver extends Context.Service<PhaseObserver, (phase: string) => Effect.Effect<void>>()(
  "emodal-api/services/portal/PhaseObserver"
) {}

/** The phase of the request being served, for its access-log line. */
export class RequestPhase extends Context.Service<RequestPhase, Ref.Ref<string>>()("emodal-api/services/portal/RequestPhase") {}

const setIn = <I>(key: Context.Key<I, Ref.Ref<string>>, phase: RequestStep) =>
  Effect.serviceOption(key).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (ref) => Ref.set(ref, phase) }))
  )

/** Sets the request's phase only (steps outside a flow: acquiring a session, queueing). */
export const setRequestPhase = (phase: RequestStep): Effect.Effect<void> => setIn(RequestPhase, phase)

/** Sets the flow's phase (and mirrors it into the request's). */
export const setPhase = (phase: FlowPhase): Effect.Effect<void> =>
  setIn(PhaseTracker, phase).pipe(
    Effect.andThen(setIn(RequestPhase, phase)),
    Effect.andThen(Effect.annotateCurrentSpan({ phase })),
    Effect.andThen(Effect.serviceOption(PhaseObserver)),
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (observe) => observe(phase) }))
  )

/** A best-effort wait that gave up: noted at debug level with the phase it was in, never an error. */
export const gaveUp = (phase: FlowPhase, what: string, data: Record<string, unknown> = {}): Effect.Effect<void> =>
  Effect.logDebug(`gave up waiting for ${what}`, { phase, ...data })

/** Runs a best-effort wait: its failure is logged by `gaveUp`, and the flow goes on. */
export const bestEffort = (phase: FlowPhase, what: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<void, never, R> =>
  self.pipe(
    Effect.asVoid,
    Effect.catch((e: E) => gaveUp(phase, what, { error: typeof e === "object" && e !== null && "_tag" in e ? e._tag : String(e) }))
  )
