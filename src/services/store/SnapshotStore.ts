/**
 * SnapshotStore keeps the encrypted session snapshots (cookies, storage and what a session needs
 * to come back without a new login) in the SQL store, one row per session. It stores and returns
 * the snapshot's JSON text; what is in it is SessionSnapshots' business.
 *
 * Invariants: plaintext is never stored — each row is AES-256-GCM (Sealing) under the key derived
 * from SNAPSHOT_KEY (as the snapshot files were), bound to its row, and the row key is a reference
 * to the session id (StoreCrypto), never the id. A row that does not open (altered, moved, another
 * key) is logged, deleted and treated as absent, never a crash. An older snapshot never replaces a
 * newer one (last `savedAt` wins, also between processes). Without SNAPSHOT_KEY the store is off.
 */
import { Clock, Context, Duration, Effect, Layer, Option, Redacted, Result } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { PortalConfig } from "../PortalConfig.ts"
import { keyFromPassphrase, open, seal, type SealFormat } from "../Sealing.ts"
import { SqlStore } from "./SqlStore.ts"
import { StoreCrypto } from "./StoreCrypto.ts"
import { millis, storeOperation } from "./StoreFailure.ts"

/** The scrypt salt of the snapshot key derived from SNAPSHOT_KEY (the snapshot files of earlier versions used it too). */
export const SNAPSHOT_KEY_SALT = "emodal-api/snapshots/v1"

/** The framing of snapshot rows (see Sealing); the row's reference is the authenticated context. */
export const SNAPSHOT_ROW_FORMAT: SealFormat = { magic: "EMSR", version: 1 }

export interface StoredSnapshot {
  /** The snapshot's JSON text. */
  readonly plaintext: string
  readonly savedAt: number
}

export interface SnapshotStoreShape {
  /** False without SNAPSHOT_KEY: saves do nothing, loads find nothing. */
  readonly enabled: boolean
  /** Stores the session's snapshot, unless a newer one is stored already. */
  readonly save: (sessionId: string, plaintext: string, savedAt: number) => Effect.Effect<void, StorageUnavailable>
  /** The session's snapshot, if there is a trustworthy one. */
  readonly load: (sessionId: string) => Effect.Effect<Option.Option<StoredSnapshot>, StorageUnavailable>
  /** Every trustworthy snapshot saved within `maxAge`, newest first; older ones are deleted. */
  readonly loadAll: (maxAge: Duration.Duration) => Effect.Effect<ReadonlyArray<StoredSnapshot>, StorageUnavailable>
  readonly remove: (sessionId: string) => Effect.Effect<void, StorageUnavailable>
  readonly count: Effect.Effect<number, StorageUnavailable>
}

interface Row {
  readonly session_ref: string
  readonly sealed: string
  readonly saved_at: unknown
}

const disabled = (): SnapshotStoreShape => ({
  enabled: false,
  save: () => Effect.void,
  load: () => Effect.succeedNone,
  loadAll: () => Effect.succeed([]),
  remove: () => Effect.void,
  count: Effect.succeed(0)
})

const make = (key: Uint8Array) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const crypto = yield* StoreCrypto
    const refOf = (sessionId: string) => crypto.ref("session", sessionId)
    const context = (ref: string) => `session_snapshots\u0000${ref}`

    /** The row's plaintext, or None after logging and deleting a row that does not open. */
    const opened = (row: Row) =>
      Effect.gen(function*() {
        const result = open(key, SNAPSHOT_ROW_FORMAT, context(row.session_ref), Buffer.from(row.sealed, "base64"))
        if (Result.isSuccess(result)) return Option.some<StoredSnapshot>({ plaintext: result.success.toString("utf8"), savedAt: millis(row.saved_at) })
        yield* Effect.logWarning("session snapshot is not trustworthy; deleted, the session will log in normally", {
          error: "SnapshotCorrupt",
          reason: result.failure.reason
        })
        yield* sql`DELETE FROM session_snapshots WHERE session_ref = ${row.session_ref} AND sealed = ${row.sealed}`
        return Option.none<StoredSnapshot>()
      })

    const save = Effect.fn("SnapshotStore.save")(function*(sessionId: string, plaintext: string, savedAt: number) {
      const ref = refOf(sessionId)
      const sealed = seal(key, SNAPSHOT_ROW_FORMAT, context(ref), Buffer.from(plaintext, "utf8")).toString("base64")
      yield* sql`INSERT INTO session_snapshots (session_ref, sealed, saved_at) VALUES (${ref}, ${sealed}, ${savedAt})
        ON CONFLICT (session_ref) DO UPDATE SET sealed = excluded.sealed, saved_at = excluded.saved_at
        WHERE excluded.saved_at >= session_snapshots.saved_at`
    }, storeOperation("SnapshotStore.save"))

    const load = Effect.fn("SnapshotStore.load")(function*(sessionId: string) {
      const rows = yield* sql<Row>`SELECT session_ref, sealed, saved_at FROM session_snapshots WHERE session_ref = ${refOf(sessionId)}`
      return rows[0] === undefined ? Option.none<StoredSnapshot>() : yield* opened(rows[0])
    }, storeOperation("SnapshotStore.load"))

    const loadAll = Effect.fn("SnapshotStore.loadAll")(function*(maxAge: Duration.Duration) {
      const cutoff = (yield* Clock.currentTimeMillis) - Duration.toMillis(maxAge)
      yield* sql`DELETE FROM session_snapshots WHERE saved_at < ${cutoff}`
      const rows = yield* sql<Row>`SELECT session_ref, sealed, saved_at FROM session_snapshots ORDER BY saved_at DESC`
      const out: Array<StoredSnapshot> = []
      for (const row of rows) {
        const snapshot = yield* opened(row)
        if (Option.isSome(snapshot)) out.push(snapshot.value)
      }
      return out
    }, storeOperation("SnapshotStore.loadAll"))

    const remove = Effect.fn("SnapshotStore.remove")(function*(sessionId: string) {
      yield* sql`DELETE FROM session_snapshots WHERE session_ref = ${refOf(sessionId)}`
    }, storeOperation("SnapshotStore.remove"))

    const count = Effect.map(sql<{ readonly n: unknown }>`SELECT count(*) AS n FROM session_snapshots`, (rows) => millis(rows[0]?.n ?? 0)).pipe(
      storeOperation("SnapshotStore.count")
    )

    return SnapshotStore.of({ enabled: true, save, load, loadAll, remove, count })
  })

export class SnapshotStore extends Context.Service<SnapshotStore, SnapshotStoreShape>()("emodal-api/services/store/SnapshotStore") {
  /** Keyed by SNAPSHOT_KEY (scrypt, as the snapshot files); off without it. */
  static readonly layer: Layer.Layer<SnapshotStore, never, SqlClient | StoreCrypto | PortalConfig> = Layer.effect(
    SnapshotStore,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      return yield* Option.match(config.snapshotKey, {
        onNone: () => Effect.succeed(SnapshotStore.of(disabled())),
        onSome: (passphrase) => make(keyFromPassphrase(Redacted.value(passphrase), SNAPSHOT_KEY_SALT))
      })
    })
  )

  /** Keyed by a given passphrase (tests, tools). */
  static readonly layerWith = (passphrase: string): Layer.Layer<SnapshotStore, never, SqlClient | StoreCrypto> =>
    Layer.effect(SnapshotStore, make(keyFromPassphrase(passphrase, SNAPSHOT_KEY_SALT)))

  /** On a private in-memory SQLite database. */
  static readonly layerTest: Layer.Layer<SnapshotStore, StorageUnavailable> = SnapshotStore.layerWith("snapshot-test-key-0123456789").pipe(
    Layer.provide(Layer.merge(SqlStore.layerTest, StoreCrypto.layerTest))
  )
}
