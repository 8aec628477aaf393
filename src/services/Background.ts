/**
 * Work that belongs to no request: a session's watchers and timers, upkeep queued between two
 * messages, the pool's watch on each session's end. Such work is often started from a request's
 * fiber (the request that created the session), and a fork inherits its parent's log annotations,
 * log spans and trace span: a Chrome crash a minute later was logged with the id of the request that
 * created the session. `background` runs an effect — and so everything it forks — without them;
 * what it logs carries only what it annotates itself (its session's id).
 */
import { Context, Effect, References, Tracer } from "effect"

export const background = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.provideService(References.CurrentLogAnnotations, {}),
    Effect.provideService(References.CurrentLogSpans, []),
    Effect.updateContext((context: Context.Context<R>) => Context.omit(Tracer.ParentSpan)(context) as Context.Context<R>)
  )
