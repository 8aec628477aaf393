/**
 * Idempotency makes a keyed request (an `Idempotency-Key` header or `request_id`) run at most once
 * per key within IDEMPOTENCY_RETENTION (24 hours): the first request runs, a repeat gets the stored
 * result (marked as a replay), a repeat that arrives while the first is still running waits for it
 * and shares its outcome instead of running, and the same key with a different body is an
 * IdempotencyConflict. Only HMAC fingerprints (of the body, secrets removed by the caller, and of
 * the caller's principals) and the outcome are kept.
 *
 * A key belongs to its first caller. Each request names the principals it has proved — opaque
 * HMACs of secrets it presented, e.g. the credential fingerprint of the session it resolves to, or
 * an appointment workflow id — and the operation authenticates them BEFORE calling `run`. A repeat
 * (finished or still running) is answered only when it proves a principal of the key's first
 * caller; any other caller gets the same IdempotencyConflict as a different body, with nothing of
 * the first outcome. So a replay never hands anyone a result (a session id, a confirmation) they
 * could not already obtain themselves. A first caller that proved nothing leaves a record nobody
 * can replay.
 *
 * Only final outcomes are kept. The operation calls `commit` just before its irreversible step (the
 * wizard's Submit). A failure before the commit releases the key (nothing happened at the portal;
 * a retry runs again). From the commit on, the outcome is kept — a retry can never book twice —
 * unless the operation's `notDone` shows the step demonstrably did not happen (the portal answered
 * Submit with an error and booked nothing): that releases the key too, so a retry runs. The
 * operation must make every other outcome after the commit final before it returns (see
 * operations/Appointments.ts: an unknown outcome becomes `not_confirmed`, never a retryable error),
 * so a stored record never tells a client to retry what a retry cannot do. The first attempt runs
 * in the service's scope, not the caller's: a client that disconnects mid-booking does not
 * interrupt it, and its outcome is still kept for the retry.
 */
import { Cause, Clock, Context, Deferred, Duration, Effect, Exit, Layer, Option, Redacted, Ref, Schedule } from "effect"
import { createHmac, randomBytes } from "node:crypto"
import { IdempotencyConflict } from "../domain/Errors.ts"

/** How long a key is remembered (the brief's 24 hours). */
export const IDEMPOTENCY_RETENTION = Duration.hours(24)
/** At most this many keys are remembered; beyond it the oldest finished ones are dropped. */
export const IDEMPOTENCY_MAX_KEYS = 10_000

export interface Outcome<A> {
  readonly value: A
  /** True when this is the stored result of an earlier request with the same key. */
  readonly replayed: boolean
}

/** What a keyed request brings to the decision. */
export interface Caller {
  /** The fingerprint of its body (see `fingerprint`): the same key with another body is a conflict. */
  readonly fingerprint: string
  /** The principals it proved (authenticated by the operation beforehand); may be empty. */
  readonly principals: ReadonlyArray<string>
}

export interface RunOptions<E> {
  /**
   * For a failure after `commit`: true when it shows the irreversible step demonstrably did not
   * happen, which releases the key instead of keeping the failure. Default: never.
   */
  readonly notDone?: ((error: E) => boolean) | undefined
}

export interface IdempotencyShape {
  /**
   * Runs `f` under `key` unless the key was seen within the retention: then, for a caller proving
   * one of the first caller's principals with the same body, the first request's outcome is
   * returned (waiting for it if it is still running); for anyone else, IdempotencyConflict. `f`
   * receives `commit`, to call right before the step that must never be repeated.
   */
  readonly run: <A, E>(
    key: string,
    caller: Caller,
    f: (commit: Effect.Effect<void>) => Effect.Effect<A, E>,
    options?: RunOptions<E>
  ) => Effect.Effect<Outcome<A>, E | IdempotencyConflict>
  /** The fingerprint of a request body: an HMAC (per-process key) of its canonical JSON. */
  readonly fingerprint: (body: unknown) => string
  /** Drops keys past the retention; returns how many. Also run hourly. */
  readonly sweep: Effect.Effect<number>
  /** Keys remembered (running or stored). */
  readonly size: Effect.Effect<number>
}

/**
 * JSON with object keys sorted at every level; `undefined` members and Redacted values are left
 * out (secrets never reach the fingerprint), so equal bodies give equal strings.
 */
export const canonicalJson = (value: unknown): string => {
  const normalise = (v: unknown): unknown => {
    if (Redacted.isRedacted(v)) return undefined
    if (Array.isArray(v)) return v.map((x) => normalise(x) ?? null)
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(v).sort()) {
        const n = normalise((v as Record<string, unknown>)[k])
        if (n !== undefined) out[k] = n
      }
      return out
    }
    return v
  }
  return JSON.stringify(normalise(value)) ?? "null"
}

interface Entry {
  readonly fingerprint: string
  /** The first caller's principals: a repeat must prove one of them. */
  readonly principals: ReadonlySet<string>
  readonly createdAt: number
  readonly done: Deferred.Deferred<unknown, unknown>
  /** False while the first attempt runs. */
  readonly finished: boolean
}

const make = (retention: Duration.Duration) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const entries = yield* Ref.make<ReadonlyMap<string, Entry>>(new Map())
    const retentionMs = Duration.toMillis(retention)
    const secret = randomBytes(32)

    const fingerprint = (body: unknown) => createHmac("sha256", secret).update(canonicalJson(body)).digest("base64url")

    const live = (e: Entry, now: number) => now - e.createdAt < retentionMs

    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return yield* Ref.modify(entries, (m): [number, ReadonlyMap<string, Entry>] => {
        const kept = [...m].filter(([, e]) => !e.finished || live(e, now))
        // Over the cap: drop the oldest finished entries (running ones must stay to be awaited).
        const finished = kept.filter(([, e]) => e.finished).sort(([, a], [, b]) => a.createdAt - b.createdAt)
        const excess = Math.max(0, kept.length - IDEMPOTENCY_MAX_KEYS)
        const dropped = new Set(finished.slice(0, excess).map(([k]) => k))
        const next = new Map(kept.filter(([k]) => !dropped.has(k)))
        return [m.size - next.size, next]
      })
    }).pipe(Effect.withSpan("Idempotency.sweep"))

    yield* sweep.pipe(Effect.repeat(Schedule.spaced(Duration.hours(1))), Effect.forkScoped)

    const run = <A, E>(
      key: string,
      caller: Caller,
      f: (commit: Effect.Effect<void>) => Effect.Effect<A, E>,
      options: RunOptions<E> = {}
    ): Effect.Effect<Outcome<A>, E | IdempotencyConflict> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const mine: Entry = {
          fingerprint: caller.fingerprint,
          principals: new Set(caller.principals),
          createdAt: now,
          done: yield* Deferred.make<unknown, unknown>(),
          finished: false
        }
        // One atomic decision per key: exactly one request becomes the first attempt, and a repeat
        // is answered only for the key's owner (checked first: a stranger learns nothing, not even
        // whether its body matched).
        const decision = yield* Ref.modify(entries, (m): [
          { readonly _tag: "run" } | { readonly _tag: "conflict" } | { readonly _tag: "replay"; readonly entry: Entry },
          ReadonlyMap<string, Entry>
        ] => {
          const existing = m.get(key)
          if (existing !== undefined && (!existing.finished || live(existing, now))) {
            const owner = caller.principals.some((p) => existing.principals.has(p))
            return owner && existing.fingerprint === caller.fingerprint ? [{ _tag: "replay", entry: existing }, m] : [{ _tag: "conflict" }, m]
          }
          return [{ _tag: "run" }, new Map(m).set(key, mine)]
        })
        if (decision._tag === "conflict") return yield* new IdempotencyConflict({})
        if (decision._tag === "replay") {
          const value = yield* Deferred.await(decision.entry.done) as Effect.Effect<A, E>
          return { value, replayed: true }
        }
        if ((yield* Ref.get(entries)).size > IDEMPOTENCY_MAX_KEYS) yield* sweep

        const committed = yield* Ref.make(false)
        const settle = (exit: Exit.Exit<A, E>) =>
          Effect.gen(function*() {
            // Kept: a success, or anything after the commit unless it shows the step did not happen.
            // (An interruption after the commit, i.e. the service stopping, is kept too: unknown.)
            const notDone = Exit.isFailure(exit) && Option.match(Cause.findErrorOption(exit.cause), {
              onNone: () => false,
              onSome: (e) => options.notDone?.(e) === true
            })
            const keep = Exit.isSuccess(exit) || ((yield* Ref.get(committed)) && !notDone)
            const at = yield* Clock.currentTimeMillis
            yield* Ref.update(entries, (m) => {
              if (m.get(key) !== mine) return m
              const next = new Map(m)
              if (keep) next.set(key, { ...mine, createdAt: at, finished: true })
              else next.delete(key)
              return next
            })
            yield* Deferred.done(mine.done, exit as Exit.Exit<unknown, unknown>)
          })
        // The attempt belongs to the service's scope: the caller may go away, the booking may not.
        yield* f(Ref.set(committed, true)).pipe(
          Effect.onExit(settle),
          Effect.forkIn(scope)
        )
        const value = yield* Deferred.await(mine.done) as Effect.Effect<A, E>
        return { value, replayed: false }
      }).pipe(Effect.withSpan("Idempotency.run"))

    return Idempotency.of({
      run,
      fingerprint,
      sweep,
      size: Effect.map(Ref.get(entries), (m) => m.size)
    })
  })

export class Idempotency extends Context.Service<Idempotency, IdempotencyShape>()("emodal-api/services/Idempotency") {
  static readonly layer: Layer.Layer<Idempotency> = Layer.effect(Idempotency, make(IDEMPOTENCY_RETENTION))

  /** In memory with a given retention (tests). */
  static readonly layerWith = (retention: Duration.Input): Layer.Layer<Idempotency> =>
    Layer.effect(Idempotency, make(Duration.fromInputUnsafe(retention)))

  static readonly layerTest: Layer.Layer<Idempotency> = Idempotency.layer
}

