/**
 * SessionPool owns every logged-in browser session: it finds a request's session (by id, else by
 * its credentials' HMAC fingerprint, so a different password never reuses a session), creates one
 * when needed and removes those that end. Its parts live in `pool/`: the index (LRU order,
 * fingerprints, logins in flight, tombstones — pure data), admission (MAX_SESSIONS slots, eviction,
 * waiting requests), the restorer (snapshots), the refresher (keep-alive, its own layer) and the
 * metrics `/health` reads.
 *
 * Invariants:
 * - Single-flight login: concurrent requests for the same new credentials start exactly one login
 *   and all receive the same session (only the one that started it is new). The login runs in the
 *   pool's scope, so one caller disconnecting does not cancel it for the others.
 * - Eviction only ever takes the least recently used session that is idle and not pinned, atomically
 *   with respect to new messages (it is the session's own run-if-idle Evict message).
 * - A session that ends on its own (crash, retirement) is removed and leaves a tombstone, so its id
 *   answers BrowserCrashed rather than a silent new session.
 * - With snapshots on (SNAPSHOT_KEY), sessions survive restarts, evictions and crashes: a restored
 *   session keeps its id. Pinned sessions are restored at boot; every live session is snapshotted
 *   at shutdown.
 */
import { Context, Deferred, Effect, Exit, Layer, Option, Ref, Scope } from "effect"
import { CredentialFingerprint, type Credentials, fingerprint } from "../domain/Credentials.ts"
import { BrowserCrashed, type CaptchaFailed, type LoginFailed, type PoolExhausted, SessionNotFound, type StorageUnavailable } from "../domain/Errors.ts"
import { isSessionId, makeSessionId, type SessionId } from "../domain/Ids.ts"
import type { SessionSummary } from "../domain/Operations.ts"
import { background } from "./Background.ts"
import { Browser, BrowserError } from "./Browser.ts"
import * as BrowserSession from "./BrowserSession.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalDriver } from "./PortalDriver.ts"
import { Readiness } from "./Readiness.ts"
import { SessionSnapshots, type SnapshotData } from "./SessionSnapshots.ts"
import * as Admission from "./pool/Admission.ts"
import { PoolMetrics, type SessionStateLabel, stateLabel } from "./pool/PoolMetrics.ts"
import * as SessionIndex from "./pool/SessionIndex.ts"
import { credentialsOf, SessionRestorer } from "./pool/SessionRestorer.ts"

export interface AcquireRequest {
  readonly sessionId?: string | undefined
  readonly credentials?: Credentials | undefined
  /** Pin (or unpin) the session. */
  readonly neverTerminate?: boolean | undefined
  readonly keepAlive?: boolean | undefined
}

export interface Acquired {
  readonly session: BrowserSession.BrowserSession
  readonly isNew: boolean
}

/** StorageUnavailable: the session is not live and finding its snapshot (restore, or before a new login) needs the store. */
export type AcquireError =
  | SessionNotFound
  | BrowserCrashed
  | PoolExhausted
  | LoginFailed
  | CaptchaFailed
  | StorageUnavailable
  | BrowserSession.SessionFailure

export interface PoolStats {
  readonly maxSessions: number
  readonly active: number
  readonly fingerprints: number
  readonly busy: number
  readonly idle: number
  readonly pinned: number
  readonly loggingIn: number
  /** Messages waiting in the sessions' mailboxes. */
  readonly queued: number
  /** Idle, unpinned sessions: what eviction can free for a new session now. */
  readonly evictable: number
  /** Logins of new sessions in flight (each holds a slot, or waits for one). */
  readonly pendingLogins: number
  readonly waitingForSlot: number
  readonly loginsTotal: number
  readonly restoresTotal: number
  readonly evictionsTotal: number
  readonly refreshesTotal: number
  readonly refreshFailuresTotal: number
  readonly crashesTotal: number
}

export interface SessionPoolShape {
  /** A session by id, else by credentials (reused or created), as the seed's acquisition. */
  readonly acquire: (request: AcquireRequest) => Effect.Effect<Acquired, AcquireError>
  /** A live session by id. */
  readonly get: (sessionId: string) => Effect.Effect<BrowserSession.BrowserSession, SessionNotFound | BrowserCrashed>
  /**
   * Closes a session: its Chrome, its directories, its fingerprint mapping, its registry row and
   * snapshot (forgotten in the store first: when the store is down nothing is closed).
   */
  readonly close: (sessionId: string) => Effect.Effect<void, SessionNotFound | StorageUnavailable>
  /** Ends a session whose portal login is lost for good: removed, its snapshot forgotten. */
  readonly expire: (session: BrowserSession.BrowserSession) => Effect.Effect<void>
  /** The live sessions, least recently used first. */
  readonly sessions: Effect.Effect<ReadonlyArray<BrowserSession.BrowserSession>>
  readonly list: Effect.Effect<ReadonlyArray<SessionSummary>>
  readonly stats: Effect.Effect<PoolStats>
}

interface Entry {
  readonly session: BrowserSession.BrowserSession
  readonly scope: Scope.Closeable
  readonly fingerprint: CredentialFingerprint
}

/** A login in flight, shared by every request for the same credentials. */
type Pending = Deferred.Deferred<Acquired, AcquireError>

type Index = SessionIndex.SessionIndex<Entry, Pending>

/** What a caller asking for an ended (or unknown) session id gets. */
const endedFor = (id: string, reason: BrowserSession.EndReason | undefined) =>
  isSessionId(id) ? BrowserSession.endedError(id, reason) : new SessionNotFound({ sessionId: id })

type Lookup =
  | { readonly _tag: "found"; readonly acquired: Acquired }
  | { readonly _tag: "ended"; readonly reason: BrowserSession.EndReason }
  | { readonly _tag: "missing" }

/** How long the shutdown waits for each session's last snapshot. */
const SHUTDOWN_SNAPSHOT_WITHIN = "10 seconds"

export class SessionPool extends Context.Service<SessionPool, SessionPoolShape>()("emodal-api/services/SessionPool") {
  static readonly layer: Layer.Layer<
    SessionPool,
    never,
    PortalConfig | Browser | PortalDriver | SessionSnapshots | SessionRestorer | PoolMetrics | Readiness
  > = Layer.effect(
    SessionPool,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const browser = yield* Browser
      const driver = yield* PortalDriver
      const snapshots = yield* SessionSnapshots
      const restorer = yield* SessionRestorer
      const metrics = yield* PoolMetrics
      const readiness = yield* Readiness
      const layerScope = yield* Effect.scope
      // Sessions live in a child scope closed in parallel at shutdown: every Chrome closes at once.
      const sessionsScope = yield* Scope.fork(layerScope, "parallel")
      const index = yield* Ref.make<Index>(SessionIndex.empty())

      /**
       * Removes a session from the index and closes its scope (Chrome, dirs, slot). With `expected`,
       * only that very session (not a newer one under the same id).
       */
      const retire = (id: SessionId, reason: BrowserSession.EndReason, expected?: BrowserSession.BrowserSession) =>
        Effect.gen(function*() {
          const entry = yield* Ref.modify(index, (i) => SessionIndex.remove(i, id, reason, (e) => expected === undefined || e.session === expected))
          if (entry === undefined) return false
          yield* entry.session.end(reason)
          yield* Scope.close(entry.scope, Exit.void)
          return true
        })

      const flagsOf = (session: BrowserSession.BrowserSession) =>
        Effect.map(session.settings, (st) => ({ pinned: st.neverTerminate, keepAlive: st.keepAlive }))

      /** Best-effort registry writes run beside the request, never in its way. */
      const record = (effect: Effect.Effect<void>) => Effect.asVoid(Effect.forkIn(effect, layerScope))

      /**
       * Removes a session that has ended (once: `retire` answers false to the second caller).
       * Whoever removes a crashed or retired one makes its last snapshot restorable, so it can come
       * back in a new Chrome on the next request.
       */
      const sweep = (session: BrowserSession.BrowserSession, reason: BrowserSession.EndReason) =>
        Effect.gen(function*() {
          const removed = yield* retire(session.id, reason, session)
          if (removed && (reason === "crashed" || reason === "retired")) yield* restorer.keep(session.id, yield* flagsOf(session))
        })

      /** Evicts the least recently used session that is idle and not pinned; false if none is. */
      const evictOne = Effect.gen(function*() {
        for (const [id, entry] of SessionIndex.leastRecentlyUsed(yield* Ref.get(index))) {
          if ((yield* entry.session.settings).neverTerminate) continue
          // Ends the session only if it is idle (a message arriving now is refused, never half-run)
          // and saves its snapshot, so it can come back later by restore instead of a login.
          if (!(yield* entry.session.evict)) continue
          yield* Effect.logInfo("evicted least recently used idle session", {
            sessionId: BrowserSession.sessionRef(id),
            username: entry.session.username
          })
          yield* restorer.keep(id, yield* flagsOf(entry.session))
          yield* retire(id, "evicted", entry.session)
          yield* metrics.count("evictions", entry.session.username)
          return true
        }
        return false
      }).pipe(Effect.withSpan("SessionPool.evictOne"))

      const admission = yield* Admission.make({
        maxSessions: config.maxSessions,
        acquireTimeout: config.acquireTimeout,
        queueLimit: config.acquireQueueLimit,
        evictOne,
        waitersChanged: metrics.slotWaiters,
        waited: metrics.slotWaited
      })

      /**
       * Ends the session brought about itself (a crash, a retirement) are swept here, or by a lookup
       * that meets the ended session first; ends the pool decides (close, eviction, failed refresh)
       * are cleaned up by the pool's own call, which awaits the scope so the slot is really free
       * when it returns. Exactly one path closes.
       */
      const watchEnd = (session: BrowserSession.BrowserSession) =>
        Effect.gen(function*() {
          const reason = yield* session.ended
          if (reason === "crashed") yield* metrics.count("crashes", session.username)
          if (reason === "crashed" || reason === "retired") yield* sweep(session, reason)
        })

      /**
       * Takes a slot, opens a Chrome, restores the snapshot or logs in, registers the session. Runs
       * in the pool's scope. A restored session keeps the id it had.
       */
      const create = (fp: CredentialFingerprint, credentials: Credentials, settings: BrowserSession.SessionSettings, restoreFrom: SnapshotData | undefined) =>
        Effect.gen(function*() {
          const scope = yield* Scope.fork(sessionsScope, "sequential")
          const id = restoreFrom !== undefined && isSessionId(restoreFrom.sessionId) ? restoreFrom.sessionId : makeSessionId()
          const { session, how } = yield* Effect.gen(function*() {
            yield* admission.take
            // The session's own fibers (Chrome watch, snapshot timer) are nobody's request: made in
            // the background, so what they log never carries the id of the request that created it.
            const session = yield* background(BrowserSession.make({
              id,
              credentials,
              fingerprint: fp,
              openLease: browser.open,
              settings,
              config,
              driver,
              snapshots,
              restoreFrom,
              hooks: { idle: admission.sessionIdle },
              observer: {
                // Every login of the session counts (the first one, and re-logins later), and is timed.
                loginTimed: (seconds, outcome) =>
                  metrics.loginTimed(seconds, outcome).pipe(Effect.andThen(outcome === "ok" ? metrics.count("logins", credentials.username) : Effect.void)),
                mailboxWaited: metrics.mailboxWaited
              }
            }))
            return { session, how: yield* session.start }
          }).pipe(
            Scope.provide(scope),
            Effect.onError(() => Scope.close(scope, Exit.void)),
            Effect.mapError((e) => (e instanceof BrowserError ? new BrowserCrashed({ detail: e.detail }) : e))
          )
          yield* Ref.update(index, (i) => SessionIndex.add(i, id, { session, scope, fingerprint: fp }))
          yield* record(restorer.registered({
            sessionId: id,
            fingerprint: fp,
            username: credentials.username,
            pinned: settings.neverTerminate,
            keepAlive: settings.keepAlive,
            createdAt: (yield* session.health).createdAt
          }))
          if (how === "restored") yield* metrics.count("restores", credentials.username)
          yield* Effect.forkIn(background(watchEnd(session)), layerScope)
          yield* Effect.logInfo(how === "restored" ? "session restored" : "session created", {
            sessionId: BrowserSession.sessionRef(id),
            username: credentials.username
          })
          return { session, isNew: how === "logged_in" } satisfies Acquired
        })

      const applySettings = (session: BrowserSession.BrowserSession, request: AcquireRequest) => {
        const patch = BrowserSession.settingsPatch(request.neverTerminate, request.keepAlive)
        return Object.keys(patch).length === 0 ? Effect.void : session.updateSettings(patch).pipe(
          Effect.flatMap((st) => record(restorer.flagsChanged(session.id, { pinned: st.neverTerminate, keepAlive: st.keepAlive })))
        )
      }

      /**
       * Finds and touches a live session. An ended one that is not swept yet (a crash a moment ago)
       * is swept here, whichever of this lookup and its end-watcher comes first, and reported as ended.
       */
      const reuse = (id: SessionId, request: AcquireRequest): Effect.Effect<Lookup> =>
        Effect.gen(function*() {
          const found = yield* Ref.modify(index, (i) => [{ entry: i.sessions.get(id), tomb: SessionIndex.tombstone(i, id) }, SessionIndex.touch(i, id)] as const)
          if (found.entry === undefined) return found.tomb === undefined ? { _tag: "missing" } : { _tag: "ended", reason: found.tomb }
          const session = found.entry.session
          const ended = yield* session.endReason
          if (Option.isSome(ended)) {
            // Its id and its credentials are free then for a restore or a new login.
            yield* sweep(session, ended.value)
            return { _tag: "ended", reason: ended.value }
          }
          yield* session.touch
          yield* record(restorer.touched(id))
          yield* applySettings(session, request)
          return { _tag: "found", acquired: { session, isNew: false } }
        })

      /**
       * The session of these credentials: live, being created (single flight), or created now —
       * restored from the snapshot `restoreFrom` finds, which is asked only when a session is
       * created (a live session needs nothing of the store).
       */
      const viaFingerprint = (
        fp: CredentialFingerprint,
        credentials: Credentials,
        request: AcquireRequest,
        restoreFrom: Effect.Effect<Option.Option<SnapshotData>, StorageUnavailable>
      ): Effect.Effect<Acquired, AcquireError> =>
        Effect.gen(function*() {
          const fresh: Pending = yield* Deferred.make<Acquired, AcquireError>()
          const decision = yield* Ref.modify(index, (i) => SessionIndex.resolve(i, fp, fresh))
          if (decision._tag === "existing") {
            const found = yield* reuse(decision.id, request)
            if (found._tag === "found") return found.acquired
            // Removed between the lookup and now (crash, eviction): start over by credentials.
            return yield* viaFingerprint(fp, credentials, request, restoreFrom)
          }
          if (decision._tag === "wait") {
            const acquired = yield* Deferred.await(decision.pending)
            yield* applySettings(acquired.session, request)
            // Only the request that started the login made a new session; its waiters reuse it.
            return { session: acquired.session, isNew: false }
          }
          const createNow = Effect.gen(function*() {
            const snap = Option.getOrUndefined(yield* restoreFrom)
            const settings: BrowserSession.SessionSettings = {
              neverTerminate: snap?.neverTerminate ?? false,
              keepAlive: snap?.keepAlive ?? true,
              ...BrowserSession.settingsPatch(request.neverTerminate, request.keepAlive)
            }
            return yield* create(fp, credentials, settings, snap)
          })
          // The login belongs to the pool, not to this caller: others may be waiting for it. It runs
          // in a fiber that starts at once and uninterruptible, so its outcome always reaches the
          // waiters (an interrupt — shutdown — stops the login itself, and is that outcome). The
          // pending entry goes before the waiters wake, so a retry after a failure starts afresh.
          const settle = (exit: Exit.Exit<Acquired, AcquireError>) =>
            Ref.update(index, (i) => SessionIndex.settle(i, fp, fresh)).pipe(Effect.andThen(Deferred.done(fresh, exit)))
          if (layerScope.state._tag === "Closed") {
            yield* settle(Exit.interrupt())
          } else {
            yield* createNow.pipe(
              Effect.interruptible,
              Effect.exit,
              Effect.flatMap(settle),
              Effect.forkIn(layerScope, { startImmediately: true, uninterruptible: true })
            )
          }
          return yield* Deferred.await(fresh)
        })

      const acquire = Effect.fn("SessionPool.acquire")(function*(request: AcquireRequest) {
        if (request.sessionId !== undefined && request.sessionId !== "") {
          const id = request.sessionId
          const found: Lookup = isSessionId(id) ? yield* reuse(id, request) : { _tag: "missing" }
          if (found._tag === "found") return found.acquired
          // Not live, but a snapshot can bring it back under the same id (restart, eviction, crash).
          // A session closed or expired was forgotten with its snapshot.
          const snap = isSessionId(id) ? yield* restorer.byId(id) : Option.none<SnapshotData>()
          if (Option.isSome(snap)) {
            return yield* viaFingerprint(CredentialFingerprint.make(snap.value.fingerprint), credentialsOf(snap.value), request, Effect.succeed(snap))
          }
          if (request.credentials === undefined) return yield* endedFor(id, found._tag === "ended" ? found.reason : undefined)
        }
        const credentials = request.credentials
        if (credentials === undefined) return yield* new SessionNotFound({})
        const fp = fingerprint(config.serverSecret, credentials)
        return yield* viaFingerprint(fp, credentials, request, restorer.byFingerprint(fp))
      })

      const get = Effect.fn("SessionPool.get")(function*(sessionId: string) {
        const i = yield* Ref.get(index)
        const entry = isSessionId(sessionId) ? i.sessions.get(sessionId) : undefined
        if (entry === undefined) return yield* endedFor(sessionId, isSessionId(sessionId) ? SessionIndex.tombstone(i, sessionId) : undefined)
        const ended = yield* entry.session.endReason
        if (Option.isSome(ended)) return yield* endedFor(sessionId, ended.value)
        return entry.session
      })

      const close = Effect.fn("SessionPool.close")(function*(sessionId: string) {
        if (!isSessionId(sessionId)) return yield* new SessionNotFound({ sessionId })
        // Closing on request ends the session for good: its snapshot goes too — first, so that a
        // store outage leaves the session as it was rather than closed with a snapshot that
        // would bring it back.
        const wasRegistered = yield* restorer.forget(sessionId)
        if (!(yield* retire(sessionId, "closed")) && !wasRegistered) return yield* new SessionNotFound({ sessionId })
        yield* Effect.logInfo("session closed on request", { sessionId: BrowserSession.sessionRef(sessionId) })
      })

      const expire = Effect.fn("SessionPool.expire")(function*(session: BrowserSession.BrowserSession) {
        yield* retire(session.id, "expired", session)
        // Its snapshot's login is lost too; should the store be down, a restore from it finds the
        // session logged out and logs in again.
        yield* restorer.forget(session.id).pipe(
          Effect.catchTag("StorageUnavailable", (e) => Effect.logWarning("an expired session's snapshot is not forgotten: store unavailable", { detail: e.detail }))
        )
      })

      const sessions = Effect.map(Ref.get(index), (i) => SessionIndex.leastRecentlyUsed(i).map(([, e]) => e.session)).pipe(
        Effect.withSpan("SessionPool.sessions")
      )

      const list = Effect.flatMap(sessions, Effect.forEach((s) => s.summary)).pipe(Effect.withSpan("SessionPool.list"))

      const stats = Effect.gen(function*() {
        const i = yield* Ref.get(index)
        const byState: Record<SessionStateLabel, number> = { idle: 0, busy: 0, logging_in: 0, refreshing: 0, closing: 0 }
        let pinned = 0
        let queued = 0
        let evictable = 0
        for (const e of i.sessions.values()) {
          const state = stateLabel(yield* e.session.state)
          byState[state]++
          queued += yield* e.session.queued
          const isPinned = (yield* e.session.settings).neverTerminate
          if (isPinned) pinned++
          else if (state === "idle") evictable++
        }
        // Logins in flight have no session in the index yet: they are logging in too.
        byState.logging_in += i.pending.size
        yield* metrics.sample({ tier: "hot", byState, pinned, queued, fingerprints: i.byFingerprint.size })
        const c = yield* metrics.counts
        return {
          maxSessions: config.maxSessions,
          active: i.sessions.size,
          fingerprints: i.byFingerprint.size,
          busy: i.sessions.size - byState.idle,
          idle: byState.idle,
          pinned,
          loggingIn: byState.logging_in,
          queued,
          evictable,
          pendingLogins: i.pending.size,
          waitingForSlot: yield* admission.waiting,
          loginsTotal: c.logins,
          restoresTotal: c.restores,
          evictionsTotal: c.evictions,
          refreshesTotal: c.refreshes,
          refreshFailuresTotal: c.refreshFailures,
          crashesTotal: c.crashes
        } satisfies PoolStats
      }).pipe(Effect.withSpan("SessionPool.stats"))

      // Registered after the sessions' scope, so it runs before every Chrome closes: a snapshot of
      // each live session lets the next start carry on without logins.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          const live = yield* sessions
          if (snapshots.enabled && live.length > 0) {
            yield* Effect.forEach(live, (session) =>
              session.snapshot.pipe(
                Effect.timeout(SHUTDOWN_SNAPSHOT_WITHIN),
                Effect.catchCause((cause) => Effect.logDebug("no snapshot at shutdown", { phase: "pool:shutdown", cause }))
              ), { concurrency: 4, discard: true })
            yield* Effect.logInfo("sessions snapshotted for the next start", { sessions: live.length })
          }
          yield* Effect.forEach(live, (session) => Effect.flatMap(flagsOf(session), (flags) => restorer.keep(session.id, flags)), { discard: true })
          yield* Effect.logInfo("closing every browser session")
        })
      )

      // Pinned sessions come back at boot, without waiting for a request.
      if (restorer.pinnedAtBoot.length > 0) {
        // Boot work: /ready answers "starting" until it is done.
        yield* readiness.boot(Effect.forEach(restorer.pinnedAtBoot, (snap) =>
          acquire({ sessionId: snap.sessionId }).pipe(
            Effect.tap(() => Effect.logInfo("pinned session restored at boot", { sessionId: BrowserSession.sessionRef(snap.sessionId) })),
            Effect.catchCause((cause) => Effect.logWarning("pinned session not restored at boot", cause))
          ), { concurrency: 2, discard: true }))
      }

      return SessionPool.of({ acquire, get, close, expire, sessions, list, stats })
    })
  )
}
