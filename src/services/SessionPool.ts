/**
 * SessionPool owns every logged-in browser session. Capacity is a Semaphore of MAX_SESSIONS permits,
 * each held by one session's scope (acquired when its Chrome is opened, released when the scope
 * closes, on every path). An LRU index in a Ref orders sessions by last use; credentials find their
 * session through an HMAC fingerprint, so a different password never reuses a session.
 *
 * Invariants:
 * - Single-flight login: concurrent requests for the same new credentials start exactly one login
 *   and all receive the same session. The login runs in the pool's scope, so one caller
 *   disconnecting does not cancel it for the others.
 * - Eviction only ever takes the least recently used session that is idle and not pinned, and it is
 *   atomic with respect to new messages (the session refuses work once claimed). Requests that find
 *   no slot wait in the semaphore's FIFO (bounded by ACQUIRE_QUEUE_LIMIT) up to ACQUIRE_TIMEOUT,
 *   then fail with PoolExhausted and a retry-after; a session going idle evicts one to feed them.
 * - A session that ends on its own (crash, retirement) is removed and leaves a tombstone, so its id
 *   answers BrowserCrashed rather than a silent new session.
 * - With snapshots on (SNAPSHOT_KEY), sessions survive restarts, evictions and crashes: snapshots
 *   found at boot (and those of evicted or crashed sessions) are restorable — by session id or by
 *   credentials, through the same single-flight path — and a restored session keeps its id. Pinned
 *   sessions are restored eagerly at boot; every live session is snapshotted at shutdown.
 * - The refresher is a fiber in the pool's scope on Schedule.spaced(REFRESH_CHECK_INTERVAL): it asks
 *   each idle keep-alive session that is due for a keep-alive visit; busy ones are skipped by their
 *   own mailbox; a failed refresh re-logs in a pinned session and closes an unpinned one.
 */
import { Clock, Context, Deferred, Duration, Effect, Exit, Layer, Option, Redacted, Ref, Schedule, Scope, Semaphore } from "effect"
import { CredentialFingerprint, Credentials, fingerprint } from "../domain/Credentials.ts"
import {
  BrowserCrashed,
  type CaptchaFailed,
  type LoginFailed,
  PoolExhausted,
  SessionNotFound
} from "../domain/Errors.ts"
import { isSessionId, makeSessionId, SessionId } from "../domain/Ids.ts"
import type { SessionSummary } from "../domain/Operations.ts"
import { Browser, type BrowserError } from "./Browser.ts"
import * as BrowserSession from "./BrowserSession.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalDriver } from "./PortalDriver.ts"
import { SessionSnapshots, type SnapshotData } from "./SessionSnapshots.ts"

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

export type AcquireError =
  | SessionNotFound
  | BrowserCrashed
  | PoolExhausted
  | LoginFailed
  | CaptchaFailed
  | BrowserSession.SessionFailure

export interface PoolStats {
  readonly maxSessions: number
  readonly active: number
  readonly fingerprints: number
  readonly busy: number
  readonly idle: number
  readonly pinned: number
  readonly loggingIn: number
  readonly waitingForSlot: number
  readonly loginsTotal: number
  readonly restoresTotal: number
  readonly evictionsTotal: number
  readonly refreshesTotal: number
  readonly refreshFailuresTotal: number
  readonly crashesTotal: number
}

export interface RefreshReport {
  readonly refreshed: number
  readonly skippedBusy: number
  readonly relogged: number
  readonly closed: number
}

export interface SessionPoolShape {
  /** A session by id, else by credentials (reused or created), as the seed's acquisition. */
  readonly acquire: (request: AcquireRequest) => Effect.Effect<Acquired, AcquireError>
  /** A live session by id. */
  readonly get: (sessionId: string) => Effect.Effect<BrowserSession.BrowserSession, SessionNotFound | BrowserCrashed>
  /** Closes a session: its Chrome, its directories, its fingerprint mapping. */
  readonly close: (sessionId: string) => Effect.Effect<void, SessionNotFound>
  readonly list: Effect.Effect<ReadonlyArray<SessionSummary>>
  readonly stats: Effect.Effect<PoolStats>
  /** One refresher pass now (the refresher fiber runs the same on its schedule). */
  readonly refreshDue: Effect.Effect<RefreshReport>
}

interface Entry {
  readonly session: BrowserSession.BrowserSession
  readonly scope: Scope.Closeable
}

interface Index {
  /** Map iteration order is the LRU order: oldest first; a touch moves an entry to the end. */
  readonly sessions: ReadonlyMap<SessionId, Entry>
  readonly byFingerprint: ReadonlyMap<CredentialFingerprint, SessionId>
  readonly pending: ReadonlyMap<CredentialFingerprint, Deferred.Deferred<Acquired, AcquireError>>
  readonly tombstones: ReadonlyMap<string, BrowserSession.EndReason>
}

const TOMBSTONES_KEPT = 1000

/** What a caller asking for an ended (or unknown) session id gets. */
const endedFor = (id: string, reason: BrowserSession.EndReason | undefined) =>
  isSessionId(id) ? BrowserSession.endedError(id, reason) : new SessionNotFound({ sessionId: id })

interface Counters {
  readonly logins: number
  readonly restores: number
  readonly evictions: number
  readonly refreshes: number
  readonly refreshFailures: number
  readonly crashes: number
}

const touched = (index: Index, id: SessionId): Index => {
  const entry = index.sessions.get(id)
  if (entry === undefined) return index
  const sessions = new Map(index.sessions)
  sessions.delete(id)
  sessions.set(id, entry)
  return { ...index, sessions }
}

/** The index without the session `entry` of `id`, which leaves a tombstone saying why it ended. */
const withoutSession = (index: Index, id: SessionId, entry: Entry, reason: BrowserSession.EndReason): Index => {
  const sessions = new Map(index.sessions)
  sessions.delete(id)
  const byFingerprint = new Map(index.byFingerprint)
  if (byFingerprint.get(entry.session.fingerprint) === id) byFingerprint.delete(entry.session.fingerprint)
  const tombstones = new Map(index.tombstones)
  tombstones.set(id, reason)
  while (tombstones.size > TOMBSTONES_KEPT) tombstones.delete(tombstones.keys().next().value!)
  return { ...index, sessions, byFingerprint, tombstones }
}

export class SessionPool extends Context.Service<SessionPool, SessionPoolShape>()("emodal-api/services/SessionPool") {
  static readonly layer: Layer.Layer<SessionPool, never, PortalConfig | Browser | PortalDriver | SessionSnapshots> = Layer.effect(
    SessionPool,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const browser = yield* Browser
      const driver = yield* PortalDriver
      const snapshots = yield* SessionSnapshots
      const layerScope = yield* Effect.scope
      // Sessions live in a child scope closed in parallel at shutdown: every Chrome closes at once.
      const sessionsScope = yield* Scope.fork(layerScope, "parallel")
      const slots = yield* Semaphore.make(config.maxSessions)
      const index = yield* Ref.make<Index>({ sessions: new Map(), byFingerprint: new Map(), pending: new Map(), tombstones: new Map() })
      const counters = yield* Ref.make<Counters>({ logins: 0, restores: 0, evictions: 0, refreshes: 0, refreshFailures: 0, crashes: 0 })
      /** Snapshots that can bring a session back without a login, by session id. */
      const restorable = yield* Ref.make(new Map<string, SnapshotData>())
      const restorableByFingerprint = (fp: string) =>
        Effect.map(Ref.get(restorable), (m) => [...m.values()].find((snap) => snap.fingerprint === fp))
      for (const snap of yield* snapshots.loadAll) yield* Ref.update(restorable, (m) => new Map(m).set(snap.sessionId, snap))
      const keepRestorable = (sessionId: string) =>
        Effect.gen(function*() {
          const snap = yield* snapshots.load(sessionId)
          if (Option.isSome(snap)) yield* Ref.update(restorable, (m) => new Map(m).set(sessionId, snap.value))
        })
      const forget = (sessionId: string) =>
        Ref.update(restorable, (m) => {
          const next = new Map(m)
          next.delete(sessionId)
          return next
        }).pipe(Effect.andThen(snapshots.remove(sessionId)))

      const acquireTimeoutMs = Duration.toMillis(config.acquireTimeout)
      const retryAfterSeconds = Math.max(1, Math.ceil(acquireTimeoutMs / 1000))

      const exhausted = (reason: "pool_full" | "queue_full") =>
        new PoolExhausted({ reason, retryAfterSeconds, maxSessions: config.maxSessions })

      /**
       * Removes a session from the index and closes its scope (Chrome, dirs, permit). With
       * `expected`, only that very session (not a newer one under the same id).
       */
      const retire = (id: SessionId, reason: BrowserSession.EndReason, expected?: BrowserSession.BrowserSession) =>
        Effect.gen(function*() {
          const entry = yield* Ref.modify(index, (i) => {
            const current = i.sessions.get(id)
            // A restored session can reuse an ended one's id: never remove the newer one by mistake.
            return current === undefined || (expected !== undefined && current.session !== expected)
              ? [undefined, i]
              : [current, withoutSession(i, id, current, reason)]
          })
          if (entry === undefined) return false
          yield* entry.session.end(reason)
          yield* Scope.close(entry.scope, Exit.void)
          return true
        })

      /**
       * Removes a session that has ended (once: `retire` answers false to the second caller).
       * Whoever removes a crashed or retired one makes its last snapshot restorable, so it can come
       * back in a new Chrome on the next request.
       */
      const sweep = (session: BrowserSession.BrowserSession, reason: BrowserSession.EndReason) =>
        Effect.gen(function*() {
          const removed = yield* retire(session.id, reason, session)
          if (removed && (reason === "crashed" || reason === "retired")) yield* keepRestorable(session.id)
        })

      /** Evicts the least recently used session that is idle and not pinned; false if none is. */
      const evictOne = Effect.gen(function*() {
        const { sessions } = yield* Ref.get(index)
        for (const [id, entry] of sessions) {
          const settings = yield* entry.session.settings
          if (settings.neverTerminate) continue
          // Ends the session only if it is idle (a message arriving now is refused, never half-run)
          // and saves its snapshot, so it can come back later by restore instead of a login.
          if (!(yield* entry.session.evict)) continue
          yield* Effect.logInfo("evicted least recently used idle session", {
            sessionId: BrowserSession.sessionRef(id),
            username: entry.session.username
          })
          if (snapshots.enabled) yield* keepRestorable(id)
          yield* retire(id, "evicted", entry.session)
          yield* Ref.update(counters, (c) => ({ ...c, evictions: c.evictions + 1 }))
          return true
        }
        return false
      })

      // ---- Capacity ------------------------------------------------------------------------
      // Requests that find no free slot queue here, first come first served. Only the head tries;
      // every change that could free a slot (a permit released, a session gone idle, a waiter
      // leaving) wakes it. A waiter interrupted or timed out leaves and wakes the next one.
      interface Waiter {
        readonly signal: Ref.Ref<Deferred.Deferred<void>>
      }
      const waiters = yield* Ref.make<ReadonlyArray<Waiter>>([])

      const wakeHead = Effect.gen(function*() {
        const head = (yield* Ref.get(waiters))[0]
        if (head !== undefined) yield* Deferred.succeed(yield* Ref.get(head.signal), undefined)
      })

      /** Takes a permit if one is free; it belongs to the current scope and is returned when it closes. */
      const tryTake = Effect.uninterruptible(Effect.gen(function*() {
        const ok = yield* Semaphore.takeIfAvailable(slots, 1)
        if (ok) yield* Effect.addFinalizer(() => Semaphore.release(slots, 1).pipe(Effect.andThen(wakeHead)))
        return ok
      }))

      const tryTakeOrEvict = Effect.gen(function*() {
        if (yield* tryTake) return true
        return (yield* evictOne) && (yield* tryTake)
      })

      /** A capacity permit for the session being created (in its scope), or PoolExhausted. */
      const takeSlot = Effect.gen(function*() {
        // Nobody waiting: take a free slot or make one. Otherwise queue behind the others.
        if ((yield* Ref.get(waiters)).length === 0 && (yield* tryTakeOrEvict)) return
        const me: Waiter = { signal: yield* Ref.make(yield* Deferred.make<void>()) }
        const admitted = yield* Ref.modify(waiters, (ws): [boolean, ReadonlyArray<Waiter>] =>
          ws.length >= config.acquireQueueLimit ? [false, ws] : [true, [...ws, me]]
        )
        if (!admitted) return yield* exhausted("queue_full")
        yield* Effect.gen(function*() {
          while (true) {
            if ((yield* Ref.get(waiters))[0] === me && (yield* tryTakeOrEvict)) return
            yield* Deferred.await(yield* Ref.get(me.signal))
            yield* Ref.set(me.signal, yield* Deferred.make<void>())
          }
        }).pipe(
          Effect.timeoutOrElse({ duration: config.acquireTimeout, orElse: () => Effect.fail(exhausted("pool_full")) }),
          Effect.ensuring(Ref.update(waiters, (ws) => ws.filter((w) => w !== me)).pipe(Effect.andThen(wakeHead)))
        )
      })

      /** A session went idle: if someone waits for a slot, let the head try (it may evict). */
      const onIdle = wakeHead

      /**
       * Ends the session brought about itself (a crash, a retirement) are swept here, or by a lookup
       * that meets the ended session first; ends the pool decides (close, eviction, failed refresh)
       * are cleaned up by the pool's own call, which awaits the scope so the slot is really free
       * when it returns. Exactly one path closes.
       */
      const watchEnd = (session: BrowserSession.BrowserSession) =>
        Effect.gen(function*() {
          const reason = yield* session.ended
          if (reason === "crashed") yield* Ref.update(counters, (c) => ({ ...c, crashes: c.crashes + 1 }))
          if (reason === "crashed" || reason === "retired") yield* sweep(session, reason)
        })

      /**
       * Opens a Chrome, restores the snapshot or logs in, registers the session. Runs in the pool's
       * scope. A restored session keeps the id it had.
       */
      const create = (
        fp: CredentialFingerprint,
        credentials: Credentials,
        settings: BrowserSession.SessionSettings,
        restoreFrom: SnapshotData | undefined
      ) =>
        Effect.gen(function*() {
          const scope = yield* Scope.fork(sessionsScope, "sequential")
          const id = restoreFrom !== undefined && isSessionId(restoreFrom.sessionId) ? restoreFrom.sessionId : makeSessionId()
          const { session, how } = yield* Effect.gen(function*() {
            yield* takeSlot
            const session = yield* BrowserSession.make({
              id,
              credentials,
              fingerprint: fp,
              openLease: browser.open,
              settings,
              config,
              driver,
              snapshots,
              restoreFrom,
              hooks: { idle: onIdle }
            })
            const how = yield* session.start
            return { session, how }
          }).pipe(
            Scope.provide(scope),
            Effect.onError(() => Scope.close(scope, Exit.void)),
            Effect.mapError((e): AcquireError =>
              (e as { _tag: string })._tag === "BrowserError"
                ? new BrowserCrashed({ detail: (e as BrowserError).detail })
                : e as AcquireError
            )
          )
          yield* Ref.update(index, (i) => {
            const sessions = new Map(i.sessions).set(id, { session, scope })
            const byFingerprint = new Map(i.byFingerprint).set(fp, id)
            return { ...i, sessions, byFingerprint }
          })
          if (restoreFrom !== undefined) {
            yield* Ref.update(restorable, (m) => {
              const next = new Map(m)
              next.delete(restoreFrom.sessionId)
              return next
            })
          }
          if (how === "logged_in") yield* Ref.update(counters, (c) => ({ ...c, logins: c.logins + 1 }))
          else yield* Ref.update(counters, (c) => ({ ...c, restores: c.restores + 1 }))
          yield* Effect.forkIn(watchEnd(session), layerScope)
          yield* Effect.logInfo(how === "restored" ? "session restored" : "session created", {
            sessionId: BrowserSession.sessionRef(id),
            username: credentials.username
          })
          return { session, isNew: how === "logged_in" } satisfies Acquired
        })

      const applySettings = (session: BrowserSession.BrowserSession, request: AcquireRequest) => {
        const patch = BrowserSession.settingsPatch(request.neverTerminate, request.keepAlive)
        return Object.keys(patch).length === 0 ? Effect.void : Effect.asVoid(session.updateSettings(patch))
      }

      type Lookup =
        | { readonly _tag: "found"; readonly acquired: Acquired }
        | { readonly _tag: "ended"; readonly reason: BrowserSession.EndReason }
        | { readonly _tag: "missing" }

      /**
       * Finds and touches a live session. An ended one that is not swept yet (a crash a moment ago)
       * is swept here, whichever of this lookup and its end-watcher comes first, and reported as ended.
       */
      const reuse = (id: SessionId, request: AcquireRequest): Effect.Effect<Lookup> =>
        Effect.gen(function*() {
          const entry = yield* Ref.modify(index, (i) => [i.sessions.get(id), touched(i, id)])
          if (entry === undefined) {
            const tomb = (yield* Ref.get(index)).tombstones.get(id)
            return tomb === undefined ? { _tag: "missing" } : { _tag: "ended", reason: tomb }
          }
          const ended = yield* entry.session.endReason
          if (Option.isSome(ended)) {
            // Ended but not swept yet (a crash a moment ago): sweep it now, so its id and its
            // credentials are free for a restore or a new login.
            yield* sweep(entry.session, ended.value)
            return { _tag: "ended", reason: ended.value }
          }
          yield* entry.session.touch
          yield* applySettings(entry.session, request)
          return { _tag: "found", acquired: { session: entry.session, isNew: false } }
        })

      /** Credentials stored in a snapshot (for a restore asked for by session id alone). */
      const credentialsOf = (snap: SnapshotData) =>
        new Credentials({
          username: snap.username,
          password: Redacted.make(snap.password),
          ...(snap.captchaApiKey !== null ? { captchaApiKey: Redacted.make(snap.captchaApiKey) } : {})
        })

      const acquire = (request: AcquireRequest): Effect.Effect<Acquired, AcquireError> =>
        Effect.gen(function*() {
          if (request.sessionId !== undefined && request.sessionId !== "") {
            const id = request.sessionId
            const found: Lookup = isSessionId(id) ? yield* reuse(id, request) : { _tag: "missing" }
            if (found._tag === "found") return found.acquired
            // Not live, but a snapshot can bring it back under the same id (restart, eviction, crash).
            // The file on disk is the truth; the in-memory map only saves a read.
            const snap = (yield* Ref.get(restorable)).get(id) ??
              (found._tag === "ended" && found.reason !== "closed" && found.reason !== "expired"
                ? Option.getOrUndefined(yield* snapshots.load(id))
                : undefined)
            if (snap !== undefined) {
              return yield* viaFingerprint(CredentialFingerprint.make(snap.fingerprint), credentialsOf(snap), request, snap)
            }
            if (request.credentials === undefined) return yield* endedFor(id, found._tag === "ended" ? found.reason : undefined)
          }
          const credentials = request.credentials
          if (credentials === undefined) return yield* new SessionNotFound({})
          const fp = fingerprint(config.serverSecret, credentials)
          return yield* viaFingerprint(fp, credentials, request, yield* restorableByFingerprint(fp))
        })

      /** The session of these credentials: live, being created (single flight), or created now. */
      const viaFingerprint = (
        fp: CredentialFingerprint,
        credentials: Credentials,
        request: AcquireRequest,
        snap: SnapshotData | undefined
      ): Effect.Effect<Acquired, AcquireError> =>
        Effect.gen(function*() {
          const fresh = yield* Deferred.make<Acquired, AcquireError>()
          const decision = yield* Ref.modify(index, (i): [
            | { readonly _tag: "existing"; readonly id: SessionId }
            | { readonly _tag: "wait"; readonly deferred: Deferred.Deferred<Acquired, AcquireError> }
            | { readonly _tag: "create" },
            Index
          ] => {
            const existing = i.byFingerprint.get(fp)
            if (existing !== undefined) return [{ _tag: "existing", id: existing }, i]
            const inFlight = i.pending.get(fp)
            if (inFlight !== undefined) return [{ _tag: "wait", deferred: inFlight }, i]
            return [{ _tag: "create" }, { ...i, pending: new Map(i.pending).set(fp, fresh) }]
          })
          if (decision._tag === "existing") {
            const found = yield* reuse(decision.id, request)
            if (found._tag === "found") return found.acquired
            // Removed between the lookup and now (crash, eviction): start over by credentials.
            return yield* viaFingerprint(fp, credentials, request, snap)
          }
          if (decision._tag === "wait") {
            const acquired = yield* Deferred.await(decision.deferred)
            yield* applySettings(acquired.session, request)
            // Only the request that started the login made a new session; its waiters reuse it.
            return { session: acquired.session, isNew: false }
          }
          const settings: BrowserSession.SessionSettings = {
            neverTerminate: snap?.neverTerminate ?? false,
            keepAlive: snap?.keepAlive ?? true,
            ...BrowserSession.settingsPatch(request.neverTerminate, request.keepAlive)
          }
          // The login belongs to the pool, not to this caller: others may be waiting for it. The
          // pending entry goes before the waiters wake, so a retry after a failure starts afresh.
          const settle = Ref.update(index, (i) => {
            const pending = new Map(i.pending)
            if (pending.get(fp) === fresh) pending.delete(fp)
            return { ...i, pending }
          })
          yield* create(fp, credentials, settings, snap).pipe(
            Effect.exit,
            Effect.flatMap((exit) => settle.pipe(Effect.andThen(Deferred.done(fresh, exit)))),
            Effect.onInterrupt(() => settle.pipe(Effect.andThen(Deferred.interrupt(fresh)))),
            Effect.forkIn(layerScope)
          )
          return yield* Deferred.await(fresh)
        })

      const get = (sessionId: string) =>
        Effect.gen(function*() {
          const i = yield* Ref.get(index)
          const entry = isSessionId(sessionId) ? i.sessions.get(sessionId) : undefined
          const ended = entry === undefined ? Option.none() : yield* entry.session.endReason
          if (entry !== undefined && Option.isNone(ended)) return entry.session
          return yield* endedFor(sessionId, Option.getOrUndefined(ended) ?? i.tombstones.get(sessionId))
        })

      const close = (sessionId: string) =>
        Effect.gen(function*() {
          if (!isSessionId(sessionId)) return yield* new SessionNotFound({ sessionId })
          const wasRestorable = (yield* Ref.get(restorable)).has(sessionId)
          // Closing on request ends the session for good: its snapshot goes too.
          yield* forget(sessionId)
          if (!(yield* retire(sessionId, "closed")) && !wasRestorable) return yield* new SessionNotFound({ sessionId })
          yield* Effect.logInfo("session closed on request", { sessionId: BrowserSession.sessionRef(sessionId) })
        })

      const list = Effect.gen(function*() {
        const { sessions } = yield* Ref.get(index)
        return yield* Effect.forEach([...sessions.values()], (e) => e.session.summary)
      })

      const stats = Effect.gen(function*() {
        const i = yield* Ref.get(index)
        const c = yield* Ref.get(counters)
        let busy = 0
        let pinned = 0
        let loggingIn = 0
        for (const e of i.sessions.values()) {
          const st = yield* e.session.state
          if (st !== "ready") busy++
          if (st === "logging_in") loggingIn++
          if ((yield* e.session.settings).neverTerminate) pinned++
        }
        return {
          maxSessions: config.maxSessions,
          active: i.sessions.size,
          fingerprints: i.byFingerprint.size,
          busy,
          idle: i.sessions.size - busy,
          pinned,
          loggingIn: loggingIn + i.pending.size,
          waitingForSlot: (yield* Ref.get(waiters)).length,
          loginsTotal: c.logins,
          restoresTotal: c.restores,
          evictionsTotal: c.evictions,
          refreshesTotal: c.refreshes,
          refreshFailuresTotal: c.refreshFailures,
          crashesTotal: c.crashes
        } satisfies PoolStats
      })

      // ---- Refresher --------------------------------------------------------------------------
      const refreshAfterMs = Duration.toMillis(config.sessionRefreshAfter)

      const refreshOne = (entry: Entry) =>
        Effect.gen(function*() {
          const session = entry.session
          const settings = yield* session.settings
          if (!settings.keepAlive) return "not_due" as const
          const h = yield* session.health
          const now = yield* Clock.currentTimeMillis
          if (now - Math.max(h.lastUsed, h.lastRefresh ?? 0) < refreshAfterMs) return "not_due" as const
          const outcome = yield* session.refresh.pipe(Effect.result)
          if (outcome._tag === "Success" && outcome.success === "busy") return "busy" as const
          if (outcome._tag === "Success" && outcome.success === "logged_in") {
            yield* Ref.update(counters, (c) => ({ ...c, refreshes: c.refreshes + 1 }))
            yield* Effect.logDebug("session refreshed", { sessionId: BrowserSession.sessionRef(session.id) })
            return "refreshed" as const
          }
          yield* Ref.update(counters, (c) => ({ ...c, refreshFailures: c.refreshFailures + 1 }))
          const why = outcome._tag === "Failure" ? outcome.failure._tag : "logged out"
          if ((yield* session.settings).neverTerminate) {
            yield* Effect.logWarning("refresh failed on a pinned session; logging in again", {
              sessionId: BrowserSession.sessionRef(session.id),
              why
            })
            const relogged = yield* session.relogin.pipe(Effect.result)
            if (relogged._tag === "Success") {
              yield* Ref.update(counters, (c) => ({ ...c, logins: c.logins + 1 }))
              return "relogged" as const
            }
            yield* Effect.logError("re-login of a pinned session failed; it stays pinned and will retry", {
              sessionId: BrowserSession.sessionRef(session.id),
              error: relogged.failure._tag
            })
            return "relogin_failed" as const
          }
          yield* Effect.logWarning("refresh failed; closing the session", { sessionId: BrowserSession.sessionRef(session.id), why })
          if (outcome._tag === "Failure" && outcome.failure._tag === "BrowserCrashed") return "closed" as const
          yield* retire(session.id, "expired")
          yield* forget(session.id)
          return "closed" as const
        })

      const refreshDue = Effect.gen(function*() {
        const entries = [...(yield* Ref.get(index)).sessions.values()]
        const results = yield* Effect.forEach(entries, refreshOne, { concurrency: 2 })
        return {
          refreshed: results.filter((r) => r === "refreshed").length,
          skippedBusy: results.filter((r) => r === "busy").length,
          relogged: results.filter((r) => r === "relogged").length,
          closed: results.filter((r) => r === "closed").length
        } satisfies RefreshReport
      }).pipe(Effect.withSpan("SessionPool.refreshDue"))

      yield* refreshDue.pipe(
        Effect.tap((r) => (r.refreshed + r.relogged + r.closed + r.skippedBusy > 0 ? Effect.logInfo("refresh pass", r) : Effect.void)),
        Effect.catchCause((cause) => Effect.logError("refresh pass failed", cause)),
        Effect.repeat(Schedule.spaced(config.refreshCheckInterval)),
        Effect.delay(config.refreshCheckInterval),
        Effect.forkScoped
      )

      // Registered after the sessions' scope, so it runs before every Chrome closes: a snapshot of
      // each live session lets the next start carry on without logins.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          const live = [...(yield* Ref.get(index)).sessions.values()]
          if (snapshots.enabled && live.length > 0) {
            yield* Effect.forEach(live, (e) => e.session.snapshot.pipe(Effect.timeout("10 seconds"), Effect.ignore), { concurrency: 4 })
            yield* Effect.logInfo("sessions snapshotted for the next start", { sessions: live.length })
          }
          yield* Effect.logInfo("closing every browser session")
        })
      )

      // Pinned sessions come back at boot, without waiting for a request.
      const pinnedAtBoot = [...(yield* Ref.get(restorable)).values()].filter((snap) => snap.neverTerminate)
      if (pinnedAtBoot.length > 0) {
        yield* Effect.forEach(pinnedAtBoot, (snap) =>
          acquire({ sessionId: snap.sessionId }).pipe(
            Effect.tap(() => Effect.logInfo("pinned session restored at boot", { sessionId: BrowserSession.sessionRef(snap.sessionId) })),
            Effect.catchCause((cause) => Effect.logWarning("pinned session not restored at boot", cause))
          ), { concurrency: 2, discard: true }).pipe(Effect.forkIn(layerScope))
      }

      return SessionPool.of({
        acquire: (request) => acquire(request).pipe(Effect.withSpan("SessionPool.acquire")),
        get,
        close,
        list,
        stats,
        refreshDue
      })
    })
  )
}


