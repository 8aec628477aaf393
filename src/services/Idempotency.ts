/**
 * Idempotency makes a keyed request (an `Idempotency-Key` header or `request_id`) run at most once
 * per key within 24 hours, across restarts and across processes sharing the SQL store
 * (IdempotencyStore): the first request runs, a repeat gets the stored outcome (marked as a
 * replay), a repeat that arrives while the first still runs waits for it and shares its outcome
 * instead of running, and the same key with a different body is an IdempotencyConflict. Only
 * HMACs (of the key, of the body with its secrets removed by the caller, of the caller's
 * principals) and the sealed outcome are stored.
 *
 * A key belongs to its first caller. Each request names the principals it has proved — opaque
 * HMACs of secrets it presented, e.g. the credential fingerprint of the session it resolves to, or
 * an appointment workflow id — and the operation authenticates them BEFORE calling `run`. A repeat
 * (finished or still running) is answered only when it proves a principal of the key's first
 * caller; any other caller gets the same IdempotencyConflict as a different body, with nothing of
 * the first outcome. A first caller that proved nothing leaves a record nobody can replay.
 *
 * Only final outcomes are kept. The operation calls `commit(workflowId)` right before its
 * irreversible step (the wizard's Submit); the commit is recorded in the store first, and when it
 * cannot be (StorageUnavailable) the step is not taken. A failure before the commit releases the
 * key. From the commit on, the outcome is kept — unless the operation's `notDone` shows the step
 * demonstrably did not happen, which releases the key too. When the outcome after a commit is not
 * known — the service died (SIGKILL, power loss, a shutdown interrupting the attempt), or the
 * attempt ended without a typed outcome — the record stays "submitting" and the owner's next
 * attempt runs `reconcile` instead of the operation: it finds the outcome (My Appointments), never
 * repeats the step; what it finds is kept, and when it cannot tell, the key stays to reconcile
 * again. The first attempt runs in the service's scope, not the caller's: a client that
 * disconnects mid-booking does not interrupt it, and its outcome is still kept for the retry.
 */
import { Cause, Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Redacted, Schedule, Schema } from "effect"
import { IdempotencyConflict, type StorageUnavailable } from "../domain/Errors.ts"
import { IdempotencyStore, type Ticket } from "./store/IdempotencyStore.ts"
import { StoreCrypto } from "./store/StoreCrypto.ts"

export { IDEMPOTENCY_STORE_RETENTION as IDEMPOTENCY_RETENTION } from "./store/IdempotencyStore.ts"

export interface Outcome<A> {
  readonly value: A
  /** True when this is the outcome of an earlier request with the same key (stored, or found by reconciling). */
  readonly replayed: boolean
}

/** What a keyed request brings to the decision. */
export interface Caller {
  /** The fingerprint of its body (see `fingerprint`): the same key with another body is a conflict. */
  readonly fingerprint: string
  /** The principals it proved (authenticated by the operation beforehand); may be empty. */
  readonly principals: ReadonlyArray<string>
}

/** What an attempt holding the key can do. */
export interface Attempt {
  /**
   * Records, right before the step that must never be repeated, that it is taken for `workflowId`
   * (what a reconciliation will look for). When it fails the step must not be taken:
   * StorageUnavailable, or IdempotencyConflict when this attempt no longer holds its key.
   */
  readonly commit: (workflowId: string) => Effect.Effect<void, StorageUnavailable | IdempotencyConflict>
}

export interface RunOptions<A, E> {
  /** How a successful outcome is stored (its JSON codec is derived). */
  readonly success: Schema.Codec<A, unknown>
  /** How a failed final outcome is stored. */
  readonly failure: Schema.Codec<E, unknown>
  /**
   * For a failure after `commit`: true when it shows the irreversible step demonstrably did not
   * happen, which releases the key instead of keeping the failure. Default: never.
   */
  readonly notDone?: ((error: E) => boolean) | undefined
  /**
   * An earlier attempt committed and its outcome is not known: find it without taking the step
   * again. Its success is kept (and answered as a replay); a failure is answered and leaves the
   * key to be reconciled again.
   */
  readonly reconcile: (workflowId: string | undefined) => Effect.Effect<A, E>
}

export interface IdempotencyShape {
  /**
   * Runs `f` under `key` unless the key was seen within the retention: then, for a caller proving
   * one of the first caller's principals with the same body, the first request's outcome is
   * returned (waiting for it if it is still running, reconciling it if it was lost); for anyone
   * else, IdempotencyConflict. StorageUnavailable when the store cannot decide (nothing ran).
   */
  readonly run: <A, E>(
    key: string,
    caller: Caller,
    f: (attempt: Attempt) => Effect.Effect<A, E>,
    options: RunOptions<A, E>
  ) => Effect.Effect<Outcome<A>, E | IdempotencyConflict | StorageUnavailable>
  /** The fingerprint of a request body: an HMAC (under a key derived from SERVER_SECRET) of its canonical JSON. */
  readonly fingerprint: (body: unknown) => string
  /** Drops keys past the retention; returns how many. Also run hourly. */
  readonly sweep: Effect.Effect<number, StorageUnavailable>
  /** Keys remembered (running or stored). */
  readonly size: Effect.Effect<number, StorageUnavailable>
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

/** A stored outcome: the operation's success or its final failure, each in its JSON form. */
const StoredOutcome = Schema.Union([
  Schema.Struct({ ok: Schema.Unknown }),
  Schema.Struct({ err: Schema.Unknown })
])

/** How long a repeat waits between looks at an attempt running in another process. */
const REMOTE_POLL = Schedule.spaced(Duration.millis(250))

const make = Effect.gen(function*() {
  const store = yield* IdempotencyStore
  const crypto = yield* StoreCrypto
  const scope = yield* Effect.scope
  /** The attempts running in this process, by key: a repeat here waits for its exit directly. */
  const running = new Map<string, Deferred.Deferred<unknown, unknown>>()

  // Single-process boot: nothing an earlier run held can still be running (its leases end now).
  const abandoned = yield* store.abandonPreviousRuns
  if (abandoned.inFlight + abandoned.submitting > 0) {
    yield* Effect.logInfo("idempotency keys of the previous run released", abandoned)
  }

  const fingerprint = (body: unknown) => crypto.ref("idempotency-request", canonicalJson(body))

  const run = <A, E>(
    key: string,
    caller: Caller,
    f: (attempt: Attempt) => Effect.Effect<A, E>,
    options: RunOptions<A, E>
  ): Effect.Effect<Outcome<A>, E | IdempotencyConflict | StorageUnavailable> => {
    const success = Schema.toCodecJson(options.success)
    const failure = Schema.toCodecJson(options.failure)

    /** Stores a final outcome; a store outage leaves the key to a reconciliation (logged, never the caller's failure). */
    const keep = (ticket: Ticket, exit: Exit.Exit<A, E>) =>
      Effect.gen(function*() {
        const encoded: Option.Option<unknown> = Exit.isSuccess(exit)
          ? Option.map(Schema.encodeOption(success)(exit.value), (ok) => ({ ok }))
          : Option.flatMap(Cause.findErrorOption(exit.cause), (e) => Option.map(Schema.encodeOption(failure)(e), (err) => ({ err })))
        if (Option.isNone(encoded)) return yield* store.abandon(ticket)
        yield* store.complete(ticket, encoded.value)
      }).pipe(
        Effect.catch((e) => Effect.logWarning("idempotency outcome not stored; a retry will reconcile it", { error: e._tag }))
      )

    const replay = (stored: unknown): Effect.Effect<Outcome<A>, E | IdempotencyConflict> => {
      const outcome = Schema.decodeUnknownOption(StoredOutcome)(stored)
      const decoded = Option.flatMap(outcome, (o): Option.Option<Exit.Exit<A, E>> =>
        "ok" in o
          ? Option.map(Schema.decodeUnknownOption(success)(o.ok), (value) => Exit.succeed(value as A))
          : Option.map(Schema.decodeUnknownOption(failure)(o.err), (error) => Exit.fail(error as E)))
      if (Option.isNone(decoded)) {
        return Effect.logWarning("stored idempotency outcome does not decode; answered as a conflict").pipe(
          Effect.andThen(Effect.fail(new IdempotencyConflict({})))
        )
      }
      return Effect.map(decoded.value, (value): Outcome<A> => ({ value, replayed: true }))
    }

    /** The first attempt: runs `f` in the service's scope and settles the key by its exit. */
    const attempt = (ticket: Ticket) =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<A, E>()
        running.set(key, done as Deferred.Deferred<unknown, unknown>)
        let committed = false
        const commit = (workflowId: string) =>
          store.markSubmitting(ticket, workflowId).pipe(
            Effect.catchTag("ClaimLost", () => Effect.fail(new IdempotencyConflict({}))),
            Effect.tap(() =>
              Effect.sync(() => {
                committed = true
              })
            )
          )
        const settle = (exit: Exit.Exit<A, E>) =>
          Effect.gen(function*() {
            const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none<E>()
            if (Exit.isSuccess(exit)) yield* keep(ticket, exit)
            else if (!committed || (Option.isSome(error) && options.notDone?.(error.value) === true)) {
              // Nothing irreversible happened: the key is free for a retry.
              yield* store.release(ticket).pipe(Effect.catch((e) => Effect.logWarning("idempotency key not released", { error: e._tag })))
            } else if (Option.isSome(error)) yield* keep(ticket, exit)
            else {
              // Committed, then interrupted or a defect: the outcome is not known. The owner's next
              // attempt reconciles.
              yield* store.abandon(ticket).pipe(Effect.catch((e) => Effect.logWarning("idempotency key not abandoned", { error: e._tag })))
            }
            if (running.get(key) === done) running.delete(key)
            yield* Deferred.done(done, exit)
          })
        yield* f({ commit }).pipe(Effect.onExit(settle), Effect.forkIn(scope))
        const value = yield* Deferred.await(done)
        return { value, replayed: false } satisfies Outcome<A>
      })

    /** The outcome of a lost attempt, found without taking the step again. */
    const reconcile = (ticket: Ticket, workflowId: string | undefined) =>
      Effect.gen(function*() {
        // In the service's scope, as a first attempt: the caller may go away, the answer is still kept.
        const outcome = yield* options.reconcile(workflowId).pipe(Effect.exit, Effect.forkIn(scope), Effect.flatMap(Fiber.join))
        if (Exit.isSuccess(outcome)) yield* keep(ticket, outcome)
        else yield* store.abandon(ticket).pipe(Effect.catch((e) => Effect.logWarning("idempotency key not abandoned", { error: e._tag })))
        const value = yield* outcome
        return { value, replayed: true } satisfies Outcome<A>
      })

    const decide: Effect.Effect<Outcome<A> | undefined, E | IdempotencyConflict | StorageUnavailable> = Effect.gen(function*() {
      const claim = yield* store.claim(key, caller.principals, caller.fingerprint)
      switch (claim._tag) {
        case "Foreign":
        case "Conflict":
          return yield* new IdempotencyConflict({})
        case "Replay":
          return yield* replay(claim.outcome)
        case "Run":
          return yield* attempt(claim.ticket)
        case "Reconcile":
          yield* Effect.logWarning("the outcome of an earlier attempt under this key is unknown; reconciling, never submitting again")
          return yield* reconcile(claim.ticket, claim.workflowId)
        case "InFlight": {
          const here = running.get(key) as Deferred.Deferred<A, E> | undefined
          if (here === undefined) return undefined // running in another process: look again
          const value: A = yield* Deferred.await(here)
          return { value, replayed: true }
        }
      }
    })

    return decide.pipe(
      Effect.repeat({ schedule: REMOTE_POLL, until: (outcome) => outcome !== undefined }),
      Effect.map((outcome) => outcome!),
      Effect.withSpan("Idempotency.run")
    )
  }

  // Frees space; correctness does not depend on it (a claim treats expired records as absent).
  const sweep = store.sweep

  return Idempotency.of({ run, fingerprint, sweep, size: store.count })
})

export class Idempotency extends Context.Service<Idempotency, IdempotencyShape>()("emodal-api/services/Idempotency") {
  /** Over the SQL store; at boot, the keys held by an earlier run of this process are released (single-process mode). */
  static readonly layer: Layer.Layer<Idempotency, StorageUnavailable, IdempotencyStore | StoreCrypto> = Layer.effect(Idempotency, make)

  /** Over a private in-memory store (lease 6 minutes, 24 hours retention). */
  static readonly layerTest: Layer.Layer<Idempotency, StorageUnavailable> = Layer.suspend(() =>
    Idempotency.layer.pipe(Layer.provide(Layer.merge(IdempotencyStore.layerTest, StoreCrypto.layerTest)))
  )
}
