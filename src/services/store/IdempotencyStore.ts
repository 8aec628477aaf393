/**
 * IdempotencyStore keeps idempotency keys in the SQL store, so a keyed request runs at most once
 * per key within 24 hours across restarts and across processes sharing a database.
 *
 * Invariants: one atomic decision per key (`claim`: INSERT … ON CONFLICT DO NOTHING, then
 * compare-and-set UPDATEs on the ticket the row was read with, each a single statement, so
 * concurrent claims on SQLite or Postgres give exactly one `Run`). A key belongs to its owner — the principals its first caller proved (e.g.
 * its credential fingerprint, the workflow id it resumed) — and a caller proving any one of them is
 * the owner again: anyone else gets `Foreign` and learns nothing of the first request. Only final outcomes are stored
 * (`complete`); a retryable failure `release`s the key. Before the irreversible step (Submit) the
 * attempt records `markSubmitting` with its workflow: if the attempt then dies, the next claim by
 * the owner gets `Reconcile` (check the portal, never Submit again). A claim is held by a ticket
 * and a lease (OPERATION_TIMEOUT + 1 minute): an attempt that died before Submit is taken over
 * once its lease ends, or at once after a restart (`abandonPreviousRuns`). The key, the stored
 * outcome (it carries a session id) and the workflow id are never stored in clear.
 */
import { Clock, Context, Data, Duration, Effect, Layer, Result, Schedule } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { randomUUID } from "node:crypto"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { PortalConfig } from "../PortalConfig.ts"
import { SqlStore } from "./SqlStore.ts"
import { StoreCrypto } from "./StoreCrypto.ts"
import { millis, storeOperation } from "./StoreFailure.ts"

/** How long a key is remembered after its last change (the brief's 24 hours). */
export const IDEMPOTENCY_STORE_RETENTION = Duration.hours(24)

/** Proof of holding a claimed key: what `markSubmitting`, `complete` and `release` need. */
export interface Ticket {
  readonly key: string
  readonly token: string
}

export type Claim =
  /** The key is this caller's now: run, then `complete` (final outcome) or `release` (retryable failure). */
  | { readonly _tag: "Run"; readonly ticket: Ticket }
  /**
   * An earlier attempt recorded Submit and never its outcome (it died). Find the outcome at the
   * portal (My Appointments) for `workflowId`, then `complete`; when it cannot be told, answer
   * booking_outcome_unknown. Never Submit again.
   */
  | { readonly _tag: "Reconcile"; readonly ticket: Ticket; readonly workflowId: string | undefined }
  /** The stored final outcome of the first request. */
  | { readonly _tag: "Replay"; readonly outcome: unknown; readonly completedAt: number }
  /** Another attempt holds the key right now (its lease runs); `submitting` once it passed Submit. */
  | { readonly _tag: "InFlight"; readonly since: number; readonly submitting: boolean }
  /** The same owner used this key for a different request. */
  | { readonly _tag: "Conflict" }
  /** Another caller's key: answer 409 with nothing of the first request. */
  | { readonly _tag: "Foreign" }

/** The ticket no longer holds its key (its lease ended and another attempt took over). Never Submit after this. */
export class ClaimLost extends Data.TaggedError("ClaimLost")<{ readonly operation: string }> {}

export interface IdempotencyStoreShape {
  /**
   * The one atomic decision for a keyed request whose body fingerprints to `requestFp`, from a
   * caller who proved `owners` (its principals: opaque HMACs of what it presented). The key's
   * owner is its first caller; a later caller is the owner when it proves any one of the stored
   * principals (e.g. the same credentials by session id first and by password later).
   */
  readonly claim: (key: string, owners: ReadonlyArray<string>, requestFp: string) => Effect.Effect<Claim, StorageUnavailable>
  /** Records, before Submit, that a booking for `workflowId` is about to be sent (renews the lease). */
  readonly markSubmitting: (ticket: Ticket, workflowId: string) => Effect.Effect<void, StorageUnavailable | ClaimLost>
  /** Stores the final outcome (JSON-serialisable) for replay to the owner for 24 hours. */
  readonly complete: (ticket: Ticket, outcome: unknown) => Effect.Effect<void, StorageUnavailable | ClaimLost>
  /** Forgets the key (a retryable failure, nothing booked): the next claim runs. No-op if the claim was lost. */
  readonly release: (ticket: Ticket) => Effect.Effect<void, StorageUnavailable>
  /**
   * Ends the ticket's lease and keeps the record as it is: an attempt whose outcome is not known
   * (it recorded Submit, then failed without one, or a reconciliation could not tell) leaves the
   * key to the owner's next claim, which reconciles. No-op if the claim was lost.
   */
  readonly abandon: (ticket: Ticket) => Effect.Effect<void, StorageUnavailable>
  /**
   * Single-process boot: attempts held by an earlier process cannot still be running, so their
   * leases end now — the next claim takes an in-flight key over, or reconciles a submitting one.
   * Not for fleet mode, where other processes' attempts are alive.
   */
  readonly abandonPreviousRuns: Effect.Effect<{ readonly inFlight: number; readonly submitting: number }, StorageUnavailable>
  /** Deletes keys past the retention (never one whose lease runs); returns how many. Also run hourly. */
  readonly sweep: Effect.Effect<number, StorageUnavailable>
  /** Keys remembered. */
  readonly count: Effect.Effect<number, StorageUnavailable>
}

interface Row {
  readonly owner: string
  readonly request_fp: string
  readonly state: string
  readonly ticket: string
  readonly lease_until: unknown
  readonly workflow: string | null
  readonly outcome: string | null
  readonly created_at: unknown
  readonly updated_at: unknown
  readonly expires_at: unknown
}

export interface IdempotencyStoreOptions {
  /** How long a claim holds its key without an outcome (default OPERATION_TIMEOUT + 1 minute). */
  readonly lease: Duration.Duration
  readonly retention?: Duration.Duration
}

const make = (options: IdempotencyStoreOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const store = yield* SqlStore
    const crypto = yield* StoreCrypto
    const leaseMs = Duration.toMillis(options.lease)
    const retentionMs = Duration.toMillis(options.retention ?? IDEMPOTENCY_STORE_RETENTION)
    const holder = store.instanceId
    const refOf = (key: string) => crypto.ref("idempotency", key)

    /** The stored owner: the first caller's principals, sorted, as a JSON array. */
    const ownersOf = (row: Row): ReadonlyArray<string> => {
      try {
        const parsed: unknown = JSON.parse(row.owner)
        return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === "string") : []
      } catch {
        return []
      }
    }
    const encodeOwners = (owners: Iterable<string>) => JSON.stringify([...new Set(owners)].sort())

    /**
     * One decision. The INSERT decides a new key; any later change of a row is a compare-and-set
     * on the ticket it was read with (one statement), so of concurrent claimers exactly one wins
     * and the others decide again on what the winner left.
     */
    const claimOnce = (key: string, keyRef: string, owners: ReadonlyArray<string>, requestFp: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const ticket: Ticket = { key, token: randomUUID() }
        const leaseUntil = now + leaseMs
        const inserted = yield* sql`INSERT INTO idempotency_records
          (key_ref, owner, request_fp, state, ticket, holder, lease_until, created_at, updated_at, expires_at)
          VALUES (${keyRef}, ${encodeOwners(owners)}, ${requestFp}, 'in_flight', ${ticket.token}, ${holder}, ${leaseUntil}, ${now}, ${now}, ${now + retentionMs})
          ON CONFLICT (key_ref) DO NOTHING RETURNING key_ref`
        if (inserted.length > 0) return { _tag: "Run", ticket } as const
        const rows = yield* sql<Row>`SELECT owner, request_fp, state, ticket, lease_until, workflow, outcome, created_at, updated_at, expires_at
          FROM idempotency_records WHERE key_ref = ${keyRef}`
        const row = rows[0]
        if (row === undefined) return undefined // swept between the statements: decide again
        const leaseOver = millis(row.lease_until) <= now
        /** Takes the row over from the ticket it was read with; undefined when another claimer was first. */
        const takeOver = (owner: string) =>
          Effect.map(
            sql`UPDATE idempotency_records
              SET owner = ${owner}, request_fp = ${requestFp}, state = 'in_flight', ticket = ${ticket.token}, holder = ${holder},
                lease_until = ${leaseUntil}, workflow = NULL, outcome = NULL, created_at = ${now}, updated_at = ${now}, expires_at = ${now + retentionMs}
              WHERE key_ref = ${keyRef} AND ticket = ${row.ticket} RETURNING key_ref`,
            (updated) => (updated.length > 0 ? ({ _tag: "Run", ticket } as const) : undefined)
          )
        // A record past its retention is free for anyone (unless an attempt still holds it).
        if (millis(row.expires_at) <= now && (row.state === "done" || leaseOver)) return yield* takeOver(encodeOwners(owners))
        const stored = ownersOf(row)
        if (!owners.some((p) => stored.includes(p))) return { _tag: "Foreign" } as const
        if (row.request_fp !== requestFp) return { _tag: "Conflict" } as const
        if (row.state === "done") {
          const opened = crypto.open("idempotency.outcome", keyRef, row.outcome ?? "")
          if (Result.isFailure(opened)) {
            // Altered in the database: replay nothing of it.
            yield* Effect.logWarning("idempotency record does not open; treated as another caller's", { reason: opened.failure.reason })
            return { _tag: "Foreign" } as const
          }
          return { _tag: "Replay", outcome: JSON.parse(opened.success), completedAt: millis(row.updated_at) } as const
        }
        if (!leaseOver) return { _tag: "InFlight", since: millis(row.created_at), submitting: row.state === "submitting" } as const
        // The owner again (one of its principals): it keeps every principal either attempt proved.
        const owner = encodeOwners([...stored, ...owners])
        // An attempt that died before Submit: run again.
        if (row.state === "in_flight") return yield* takeOver(owner)
        // A Submit whose attempt died: one caller at a time reconciles it.
        const reconcile = yield* sql`UPDATE idempotency_records
          SET owner = ${owner}, ticket = ${ticket.token}, holder = ${holder}, lease_until = ${leaseUntil}
          WHERE key_ref = ${keyRef} AND ticket = ${row.ticket} AND state = 'submitting'
          RETURNING key_ref`
        if (reconcile.length === 0) return undefined
        const opened = row.workflow === null ? undefined : crypto.open("idempotency.workflow", keyRef, row.workflow)
        return { _tag: "Reconcile", ticket, workflowId: opened !== undefined && Result.isSuccess(opened) ? opened.success : undefined } as const
      })

    const claim = Effect.fn("IdempotencyStore.claim")(function*(key: string, owners: ReadonlyArray<string>, requestFp: string) {
      const keyRef = refOf(key)
      for (let attempt = 0; attempt < 5; attempt++) {
        const decided: Claim | undefined = yield* claimOnce(key, keyRef, owners, requestFp)
        if (decided !== undefined) return decided
      }
      const now = yield* Clock.currentTimeMillis
      return { _tag: "InFlight", since: now, submitting: false } as Claim
    }, storeOperation("IdempotencyStore.claim"))

    const markSubmitting = Effect.fn("IdempotencyStore.markSubmitting")(function*(ticket: Ticket, workflowId: string) {
      const now = yield* Clock.currentTimeMillis
      const keyRef = refOf(ticket.key)
      const rows = yield* sql`UPDATE idempotency_records
        SET state = 'submitting', workflow = ${crypto.seal("idempotency.workflow", keyRef, workflowId)},
          lease_until = ${now + leaseMs}, updated_at = ${now}, expires_at = ${now + retentionMs}
        WHERE key_ref = ${keyRef} AND ticket = ${ticket.token} AND state <> 'done'
        RETURNING key_ref`
      if (rows.length === 0) return yield* new ClaimLost({ operation: "markSubmitting" })
    }, storeOperation("IdempotencyStore.markSubmitting"))

    const complete = Effect.fn("IdempotencyStore.complete")(function*(ticket: Ticket, outcome: unknown) {
      const now = yield* Clock.currentTimeMillis
      const keyRef = refOf(ticket.key)
      const sealed = crypto.seal("idempotency.outcome", keyRef, JSON.stringify(outcome) ?? "null")
      const rows = yield* sql`UPDATE idempotency_records
        SET state = 'done', outcome = ${sealed}, workflow = NULL, lease_until = 0, updated_at = ${now}, expires_at = ${now + retentionMs}
        WHERE key_ref = ${keyRef} AND ticket = ${ticket.token}
        RETURNING key_ref`
      if (rows.length === 0) return yield* new ClaimLost({ operation: "complete" })
    }, storeOperation("IdempotencyStore.complete"))

    const release = Effect.fn("IdempotencyStore.release")(function*(ticket: Ticket) {
      yield* sql`DELETE FROM idempotency_records WHERE key_ref = ${refOf(ticket.key)} AND ticket = ${ticket.token}`
    }, storeOperation("IdempotencyStore.release"))

    const abandon = Effect.fn("IdempotencyStore.abandon")(function*(ticket: Ticket) {
      yield* sql`UPDATE idempotency_records SET lease_until = 0
        WHERE key_ref = ${refOf(ticket.key)} AND ticket = ${ticket.token} AND state <> 'done'`
    }, storeOperation("IdempotencyStore.abandon"))

    const abandonPreviousRuns = Effect.gen(function*() {
      const rows = yield* sql<{ readonly state: string }>`UPDATE idempotency_records SET lease_until = 0
        WHERE state <> 'done' AND holder <> ${holder} AND lease_until > 0 RETURNING state`
      return {
        inFlight: rows.filter((r) => r.state === "in_flight").length,
        submitting: rows.filter((r) => r.state === "submitting").length
      }
    }).pipe(storeOperation("IdempotencyStore.abandonPreviousRuns"), Effect.withSpan("IdempotencyStore.abandonPreviousRuns"))

    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql`DELETE FROM idempotency_records
        WHERE expires_at <= ${now} AND (state = 'done' OR lease_until <= ${now}) RETURNING key_ref`
      return rows.length
    }).pipe(storeOperation("IdempotencyStore.sweep"), Effect.withSpan("IdempotencyStore.sweep"))

    const count = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<{ readonly n: unknown }>`SELECT count(*) AS n FROM idempotency_records WHERE expires_at > ${now}`
      return millis(rows[0]?.n ?? 0)
    }).pipe(storeOperation("IdempotencyStore.count"))

    // Frees space; correctness does not depend on it (claim treats expired records as absent).
    yield* sweep.pipe(
      Effect.catchTag("StorageUnavailable", (e) => Effect.logDebug("idempotency sweep skipped: store unavailable", { detail: e.detail })),
      Effect.repeat(Schedule.spaced(Duration.hours(1))),
      Effect.forkScoped
    )

    return IdempotencyStore.of({ claim, markSubmitting, complete, release, abandon, abandonPreviousRuns, sweep, count })
  })

export class IdempotencyStore extends Context.Service<IdempotencyStore, IdempotencyStoreShape>()(
  "emodal-api/services/store/IdempotencyStore"
) {
  /** Lease from OPERATION_TIMEOUT (+ 1 minute), 24 hours retention. */
  static readonly layer: Layer.Layer<IdempotencyStore, never, SqlClient | SqlStore | StoreCrypto | PortalConfig> = Layer.effect(
    IdempotencyStore,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      return yield* make({ lease: Duration.sum(config.operationTimeout, Duration.minutes(1)) })
    })
  )

  static readonly layerWith = (options: IdempotencyStoreOptions): Layer.Layer<IdempotencyStore, never, SqlClient | SqlStore | StoreCrypto> =>
    Layer.effect(IdempotencyStore, make(options))

  /** On a private in-memory SQLite database, lease 6 minutes (the default OPERATION_TIMEOUT + 1 minute). */
  static readonly layerTest: Layer.Layer<IdempotencyStore, StorageUnavailable> = IdempotencyStore.layerWith({ lease: Duration.minutes(6) }).pipe(
    Layer.provide(Layer.merge(SqlStore.layerTest, StoreCrypto.layerTest))
  )
}
