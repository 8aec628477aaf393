/**
 * BrowserSession is the actor that owns one logged-in browser. Each message (an operation, a login,
 * a refresh, a snapshot) runs in a fiber its caller forks and awaits itself, under the session's
 * FIFO permit (a Semaphore of 1): one at a time, in arrival order, each under OPERATION_TIMEOUT and
 * each starting with a cheap logged-in check that re-logs in once before giving up with
 * SessionExpired. "Busy" is the permit being held, given back by a finalizer on every exit — the
 * seed's sticky `in_use` cannot happen — and no result is ever handed from one fiber to another.
 *
 * The fibers holding or waiting for the session are tracked in a FiberSet. Every way the session
 * ends (close, eviction, crash, retirement, shutdown) interrupts them, and each caller answers
 * itself with the typed end error (BrowserCrashed after a crash, SessionNotFound otherwise) within
 * END_GRACE, whatever the interrupted work's finalizers are doing. A Chrome or a page renderer that
 * dies ends the session as crashed at once. A message's page work runs in a fiber of its own, so
 * neither its deadline nor the session's end waits on a page that stopped answering: after a
 * timeout the page must evaluate a trivial expression within RESPONSIVE_WITHIN and the abandoned
 * work must wind down, or the session ends as crashed too — a hung page never serves the next
 * caller, who gets the session back from its snapshot (or a new login) like after any crash.
 *
 * With snapshots on, the session saves its cookies and storage after logins and operations
 * (debounced) and on SNAPSHOT_INTERVAL, can start from a snapshot instead of logging in, and
 * recycles its Chrome (snapshot → new Chrome → restore → verify → swap) between two messages once
 * it passes RECYCLE_AFTER_USES / _AGE / _MEMORY_MB, so no caller ever sees the swap.
 *
 * Not a Context service: the pool makes one per session, in that session's scope (a deliberate
 * deviation from "one service per file": it is a resource, not a singleton).
 */
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, FiberSet, Option, Queue, Redacted, Ref, Scope, Semaphore } from "effect"
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
  /** Called after each message when nobody waits for the session (the pool may evict to feed waiters). */
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

/**
 * How long a caller whose message was interrupted (its session ended, or the message was abandoned)
 * waits for the message's fiber to wind down before answering anyway.
 */
const END_GRACE = Duration.seconds(1)

/**
 * After a timeout, how long the abandoned work may take to wind down (its finalizers may still use
 * the page: a row collapse is bounded by 5 s) before the session gives up on the page.
 */
const WIND_DOWN = Duration.seconds(6)

/** After a timeout, a page that cannot evaluate `true` within this has stopped answering. */
const RESPONSIVE_WITHIN = Duration.seconds(3)

/** Who holds the permit: a message of some kind, or the session's own upkeep (Chrome recycling). */
type Holder = OperationKind | "upkeep"

/** The admission state, changed only by atomic updates so "idle", "full" and "ended" are exact. */
interface Gate {
  /** Set once, when the session starts ending: nothing is admitted after it. */
  readonly ending: EndReason | undefined
  /** Admitted messages still waiting for the permit. */
  readonly waiting: number
  /** What holds the permit now. */
  readonly holder: Holder | undefined
}

const stateOf = (g: Gate): SessionState =>
  g.ending !== undefined
    ? "closing"
    : g.holder === undefined
    ? "ready"
    : g.holder === "operation"
    ? "busy"
    : g.holder === "login"
    ? "logging_in"
    : "refreshing"

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
    // Made before the first Chrome opens, so the session's scope closes it after its Chrome: by the
    // time it waits for the fibers it interrupts, their page calls fail fast on a closed browser.
    const holders = yield* FiberSet.make<unknown, unknown>()
    const permit = yield* Semaphore.make(1)
    let slot: LeaseSlot = yield* openSlot
    const page = () => slot.lease.page
    const settings = yield* Ref.make(params.settings)
    const gate = yield* Ref.make<Gate>({ ending: undefined, waiting: 0, holder: undefined })
    /** "Something changed since the last snapshot" (a sliding queue of one: a flag you can wait on). */
    const dirty = yield* Queue.sliding<void>(1)
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
          // A call that failed because the page or Chrome died is the crash, not a portal failure.
          if (be.disconnected || !slot.lease.isConnected() || (yield* Ref.get(gate)).ending === "crashed") {
            return yield* new BrowserCrashed({ sessionId, detail: be.detail })
          }
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
     * outage stays PortalUnavailable: it says nothing about the session). It runs inside a message,
     * so concurrent callers of this session never start a second login: the permit is the
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

    /** A message's page work, its errors translated; `phase` follows its steps. No deadline here. */
    const execute = <A, E>(op: Operation<A, E>, phase: Ref.Ref<string>): Effect.Effect<A, E | SessionFailure> => {
      const attempt = Effect.suspend(() => op.run(page()))
      return Effect.gen(function*() {
        if (op.skipLoginCheck !== true) yield* ensureLoggedIn
        return yield* attempt.pipe(
          Effect.catch((e: unknown) =>
            e instanceof LoggedOut && op.retryOnLoggedOut !== false
              ? reloginNow.pipe(Effect.andThen(attempt))
              : Effect.fail(e)
          )
        )
      }).pipe(
        Effect.provideService(PhaseTracker, phase),
        Effect.catch(translate(op.name, phase, op.name !== "login"))
      ) as Effect.Effect<A, E | SessionFailure>
    }

    /**
     * Whether the page still answers: a trivial evaluation within RESPONSIVE_WITHIN. An error is an
     * answer too (a navigation in progress), unless Chrome itself is gone.
     */
    const pageAnswers = Effect.suspend(() => page().evaluate(() => true)).pipe(
      Effect.as(true),
      Effect.catch((e) => Effect.succeed(!e.disconnected)),
      Effect.timeoutOption(RESPONSIVE_WITHIN),
      Effect.map(Option.getOrElse(() => false))
    )

    /**
     * Runs a message's work in a fiber of its own and waits for it at most OPERATION_TIMEOUT. At the
     * deadline the work is interrupted without waiting on it; the answer is OperationTimedOut with the
     * phase it was in. A page that does not answer then, or work that does not wind down, ends the
     * session as crashed: nothing else runs on that page. `restore` makes the waits interruptible
     * (the caller leaving, the session ending); the work is then stopped within END_GRACE.
     */
    const runBounded = <A, E>(
      op: Operation<A, E>,
      restore: <X, Y, Z>(e: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>
    ): Effect.Effect<Exit.Exit<A, E | SessionFailure>> =>
      Effect.gen(function*() {
        const phase = yield* Ref.make(`${op.name}:start`)
        const work = yield* Effect.forkDetach(execute(op, phase))
        const waited = yield* Effect.exit(restore(Fiber.await(work).pipe(Effect.timeoutOption(config.operationTimeout))))
        if (Exit.isFailure(waited)) {
          const stopped = yield* Fiber.interrupt(work).pipe(Effect.timeoutOption(END_GRACE))
          if (Option.isNone(stopped) && (yield* Ref.get(gate)).ending === undefined) {
            yield* annotate(Effect.logWarning("an abandoned operation could not be stopped; ending the session", { operation: op.name }))
            yield* endWith("crashed")
          }
          return Exit.failCause(waited.cause)
        }
        if (Option.isSome(waited.value)) return waited.value.value
        const timedOut = new OperationTimedOut({ sessionId, operation: op.name, phase: yield* Ref.get(phase), timeoutMillis })
        yield* Effect.forkDetach(Fiber.interrupt(work))
        const answers = yield* pageAnswers
        const wound = answers && Option.isSome(yield* Fiber.await(work).pipe(Effect.timeoutOption(WIND_DOWN)))
        if (!wound) {
          yield* annotate(Effect.logWarning(
            answers ? "a timed-out operation could not be stopped; ending the session" : "the page stopped responding; ending the session",
            { operation: op.name, phase: timedOut.phase }
          ))
          yield* endWith("crashed")
        }
        return Exit.fail(timedOut)
      })

    const recordOutcome = (kind: OperationKind, exit: Exit.Exit<unknown, unknown>) =>
      Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        const failedBadly = Exit.isFailure(exit) && Option.match(Exit.findErrorOption(exit), {
          onNone: () => false,
          onSome: countsAsSessionError
        })
        if (kind === "operation") slot.uses++
        if (Exit.isSuccess(exit) && (kind === "operation" || kind === "login")) {
          yield* Queue.offer(dirty, undefined)
        }
        const h = yield* Ref.updateAndGet(health, (h) => ({
          ...h,
          ...(kind === "operation" ? { uses: h.uses + 1, lastUsed: t } : {}),
          ...(kind === "refresh" && Exit.isSuccess(exit) ? { lastRefresh: t } : {}),
          consecutiveErrors: failedBadly ? h.consecutiveErrors + 1 : Exit.isSuccess(exit) ? 0 : h.consecutiveErrors
        }))
        if (h.consecutiveErrors >= RETIRE_AFTER_CONSECUTIVE_ERRORS) {
          yield* Effect.logWarning("session keeps failing; retiring it", { consecutiveErrors: h.consecutiveErrors })
          yield* endWith("retired")
        }
      })

    /**
     * Gives the permit back: the holder is cleared first, so a caller never sees its own message as
     * running. With nobody waiting the pool hears the session went idle (it may evict it to feed a
     * waiter) — from a fiber of its own, once this message's fiber has answered.
     */
    const release = (held: Scope.Closeable) =>
      Effect.gen(function*() {
        const idle = yield* Ref.modify(gate, (g): [boolean, Gate] => [g.waiting === 0, { ...g, holder: undefined }])
        yield* Scope.close(held, Exit.void)
        if (idle) yield* Effect.forkDetach(hooks.onIdle.pipe(Effect.ignore))
      })

    /**
     * Between two messages nobody is using the page: the one safe moment to swap Chromes. The permit
     * passes to an upkeep fiber (tracked like a caller's), so the caller hears back first.
     */
    const afterMessage = (held: Scope.Closeable) =>
      Effect.gen(function*() {
        if ((yield* Ref.get(gate)).ending !== undefined || !(yield* recycleDue)) return yield* release(held)
        yield* Ref.update(gate, (g): Gate => ({ ...g, holder: "upkeep" }))
        yield* FiberSet.run(holders, annotate(recycle).pipe(Effect.ensuring(release(held))))
      })

    /**
     * One admitted message, in the fiber its caller forked: waits its turn for the permit (FIFO),
     * runs, records the outcome, gives the permit back. Only the waits are interruptible; the
     * bookkeeping around them always completes.
     */
    const message = <A, E>(op: Operation<A, E>): Effect.Effect<A, E | SessionFailure> => {
      const kind = op.kind ?? "operation"
      return Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const held = yield* Scope.make()
          const took = yield* Effect.exit(restore(permit.takeScoped(1)).pipe(Scope.provide(held)))
          const reason = yield* Ref.modify(gate, (g): [EndReason | undefined, Gate] =>
            Exit.isSuccess(took) && g.ending === undefined
              ? [undefined, { ...g, waiting: g.waiting - 1, holder: kind }]
              : [g.ending, { ...g, waiting: g.waiting - 1 }]
          )
          if (Exit.isFailure(took) || reason !== undefined) {
            yield* Scope.close(held, Exit.void)
            return yield* (Exit.isFailure(took) ? Effect.failCause(took.cause) : endedError(sessionId, reason))
          }
          const exit = yield* runBounded(op, restore)
          yield* recordOutcome(kind, exit)
          yield* afterMessage(held)
          return yield* exit
        })
      ).pipe(Effect.withSpan(`BrowserSession.${op.name}`))
    }

    /**
     * Ends the session once (`allowed` decides atomically whether it may): nothing is admitted after
     * it, `ended` completes, and every fiber holding or waiting for the session is interrupted — but
     * not awaited here, and never the fiber calling (a message ending its own session keeps its own
     * answer). Each caller answers itself within END_GRACE. An idle session has nobody to interrupt:
     * the fibers still in the set then are messages past their work, giving the permit back.
     */
    const claimEnd = (reason: EndReason, allowed: (g: Gate) => boolean, interrupt: boolean) =>
      Effect.uninterruptible(Effect.withFiber((self) =>
        Effect.gen(function*() {
          const first = yield* Ref.modify(gate, (g): [boolean, Gate] => (allowed(g) ? [true, { ...g, ending: reason }] : [false, g]))
          if (!first) return false
          yield* Deferred.succeed(ended, reason)
          // (Read through `state`: a closed FiberSet's iterator is broken in effect 4.1.)
          const others = interrupt && holders.state._tag === "Open" ? [...holders.state.backing].filter((f) => f !== self) : []
          if (others.length > 0) yield* Effect.forkDetach(Fiber.interruptAll(others))
          yield* annotate(Effect.logInfo("session ended", { reason }))
          return true
        })
      ))

    const endWith = (reason: EndReason) => claimEnd(reason, (g) => g.ending === undefined, true)

    /**
     * What the caller of `child` answers: the message's own outcome, or — once the session has ended
     * — that outcome if it arrives within END_GRACE, else the end error. An interrupted message (the
     * session ended under it) is the end error.
     */
    const outcomeOf = <A, E>(child: Fiber.Fiber<A, E>): Effect.Effect<A, E | BrowserCrashed | SessionNotFound> =>
      Effect.raceFirst(
        Fiber.await(child),
        Deferred.await(ended).pipe(
          Effect.andThen(Fiber.await(child).pipe(Effect.timeoutOption(END_GRACE))),
          Effect.map(Option.getOrElse((): Exit.Exit<A, E> => Exit.interrupt()))
        )
      ).pipe(
        Effect.flatMap((exit): Effect.Effect<A, E | BrowserCrashed | SessionNotFound> =>
          Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
            ? Effect.flatMap(Ref.get(gate), (g) => Effect.fail(endedError(sessionId, g.ending)))
            : exit
        )
      )

    /**
     * Admits `op` (atomically against the gate) and runs it in a fiber of the session's FiberSet,
     * which this caller awaits. A caller that leaves takes its message with it: queued, it never
     * runs; running, its work is interrupted.
     */
    const submit = <A, E>(op: Operation<A, E>, onlyIfIdle: boolean): Effect.Effect<Option.Option<A>, E | SessionFailure> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const admitted = yield* Ref.modify(gate, (g): [EndReason | "ok" | "busy" | "full", Gate] => {
            if (g.ending !== undefined) return [g.ending, g]
            if (onlyIfIdle) return g.waiting === 0 && g.holder === undefined ? ["ok", { ...g, waiting: 1 }] : ["busy", g]
            return g.waiting >= config.sessionQueueLimit ? ["full", g] : ["ok", { ...g, waiting: g.waiting + 1 }]
          })
          if (admitted === "busy") return Option.none<A>()
          if (admitted === "full") {
            return yield* new PoolExhausted({
              sessionId,
              reason: "session_queue_full",
              retryAfterSeconds: Math.max(1, Math.ceil(timeoutMillis / 1000 / 10)),
              maxSessions: config.maxSessions
            })
          }
          if (admitted !== "ok") return yield* endedError(sessionId, admitted)
          const child = yield* FiberSet.run(holders, message(op))
          const result = yield* restore(outcomeOf(child)).pipe(
            Effect.onInterrupt(() => Fiber.interrupt(child).pipe(Effect.timeoutOption(END_GRACE)))
          )
          return Option.some(result)
        })
      )

    // A Chrome that goes away on its own, or a page whose renderer dies, ends the session; the pool
    // frees what it held. Each lease gets its own watcher in the lease's scope, so a recycled
    // Chrome's watcher goes with it.
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
     * verify (log in on the new one if the restore did not hold) → swap → close the old one. Runs
     * between two messages, holding the permit. If anything fails the old Chrome simply stays.
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
      const g = yield* Ref.get(gate)
      const st = stateOf(g)
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
        queued: g.waiting,
        uses: h.uses,
        consecutive_errors: h.consecutiveErrors,
        age_seconds: Math.max(0, Math.floor((t - h.createdAt) / 1000)),
        current_url: originAndPath(page().url()),
        state: st
      } satisfies SessionSummary
    })

    /** Waits its turn, runs `op` and answers its result. */
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
      isIdle: Effect.map(Ref.get(gate), (g) => g.waiting === 0 && g.holder === undefined),
      state: Effect.map(Ref.get(gate), stateOf),
      summary,
      end: (reason) => endWith(reason),
      ended: Deferred.await(ended),
      endReason: Effect.map(Ref.get(gate), (g) => Option.fromNullishOr(g.ending)),
      // One atomic step on the gate: nothing can be admitted between the idle check and the end.
      endIfIdle: (reason) => claimEnd(reason, (g) => g.ending === undefined && g.waiting === 0 && g.holder === undefined, false)
    }
    return self
  })
