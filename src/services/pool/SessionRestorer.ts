/**
 * SessionRestorer knows which sessions can come back without a login: those whose snapshot was
 * found at boot, and those evicted or crashed since (their last snapshot is read back then). A
 * restorable session is found by its id or by its credentials' fingerprint, and keeps its id when
 * the pool restores it. Closing a session on request, or losing its portal login, forgets it for
 * good (its snapshot goes too). The snapshot files are the truth; this only saves reads. Without
 * SNAPSHOT_KEY nothing is restorable.
 */
import { Context, Effect, Layer, Option, Redacted, Ref } from "effect"
import { Credentials } from "../../domain/Credentials.ts"
import { SessionSnapshots, type SnapshotData } from "../SessionSnapshots.ts"

export interface SessionRestorerShape {
  readonly enabled: boolean
  /** The restorable snapshot of `sessionId`, if it is known to be restorable. */
  readonly byId: (sessionId: string) => Effect.Effect<Option.Option<SnapshotData>>
  /** The session's snapshot read from the store (an ended session not known to be restorable). */
  readonly load: (sessionId: string) => Effect.Effect<Option.Option<SnapshotData>>
  /** The restorable snapshot opened with these credentials, if any. */
  readonly byFingerprint: (fingerprint: string) => Effect.Effect<Option.Option<SnapshotData>>
  /** Makes the session's last snapshot restorable (after an eviction or a crash). */
  readonly keep: (sessionId: string) => Effect.Effect<void>
  /** The session lives again: its snapshot is no longer a restore candidate. */
  readonly restored: (sessionId: string) => Effect.Effect<void>
  /** Forgets the session for good, snapshot included; true if it was restorable. */
  readonly forget: (sessionId: string) => Effect.Effect<boolean>
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

const without = (m: ReadonlyMap<string, SnapshotData>, sessionId: string) => {
  const next = new Map(m)
  next.delete(sessionId)
  return next
}

export class SessionRestorer extends Context.Service<SessionRestorer, SessionRestorerShape>()("emodal-api/services/pool/SessionRestorer") {
  static readonly layer: Layer.Layer<SessionRestorer, never, SessionSnapshots> = Layer.effect(
    SessionRestorer,
    Effect.gen(function*() {
      const snapshots = yield* SessionSnapshots
      const atBoot = yield* snapshots.loadAll
      const restorable = yield* Ref.make<ReadonlyMap<string, SnapshotData>>(new Map(atBoot.map((snap) => [snap.sessionId, snap])))

      const byId = Effect.fn("SessionRestorer.byId")(function*(sessionId: string) {
        return Option.fromNullishOr((yield* Ref.get(restorable)).get(sessionId))
      })

      const load = Effect.fn("SessionRestorer.load")(function*(sessionId: string) {
        return yield* snapshots.load(sessionId)
      })

      const byFingerprint = Effect.fn("SessionRestorer.byFingerprint")(function*(fingerprint: string) {
        return Option.fromNullishOr([...(yield* Ref.get(restorable)).values()].find((snap) => snap.fingerprint === fingerprint))
      })

      const keep = Effect.fn("SessionRestorer.keep")(function*(sessionId: string) {
        const snap = yield* snapshots.load(sessionId)
        if (Option.isSome(snap)) yield* Ref.update(restorable, (m) => new Map(m).set(sessionId, snap.value))
      })

      const restored = Effect.fn("SessionRestorer.restored")(function*(sessionId: string) {
        yield* Ref.update(restorable, (m) => without(m, sessionId))
      })

      const forget = Effect.fn("SessionRestorer.forget")(function*(sessionId: string) {
        const was = yield* Ref.modify(restorable, (m): [boolean, ReadonlyMap<string, SnapshotData>] => [m.has(sessionId), without(m, sessionId)])
        yield* snapshots.remove(sessionId)
        return was
      })

      return SessionRestorer.of({
        enabled: snapshots.enabled,
        byId,
        load,
        byFingerprint,
        keep,
        restored,
        forget,
        pinnedAtBoot: atBoot.filter((snap) => snap.neverTerminate)
      })
    })
  )
}
