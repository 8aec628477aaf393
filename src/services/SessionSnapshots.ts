/**
 * SessionSnapshots keeps what a logged-in session needs to come back without a new login: its
 * cookies (session cookies included — they have no Expires and die with Chrome), its portal
 * origins' localStorage and sessionStorage, and its metadata (id, fingerprint, pin, creation time,
 * and the credentials for the fallback login when a restored session turns out logged out).
 *
 * Invariants: nothing is written in clear — each file is AES-256-GCM under a key derived (scrypt)
 * from SNAPSHOT_KEY, with the file name as associated data; file names are an HMAC of the session
 * id (ids are bearer secrets); writes are atomic (temp file, fsync, rename); a file that does not
 * decrypt, does not parse or has another schema version is a typed SnapshotCorrupt — logged, moved
 * to `corrupt/`, and treated as absent, never a crash. Without SNAPSHOT_KEY the store is off.
 */
import { Clock, Context, Data, Duration, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import { createHmac } from "node:crypto"
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs"
import { join } from "node:path"
import { StorageFailed } from "../domain/Errors.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { keyFromPassphrase, open, seal, type SealFormat } from "./Sealing.ts"

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

/** A snapshot file that cannot be trusted. Logged and moved aside; the session logs in normally. */
export class SnapshotCorrupt extends Data.TaggedError("SnapshotCorrupt")<{
  readonly file: string
  readonly reason: "truncated" | "tampered_or_wrong_key" | "unreadable_content" | "other_version"
}> {}

export interface SessionSnapshotsShape {
  readonly enabled: boolean
  /** Writes (replaces) the session's snapshot. */
  readonly save: (data: SnapshotData) => Effect.Effect<void, StorageFailed>
  /** The session's snapshot, if there is a trustworthy one. */
  readonly load: (sessionId: string) => Effect.Effect<Option.Option<SnapshotData>>
  /** Every trustworthy snapshot younger than SNAPSHOT_MAX_AGE (older ones are deleted). */
  readonly loadAll: Effect.Effect<ReadonlyArray<SnapshotData>>
  readonly remove: (sessionId: string) => Effect.Effect<void>
}

/** The framing of snapshot files (see Sealing); the file name is the authenticated context. */
export const SNAPSHOT_FORMAT: SealFormat = { magic: "EMSS", version: SNAPSHOT_VERSION }
/** The scrypt salt of the snapshot key derived from SNAPSHOT_KEY. */
export const SNAPSHOT_KEY_SALT = "emodal-api/snapshots/v1"

export class SessionSnapshots extends Context.Service<SessionSnapshots, SessionSnapshotsShape>()("emodal-api/services/SessionSnapshots") {
  static readonly layer: Layer.Layer<SessionSnapshots, never, PortalConfig> = Layer.effect(
    SessionSnapshots,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      if (Option.isNone(config.snapshotKey)) {
        return SessionSnapshots.of({
          enabled: false,
          save: () => Effect.void,
          load: () => Effect.succeedNone,
          loadAll: Effect.succeed([]),
          remove: () => Effect.void
        })
      }
      const dir = join(config.dataDir, "snapshots")
      const corruptDir = join(dir, "corrupt")
      mkdirSync(corruptDir, { recursive: true, mode: 0o700 })
      const key = keyFromPassphrase(Redacted.value(config.snapshotKey.value), SNAPSHOT_KEY_SALT)
      const nameOf = (sessionId: string) =>
        createHmac("sha256", Redacted.value(config.serverSecret)).update(`snapshot:${sessionId}`).digest("hex").slice(0, 40) + ".snap"

      const encrypt = (file: string, plain: Buffer) => seal(key, SNAPSHOT_FORMAT, file, plain)

      const decrypt = (file: string, bytes: Buffer): SnapshotData | SnapshotCorrupt => {
        const opened = open(key, SNAPSHOT_FORMAT, file, bytes)
        if (Result.isFailure(opened)) return new SnapshotCorrupt({ file, reason: opened.failure.reason })
        try {
          const parsed = Schema.decodeUnknownExit(SnapshotData)(JSON.parse(opened.success.toString("utf8")))
          return parsed._tag === "Success" ? parsed.value : new SnapshotCorrupt({ file, reason: "unreadable_content" })
        } catch {
          return new SnapshotCorrupt({ file, reason: "unreadable_content" })
        }
      }

      /** Logs the bad file as SnapshotCorrupt and moves it aside (kept for inspection). */
      const quarantine = (error: SnapshotCorrupt) =>
        Effect.gen(function*() {
          const at = yield* Clock.currentTimeMillis
          yield* Effect.logWarning("session snapshot is not trustworthy; moved aside, the session will log in normally", {
            error: error._tag,
            reason: error.reason,
            file: error.file
          })
          yield* Effect.sync(() => {
            try {
              renameSync(join(dir, error.file), join(corruptDir, `${error.file}.${at}`))
            } catch {
              rmSync(join(dir, error.file), { force: true })
            }
          })
        })

      const readFile = (file: string) =>
        Effect.gen(function*() {
          const bytes = yield* Effect.sync(() => {
            try {
              return readFileSync(join(dir, file))
            } catch {
              return undefined
            }
          })
          if (bytes === undefined) return Option.none<SnapshotData>()
          const result = decrypt(file, bytes)
          if (result instanceof SnapshotCorrupt) {
            yield* quarantine(result)
            return Option.none<SnapshotData>()
          }
          return Option.some(result)
        })

      const save = (data: SnapshotData) =>
        Effect.try({
          try: () => {
            const file = nameOf(data.sessionId)
            const tmp = join(dir, `.${file}.${makeOpaqueToken()}.tmp`)
            const fd = openSync(tmp, "w", 0o600)
            try {
              writeSync(fd, encrypt(file, Buffer.from(JSON.stringify(data), "utf8")))
              fsyncSync(fd)
            } finally {
              closeSync(fd)
            }
            renameSync(tmp, join(dir, file))
          },
          catch: (cause) => new StorageFailed({ detail: `snapshot not written: ${(cause as NodeJS.ErrnoException)?.code ?? "error"}` })
        })

      const loadAll = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const maxAge = Duration.toMillis(config.snapshotMaxAge)
        const files = readdirSync(dir).filter((f) => f.endsWith(".snap"))
        const out: Array<SnapshotData> = []
        for (const file of files) {
          const loaded = yield* readFile(file)
          if (Option.isNone(loaded)) continue
          if (now - loaded.value.savedAt > maxAge || nameOf(loaded.value.sessionId) !== file) {
            rmSync(join(dir, file), { force: true })
            continue
          }
          out.push(loaded.value)
        }
        // Leftover temp files of an interrupted write.
        for (const f of readdirSync(dir)) if (f.endsWith(".tmp")) rmSync(join(dir, f), { force: true })
        return out
      })

      return SessionSnapshots.of({
        enabled: true,
        save,
        load: (sessionId) => readFile(nameOf(sessionId)),
        loadAll,
        remove: (sessionId) => Effect.sync(() => rmSync(join(dir, nameOf(sessionId)), { force: true }))
      })
    })
  )
}

/** Where a snapshot lives on disk (tests). */
export const snapshotFiles = (dataDir: string): ReadonlyArray<string> => {
  const dir = join(dataDir, "snapshots")
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".snap")).map((f) => join(dir, f)) : []
}

