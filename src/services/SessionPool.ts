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
 * - The refresher is a fiber in the pool's scope on Schedule.spaced(REFRESH_CHECK_INTERVAL): it asks
 *   each idle keep-alive session that is due for a keep-alive visit; busy ones are skipped by their
 *   own mailbox; a failed refresh re-logs in a pinned session and closes an unpinned one.
 */
import { Clock, Context, Deferred, Duration, Effect, Exit, Layer, Option, Ref, Schedule, Scope, Semaphore } from "effect"
import { type CredentialFingerprint, type Credentials, fingerprint } from "../domain/Credentials.ts"
import {
  BrowserCrashed,
  type CaptchaFailed,
  type LoginFailed,
  PoolExhausted,
  SessionNotFound
} from "../domain/Errors.ts"
import { isSessionId, makeSessionId, type SessionId } from "../domain/Ids.ts"
import type { SessionSummary } from "../domain/Operations.ts"
import { Browser, type BrowserError } from "./Browser.ts"
import * as BrowserSession from "./BrowserSession.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalDriver } from "./PortalDriver.ts"

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
  readonly pending: ReadonlyMap<CredentialFingerprint, Deferred.Deferred<BrowserSession.BrowserSession, AcquireError>>
  readonly tombstones: ReadonlyMap<string, BrowserSession.EndReason>
}

const TOMBSTONES_KEPT = 1000

interface Counters {
  readonly logins: number
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

const withoutSession = (index: Index, id: SessionId, reason: BrowserSession.EndReason): Index => {
  const entry = index.sessions.get(id)
  if (entry === undefined) return index
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
  static readonly layer: Layer.Layer<SessionPool, never, PortalConfig | Browser | PortalDriver> = Layer.effect(
    SessionPool,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const browser = yield* Browser
      const driver = yield* PortalDriver
      const layerScope = yield* Effect.scope
      // Sessions live in a child scope closed in parallel at shutdown: every Chrome closes at once.
      const sessionsScope = yield* Scope.fork(layerScope, "parallel")
      const slots = yield* Semaphore.make(config.maxSessions)
      const index = yield* Ref.make<Index>({ sessions: new Map(), byFingerprint: new Map(), pending: new Map(), tombstones: new Map() })
      const counters = yield* Ref.make<Counters>({ logins: 0, evictions: 0, refreshes: 0, refreshFailures: 0, crashes: 0 })
      const acquireTimeoutMs = Duration.toMillis(config.acquireTimeout)
      const retryAfterSeconds = Math.max(1, Math.ceil(acquireTimeoutMs / 1000))

      const exhausted = (reason: "pool_full" | "queue_full") =>
        new PoolExhausted({ reason, retryAfterSeconds, maxSessions: config.maxSessions })

      /** Removes a session from the index and closes its scope (Chrome, dirs, permit). */
      const retire = (id: SessionId, reason: BrowserSession.EndReason) =>
        Effect.gen(function*() {
          const entry = yield* Ref.modify(index, (i) => [i.sessions.get(id), withoutSession(i, id, reason)])
          if (entry === undefined) return false
          yield* entry.session.end(reason)
          yield* Scope.close(entry.scope, Exit.void)
          return true
        })

      /** Evicts the least recently used session that is idle and not pinned; false if none is. */
      const evictOne = Effect.gen(function*() {
        const { sessions } = yield* Ref.get(index)
        for (const [id, entry] of sessions) {
          const settings = yield* entry.session.settings
          if (settings.neverTerminate) continue
          // Claims the session atomically: a message arriving now is refused, never half-run.
          if (!(yield* entry.session.endIfIdle("evicted"))) continue
          yield* Effect.logInfo("evicting least recently used idle session", {
            sessionId: BrowserSession.sessionRef(id),
            username: entry.session.username
          })
          yield* retire(id, "evicted")
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
       * Ends the session brought about itself (a crash, a retirement) are cleaned up here; ends the
       * pool decides (close, eviction, failed refresh) are cleaned up by the pool's own call, which
       * awaits the scope so the slot is really free when it returns. Exactly one path closes.
       */
      const watchEnd = (session: BrowserSession.BrowserSession) =>
        Effect.gen(function*() {
          const reason = yield* session.ended
          if (reason === "crashed") yield* Ref.update(counters, (c) => ({ ...c, crashes: c.crashes + 1 }))
          if (reason === "crashed" || reason === "retired") yield* retire(session.id, reason)
        })

      /** Opens a Chrome, logs in, registers the session. Runs in the pool's scope. */
      const create = (fp: CredentialFingerprint, credentials: Credentials, settings: BrowserSession.SessionSettings) =>
        Effect.gen(function*() {
          const scope = yield* Scope.fork(sessionsScope, "sequential")
          const id = makeSessionId()
          const session = yield* Effect.gen(function*() {
            yield* takeSlot
            const lease = yield* browser.open
            const session = yield* BrowserSession.make({
              id,
              credentials,
              fingerprint: fp,
              lease,
              settings,
              config,
              driver,
              hooks: {
                onIdle,
                onEnd: () => Effect.void
              }
            })
            yield* session.login
            return session
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
          yield* Ref.update(counters, (c) => ({ ...c, logins: c.logins + 1 }))
          yield* Effect.forkIn(watchEnd(session), layerScope)
          yield* Effect.logInfo("session created", { sessionId: BrowserSession.sessionRef(id), username: credentials.username })
          return session
        })

      const applySettings = (session: BrowserSession.BrowserSession, request: AcquireRequest) => {
        const patch: Partial<BrowserSession.SessionSettings> = {
          ...(request.neverTerminate !== undefined ? { neverTerminate: request.neverTerminate } : {}),
          ...(request.keepAlive !== undefined ? { keepAlive: request.keepAlive } : {}),
          // A pinned session is kept logged in whatever keep_alive says.
          ...(request.neverTerminate === true ? { keepAlive: true } : {})
        }
        return Object.keys(patch).length === 0 ? Effect.void : Effect.asVoid(session.updateSettings(patch))
      }

      type Lookup =
        | { readonly _tag: "found"; readonly acquired: Acquired }
        | { readonly _tag: "ended"; readonly reason: BrowserSession.EndReason }
        | { readonly _tag: "missing" }

      /**
       * Finds and touches a live session. An ended one that is not swept yet (a crash a moment ago)
       * is reported as ended; removing it and closing its scope stays with its end-watcher.
       */
      const reuse = (id: SessionId, request: AcquireRequest): Effect.Effect<Lookup> =>
        Effect.gen(function*() {
          const entry = yield* Ref.modify(index, (i) => [i.sessions.get(id), touched(i, id)])
          if (entry === undefined) {
            const tomb = (yield* Ref.get(index)).tombstones.get(id)
            return tomb === undefined ? { _tag: "missing" } : { _tag: "ended", reason: tomb }
          }
          const ended = yield* entry.session.endReason
          if (Option.isSome(ended)) return { _tag: "ended", reason: ended.value }
          yield* entry.session.touch
          yield* applySettings(entry.session, request)
          return { _tag: "found", acquired: { session: entry.session, isNew: false } }
        })

      const gone = (sessionId: string, reason: BrowserSession.EndReason | undefined) =>
        reason === "crashed"
          ? Effect.fail(new BrowserCrashed({ sessionId, detail: "the session's Chrome stopped; it was closed" }))
          : Effect.fail(new SessionNotFound({ sessionId }))

      const acquire = (request: AcquireRequest): Effect.Effect<Acquired, AcquireError> =>
        Effect.gen(function*() {
          if (request.sessionId !== undefined && request.sessionId !== "") {
            const id = request.sessionId
            const found: Lookup = isSessionId(id) ? yield* reuse(id, request) : { _tag: "missing" }
            if (found._tag === "found") return found.acquired
            if (request.credentials === undefined) return yield* gone(id, found._tag === "ended" ? found.reason : undefined)
          }
          const credentials = request.credentials
          if (credentials === undefined) return yield* new SessionNotFound({})
          const fp = fingerprint(config.serverSecret, credentials)
          const fresh = yield* Deferred.make<BrowserSession.BrowserSession, AcquireError>()
          const decision = yield* Ref.modify(index, (i): [
            | { readonly _tag: "existing"; readonly id: SessionId }
            | { readonly _tag: "wait"; readonly deferred: Deferred.Deferred<BrowserSession.BrowserSession, AcquireError> }
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
            return yield* acquire({ ...request, sessionId: undefined })
          }
          if (decision._tag === "wait") {
            const session = yield* Deferred.await(decision.deferred)
            yield* applySettings(session, request)
            return { session, isNew: true }
          }
          const settings: BrowserSession.SessionSettings = {
            neverTerminate: request.neverTerminate ?? false,
            keepAlive: request.neverTerminate === true ? true : request.keepAlive ?? true
          }
          // The login belongs to the pool, not to this caller: others may be waiting for it. The
          // pending entry goes before the waiters wake, so a retry after a failure starts afresh.
          const settle = Ref.update(index, (i) => {
            const pending = new Map(i.pending)
            if (pending.get(fp) === fresh) pending.delete(fp)
            return { ...i, pending }
          })
          yield* create(fp, credentials, settings).pipe(
            Effect.exit,
            Effect.flatMap((exit) => settle.pipe(Effect.andThen(Deferred.done(fresh, exit)))),
            Effect.onInterrupt(() => settle.pipe(Effect.andThen(Deferred.interrupt(fresh)))),
            Effect.forkIn(layerScope)
          )
          return { session: yield* Deferred.await(fresh), isNew: true }
        })

      const get = (sessionId: string) =>
        Effect.gen(function*() {
          const i = yield* Ref.get(index)
          const entry = isSessionId(sessionId) ? i.sessions.get(sessionId) : undefined
          const ended = entry === undefined ? Option.none() : yield* entry.session.endReason
          if (entry !== undefined && Option.isNone(ended)) return entry.session
          return yield* gone(sessionId, Option.getOrUndefined(ended) ?? i.tombstones.get(sessionId))
        })

      const close = (sessionId: string) =>
        Effect.gen(function*() {
          if (!isSessionId(sessionId) || !(yield* retire(sessionId, "closed"))) {
            return yield* new SessionNotFound({ sessionId })
          }
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
          const outcome = yield* session.runIfIdle({
            name: "refresh",
            kind: "refresh",
            skipLoginCheck: true,
            retryOnLoggedOut: false,
            run: (page) => driver.refresh(page)
          }).pipe(Effect.result)
          if (outcome._tag === "Success" && Option.isNone(outcome.success)) return "busy" as const
          if (outcome._tag === "Success" && Option.getOrUndefined(outcome.success) === "logged_in") {
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

      yield* Effect.addFinalizer(() => Effect.logInfo("closing every browser session"))

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


