/**
 * What a session is doing now, for the dashboard and the traces: the message it runs (its name and
 * kind, since when) and the phase its flow is in (since when). Each phase the flow enters
 * (`setPhase`, heard through a PhaseObserver) opens a trace span, a child of the message's span,
 * ended when the next phase begins or the message's work ends — so a trace reads request →
 * operation → message → phase. A worker abandoned after its deadline may still set phases: once its
 * message has ended they are ignored.
 *
 * Not a Context service: one per session.
 */
import { Clock, Effect, Exit, Option, Ref, type Tracer } from "effect"
import { PhaseObserver } from "../portal/Phase.ts"
import type { OperationKind } from "./SessionProtocol.ts"

export interface Activity {
  /** The message's name ("login", "containers", "refresh"…). */
  readonly operation: string
  readonly kind: OperationKind
  /** Epoch millis when its work began. */
  readonly startedAt: number
  /** The flow's current step ("login:captcha", "containers:scroll"…). */
  readonly phase: string
  /** Epoch millis when that step began. */
  readonly phaseAt: number
}

export interface SessionActivity {
  /** The message running now, and its phase; none while the session is idle. */
  readonly current: Effect.Effect<Option.Option<Activity>>
  /** Runs `work` as the message `operation` of `kind`, its phases observed (activity and spans). */
  readonly track: <A, E>(operation: string, kind: OperationKind, work: Effect.Effect<A, E>) => Effect.Effect<A, E>
}

export const make: Effect.Effect<SessionActivity> = Effect.gen(function*() {
  const activity = yield* Ref.make<Activity | undefined>(undefined)

  const track = <A, E>(operation: string, kind: OperationKind, work: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.gen(function*() {
      const parent = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
      const startedAt = yield* Clock.currentTimeMillis
      const mine: Activity = { operation, kind, startedAt, phase: `${operation}:start`, phaseAt: startedAt }
      yield* Ref.set(activity, mine)
      const span = yield* Ref.make<Tracer.Span | undefined>(undefined)
      const ended = yield* Ref.make(false)
      const current = yield* Ref.make<string | undefined>(undefined)

      const endSpan = (exit: Exit.Exit<unknown, unknown>) =>
        Effect.flatMap(Clock.currentTimeNanos, (now) =>
          Effect.flatMap(Ref.getAndSet(span, undefined), (s) => Effect.sync(() => s?.end(now, exit))))

      const observe = (phase: string) =>
        Effect.gen(function*() {
          // A step set again (each scroll cycle) stays one phase: one span, its elapsed time kept.
          if ((yield* Ref.get(ended)) || (yield* Ref.get(current)) === phase) return
          yield* Ref.set(current, phase)
          yield* endSpan(Exit.void)
          yield* Ref.set(span, yield* Effect.makeSpan(phase, { parent, attributes: { "emodal.phase": phase, "emodal.operation": operation } }))
          const at = yield* Clock.currentTimeMillis
          yield* Ref.update(activity, (a) => (a === undefined || a.startedAt !== startedAt ? a : { ...a, phase, phaseAt: at }))
        }).pipe(Effect.uninterruptible)

      const exit = yield* Effect.exit(Effect.provideService(work, PhaseObserver, observe))
      yield* Ref.set(ended, true)
      yield* endSpan(exit)
      // Cleared only if it is still this message's (recycling runs between messages, not inside one).
      yield* Ref.update(activity, (a) => (a !== undefined && a.startedAt === startedAt && a.operation === operation ? undefined : a))
      return yield* exit
    })

  return { current: Effect.map(Ref.get(activity), Option.fromNullishOr), track }
})
