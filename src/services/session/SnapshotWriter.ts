/**
 * A session's snapshots: what a snapshot holds (cookies, the portal origins' storage, the session's
 * metadata and credentials — encrypted at rest by SessionSnapshots), read from the current page,
 * and when it is written: a moment after logins and operations (changes come in bursts) and on
 * SNAPSHOT_INTERVAL. Writing one is page work, so the session runs it as a message: never during
 * an operation. A failed write is logged, never raised: a snapshot is a bonus.
 */
import { Clock, Duration, Effect, Queue, Redacted, Ref, type Scope } from "effect"
import type { CredentialFingerprint, Credentials } from "../../domain/Credentials.ts"
import type { SessionId } from "../../domain/Ids.ts"
import type { BrowserError, PageHandle } from "../Browser.ts"
import * as Snapshot from "../portal/Snapshot.ts"
import { type OriginStorage, SNAPSHOT_VERSION, type SessionSnapshotsShape, type SnapshotData } from "../SessionSnapshots.ts"
import type { SessionHealth, SessionSettings } from "./SessionProtocol.ts"

/** Waits this long after the last change before writing a snapshot (changes come in bursts). */
export const SNAPSHOT_DEBOUNCE = Duration.seconds(1)

export interface SnapshotWriterParams {
  readonly sessionId: SessionId
  readonly fingerprint: CredentialFingerprint
  readonly credentials: Credentials
  /** The store; undefined when snapshots are off (no SNAPSHOT_KEY). */
  readonly snapshots: SessionSnapshotsShape | undefined
  readonly settings: Effect.Effect<SessionSettings>
  readonly health: Effect.Effect<SessionHealth>
  /** The storage a restored session came back with (each capture adds the origin the page is on). */
  readonly knownStorage: Record<string, OriginStorage>
}

export interface SnapshotWriter {
  readonly enabled: boolean
  /** Everything a snapshot holds, read from `page`. */
  readonly capture: (page: PageHandle) => Effect.Effect<SnapshotData, BrowserError>
  /** Captures and writes a snapshot of `page`; failures are logged. */
  readonly write: (page: PageHandle) => Effect.Effect<void>
  /** Something changed since the last snapshot. */
  readonly markDirty: Effect.Effect<void>
  /**
   * Writes through `trySnapshot` (a message run only if the session is idle; false when it was
   * busy) a moment after each change and on `interval`, until the scope closes.
   */
  readonly schedule: (trySnapshot: Effect.Effect<boolean>, interval: Duration.Duration) => Effect.Effect<void, never, Scope.Scope>
}

export const make = (params: SnapshotWriterParams): Effect.Effect<SnapshotWriter> =>
  Effect.gen(function*() {
    const { snapshots, credentials } = params
    const knownStorage = yield* Ref.make(params.knownStorage)
    /** "Something changed since the last snapshot" (a sliding queue of one: a flag you can wait on). */
    const dirty = yield* Queue.sliding<void>(1)

    const capture = (page: PageHandle) =>
      Effect.gen(function*() {
        const captured = yield* Snapshot.capture(page, yield* Ref.get(knownStorage))
        yield* Ref.set(knownStorage, captured.storage)
        const s = yield* params.settings
        const h = yield* params.health
        return {
          version: SNAPSHOT_VERSION,
          sessionId: params.sessionId,
          fingerprint: params.fingerprint,
          username: credentials.username,
          password: Redacted.value(credentials.password),
          captchaApiKey: credentials.captchaApiKey === undefined ? null : Redacted.value(credentials.captchaApiKey),
          neverTerminate: s.neverTerminate,
          keepAlive: s.keepAlive,
          createdAt: h.createdAt,
          savedAt: yield* Clock.currentTimeMillis,
          cookies: captured.cookies,
          storage: captured.storage
        } satisfies SnapshotData
      })

    const write = (page: PageHandle) =>
      Effect.gen(function*() {
        if (snapshots === undefined) return
        const data = yield* capture(page)
        yield* snapshots.save(data)
        yield* Effect.logDebug("session snapshot written", { cookies: data.cookies.length })
      }).pipe(Effect.catchCause((cause) => Effect.logWarning("session snapshot not written", cause)))

    const schedule = (trySnapshot: Effect.Effect<boolean>, interval: Duration.Duration) =>
      snapshots === undefined
        ? Effect.void
        : Effect.asVoid(Effect.forkScoped(Effect.gen(function*() {
          while (true) {
            yield* Effect.raceFirst(Queue.take(dirty), Effect.sleep(interval))
            yield* Effect.sleep(SNAPSHOT_DEBOUNCE)
            // Busy: the change is still unsaved, so try again after the next debounce.
            if (!(yield* trySnapshot)) yield* Queue.offer(dirty, undefined)
          }
        })))

    return {
      enabled: snapshots !== undefined,
      capture,
      write,
      markDirty: Effect.asVoid(Queue.offer(dirty, undefined)),
      schedule
    } satisfies SnapshotWriter
  })
