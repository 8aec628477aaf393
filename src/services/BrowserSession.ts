/**
 * BrowserSession is the actor that owns one logged-in browser. Every operation is a message in its
 * mailbox; a single worker fiber runs them one at a time in arrival order, each under
 * OPERATION_TIMEOUT (whose expiry interrupts the browser work) and each starting with a cheap
 * logged-in check that re-logs in once before giving up with SessionExpired. "Busy" is not a flag
 * someone must remember to clear: it is the worker's current message, released by a finalizer on
 * every exit (success, failure, timeout, interruption) — the seed's sticky `in_use` cannot happen.
 * A Chrome that dies ends the session with BrowserCrashed; queued and running callers get it too.
 *
 * With snapshots on, the session saves its cookies and storage after logins and operations
 * (debounced) and on SNAPSHOT_INTERVAL, can start from a snapshot instead of logging in, and
 * recycles its Chrome (snapshot → new Chrome → restore → verify → swap) between two messages once
 * it passes RECYCLE_AFTER_USES / _AGE / _MEMORY_MB, so no caller ever sees the swap.
 *
 * Not a Context service: the pool makes one per session, in that session's scope (a deliberate
 * deviation from "one service per file": it is a resource, not a singleton).
 */
import { Clock, Deferred, Duration, Effect, Exit, Fiber, Option, Queue, Redacted, Ref, Scope } from "effect"
import type { CredentialFingerprint, Credentials } from "../domain/Credentials.ts"
import {
  BrowserCrashed,
  type CaptchaFailed,
  type LoginFailed,
  OperationTimedOut,
  PoolExhausted,
  PortalUnavailable,
  SessionExpired,
  SessionNotFound,
  ErrorSpecs,
  withContext,
  type PortalError
} from "../domain/Errors.ts"
import type { SessionId } from "../domain/Ids.ts"
import type { SessionSummary } from "../domain/Operations.ts"
import type { BrowserError, BrowserLease, PageHandle, WaitTimedOut } from "./Browser.ts"
import type { PortalConfigShape } from "./PortalConfig.ts"
import type { PortalDriverShape } from "./PortalDriver.ts"
import type { SessionSnapshotsShape, SnapshotData, OriginStorage } from "./SessionSnapshots.ts"
import { SNAPSHOT_VERSION } from "./SessionSnapshots.ts"
import { LoggedOut } from "./portal/PageState.ts"
import { PhaseTracker } from "./portal/Phase.ts"
import * as Snapshot from "./portal/Snapshot.ts"

export type SessionState = "logging_in" | "ready" | "busy" | "refreshing" | "closing"

export type EndReason = "closed" | "evicted" | "crashed" | "expired" | "retired" | "shutdown"

export interface SessionHealth {
  readonly createdAt: number
  readonly lastUsed: number
  readonly lastRefresh: number | null
  readonly uses: number
  readonly consecutiveErrors: number
  readonly logins: number
  /** Chrome replacements so far (the login carried over each time). */
  readonly recycles: number
}

export interface SessionSettings {
  /** Pinned: never evicted; a failed refresh re-logs in instead of closing it. */
  readonly neverTerminate: boolean
  /** Refreshed by the keep-alive fiber. */
  readonly keepAlive: boolean
}

/**
 * The settings a request asks for (absent = unchanged). A pinned session is kept logged in
 * whatever keep_alive says: `never_terminate: true` implies `keepAlive: true`.
 */
export const settingsPatch = (neverTerminate?: boolean, keepAlive?: boolean): Partial<SessionSettings> => ({
  ...(neverTerminate !== undefined ? { neverTerminate } : {}),
  ...(keepAlive !== undefined ? { keepAlive } : {}),
  ...(neverTerminate === true ? { keepAlive: true } : {})
})

/** Errors the session itself adds to whatever an operation can fail with. */
export type SessionFailure = BrowserCrashed | SessionExpired | SessionNotFound | OperationTimedOut | PortalUnavailable | PoolExhausted

/** What an operation may fail with before the session translates it. */
export type RawFailure = LoggedOut | BrowserError | WaitTimedOut

export type OperationKind = "operation" | "refresh" | "login" | "snapshot"

export interface Operation<A, E> {
  /** Names the operation in logs and timeouts ("get_containers"). */
  readonly name: string
  readonly run: (page: PageHandle) => Effect.Effect<A, E | RawFailure, PhaseTracker>
  /** Refreshes do not count as use (LRU and `last_used` follow callers, as in the seed). */
  readonly kind?: OperationKind
  /**
   * Whether a LoggedOut met mid-way may be answered by re-login and a second run. False for flows
   * that must never run twice (a submit).
   */
  readonly retryOnLoggedOut?: boolean
  /** Skips the logged-in check (the login itself). */
  readonly skipLoginCheck?: boolean
}

export interface BrowserSession {
  readonly id: SessionId
  readonly username: string
  readonly fingerprint: CredentialFingerprint
  /** The Chrome currently behind the session (it changes when the session recycles it). */
  readonly lease: BrowserLease
  /** Queues `op` and waits for its result. */
  readonly run: <A, E>(op: Operation<A, E>) => Effect.Effect<A, E | SessionFailure>
  /** Runs `op` only when nothing is running or queued; None when the session was busy. */
  readonly runIfIdle: <A, E>(op: Operation<A, E>) => Effect.Effect<Option.Option<A>, E | SessionFailure>
  /**
   * The session's first message: restore the snapshot it was created from (verified on the
   * keep-alive page) or, without one or when it no longer holds, log in.
   */
  readonly start: Effect.Effect<"restored" | "logged_in", LoginFailed | CaptchaFailed | SessionFailure>
  /** Saves a snapshot now, as a message (no-op without SNAPSHOT_KEY). */
  readonly snapshot: Effect.Effect<void, SessionFailure>
  /** Saves a snapshot directly; only for a session already claimed by `endIfIdle`. */
  readonly snapshotClaimed: Effect.Effect<void>
  /** Logs in again on the session's page (a message like any other); failure is SessionExpired. */
  readonly relogin: Effect.Effect<void, SessionFailure>
  readonly health: Effect.Effect<SessionHealth>
  readonly settings: Effect.Effect<SessionSettings>
  readonly updateSettings: (patch: Partial<SessionSettings>) => Effect.Effect<SessionSettings>
  /** `ping`: marks the session used now. */
  readonly touch: Effect.Effect<number>
  /** Nothing running and nothing queued. */
  readonly isIdle: Effect.Effect<boolean>
  readonly state: Effect.Effect<SessionState>
  readonly summary: Effect.Effect<SessionSummary>
  /** Marks the session as ending (new messages are refused) and fails what is queued. */
  readonly end: (reason: EndReason) => Effect.Effect<boolean>
  /** Completes with the reason once the session has ended. */
  readonly ended: Effect.Effect<EndReason>
  /** Why the session ended, if it has (does not wait). */
  readonly endReason: Effect.Effect<Option.Option<EndReason>>
  /** Ends the session only if it is idle right now (atomically with respect to new messages). */
  readonly endIfIdle: (reason: EndReason) => Effect.Effect<boolean>
}

export interface SessionHooks {
  /** Called after each message when the mailbox is empty (the pool may evict to feed waiters). */
  readonly onIdle: Effect.Effect<void>
}

export interface SessionParams {
  readonly id: SessionId
  readonly credentials: Credentials
  readonly fingerprint: CredentialFingerprint
  /** Opens a Chrome for the session (in the scope it is given). */
  readonly openLease: Effect.Effect<BrowserLease, BrowserError, Scope.Scope>
  readonly settings: SessionSettings
  readonly config: PortalConfigShape
  readonly driver: PortalDriverShape
  readonly hooks: SessionHooks
  readonly snapshots?: SessionSnapshotsShape | undefined
  /** Start from this snapshot instead of logging in (restart, eviction, crash recovery). */
  readonly restoreFrom?: SnapshotData | undefined
}

/** Waits this long after the last change before writing a snapshot (changes come in bursts). */
const SNAPSHOT_DEBOUNCE = Duration.seconds(1)

/** A session that fails this many operations in a row for browser-level reasons retires itself. */
export const RETIRE_AFTER_CONSECUTIVE_ERRORS = 5

interface Envelope {
  readonly name: string
  readonly kind: OperationKind
  readonly effect: Effect.Effect<unknown, unknown>
  readonly done: Deferred.Deferred<unknown, unknown>
  status: "queued" | "running" | "cancelled"
  fiber: Fiber.Fiber<unknown, unknown> | undefined
}

/** Errors that say the browser or portal session is in trouble (they count towards retirement). */
const countsAsSessionError = (e: unknown): boolean =>
  typeof e === "object" && e !== null && "_tag" in e &&
  ["BrowserCrashed", "SessionExpired", "OperationTimedOut", "PortalUnavailable", "PortalChanged"].includes((e as { _tag: string })._tag)

/**
 * What a caller of an ended session gets: BrowserCrashed when its Chrome stopped, SessionNotFound
 * for any other end (or none known).
 */
export const endedError = (sessionId: string, reason: EndReason | undefined): BrowserCrashed | SessionNotFound =>
  reason === "crashed"
    ? new BrowserCrashed({ sessionId, detail: "the session's Chrome stopped" })
    : new SessionNotFound({ sessionId })

/** Short, non-secret reference for logs: enough to correlate, useless as a bearer token. */
export const sessionRef = (id: string): string => id.slice(0, 12)

const originAndPath = (url: string): string | null => {
  try {
    const u = new URL(url)
    return u.protocol === "about:" ? null : `${u.origin}${u.pathname}`
  } catch {
    return null
  }
}

interface LeaseSlot {
  readonly lease: BrowserLease
  readonly scope: Scope.Closeable
  readonly openedAt: number
  uses: number
}

export const make = (params: SessionParams): Effect.Effect<BrowserSession, BrowserError, Scope.Scope> =>
  Effect.gen(function*() {
    const { config, driver, credentials, hooks } = params
    const snapshots = params.snapshots?.enabled === true ? params.snapshots : undefined
    const sessionId = params.id
    const sessionScope = yield* Effect.scope
    const now = yield* Clock.currentTimeMillis
    const health = yield* Ref.make<SessionHealth>({
      createdAt: params.restoreFrom?.createdAt ?? now,
      lastUsed: now,
      lastRefresh: now,
      uses: 0,
      consecutiveErrors: 0,
      logins: 0,
      recycles: 0
    })
    /** Storage captured per portal origin (each snapshot adds the origin the page is on). */
    const knownStorage = yield* Ref.make<Record<string, OriginStorage>>(params.restoreFrom?.storage ?? {})

    /** Opens a Chrome in its own scope under the session's, so it can be replaced alone. */
    const openSlot = Effect.gen(function*() {
      const scope = yield* Scope.fork(sessionScope, "sequential")
      const lease = yield* params.openLease.pipe(
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      return { lease, scope, openedAt: yield* Clock.currentTimeMillis, uses: 0 } satisfies LeaseSlot
    })
    let slot: LeaseSlot = yield* openSlot
    const page = () => slot.lease.page
    const settings = yield* Ref.make(params.settings)
    const state = yield* Ref.make<SessionState>("logging_in")
    const mailbox = yield* Queue.unbounded<Envelope>()
    /** "Something changed since the last snapshot" (a sliding queue of one: a flag you can wait on). */
    const dirty = yield* Queue.sliding<void>(1)
    const queued = yield* Ref.make(0)
    const current = yield* Ref.make<Envelope | undefined>(undefined)
    const ending = yield* Ref.make<EndReason | undefined>(undefined)
    const ended = yield* Deferred.make<EndReason>()
    const timeoutMillis = Math.round(Duration.toMillis(config.operationTimeout))
    const annotate = <A, E, R>(e: Effect.Effect<A, E, R>) =>
      Effect.annotateLogs(e, { sessionId: sessionRef(sessionId), username: credentials.username })

    /** Turns internal failures into domain errors carrying this session's id. */
    const translate = (operation: string, phase: Ref.Ref<string>, stamp: boolean) => (e: unknown): Effect.Effect<never, unknown> =>
      Effect.gen(function*() {
        const tag = typeof e === "object" && e !== null && "_tag" in e ? (e as { _tag: string })._tag : undefined
        if (tag === "BrowserError") {
          const be = e as BrowserError
          if (be.disconnected || !slot.lease.isConnected()) return yield* new BrowserCrashed({ sessionId, detail: be.detail })
          return yield* new PortalUnavailable({ sessionId, detail: `the browser failed during ${yield* Ref.get(phase)}`, phase: yield* Ref.get(phase) })
        }
        if (tag === "WaitTimedOut") {
          const w = e as WaitTimedOut
          return yield* new OperationTimedOut({ sessionId, operation, phase: w.what, timeoutMillis: w.timeoutMillis })
        }
        if (tag === "LoggedOut") return yield* new SessionExpired({ sessionId, detail: (e as LoggedOut).detail })
        // A failed first login never had a session to speak of: its errors carry no id.
        if (tag !== undefined && tag in ErrorSpecs) return yield* Effect.fail(stamp ? withContext(e as PortalError, { sessionId }) : e)
        return yield* Effect.fail(e)
      })

    /** Logs in on the session's page (PhaseTracker, when provided, follows the login's steps). */
    const loginNow = Effect.suspend(() => driver.login(page(), credentials)).pipe(
      Effect.tap(() =>
        Effect.gen(function*() {
          const t = yield* Clock.currentTimeMillis
          yield* Ref.update(health, (h) => ({ ...h, logins: h.logins + 1, lastRefresh: t }))
        })
      )
    )

    /**
     * Re-login after the portal logged us out; a failure is SessionExpired with the cause (a portal
     * outage stays PortalUnavailable: it says nothing about the session). It runs inside the actor,
     * so concurrent callers of this session never start a second login: the mailbox is the
     * single-flight path for an existing session.
     */
    const reloginNow = Effect.gen(function*() {
      yield* Effect.logWarning("portal session logged out; logging in again")
      yield* loginNow.pipe(
        Effect.mapError((e) =>
          e._tag === "PortalUnavailable"
            ? withContext(e, { sessionId })
            : new SessionExpired({ sessionId, detail: `re-login failed: ${e.reason}` })
        )
      )
    })

    const ensureLoggedIn = Effect.gen(function*() {
      const verdict = yield* driver.probe(page()).pipe(Effect.orElseSucceed(() => "unknown" as const))
      if (verdict === "logged_out") yield* reloginNow
    })

    /** The whole life of one message inside the worker, with its own phase and deadline. */
    const execute = <A, E>(op: Operation<A, E>): Effect.Effect<A, E | SessionFailure> =>
      Effect.gen(function*() {
        const phase = yield* Ref.make(`${op.name}:start`)
        const attempt = Effect.suspend(() => op.run(page()))
        const body = Effect.gen(function*() {
          if (op.skipLoginCheck !== true) yield* ensureLoggedIn
          return yield* attempt.pipe(
            Effect.catch((e: unknown) =>
              e instanceof LoggedOut && op.retryOnLoggedOut !== false
                ? reloginNow.pipe(Effect.andThen(attempt))
                : Effect.fail(e)
            )
          )
        }).pipe(Effect.provideService(PhaseTracker, phase))
        return yield* body.pipe(
          Effect.timeoutOrElse({
            duration: config.operationTimeout,
            orElse: () =>
              Ref.get(phase).pipe(Effect.flatMap((p) =>
                Effect.fail(new OperationTimedOut({ sessionId, operation: op.name, phase: p, timeoutMillis }))
              ))
          }),
          Effect.catch(translate(op.name, phase, op.name !== "login"))
        ) as Effect.Effect<A, E | SessionFailure>
      }).pipe(Effect.withSpan(`BrowserSession.${op.name}`))

    const recordOutcome = (envelope: Envelope, exit: Exit.Exit<unknown, unknown>) =>
      Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        const failedBadly = Exit.isFailure(exit) && Option.match(Exit.findErrorOption(exit), {
          onNone: () => false,
          onSome: countsAsSessionError
        })
        if (envelope.kind === "operation") slot.uses++
        if (Exit.isSuccess(exit) && (envelope.kind === "operation" || envelope.kind === "login")) {
          yield* Queue.offer(dirty, undefined)
        }
        const h = yield* Ref.updateAndGet(health, (h) => ({
          ...h,
          ...(envelope.kind === "operation" ? { uses: h.uses + 1, lastUsed: t } : {}),
          ...(envelope.kind === "refresh" && Exit.isSuccess(exit) ? { lastRefresh: t } : {}),
          consecutiveErrors: failedBadly ? h.consecutiveErrors + 1 : Exit.isSuccess(exit) ? 0 : h.consecutiveErrors
        }))
        if (h.consecutiveErrors >= RETIRE_AFTER_CONSECUTIVE_ERRORS) {
          yield* Effect.logWarning("session keeps failing; retiring it", { consecutiveErrors: h.consecutiveErrors })
          yield* endWith("retired").pipe(Effect.forkDetach)
        }
      })

    /** Clears the busy state: the only place it is cleared, reached on every exit path. */
    const release = Effect.gen(function*() {
      yield* Ref.set(current, undefined)
      const reason = yield* Ref.get(ending)
      yield* Ref.set(state, reason === undefined ? "ready" : "closing")
    })

    const runEnvelope = (envelope: Envelope) =>
      Effect.gen(function*() {
        yield* Ref.set(current, envelope)
        yield* Ref.set(state, envelope.kind === "refresh" || envelope.kind === "snapshot" ? "refreshing" : envelope.kind === "login" ? "logging_in" : "busy")
        const fiber = yield* Effect.forkChild(envelope.effect)
        envelope.fiber = fiber
        // A caller that gave up while its message was being started is honoured here.
        if (envelope.status === "cancelled") yield* Fiber.interrupt(fiber)
        else envelope.status = "running"
        const exit = yield* Fiber.await(fiber)
        yield* recordOutcome(envelope, exit)
        // Idle before the caller hears back, so a caller never sees its own operation as running.
        yield* release
        yield* Deferred.done(envelope.done, exit)
      }).pipe(Effect.ensuring(release))

    const worker = Effect.gen(function*() {
      while (true) {
        const envelope = yield* Queue.take(mailbox)
        yield* Ref.update(queued, (n) => n - 1)
        if (envelope.status === "cancelled") continue
        yield* runEnvelope(envelope)
        // Between two messages nobody is using the page: the one safe moment to swap Chromes.
        if ((yield* Ref.get(ending)) === undefined && (yield* recycleDue)) yield* recycle
        if ((yield* Ref.get(queued)) === 0) yield* hooks.onIdle.pipe(Effect.ignore)
      }
    })

    /** Fails every queued message with the session's end error. */
    const drain = (reason: EndReason) =>
      Effect.gen(function*() {
        const error = endedError(sessionId, reason)
        while (true) {
          const polled = yield* Queue.poll(mailbox)
          if (Option.isNone(polled)) break
          const next = polled.value
          yield* Ref.update(queued, (n) => n - 1)
          yield* Deferred.fail(next.done, error)
        }
      })

    const endWith = (reason: EndReason) =>
      Effect.gen(function*() {
        const first = yield* Ref.modify(ending, (r) => (r === undefined ? [true, reason] : [false, r]))
        if (!first) return false
        yield* Ref.set(state, "closing")
        yield* drain(reason)
        const running = yield* Ref.get(current)
        if (running?.fiber !== undefined && reason === "crashed") {
          yield* Deferred.fail(running.done, endedError(sessionId, reason))
          yield* Fiber.interrupt(running.fiber).pipe(Effect.forkDetach)
        }
        yield* Deferred.succeed(ended, reason)
        yield* annotate(Effect.logInfo("session ended", { reason }))
        return true
      })

    const submit = <A, E>(op: Operation<A, E>, onlyIfIdle: boolean): Effect.Effect<Option.Option<A>, E | SessionFailure> =>
      Effect.gen(function*() {
        const reason = yield* Ref.get(ending)
        if (reason !== undefined) return yield* endedError(sessionId, reason)
        const envelope: Envelope = {
          name: op.name,
          kind: op.kind ?? "operation",
          effect: execute(op),
          done: yield* Deferred.make<unknown, unknown>(),
          status: "queued",
          fiber: undefined
        }
        // Admission is one atomic step on the queue counter, so "idle" and "full" are exact.
        const admitted = yield* Ref.modify(queued, (n): [string, number] => {
          if (onlyIfIdle) return n === 0 ? ["ok", n + 1] : ["busy", n]
          return n >= config.sessionQueueLimit ? ["full", n] : ["ok", n + 1]
        })
        if (admitted === "busy") return Option.none()
        if (onlyIfIdle && (yield* Ref.get(current)) !== undefined) {
          yield* Ref.update(queued, (n) => n - 1)
          return Option.none()
        }
        if (admitted === "full") {
          return yield* new PoolExhausted({
            sessionId,
            reason: "session_queue_full",
            retryAfterSeconds: Math.max(1, Math.ceil(timeoutMillis / 1000 / 10)),
            maxSessions: config.maxSessions
          })
        }
        // Enqueue and start waiting as one step: a caller interrupted in between would otherwise
        // leave its message to run for nobody.
        const cancel = Effect.gen(function*() {
          if (envelope.status === "queued") envelope.status = "cancelled"
          else if (envelope.status === "running" && envelope.fiber !== undefined) yield* Fiber.interrupt(envelope.fiber)
        })
        const result = yield* Effect.uninterruptibleMask((restore) =>
          Queue.offer(mailbox, envelope).pipe(
            Effect.andThen(restore(Deferred.await(envelope.done)).pipe(Effect.onInterrupt(() => cancel)))
          )
        )
        return Option.some(result as A)
      }) as Effect.Effect<Option.Option<A>, E | SessionFailure>

    yield* Effect.forkScoped(annotate(worker))

    // A Chrome that goes away on its own ends the session; the pool frees what it held. Each
    // lease gets its own watcher in the lease's scope, so a recycled Chrome's watcher goes with it.
    const watchCrash = (watched: LeaseSlot) =>
      Effect.forkIn(
        annotate(Effect.gen(function*() {
          const why = yield* watched.lease.crashed
          yield* Effect.logError("Chrome stopped unexpectedly", { why })
          yield* endWith("crashed")
        })),
        watched.scope
      )
    yield* watchCrash(slot)

    // Snapshots: written a moment after logins and operations (they come in bursts), and on the
    // interval; as messages, so they never overlap an operation.
    if (snapshots !== undefined) {
      yield* Effect.forkScoped(annotate(Effect.gen(function*() {
        while (true) {
          yield* Effect.raceFirst(Queue.take(dirty), Effect.sleep(config.snapshotInterval))
          yield* Effect.sleep(SNAPSHOT_DEBOUNCE)
          const done = yield* selfSnapshotIfIdle
          if (!done) yield* Queue.offer(dirty, undefined)
        }
      })))
    }

    // Closing the scope (close, eviction, shutdown) ends the session for callers still holding it.
    yield* Effect.addFinalizer(() => endWith("closed").pipe(Effect.asVoid))

    // ---- Snapshots and recycling ---------------------------------------------------------------

    /** Everything a snapshot holds, read from the current page. */
    const captureData = Effect.gen(function*() {
      const captured = yield* Snapshot.capture(page(), yield* Ref.get(knownStorage))
      yield* Ref.set(knownStorage, captured.storage)
      const s = yield* Ref.get(settings)
      const h = yield* Ref.get(health)
      return {
        version: SNAPSHOT_VERSION,
        sessionId,
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

    /** Captures and writes a snapshot; failures are logged, never raised (a snapshot is a bonus). */
    const writeSnapshot = Effect.gen(function*() {
      if (snapshots === undefined) return
      const data = yield* captureData
      yield* snapshots.save(data)
      yield* Effect.logDebug("session snapshot written", { cookies: data.cookies.length })
    }).pipe(Effect.catchCause((cause) => Effect.logWarning("session snapshot not written", cause)))

    const snapshotMessage: Operation<void, never> = {
      name: "snapshot",
      kind: "snapshot",
      skipLoginCheck: true,
      run: () => writeSnapshot
    }

    const selfSnapshotIfIdle = Effect.suspend(() => submit(snapshotMessage, true)).pipe(
      Effect.map(Option.isSome),
      Effect.orElseSucceed(() => true)
    )

    const recycleDue = Effect.gen(function*() {
      if (snapshots === undefined) return false
      const t = yield* Clock.currentTimeMillis
      const age = Duration.toMillis(config.recycleAfterAge)
      return (
        (config.recycleAfterUses > 0 && slot.uses >= config.recycleAfterUses) ||
        (age > 0 && t - slot.openedAt >= age) ||
        (config.recycleMemoryMb > 0 && slot.lease.memoryMb() >= config.recycleMemoryMb)
      )
    })

    /**
     * Replaces the Chrome under the session, keeping its login: snapshot → new Chrome → restore →
     * verify (log in on the new one if the restore did not hold) → swap → close the old one. Runs in
     * the worker between two messages. If anything fails the old Chrome simply stays.
     */
    const recycle = Effect.gen(function*() {
      const old = slot
      const state = yield* captureData
      const fresh = yield* openSlot
      const swapped = yield* Effect.gen(function*() {
        yield* Snapshot.apply(fresh.lease.page, state)
        const verdict = yield* driver.refresh(fresh.lease.page)
        if (verdict !== "logged_in") {
          yield* driver.login(fresh.lease.page, credentials)
          yield* Ref.update(health, (h) => ({ ...h, logins: h.logins + 1 }))
        }
        slot = fresh
        yield* watchCrash(fresh)
        return true
      }).pipe(
        Effect.provideService(PhaseTracker, yield* Ref.make("recycle")),
        Effect.catchCause((cause) =>
          Effect.logWarning("Chrome recycling failed; keeping the current one", cause).pipe(
            Effect.andThen(Scope.close(fresh.scope, Exit.void)),
            Effect.as(false)
          )
        )
      )
      if (!swapped) return
      yield* Scope.close(old.scope, Exit.void)
      const h = yield* Ref.updateAndGet(health, (h) => ({ ...h, recycles: h.recycles + 1 }))
      yield* Effect.logInfo("Chrome recycled", { recycles: h.recycles, pid: fresh.lease.pid })
      yield* writeSnapshot
    }).pipe(
      Effect.catchCause((cause) => Effect.logWarning("Chrome recycling skipped", cause))
    )

    /** Restore the snapshot the session was made from; verified on the keep-alive page. */
    const restoreNow = (from: SnapshotData) =>
      Effect.gen(function*() {
        yield* Snapshot.apply(page(), { cookies: from.cookies, storage: from.storage })
        const verdict = yield* driver.refresh(page()).pipe(Effect.orElseSucceed(() => "logged_out" as const))
        return verdict === "logged_in"
      })

    const startNow = Effect.gen(function*() {
      if (params.restoreFrom !== undefined) {
        if (yield* restoreNow(params.restoreFrom)) {
          yield* Effect.logInfo("session restored from its snapshot (no login)")
          return "restored" as const
        }
        yield* Effect.logInfo("snapshot no longer logged in; logging in")
      }
      yield* loginNow
      return "logged_in" as const
    })

    const summary = Effect.gen(function*() {
      const h = yield* Ref.get(health)
      const s = yield* Ref.get(settings)
      const t = yield* Clock.currentTimeMillis
      const st = yield* Ref.get(state)
      const iso = (ms: number) => new Date(ms).toISOString()
      return {
        session_id: sessionId,
        username: credentials.username,
        created_at: iso(h.createdAt),
        last_used: iso(h.lastUsed),
        last_refresh: h.lastRefresh === null ? null : iso(h.lastRefresh),
        keep_alive: s.keepAlive,
        never_terminate: s.neverTerminate,
        busy: st === "busy" || st === "logging_in" || st === "refreshing",
        queued: yield* Ref.get(queued),
        uses: h.uses,
        consecutive_errors: h.consecutiveErrors,
        age_seconds: Math.max(0, Math.floor((t - h.createdAt) / 1000)),
        current_url: originAndPath(page().url()),
        state: st
      } satisfies SessionSummary
    })

    /** Queues `op` and waits for its result. */
    const run = <A, E>(op: Operation<A, E>): Effect.Effect<A, E | SessionFailure> =>
      submit(op, false).pipe(Effect.map(Option.getOrThrow), annotate)

    const self: BrowserSession = {
      id: sessionId,
      username: credentials.username,
      fingerprint: params.fingerprint,
      get lease() {
        return slot.lease
      },
      run,
      runIfIdle: (op) => annotate(submit(op, true)),
      start: run({ name: "login", kind: "login", skipLoginCheck: true, run: () => startNow }),
      snapshot: run(snapshotMessage),
      snapshotClaimed: annotate(writeSnapshot),
      relogin: run({ name: "relogin", kind: "login", skipLoginCheck: true, run: () => reloginNow }),
      health: Ref.get(health),
      settings: Ref.get(settings),
      updateSettings: (patch) => Ref.updateAndGet(settings, (s) => ({ ...s, ...patch })),
      touch: Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        yield* Ref.update(health, (h) => ({ ...h, lastUsed: t }))
        return t
      }),
      isIdle: Effect.map(Effect.all([Ref.get(queued), Ref.get(current)]), ([n, c]) => n === 0 && c === undefined),
      state: Ref.get(state),
      summary,
      end: (reason) => endWith(reason),
      ended: Deferred.await(ended),
      endReason: Effect.map(Ref.get(ending), Option.fromNullishOr),
      endIfIdle: (reason) =>
        Effect.gen(function*() {
          // Claim the mailbox so nothing can be admitted between the check and the end.
          const claimed = yield* Ref.modify(queued, (n): [boolean, number] => (n === 0 ? [true, Number.MAX_SAFE_INTEGER] : [false, n]))
          if (!claimed) return false
          const busy = (yield* Ref.get(current)) !== undefined
          if (busy) {
            yield* Ref.set(queued, 0)
            return false
          }
          const done = yield* endWith(reason)
          yield* Ref.set(queued, 0)
          return done
        })
    }
    return self
  })
