/**
 * How a session's failures reach its callers. Page work fails with internal errors (a puppeteer
 * call, a wait past its deadline, a page that shows the login form); the session turns each into
 * the domain error a client understands, carrying the session's id. A call that failed because the
 * page or Chrome died is the crash, never a portal failure. Callers of a session that has ended get
 * BrowserCrashed after a crash and SessionNotFound after any other end.
 */
import { Effect, Ref } from "effect"
import {
  BrowserCrashed,
  isPortalError,
  OperationTimedOut,
  PortalUnavailable,
  SessionExpired,
  SessionNotFound,
  withContext
} from "../../domain/Errors.ts"
import type { SessionId } from "../../domain/Ids.ts"
import { BrowserError, WaitTimedOut } from "../Browser.ts"
import { LoggedOut } from "../portal/PageState.ts"
import type { EndReason, RawFailure, SessionFailure } from "./SessionProtocol.ts"

/** Short, non-secret reference for logs: enough to correlate, useless as a bearer token. */
export const sessionRef = (id: string): string => id.slice(0, 12)

/** What a caller of an ended session gets: BrowserCrashed when its Chrome stopped, SessionNotFound otherwise. */
export const endedError = (sessionId: SessionId, reason: EndReason | undefined): BrowserCrashed | SessionNotFound =>
  reason === "crashed"
    ? new BrowserCrashed({ sessionId, detail: "the session's Chrome stopped" })
    : new SessionNotFound({ sessionId })

const SESSION_ERRORS: ReadonlySet<string> = new Set(["BrowserCrashed", "SessionExpired", "OperationTimedOut", "PortalUnavailable", "PortalChanged"])

/** Errors that say the browser or portal session is in trouble (they count towards retirement). */
export const countsAsSessionError = (e: unknown): boolean => isPortalError(e) && SESSION_ERRORS.has(e._tag)

export interface TranslateContext {
  readonly sessionId: SessionId
  /** Whether the session's Chrome or page is gone (disconnected, or the session ended crashed). */
  readonly chromeGone: Effect.Effect<boolean>
}

/**
 * Turns the failure of a message's work into a domain error carrying the session's id. A failed
 * first login never had a session to speak of: with `stamp` false, its errors carry no id.
 */
export const translate = <E>(context: TranslateContext, operation: string, phase: Ref.Ref<string>, stamp: boolean) =>
(e: E | RawFailure): Effect.Effect<never, E | SessionFailure> =>
  Effect.gen(function*() {
    const { sessionId } = context
    if (e instanceof BrowserError) {
      if (e.disconnected || (yield* context.chromeGone)) return yield* new BrowserCrashed({ sessionId, detail: e.detail })
      const at = yield* Ref.get(phase)
      return yield* new PortalUnavailable({ sessionId, detail: `the browser failed during ${at}`, phase: at })
    }
    if (e instanceof WaitTimedOut) {
      return yield* new OperationTimedOut({ sessionId, operation, phase: e.what, timeoutMillis: e.timeoutMillis })
    }
    if (e instanceof LoggedOut) return yield* new SessionExpired({ sessionId, detail: e.detail })
    return yield* Effect.fail(stamp && isPortalError(e) ? withContext(e, { sessionId }) : e)
  })
