/**
 * SessionRegistry records every logged-in session the service holds, whatever its tier (hot: a
 * page open; parked: a context without a page; cold: only its snapshot): which credentials it was
 * opened with (their fingerprint), its portal account, username, pinned and keep-alive flags, and
 * when it was created and last used. It answers "which session has these credentials" and "is this
 * session id ours" across restarts and across the processes of a fleet.
 *
 * Invariants: session ids are bearer tokens, so rows are keyed by a reference (StoreCrypto) and the
 * id itself is sealed; the account is an HMAC of the normalised username (the fleet's key), the
 * username is kept in clear for listings (it is not a secret). Removing a session removes its
 * snapshot in the same transaction.
 */
import { Clock, Context, Effect, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { SqlStore } from "./SqlStore.ts"
import { StoreCrypto } from "./StoreCrypto.ts"
import { flag, millis, storeOperation } from "./StoreFailure.ts"

export type SessionTier = "hot" | "parked" | "cold"

export interface SessionEntry {
  readonly sessionId: string
  /** The credential fingerprint (HMAC of username and password) the session was opened with. */
  readonly fingerprint: string
  /** The portal account: HMAC of the normalised username. */
  readonly accountKey: string
  readonly username: string
  readonly pinned: boolean
  readonly keepAlive: boolean
  readonly tier: SessionTier
  readonly createdAt: number
  readonly lastUsed: number
}

export interface NewSessionEntry {
  readonly sessionId: string
  readonly fingerprint: string
  readonly username: string
  readonly pinned?: boolean
  readonly keepAlive?: boolean
  readonly tier?: SessionTier
  /** Default: now. */
  readonly createdAt?: number
}

export type SessionEntryPatch = Partial<Pick<SessionEntry, "pinned" | "keepAlive" | "tier">>

export interface SessionRegistryShape {
  /** Records a session (replacing the record of the same id, which keeps its creation time). */
  readonly register: (entry: NewSessionEntry) => Effect.Effect<SessionEntry, StorageUnavailable>
  readonly get: (sessionId: string) => Effect.Effect<Option.Option<SessionEntry>, StorageUnavailable>
  /** The sessions opened with these credentials, most recently used first. */
  readonly byFingerprint: (fingerprint: string) => Effect.Effect<ReadonlyArray<SessionEntry>, StorageUnavailable>
  /** The sessions of a portal account (any password), most recently used first. */
  readonly byAccount: (username: string) => Effect.Effect<ReadonlyArray<SessionEntry>, StorageUnavailable>
  /** Marks the session used now. */
  readonly touch: (sessionId: string) => Effect.Effect<void, StorageUnavailable>
  /** Changes flags or tier; None when the session is not registered. */
  readonly update: (sessionId: string, patch: SessionEntryPatch) => Effect.Effect<Option.Option<SessionEntry>, StorageUnavailable>
  /** Forgets the session and its snapshot, in one transaction. */
  readonly remove: (sessionId: string) => Effect.Effect<void, StorageUnavailable>
  /** Every registered session, most recently used first. */
  readonly list: Effect.Effect<ReadonlyArray<SessionEntry>, StorageUnavailable>
  readonly count: Effect.Effect<number, StorageUnavailable>
}

interface Row {
  readonly session_ref: string
  readonly session_id: string
  readonly fingerprint: string
  readonly account_key: string
  readonly username: string
  readonly pinned: unknown
  readonly keep_alive: unknown
  readonly tier: string
  readonly created_at: unknown
  readonly last_used: unknown
}

const COLUMNS = "session_ref, session_id, fingerprint, account_key, username, pinned, keep_alive, tier, created_at, last_used"

const make = Effect.gen(function*() {
  const sql = yield* SqlClient
  const crypto = yield* StoreCrypto
  const refOf = (sessionId: string) => crypto.ref("session", sessionId)
  const columns = sql.literal(COLUMNS)

  const decode = (row: Row): ReadonlyArray<SessionEntry> => {
    const id = crypto.open("sessions.session_id", row.session_ref, row.session_id)
    // A row whose id does not open (altered, or another SERVER_SECRET) is not a session of ours.
    if (Result.isFailure(id)) return []
    return [{
      sessionId: id.success,
      fingerprint: row.fingerprint,
      accountKey: row.account_key,
      username: row.username,
      pinned: flag(row.pinned),
      keepAlive: flag(row.keep_alive),
      tier: row.tier as SessionTier,
      createdAt: millis(row.created_at),
      lastUsed: millis(row.last_used)
    }]
  }

  const selectOne = (ref: string) =>
    Effect.map(sql<Row>`SELECT ${columns} FROM sessions WHERE session_ref = ${ref}`, (rows) => Option.fromNullishOr(rows.flatMap(decode)[0]))

  const register = Effect.fn("SessionRegistry.register")(function*(entry: NewSessionEntry) {
    const now = yield* Clock.currentTimeMillis
    const ref = refOf(entry.sessionId)
    const rows = yield* sql<Row>`INSERT INTO sessions (${columns}) VALUES (
        ${ref}, ${crypto.seal("sessions.session_id", ref, entry.sessionId)}, ${entry.fingerprint},
        ${crypto.accountKey(entry.username)}, ${entry.username}, ${entry.pinned === true ? 1 : 0},
        ${entry.keepAlive === true ? 1 : 0}, ${entry.tier ?? "hot"}, ${entry.createdAt ?? now}, ${now})
      ON CONFLICT (session_ref) DO UPDATE SET
        fingerprint = excluded.fingerprint, account_key = excluded.account_key, username = excluded.username,
        pinned = excluded.pinned, keep_alive = excluded.keep_alive, tier = excluded.tier, last_used = excluded.last_used
      RETURNING ${columns}`
    return rows.flatMap(decode)[0]!
  }, storeOperation("SessionRegistry.register"))

  const get = Effect.fn("SessionRegistry.get")(function*(sessionId: string) {
    return yield* selectOne(refOf(sessionId))
  }, storeOperation("SessionRegistry.get"))

  const byFingerprint = Effect.fn("SessionRegistry.byFingerprint")(function*(fingerprint: string) {
    const rows = yield* sql<Row>`SELECT ${columns} FROM sessions WHERE fingerprint = ${fingerprint} ORDER BY last_used DESC`
    return rows.flatMap(decode)
  }, storeOperation("SessionRegistry.byFingerprint"))

  const byAccount = Effect.fn("SessionRegistry.byAccount")(function*(username: string) {
    const rows = yield* sql<Row>`SELECT ${columns} FROM sessions WHERE account_key = ${crypto.accountKey(username)} ORDER BY last_used DESC`
    return rows.flatMap(decode)
  }, storeOperation("SessionRegistry.byAccount"))

  const touch = Effect.fn("SessionRegistry.touch")(function*(sessionId: string) {
    const now = yield* Clock.currentTimeMillis
    yield* sql`UPDATE sessions SET last_used = ${now} WHERE session_ref = ${refOf(sessionId)}`
  }, storeOperation("SessionRegistry.touch"))

  const update = Effect.fn("SessionRegistry.update")(function*(sessionId: string, patch: SessionEntryPatch) {
    const ref = refOf(sessionId)
    const set = {
      ...(patch.pinned !== undefined ? { pinned: patch.pinned ? 1 : 0 } : {}),
      ...(patch.keepAlive !== undefined ? { keep_alive: patch.keepAlive ? 1 : 0 } : {}),
      ...(patch.tier !== undefined ? { tier: patch.tier } : {})
    }
    if (Object.keys(set).length > 0) yield* sql`UPDATE sessions SET ${sql.update(set)} WHERE session_ref = ${ref}`
    return yield* selectOne(ref)
  }, storeOperation("SessionRegistry.update"))

  const remove = Effect.fn("SessionRegistry.remove")(function*(sessionId: string) {
    const ref = refOf(sessionId)
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`DELETE FROM session_snapshots WHERE session_ref = ${ref}`
      yield* sql`DELETE FROM sessions WHERE session_ref = ${ref}`
    }))
  }, storeOperation("SessionRegistry.remove"))

  const list = Effect.map(sql<Row>`SELECT ${columns} FROM sessions ORDER BY last_used DESC`, (rows) => rows.flatMap(decode)).pipe(
    storeOperation("SessionRegistry.list"),
    Effect.withSpan("SessionRegistry.list")
  )

  const count = Effect.map(sql<{ readonly n: unknown }>`SELECT count(*) AS n FROM sessions`, (rows) => millis(rows[0]?.n ?? 0)).pipe(
    storeOperation("SessionRegistry.count")
  )

  return SessionRegistry.of({ register, get, byFingerprint, byAccount, touch, update, remove, list, count })
})

export class SessionRegistry extends Context.Service<SessionRegistry, SessionRegistryShape>()("emodal-api/services/store/SessionRegistry") {
  static readonly layer: Layer.Layer<SessionRegistry, never, SqlClient | StoreCrypto> = Layer.effect(SessionRegistry, make)

  /** On a private in-memory SQLite database. */
  static readonly layerTest: Layer.Layer<SessionRegistry, StorageUnavailable> = SessionRegistry.layer.pipe(
    Layer.provide(Layer.merge(SqlStore.layerTest, StoreCrypto.layerTest))
  )
}
