/**
 * SessionRestorer is the pool's link to the store: the session registry (which sessions exist, by
 * id and by credential fingerprint, pinned and keep-alive flags, created and last used, and their
 * tier: hot while a Chrome holds them, cold while only their snapshot does) and the snapshots a
 * session comes back from without a login, under the same id — after a restart, an eviction or a
 * crash. The pool asks it only for sessions that are not live in this process. Closing a session
 * on request, or losing its portal login, forgets it for good (registry row and snapshot in one
 * transaction). Without SNAPSHOT_KEY nothing is restorable and an ended session is forgotten.
 *
 * Finding a session to restore needs the store (StorageUnavailable when it is down); recording
 * what live sessions do (registered, used, flags, tier) is best effort and never fails the request
 * that caused it. At boot (single-process mode, the default) the registry is brought in line with
 * the snapshots: every session is cold, one without a snapshot is forgotten, a snapshot imported
 * from a file of an earlier version is registered.
 */
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Credentials } from "../../domain/Credentials.ts"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { SessionSnapshots, type SnapshotData } from "../SessionSnapshots.ts"
import { type NewSessionEntry, SessionRegistry } from "../store/SessionRegistry.ts"

export interface SessionFlags {
  readonly pinned: boolean
  readonly keepAlive: boolean
}

export interface SessionRestorerShape {
  readonly enabled: boolean
  /** The snapshot to restore the (not live) session `sessionId` from, if it has a trustworthy one. */
  readonly byId: (sessionId: string) => Effect.Effect<Option.Option<SnapshotData>, StorageUnavailable>
  /** The snapshot of the most recently used (not live) session opened with these credentials, if any. */
  readonly byFingerprint: (fingerprint: string) => Effect.Effect<Option.Option<SnapshotData>, StorageUnavailable>
  /** A session lives in this process now (created or restored): registered hot. Best effort. */
  readonly registered: (entry: NewSessionEntry) => Effect.Effect<void>
  /** The session was used now. Best effort. */
  readonly touched: (sessionId: string) => Effect.Effect<void>
  /** The session's flags changed. Best effort. */
  readonly flagsChanged: (sessionId: string, flags: SessionFlags) => Effect.Effect<void>
  /**
   * The session left this process but may come back (evicted, crashed, retired, shut down): cold,
   * restorable from its snapshot; forgotten when snapshots are off. Best effort.
   */
  readonly keep: (sessionId: string, flags: SessionFlags) => Effect.Effect<void>
  /** Forgets the session for good, snapshot included; true if it was registered. */
  readonly forget: (sessionId: string) => Effect.Effect<boolean, StorageUnavailable>
  /** The pinned sessions restorable at boot (the pool restores them without waiting for a request). */
  readonly pinnedAtBoot: ReadonlyArray<SnapshotData>
}

/** The credentials a snapshot carries (for a restore asked for by session id alone). */
export const credentialsOf = (snap: SnapshotData): Credentials =>
  new Credentials({
    username: snap.username,
    password: Redacted.make(snap.password),
    ...(snap.captchaApiKey !== null ? { captchaApiKey: Redacted.make(snap.captchaApiKey) } : {})
  })

/** Runs a registry write; a store outage is logged, never the caller's failure. */
const bestEffort = (what: string) => <E extends { readonly _tag: string }>(effect: Effect.Effect<unknown, E>): Effect.Effect<void> =>
  effect.pipe(
    Effect.asVoid,
    Effect.catch((e) => Effect.logDebug(`session registry not updated (${what})`, { error: e._tag }))
  )

export class SessionRestorer extends Context.Service<SessionRestorer, SessionRestorerShape>()("emodal-api/services/pool/SessionRestorer") {
  static readonly layer: Layer.Layer<SessionRestorer, StorageUnavailable, SessionSnapshots | SessionRegistry> = Layer.effect(
    SessionRestorer,
    Effect.gen(function*() {
      const snapshots = yield* SessionSnapshots
      const registry = yield* SessionRegistry
      const atBoot = yield* snapshots.loadAll

      // Single-process boot: no session is live yet. Registry and snapshots agree from here on.
      const restorable = new Map(atBoot.map((snap) => [snap.sessionId, snap]))
      for (const entry of yield* registry.list) {
        if (restorable.delete(entry.sessionId)) yield* registry.update(entry.sessionId, { tier: "cold" })
        else yield* registry.remove(entry.sessionId)
      }
      for (const snap of restorable.values()) {
        yield* registry.register({
          sessionId: snap.sessionId,
          fingerprint: snap.fingerprint,
          username: snap.username,
          pinned: snap.neverTerminate,
          keepAlive: snap.keepAlive,
          tier: "cold",
          createdAt: snap.createdAt
        })
      }

      const byId = Effect.fn("SessionRestorer.byId")(function*(sessionId: string) {
        return yield* snapshots.load(sessionId)
      })

      const byFingerprint = Effect.fn("SessionRestorer.byFingerprint")(function*(fingerprint: string) {
        if (!snapshots.enabled) return Option.none<SnapshotData>()
        for (const entry of yield* registry.byFingerprint(fingerprint)) {
          const snap = yield* snapshots.load(entry.sessionId)
          if (Option.isSome(snap)) return snap
        }
        return Option.none<SnapshotData>()
      })

      const registered = (entry: NewSessionEntry) => bestEffort("registered")(registry.register({ ...entry, tier: "hot" }))

      const touched = (sessionId: string) => bestEffort("used")(registry.touch(sessionId))

      const flagsChanged = (sessionId: string, flags: SessionFlags) => bestEffort("flags")(registry.update(sessionId, flags))

      const keep = (sessionId: string, flags: SessionFlags) =>
        bestEffort("kept")(snapshots.enabled ? registry.update(sessionId, { ...flags, tier: "cold" }) : registry.remove(sessionId))

      const forget = Effect.fn("SessionRestorer.forget")(function*(sessionId: string) {
        const was = Option.isSome(yield* registry.get(sessionId))
        yield* registry.remove(sessionId)
        return was
      })

      return SessionRestorer.of({
        enabled: snapshots.enabled,
        byId,
        byFingerprint,
        registered,
        touched,
        flagsChanged,
        keep,
        forget,
        pinnedAtBoot: atBoot.filter((snap) => snap.neverTerminate)
      })
    })
  )
}
