/**
 * SessionSnapshots keeps what a logged-in session needs to come back without a new login: its
 * cookies (session cookies included — they have no Expires and die with Chrome), its portal
 * origins' localStorage and sessionStorage, and its metadata (id, fingerprint, pin, creation time,
 * and the credentials for the fallback login when a restored session turns out logged out).
 *
 * Invariants: snapshots live in the SQL store (SnapshotStore: one AES-256-GCM row per session, key
 * derived from SNAPSHOT_KEY, row keyed by a reference to the session id — plaintext is never
 * stored); one older than SNAPSHOT_MAX_AGE is never restored; one whose content does not parse or
 * has another schema version is a typed SnapshotCorrupt — logged, deleted and treated as absent,
 * never a crash. The snapshot files of earlier versions are imported into the store when the
 * service is built (once: a file is deleted once its row is committed). Without SNAPSHOT_KEY
 * snapshots are off.
 */
import { Clock, Context, Data, Duration, Effect, Layer, Option, Schema } from "effect"
import type { StorageUnavailable } from "../domain/Errors.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { importSnapshotFiles } from "./store/SnapshotImport.ts"
import { SnapshotStore, type SnapshotStoreShape, type StoredSnapshot } from "./store/SnapshotStore.ts"

export const SNAPSHOT_VERSION = 1

/** A cookie as Chrome reports it (session cookies included); `Browser` reads and sets these. */
export const Cookie = Schema.Struct({
  name: Schema.String,
  value: Schema.String,
  domain: Schema.String,
  path: Schema.String,
  expires: Schema.Number,
  httpOnly: Schema.Boolean,
  secure: Schema.Boolean,
  session: Schema.Boolean,
  sameSite: Schema.optionalKey(Schema.Literals(["Strict", "Lax", "None"]))
})
export type Cookie = typeof Cookie.Type

const OriginStorage = Schema.Struct({
  local: Schema.Record(Schema.String, Schema.String),
  session: Schema.Record(Schema.String, Schema.String)
})

export const SnapshotData = Schema.Struct({
  version: Schema.Literal(SNAPSHOT_VERSION),
  sessionId: Schema.String,
  fingerprint: Schema.String,
  username: Schema.String,
  password: Schema.String,
  captchaApiKey: Schema.NullOr(Schema.String),
  neverTerminate: Schema.Boolean,
  keepAlive: Schema.Boolean,
  createdAt: Schema.Number,
  savedAt: Schema.Number,
  cookies: Schema.Array(Cookie),
  storage: Schema.Record(Schema.String, OriginStorage)
})
export type SnapshotData = typeof SnapshotData.Type
export type OriginStorage = typeof OriginStorage.Type

/** A stored snapshot that cannot be trusted. Logged and deleted; the session logs in normally. */
export class SnapshotCorrupt extends Data.TaggedError("SnapshotCorrupt")<{
  readonly reason: "unreadable_content" | "other_session"
}> {}

export interface SessionSnapshotsShape {
  readonly enabled: boolean
  /** Writes (replaces) the session's snapshot. */
  readonly save: (data: SnapshotData) => Effect.Effect<void, StorageUnavailable>
  /** The session's snapshot, if there is a trustworthy one younger than SNAPSHOT_MAX_AGE. */
  readonly load: (sessionId: string) => Effect.Effect<Option.Option<SnapshotData>, StorageUnavailable>
  /** Every trustworthy snapshot younger than SNAPSHOT_MAX_AGE, newest first (older ones are deleted). */
  readonly loadAll: Effect.Effect<ReadonlyArray<SnapshotData>, StorageUnavailable>
  readonly remove: (sessionId: string) => Effect.Effect<void, StorageUnavailable>
}

const decodeSnapshot = Schema.decodeUnknownOption(Schema.fromJsonString(SnapshotData))

const disabled: SessionSnapshotsShape = {
  enabled: false,
  save: () => Effect.void,
  load: () => Effect.succeedNone,
  loadAll: Effect.succeed([]),
  remove: () => Effect.void
}

const make = (store: SnapshotStoreShape, maxAge: Duration.Duration): SessionSnapshotsShape => {
  /** The row's snapshot, or None after logging and deleting one that cannot be trusted. */
  const parsed = (stored: StoredSnapshot, sessionId: string | undefined) =>
    Effect.gen(function*() {
      const data = decodeSnapshot(stored.plaintext)
      const problem = Option.isNone(data)
        ? new SnapshotCorrupt({ reason: "unreadable_content" })
        : sessionId !== undefined && data.value.sessionId !== sessionId
        ? new SnapshotCorrupt({ reason: "other_session" })
        : undefined
      if (problem === undefined) return data
      yield* Effect.logWarning("session snapshot is not trustworthy; deleted, the session will log in normally", {
        error: problem._tag,
        reason: problem.reason
      })
      if (sessionId !== undefined) yield* store.remove(sessionId)
      return Option.none<SnapshotData>()
    })

  const load = Effect.fn("SessionSnapshots.load")(function*(sessionId: string) {
    const stored = yield* store.load(sessionId)
    if (Option.isNone(stored)) return Option.none<SnapshotData>()
    if ((yield* Clock.currentTimeMillis) - stored.value.savedAt > Duration.toMillis(maxAge)) {
      yield* store.remove(sessionId)
      return Option.none<SnapshotData>()
    }
    return yield* parsed(stored.value, sessionId)
  })

  const loadAll = Effect.gen(function*() {
    const out: Array<SnapshotData> = []
    for (const stored of yield* store.loadAll(maxAge)) {
      const data = yield* parsed(stored, undefined)
      if (Option.isSome(data)) out.push(data.value)
    }
    return out
  }).pipe(Effect.withSpan("SessionSnapshots.loadAll"))

  return {
    enabled: true,
    save: (data) => store.save(data.sessionId, JSON.stringify(data), data.savedAt),
    load,
    loadAll,
    remove: store.remove
  }
}

export class SessionSnapshots extends Context.Service<SessionSnapshots, SessionSnapshotsShape>()("emodal-api/services/SessionSnapshots") {
  /** In the SQL store; imports the snapshot files of earlier versions first. Off without SNAPSHOT_KEY. */
  static readonly layer: Layer.Layer<SessionSnapshots, StorageUnavailable, SnapshotStore | PortalConfig> = Layer.effect(
    SessionSnapshots,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const store = yield* SnapshotStore
      yield* importSnapshotFiles
      return SessionSnapshots.of(store.enabled ? make(store, config.snapshotMaxAge) : disabled)
    })
  )
}
