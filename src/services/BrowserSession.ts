/**
 * BrowserSession is the actor that owns one logged-in browser. It answers the messages of its
 * protocol (`session/SessionProtocol.ts`): each runs in a fiber its caller forks and awaits, under
 * the session's FIFO permit — one at a time, in arrival order (`session/Mailbox.ts`) — each under
 * OPERATION_TIMEOUT (`session/BoundedRun.ts`) and each starting with a cheap logged-in check that
 * re-logs in once before giving up with SessionExpired (`session/SessionLogin.ts`). Every way the
 * session ends (close, eviction, crash, retirement, shutdown) interrupts the callers holding it, and
 * each answers at once with the typed end error. A session that keeps failing retires itself
 * (`session/SessionHealthRecord.ts`); a Chrome or renderer that dies ends it as crashed
 * (`session/SessionChrome.ts`).
 *
 * With snapshots on, the session saves its cookies and storage after logins and operations and on
 * SNAPSHOT_INTERVAL (`session/SnapshotWriter.ts`), can start from a snapshot instead of logging in,
 * and replaces its Chrome between two messages once it has served long enough (`session/Recycler.ts`).
 *
 * Not a Context service: the pool makes one per session, in that session's scope (a deliberate
 * deviation from "one service per file": it is a resource, not a singleton).
 */
import { Clock, Duration, Effect, Exit, Option, Ref, type Scope } from "effect"
import type { CredentialFingerprint, Credentials } from "../domain/Credentials.ts"
import { type CaptchaFailed, type LoginFailed, OperationTimedOut, PoolExhausted } from "../domain/Errors.ts"
import type { SessionId } from "../domain/Ids.ts"
import type { SessionSummary } from "../domain/Operations.ts"
import type { BrowserError, BrowserLease } from "./Browser.ts"
import type { PortalConfigShape } from "./PortalConfig.ts"
import type { PortalDriverShape } from "./PortalDriver.ts"
import type { SessionSnapshotsShape, SnapshotData } from "./SessionSnapshots.ts"
import { runBounded, RESPONSIVE_WITHIN } from "./session/BoundedRun.ts"
import * as Mailbox from "./session/Mailbox.ts"
import * as SessionChrome from "./session/SessionChrome.ts"
import { countsAsSessionError, sessionRef } from "./session/SessionFailures.ts"
import * as Health from "./session/SessionHealthRecord.ts"
import * as SessionLogin from "./session/SessionLogin.ts"
import type {
  EndReason,
  Operation,
  OperationKind,
  RefreshOutcome,
  SessionFailure,
  SessionHandlers,
  SessionActivityInfo,
  SessionHealth,
  SessionSettings,
  SessionState,
  SettingsPatch,
  StartOutcome
} from "./session/SessionProtocol.ts"
import * as SessionActivity from "./session/SessionActivity.ts"
import * as Recycler from "./session/Recycler.ts"
import * as SnapshotWriter from "./session/SnapshotWriter.ts"

export type {
  EndReason,
  Operation,
  OperationKind,
  RawFailure,
  SessionFailure,
  SessionHealth,
  SessionSettings,
  SessionState
} from "./session/SessionProtocol.ts"
export { settingsPatch } from "./session/SessionProtocol.ts"
export { endedError, sessionRef } from "./session/SessionFailures.ts"
export { RETIRE_AFTER_CONSECUTIVE_ERRORS } from "./session/SessionHealthRecord.ts"

export interface BrowserSession {
  readonly id: SessionId
  readonly username: string
  readonly fingerprint: CredentialFingerprint
  /** The Chrome currently behind the session (it changes when the session recycles it). */
  readonly lease: BrowserLease

  // ---- The protocol's messages (see SessionRpcs) ------------------------------------------------
  /** The first message: restore the snapshot the session was made from (verified), else log in. */
  readonly start: Effect.Effect<StartOutcome, LoginFailed | CaptchaFailed | SessionFailure>
  /** Queues `op` and waits for its result. */
  readonly run: <A, E>(op: Operation<A, E>) => Effect.Effect<A, E | SessionFailure>
  /** A keep-alive visit, only if nothing is running or queued ("busy" otherwise). */
  readonly refresh: Effect.Effect<RefreshOutcome, SessionFailure>
  /** Saves a snapshot now, as a message (no-op without SNAPSHOT_KEY). */
  readonly snapshot: Effect.Effect<void, SessionFailure>
  /** Logs in again on the session's page (a message like any other); failure is SessionExpired. */
  readonly relogin: Effect.Effect<void, SessionFailure>
  /** If idle right now: ends the session as evicted and saves its snapshot (true); else false. */
  readonly evict: Effect.Effect<boolean>
  /** Ends the session (new messages are refused; callers holding it answer at once). */
  readonly end: (reason: EndReason) => Effect.Effect<boolean>
  /** `ping`: marks the session used now. */
  readonly touch: Effect.Effect<number>
  readonly updateSettings: (patch: SettingsPatch) => Effect.Effect<SessionSettings>
  readonly health: Effect.Effect<SessionHealth>
  readonly summary: Effect.Effect<SessionSummary>
  /** The message running now and its phase (null while idle). */
  readonly activity: Effect.Effect<SessionActivityInfo>
  /** A fresh PNG of the page, taken as a message between operations (never during one). */
  readonly peek: Effect.Effect<Uint8Array, SessionFailure>

  // ---- Reads of the local actor's state (not messages) -------------------------------------------
  readonly settings: Effect.Effect<SessionSettings>
  readonly state: Effect.Effect<SessionState>
  /** Messages waiting for their turn. */
  readonly queued: Effect.Effect<number>
  /** Nothing running and nothing queued. */
  readonly isIdle: Effect.Effect<boolean>
  /** Completes with the reason once the session has ended. */
  readonly ended: Effect.Effect<EndReason>
  /** Why the session ended, if it has (does not wait). */
  readonly endReason: Effect.Effect<Option.Option<EndReason>>
}

/** The session's answers to its protocol: what a cluster Entity holding it would serve. */
export const handlersOf = (session: BrowserSession): SessionHandlers => ({
  Start: () => session.start,
  Run: ({ operation }) => session.run(operation),
  Refresh: () => session.refresh,
  Snapshot: () => session.snapshot,
  Relogin: () => session.relogin,
  Evict: () => session.evict,
  End: ({ reason }) => session.end(reason),
  Touch: () => session.touch,
  UpdateSettings: (patch) => session.updateSettings(patch),
  Health: () => session.health,
  Summary: () => session.summary,
  Activity: () => session.activity,
  Peek: () => session.peek
})

export interface SessionHooks {
  /**
   * The session may have become evictable: a message left it idle, or it was unpinned. Must not
   * block (the pool only signals its admission, which evicts for a waiting request).
   */
  readonly idle: Effect.Effect<void>
}

/** What the session reports for the metrics (see pool/PoolMetrics.ts); absent, nothing is recorded. */
export interface SessionObserver {
  /** A login attempt (the first login or a re-login) took `seconds` and ended ok or with its failure's kind. */
  readonly loginTimed: (seconds: number, outcome: string) => Effect.Effect<void>
  /** A message of `kind` waited `seconds` in the mailbox before it ran. */
  readonly mailboxWaited: (seconds: number, kind: OperationKind) => Effect.Effect<void>
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
  readonly observer?: SessionObserver | undefined
  readonly snapshots?: SessionSnapshotsShape | undefined
  /** Start from this snapshot instead of logging in (restart, eviction, crash recovery). */
  readonly restoreFrom?: SnapshotData | undefined
}

/** How long an evicted session may take to write its last snapshot before it closes without it. */
const EVICTION_SNAPSHOT_WITHIN = Duration.seconds(10)

export const make = (params: SessionParams): Effect.Effect<BrowserSession, BrowserError, Scope.Scope> =>
  Effect.gen(function*() {
    const { config, driver, credentials, hooks } = params
    const sessionId = params.id
    const annotate = <A, E, R>(e: Effect.Effect<A, E, R>) =>
      Effect.annotateLogs(e, { sessionId: sessionRef(sessionId), username: credentials.username })
    const now = yield* Clock.currentTimeMillis
    const health = yield* Ref.make(Health.initial(params.restoreFrom?.createdAt ?? now, now))
    const activity = yield* SessionActivity.make
    const settings = yield* Ref.make(params.settings)
    const timeoutMillis = Math.round(Duration.toMillis(config.operationTimeout))

    // Made before the first Chrome opens, so the session's scope closes the mailbox's FiberSet after
    // the Chrome: by the time it waits for the fibers it interrupts, their page calls fail fast.
    const mailbox: Mailbox.Mailbox = yield* Mailbox.make({
      sessionId,
      queueLimit: config.sessionQueueLimit,
      full: () =>
        new PoolExhausted({
          sessionId,
          reason: "session_queue_full",
          retryAfterSeconds: Math.max(1, Math.ceil(timeoutMillis / 1000 / 10)),
          maxSessions: config.maxSessions
        }),
      afterMessage: (left) => afterMessage(left)
    })
    const chrome = yield* SessionChrome.make({
      openLease: params.openLease,
      crashed: (why) => annotate(Effect.logError("Chrome stopped unexpectedly", { why }).pipe(Effect.andThen(mailbox.end("crashed"))))
    })
    const page = () => chrome.current().lease.page
    const writer = yield* SnapshotWriter.make({
      sessionId,
      fingerprint: params.fingerprint,
      credentials,
      snapshots: params.snapshots?.enabled === true ? params.snapshots : undefined,
      settings: Ref.get(settings),
      health: Ref.get(health),
      knownStorage: params.restoreFrom?.storage ?? {}
    })
    const loggedIn = (refreshed: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Ref.update(health, (h) => (refreshed ? Health.afterLogin(h, t) : { ...h, logins: h.logins + 1 })))
    const login = SessionLogin.make({
      sessionId,
      credentials,
      driver,
      page,
      loggedIn: loggedIn(true),
      loginTimed: params.observer?.loginTimed,
      failures: {
        sessionId,
        chromeGone: Effect.map(mailbox.endReason, (r) => !chrome.current().lease.isConnected() || Option.getOrUndefined(r) === "crashed")
      }
    })
    const recycler = yield* Recycler.make({
      config,
      chrome,
      writer,
      driver,
      credentials,
      loggedIn: loggedIn(false),
      recycled: Effect.map(Ref.updateAndGet(health, (h) => ({ ...h, recycles: h.recycles + 1 })), (h) => h.recycles)
    })

    /**
     * After each message: the one safe moment to swap Chromes is between two messages, so a due
     * recycle is queued as upkeep (the caller hears back first); else an idle session tells the pool.
     */
    const afterMessage = (left: Mailbox.AfterMessage): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (left === "ending") return
        if (yield* recycler.claim) {
          return yield* mailbox.post("upkeep", (restore) =>
            Effect.flatMap(Ref.make("recycle:start"), (phase) => bounded("recycle", activity.track("recycle", "upkeep", annotate(recycler.recycle(phase))), phase, restore)))
        }
        if (left === "idle") yield* hooks.idle
      })

    /** Whether the page still answers: an error is an answer too (a navigation), unless Chrome is gone. */
    const pageAnswers = Effect.suspend(() => page().evaluate(() => true)).pipe(
      Effect.as(true),
      Effect.catch((e) => Effect.succeed(!e.disconnected)),
      Effect.timeoutOption(RESPONSIVE_WITHIN),
      Effect.map(Option.getOrElse(() => false))
    )

    const recordOutcome = (kind: OperationKind, exit: Exit.Exit<unknown, unknown>) =>
      Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        const outcome: Health.MessageOutcome = Exit.isSuccess(exit)
          ? "succeeded"
          : Option.match(Exit.findErrorOption(exit), { onNone: () => "failed", onSome: (e) => (countsAsSessionError(e) ? "failed_badly" : "failed") })
        if (kind === "operation") yield* chrome.countUse
        if (Exit.isSuccess(exit) && (kind === "operation" || kind === "login")) yield* writer.markDirty
        const h = yield* Ref.updateAndGet(health, (h) => Health.afterMessage(h, kind, outcome, t))
        if (Health.shouldRetire(h)) {
          yield* Effect.logWarning("session keeps failing; retiring it", { consecutiveErrors: h.consecutiveErrors })
          yield* mailbox.end("retired")
        }
      })

    /** Page work named `name` under OPERATION_TIMEOUT; a page it leaves hung ends the session as crashed. */
    const bounded = <A, E>(name: string, work: Effect.Effect<A, E>, phase: Ref.Ref<string>, restore: Mailbox.Restore) =>
      runBounded(work, phase, restore, {
        timeout: config.operationTimeout,
        pageAnswers,
        ending: Effect.map(mailbox.endReason, Option.isSome),
        giveUp: (why, at) => Effect.logWarning(why, { operation: name, phase: at }).pipe(Effect.andThen(mailbox.end("crashed"))),
        timedOut: (at) => new OperationTimedOut({ sessionId, operation: name, phase: at, timeoutMillis })
      })

    /**
     * An operation as a message's work: logged in, under its deadline, its outcome recorded. With
     * `queuedAt`, the time it waited for its turn is reported too.
     */
    const perform = <A, E>(op: Operation<A, E>, queuedAt?: number): Mailbox.Work<A, E | SessionFailure> => (restore) =>
      Effect.gen(function*() {
        if (queuedAt !== undefined && params.observer !== undefined) {
          yield* params.observer.mailboxWaited(Math.max(0, (yield* Clock.currentTimeMillis) - queuedAt) / 1000, op.kind ?? "operation")
        }
        const phase = yield* Ref.make(`${op.name}:start`)
        const exit = yield* bounded(op.name, activity.track(op.name, op.kind ?? "operation", login.execute(op, phase)), phase, restore)
        yield* recordOutcome(op.kind ?? "operation", exit)
        return exit
      })

    const run = <A, E>(op: Operation<A, E>): Effect.Effect<A, E | SessionFailure> =>
      Effect.flatMap(Clock.currentTimeMillis, (queuedAt) => mailbox.run(op.kind ?? "operation", perform(op, queuedAt))).pipe(
        Effect.withSpan(`BrowserSession.${op.name}`),
        annotate
      )

    const runIfIdle = <A, E>(op: Operation<A, E>): Effect.Effect<Option.Option<A>, E | SessionFailure> =>
      mailbox.runIfIdle(op.kind ?? "operation", perform(op)).pipe(Effect.withSpan(`BrowserSession.${op.name}`), annotate)

    const snapshotOp: Operation<void, never> = { name: "snapshot", kind: "snapshot", skipLoginCheck: true, run: (p) => writer.write(p) }

    const evict = mailbox.runIfIdle("snapshot", (restore) =>
      Effect.gen(function*() {
        // Ended first (nothing is admitted after it), then the last snapshot, so the session can
        // come back later by restore instead of a login.
        if (!(yield* mailbox.endWhileIdle("evicted"))) return Exit.succeed(false)
        if (writer.enabled) {
          const written = yield* restore(writer.write(page())).pipe(Effect.timeoutOption(EVICTION_SNAPSHOT_WITHIN))
          if (Option.isNone(written)) yield* Effect.logDebug("eviction snapshot gave up", { phase: "session:evict" })
        }
        return Exit.succeed(true)
      })
    ).pipe(
      Effect.map(Option.getOrElse(() => false)),
      Effect.orElseSucceed(() => false),
      Effect.withSpan("BrowserSession.evict"),
      annotate
    )

    // Snapshots are written as messages (only when idle), so they never overlap an operation.
    yield* writer.schedule(
      runIfIdle(snapshotOp).pipe(Effect.map(Option.isSome), Effect.orElseSucceed(() => true)),
      config.snapshotInterval
    ).pipe(annotate)

    // Closing the scope (close, eviction, shutdown) ends the session for callers still holding it.
    yield* Effect.addFinalizer(() => Effect.asVoid(mailbox.end("closed")))

    return {
      id: sessionId,
      username: credentials.username,
      fingerprint: params.fingerprint,
      get lease() {
        return chrome.current().lease
      },
      // A new login is snapshotted at once, in its own message: the session can come back after a
      // crash from its first answer on (an operation queued right behind it would otherwise keep
      // the debounced snapshot from ever being written before the crash).
      start: run({
        name: "login",
        kind: "login",
        skipLoginCheck: true,
        run: (p) => login.start(params.restoreFrom).pipe(Effect.tap((how) => (how === "logged_in" ? writer.write(p) : Effect.void)))
      }),
      run,
      refresh: runIfIdle({ name: "refresh", kind: "refresh", skipLoginCheck: true, retryOnLoggedOut: false, run: (p) => driver.refresh(p) }).pipe(
        Effect.map(Option.getOrElse((): RefreshOutcome => "busy"))
      ),
      snapshot: run(snapshotOp),
      relogin: run({ name: "relogin", kind: "login", skipLoginCheck: true, run: () => login.relogin }),
      evict,
      end: (reason) => annotate(mailbox.end(reason)),
      touch: Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        yield* Ref.update(health, (h) => Health.touched(h, t))
        return t
      }),
      updateSettings: Effect.fn("BrowserSession.updateSettings")(function*(patch: SettingsPatch) {
        const next = yield* Ref.updateAndGet(settings, (s) => ({ ...s, ...patch }))
        // Unpinned: it may be the session a waiting request can have.
        if (patch.neverTerminate === false) yield* hooks.idle
        return next
      }),
      health: Ref.get(health),
      summary: Effect.gen(function*() {
        return Health.summaryOf({
          sessionId,
          username: credentials.username,
          health: yield* Ref.get(health),
          settings: yield* Ref.get(settings),
          state: yield* mailbox.state,
          queued: yield* mailbox.queued,
          now: yield* Clock.currentTimeMillis,
          url: page().url()
        })
      }),
      activity: Effect.map(activity.current, Option.getOrNull),
      peek: run<Uint8Array, never>({ name: "peek", kind: "upkeep", skipLoginCheck: true, run: (page) => page.screenshot() }),
      settings: Ref.get(settings),
      state: mailbox.state,
      queued: mailbox.queued,
      isIdle: mailbox.isIdle,
      ended: mailbox.ended,
      endReason: mailbox.endReason
    } satisfies BrowserSession
  })
