/**
 * The session actor's protocol: every message a BrowserSession answers, declared once as an
 * RpcGroup with the schemas of its payloads, answers and errors. The local actor implements it
 * (`BrowserSession.handlersOf`, type-checked against this group), and a fleet will serve the same
 * group as a cluster Entity (`Entity.fromRpcGroup("BrowserSession", SessionRpcs)`), so a session
 * held on another machine answers exactly what a local one does.
 *
 * One message is local-only today: `Run` carries its page flow as a function (`Operation`), which
 * no wire can carry; its schema is a declaration that only accepts such a value in memory. A fleet
 * sends a named business operation instead, resolved to its flow by the holder.
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import {
  BrowserCrashed,
  CaptchaFailed,
  LoginFailed,
  OperationTimedOut,
  PoolExhausted,
  PortalError,
  PortalUnavailable,
  SessionExpired,
  SessionNotFound
} from "../../domain/Errors.ts"
import { SessionSummary } from "../../domain/Operations.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "../Browser.ts"
import type { LoggedOut } from "../portal/PageState.ts"
import type { PhaseTracker } from "../portal/Phase.ts"

/** Why a session ended. */
export const EndReason = Schema.Literals(["closed", "evicted", "crashed", "expired", "retired", "shutdown"])
export type EndReason = typeof EndReason.Type

/** What the session is doing: `ready` is idle; `closing` once it has started ending. */
export const SessionState = SessionSummary.fields.state
export type SessionState = typeof SessionState.Type

/** The health record: what retirement and recycling decide on, and what `/sessions` shows. */
export const SessionHealth = Schema.Struct({
  /** Epoch millis of the first login (a restored session keeps its original one). */
  createdAt: Schema.Number,
  /** Epoch millis of the last operation or ping (refreshes do not count, as in the seed). */
  lastUsed: Schema.Number,
  /** Epoch millis of the last login or successful keep-alive visit. */
  lastRefresh: Schema.NullOr(Schema.Number),
  uses: Schema.Int,
  /** Operations that failed in a row for browser-level reasons (see RETIRE_AFTER_CONSECUTIVE_ERRORS). */
  consecutiveErrors: Schema.Int,
  logins: Schema.Int,
  /** Chrome replacements so far (the login carried over each time). */
  recycles: Schema.Int
})
export type SessionHealth = typeof SessionHealth.Type

export const SessionSettings = Schema.Struct({
  /** Pinned: never evicted; a failed refresh re-logs in instead of closing it. */
  neverTerminate: Schema.Boolean,
  /** Refreshed by the keep-alive refresher. */
  keepAlive: Schema.Boolean
})
export type SessionSettings = typeof SessionSettings.Type

/** The settings a request asks to change (absent = unchanged). */
export const SettingsPatch = Schema.Struct({
  neverTerminate: Schema.optionalKey(Schema.Boolean),
  keepAlive: Schema.optionalKey(Schema.Boolean)
})
export type SettingsPatch = typeof SettingsPatch.Type

/**
 * The settings a request asks for. A pinned session is kept logged in whatever keep_alive says:
 * `never_terminate: true` implies `keepAlive: true`.
 */
export const settingsPatch = (neverTerminate?: boolean, keepAlive?: boolean): SettingsPatch => ({
  ...(neverTerminate !== undefined ? { neverTerminate } : {}),
  ...(keepAlive !== undefined ? { keepAlive } : {}),
  ...(neverTerminate === true ? { keepAlive: true } : {})
})

/** The message a session runs now and the phase its flow is in (null while idle). */
export const SessionActivityInfo = Schema.NullOr(Schema.Struct({
  operation: Schema.String,
  kind: Schema.Literals(["operation", "refresh", "login", "snapshot", "upkeep"]),
  /** Epoch millis when the message's work began. */
  startedAt: Schema.Number,
  phase: Schema.String,
  /** Epoch millis when the phase began. */
  phaseAt: Schema.Number
}))
export type SessionActivityInfo = typeof SessionActivityInfo.Type

/** How the session started: from its snapshot (no login) or with a login. */
export const StartOutcome = Schema.Literals(["restored", "logged_in"])
export type StartOutcome = typeof StartOutcome.Type

/** A keep-alive visit's answer; `busy` when the session had work and the visit was skipped. */
export const RefreshOutcome = Schema.Literals(["logged_in", "logged_out", "busy"])
export type RefreshOutcome = typeof RefreshOutcome.Type

/** Errors the session itself adds to whatever an operation can fail with. */
export const SessionFailure = Schema.Union([BrowserCrashed, SessionExpired, SessionNotFound, OperationTimedOut, PortalUnavailable, PoolExhausted])
export type SessionFailure = typeof SessionFailure.Type

/** What an operation may fail with before the session translates it. */
export type RawFailure = LoggedOut | BrowserError | WaitTimedOut

/**
 * What a message does while it holds the session: `operation` counts as use (LRU, `last_used`,
 * recycling); `login` shows as logging_in; the others are upkeep (refreshing).
 */
export type OperationKind = "operation" | "refresh" | "login" | "snapshot" | "upkeep"

/** One piece of page work the session runs as a message. */
export interface Operation<A, E> {
  /** Names the operation in logs and timeouts ("get_containers"). */
  readonly name: string
  readonly run: (page: PageHandle) => Effect.Effect<A, E | RawFailure, PhaseTracker>
  /** Absent means "operation". */
  readonly kind?: OperationKind
  /**
   * Whether a LoggedOut met mid-way may be answered by re-login and a second run. False for flows
   * that must never run twice (a submit).
   */
  readonly retryOnLoggedOut?: boolean
  /** Skips the logged-in check (the login itself, upkeep). */
  readonly skipLoginCheck?: boolean
}

/** An in-memory Operation (see the header: `Run` does not cross a wire). */
const LocalOperation = Schema.declare(
  (u: unknown): u is Operation<unknown, PortalError> =>
    typeof u === "object" && u !== null && "name" in u && "run" in u && typeof u.run === "function",
  { identifier: "LocalOperation" }
)

const StartError = Schema.Union([LoginFailed, CaptchaFailed, ...SessionFailure.members])

export class SessionRpcs extends RpcGroup.make(
  /** The first message: restore the snapshot the session was made from (verified), else log in. */
  Rpc.make("Start", { success: StartOutcome, error: StartError }),
  /** Waits its turn (FIFO, bounded by SESSION_QUEUE_LIMIT), runs the operation, answers its result. */
  Rpc.make("Run", { payload: { operation: LocalOperation }, success: Schema.Unknown, error: PortalError }),
  /** A keep-alive visit, only when nothing is running or queued. */
  Rpc.make("Refresh", { success: RefreshOutcome, error: SessionFailure }),
  /** Saves a snapshot now, in turn (no-op without SNAPSHOT_KEY). */
  Rpc.make("Snapshot", { error: SessionFailure }),
  /** Logs in again on the session's page, in turn; a failed login is SessionExpired. */
  Rpc.make("Relogin", { error: SessionFailure }),
  /** If idle right now: saves a snapshot and ends the session as evicted (true); else false. */
  Rpc.make("Evict", { success: Schema.Boolean }),
  /** Ends the session: nothing is admitted after it; callers holding it answer at once. */
  Rpc.make("End", { payload: { reason: EndReason }, success: Schema.Boolean }),
  /** `ping`: marks the session used now; answers the time (epoch millis). */
  Rpc.make("Touch", { success: Schema.Number }),
  Rpc.make("UpdateSettings", { payload: SettingsPatch, success: SessionSettings }),
  Rpc.make("Health", { success: SessionHealth }),
  Rpc.make("Summary", { success: SessionSummary }),
  /** What the session is doing now: its running message and phase (a read, never queued). */
  Rpc.make("Activity", { success: SessionActivityInfo }),
  /**
   * A fresh screenshot (PNG) of the session's page, taken as a message of its own: it waits for the
   * message running now, so it never shows an operation midway.
   */
  Rpc.make("Peek", { success: Schema.Uint8Array, error: SessionFailure })
) {}

export type SessionRpc = RpcGroup.Rpcs<typeof SessionRpcs>

/** How an actor answers each message of the protocol: the RPC handlers without transport options. */
export type SessionHandlers = {
  readonly [R in SessionRpc as R["_tag"]]: (payload: Rpc.Payload<R>) => Effect.Effect<Rpc.Success<R>, Rpc.Error<R>>
}
