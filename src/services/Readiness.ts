/**
 * Readiness owns the answer of GET /ready, for load balancers: `starting` until the server
 * listens and the boot work is done (pinned sessions restored…), `ready` then, `draining` from the
 * moment the service is asked to stop (SIGTERM/SIGINT) until it exits. It changes only forward:
 * once draining, it never becomes ready again.
 */
import { Context, Effect, Layer, Ref, type Scope } from "effect"

export type ReadinessState = "starting" | "ready" | "draining"

export interface ReadinessShape {
  readonly state: Effect.Effect<ReadinessState>
  /**
   * Runs boot work in the background (in the caller's scope): the service stays `starting` until
   * it has ended, however it ends.
   */
  readonly boot: <E>(work: Effect.Effect<void, E>) => Effect.Effect<void, never, Scope.Scope>
  /** The front door is open (the HTTP server listens). */
  readonly serving: Effect.Effect<void>
  /** The service is stopping: `draining` from now on. */
  readonly drain: Effect.Effect<void>
}

interface Facts {
  readonly booting: number
  readonly serving: boolean
  readonly draining: boolean
}

const stateOf = (f: Facts): ReadinessState => (f.draining ? "draining" : f.serving && f.booting === 0 ? "ready" : "starting")

export class Readiness extends Context.Service<Readiness, ReadinessShape>()("emodal-api/services/Readiness") {
  static readonly layer: Layer.Layer<Readiness> = Layer.effect(
    Readiness,
    Effect.gen(function*() {
      const facts = yield* Ref.make<Facts>({ booting: 0, serving: false, draining: false })
      return Readiness.of({
        state: Effect.map(Ref.get(facts), stateOf),
        boot: (work) =>
          Ref.update(facts, (f) => ({ ...f, booting: f.booting + 1 })).pipe(
            Effect.andThen(Effect.forkScoped(work.pipe(
              Effect.ignore,
              Effect.ensuring(Ref.update(facts, (f) => ({ ...f, booting: f.booting - 1 })))
            ))),
            Effect.asVoid,
            Effect.uninterruptible
          ),
        serving: Ref.update(facts, (f) => ({ ...f, serving: true })),
        drain: Ref.update(facts, (f) => ({ ...f, draining: true }))
      })
    })
  )
}
