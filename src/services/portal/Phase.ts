/**
 * The step an operation is in ("login:captcha", "containers:scroll", "appointment:2"…). Flows set
 * it as they go; the session actor reads it when OPERATION_TIMEOUT fires, so a timeout says where
 * it happened. Flows run fine without a tracker (unit tests, one-off calls).
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

export class PhaseTracker extends Context.Service<PhaseTracker, Ref.Ref<string>>()("emodal-api/services/portal/PhaseTracker") {}

/** Hears each phase a flow enters (the session actor: its activity and the phase spans). */
export class PhaseObserver extends Context.Service<PhaseObserver, (phase: string) => Effect.Effect<void>>()(
  "emodal-api/services/portal/PhaseObserver"
) {}

/** The phase of the request being served, for its access-log line. */
export class RequestPhase extends Context.Service<RequestPhase, Ref.Ref<string>>()("emodal-api/services/portal/RequestPhase") {}

const setIn = <I>(key: Context.Key<I, Ref.Ref<string>>, phase: string) =>
  Effect.serviceOption(key).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (ref) => Ref.set(ref, phase) }))
  )

/** Sets the request's phase only (steps outside a flow: acquiring a session, queueing). */
export const setRequestPhase = (phase: string): Effect.Effect<void> => setIn(RequestPhase, phase)

export const setPhase = (phase: string): Effect.Effect<void> =>
  setIn(PhaseTracker, phase).pipe(
    Effect.andThen(setIn(RequestPhase, phase)),
    Effect.andThen(Effect.annotateCurrentSpan({ phase })),
    Effect.andThen(Effect.serviceOption(PhaseObserver)),
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (observe) => observe(phase) }))
  )
