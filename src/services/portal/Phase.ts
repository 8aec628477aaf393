/**
 * The step an operation is in ("login:captcha", "containers:scroll", "appointment:2"…). Flows set
 * it as they go; the session actor reads it when OPERATION_TIMEOUT fires, so a timeout says where
 * it happened. Flows run fine without a tracker (unit tests, one-off calls).
 */
import { Context, Effect, Option, Ref } from "effect"

export class PhaseTracker extends Context.Service<PhaseTracker, Ref.Ref<string>>()("emodal-api/services/portal/PhaseTracker") {}

export const setPhase = (phase: string): Effect.Effect<void> =>
  Effect.serviceOption(PhaseTracker).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (ref) => Ref.set(ref, phase) })),
    Effect.andThen(Effect.annotateCurrentSpan({ phase }))
  )
