/**
 * Admission to the pool: a session needs one of MAX_SESSIONS slots, a permit of one Semaphore held
 * by the session's scope (taken when its Chrome is opened, given back when the scope closes, on
 * every path). A request that finds no free slot first tries to make one by evicting the least
 * recently used idle session; failing that it waits in the semaphore's own FIFO — at most
 * ACQUIRE_QUEUE_LIMIT requests wait — and gives up after ACQUIRE_TIMEOUT with PoolExhausted.
 *
 * A waiting request gets a slot when one is given back (a session closed, crashed, failed to log
 * in) or made: whenever requests wait — one arrives, or a session goes idle or is unpinned — the
 * room maker (one fiber, so evictions never race) evicts until the free slots cover the waiters or
 * nothing is evictable. A freed permit goes to the first waiter, by the semaphore's FIFO.
 *
 * Not a Context service: the pool makes one, with its eviction.
 */
import { Duration, Effect, Exit, Option, Queue, Ref, Scope, Semaphore } from "effect"
import { PoolExhausted } from "../../domain/Errors.ts"
import { timed } from "../metrics/MetricCatalog.ts"

export interface AdmissionParams {
  readonly maxSessions: number
  readonly acquireTimeout: Duration.Duration
  /** How many requests may wait for a slot (ACQUIRE_QUEUE_LIMIT). */
  readonly queueLimit: number
  /** Evicts the least recently used idle, unpinned session (its slot is free when it returns); false if none is. */
  readonly evictOne: Effect.Effect<boolean>
  /** Hears the number of waiting requests whenever it changes. */
  readonly waitersChanged: (waiting: number) => Effect.Effect<void>
  /** Hears how long each `take` waited and how it ended. */
  readonly waited?: ((seconds: number, outcome: "admitted" | "pool_full" | "queue_full") => Effect.Effect<void>) | undefined
}

export interface Admission {
  /**
   * A slot for the session being created, held by the current scope: at once when one is free or
   * can be made, else after waiting; PoolExhausted after ACQUIRE_TIMEOUT (pool_full) or at once
   * when ACQUIRE_QUEUE_LIMIT requests wait already (queue_full).
   */
  readonly take: Effect.Effect<void, PoolExhausted, Scope.Scope>
  /** A session may have become evictable: when requests wait, evict for them. Never blocks. */
  readonly sessionIdle: Effect.Effect<void>
  /** Requests waiting for a slot now. */
  readonly waiting: Effect.Effect<number>
}

export const make = (params: AdmissionParams): Effect.Effect<Admission, never, Scope.Scope> =>
  Effect.gen(function*() {
    const slots = yield* Semaphore.make(params.maxSessions)
    const waiting = yield* Ref.make(0)
    /** "Requests may wait for room" (a sliding queue of one: a flag the room maker waits on). */
    const roomWanted = yield* Queue.sliding<void>(1)
    const retryAfterSeconds = Math.max(1, Math.ceil(Duration.toMillis(params.acquireTimeout) / 1000))
    const exhausted = (reason: "pool_full" | "queue_full") =>
      new PoolExhausted({ reason, retryAfterSeconds, maxSessions: params.maxSessions })

    /** Takes a free slot into the current scope, without waiting. */
    const tryTake = Effect.uninterruptible(Effect.gen(function*() {
      const took = yield* slots.takeIfAvailable(1)
      if (took) yield* Effect.addFinalizer(() => slots.release(1))
      return took
    }))

    /** Whether at least `n` slots are free (given back, not yet taken by the waiters they woke). */
    const freeSlots = (n: number) =>
      Effect.uninterruptible(Effect.flatMap(slots.takeIfAvailable(n), (free) => (free ? Effect.as(slots.release(n), true) : Effect.succeed(false))))

    /** Evicts one session at a time until the free slots cover the waiting requests, or nothing can go. */
    const makeRoom = Effect.gen(function*() {
      while (true) {
        const n = yield* Ref.get(waiting)
        if (n === 0 || (yield* freeSlots(n))) return
        if (!(yield* params.evictOne)) return
      }
    })

    yield* Queue.take(roomWanted).pipe(
      Effect.andThen(makeRoom),
      Effect.catchCause((cause) => Effect.logError("making room for a waiting request failed", cause)),
      Effect.forever,
      Effect.forkScoped
    )

    const wantRoom = Effect.asVoid(Queue.offer(roomWanted, undefined))

    const changeWaiting = (delta: number, limit = Infinity) =>
      Effect.flatMap(
        Ref.modify(waiting, (n): [number | undefined, number] => (n >= limit ? [undefined, n] : [n + delta, n + delta])),
        (now) => (now === undefined ? Effect.succeed(false) : Effect.as(params.waitersChanged(now), true))
      )

    const take = timed(
      Effect.gen(function*() {
        // Nobody waiting: a free slot, or one made by evicting, without queueing.
        if ((yield* Ref.get(waiting)) === 0) {
          if (yield* tryTake) return
          if ((yield* params.evictOne) && (yield* tryTake)) return
        }
        if (!(yield* changeWaiting(1, params.queueLimit))) return yield* exhausted("queue_full")
        yield* wantRoom
        yield* slots.takeScoped(1).pipe(
          Effect.timeoutOrElse({ duration: params.acquireTimeout, orElse: () => Effect.fail(exhausted("pool_full")) }),
          Effect.ensuring(changeWaiting(-1))
        )
      }),
      (seconds, exit) =>
        params.waited === undefined || (Exit.isFailure(exit) && Option.isNone(Exit.findErrorOption(exit)))
          ? Effect.void
          : params.waited(seconds, Exit.isSuccess(exit) ? "admitted" : Option.getOrThrow(Exit.findErrorOption(exit)).reason === "queue_full" ? "queue_full" : "pool_full")
    ).pipe(Effect.withSpan("SessionPool.admission"))

    return {
      take,
      sessionIdle: Effect.flatMap(Ref.get(waiting), (n) => (n > 0 ? wantRoom : Effect.void)),
      waiting: Ref.get(waiting)
    } satisfies Admission
  })
