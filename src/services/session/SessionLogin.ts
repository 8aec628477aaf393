/**
 * Keeping a session logged in: the first login or the restore of a snapshot (verified on the
 * keep-alive page), the cheap logged-in check each operation starts with, and the one re-login a
 * logged-out session gets before it gives up with SessionExpired. All of it runs inside messages,
 * so concurrent callers of one session never start a second login: the session's permit is the
 * single-flight path for an existing session.
 */
import { Cause, Effect, Exit, Option, Ref } from "effect"
import type { Credentials } from "../../domain/Credentials.ts"
import { type CaptchaFailed, type LoginFailed, type PortalUnavailable, SessionExpired, withContext } from "../../domain/Errors.ts"
import type { SessionId } from "../../domain/Ids.ts"
import type { BrowserError, PageHandle } from "../Browser.ts"
import { LoggedOut } from "../portal/PageState.ts"
import { PhaseTracker } from "../portal/Phase.ts"
import * as Snapshot from "../portal/Snapshot.ts"
import type { PortalDriverShape } from "../PortalDriver.ts"
import type { SnapshotData } from "../SessionSnapshots.ts"
import { timed } from "../metrics/MetricCatalog.ts"
import { translate, type TranslateContext } from "./SessionFailures.ts"
import type { Operation, SessionFailure, StartOutcome } from "./SessionProtocol.ts"

export interface SessionLoginParams {
  readonly sessionId: SessionId
  readonly credentials: Credentials
  readonly driver: PortalDriverShape
  /** The session's current page (it changes when the session recycles its Chrome). */
  readonly page: () => PageHandle
  /** Records a successful login in the session's health. */
  readonly loggedIn: Effect.Effect<void>
  /** Hears each login attempt: how long it took and how it ended (ok, or the failure's kind). */
  readonly loginTimed?: ((seconds: number, outcome: string) => Effect.Effect<void>) | undefined
  readonly failures: TranslateContext
}

export interface SessionLogin {
  /** Restores `from` (verified) or, without it or when it no longer holds, logs in. */
  readonly start: (from: SnapshotData | undefined) => Effect.Effect<StartOutcome, LoginFailed | CaptchaFailed | PortalUnavailable | BrowserError>
  /** Logs in again; a failure is SessionExpired (a portal outage stays PortalUnavailable). */
  readonly relogin: Effect.Effect<void, SessionExpired | PortalUnavailable>
  /** An operation's page work: the logged-in check first, one re-login on LoggedOut, errors translated. */
  readonly execute: <A, E>(op: Operation<A, E>, phase: Ref.Ref<string>) => Effect.Effect<A, E | SessionFailure>
}

/** A login attempt's outcome as the metrics name it: ok, the login or captcha error kind, or what stopped it. */
export const loginOutcome = (exit: Exit.Exit<unknown, LoginFailed | CaptchaFailed | PortalUnavailable | BrowserError>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const error = Exit.findErrorOption(exit)
  if (Option.isNone(error)) return Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "defect"
  const e = error.value
  return e._tag === "LoginFailed" ? e.reason : e._tag === "CaptchaFailed" ? `captcha_${e.reason}` : e._tag === "PortalUnavailable" ? "portal_unavailable" : "browser_error"
}

export const make = (params: SessionLoginParams): SessionLogin => {
  const { driver, credentials, sessionId } = params

  const login = timed(
    Effect.suspend(() => driver.login(params.page(), credentials)).pipe(Effect.tap(() => params.loggedIn)),
    (seconds, exit) => params.loginTimed === undefined ? Effect.void : params.loginTimed(seconds, loginOutcome(exit))
  )

  const relogin = Effect.gen(function*() {
    yield* Effect.logWarning("portal session logged out; logging in again")
    yield* login.pipe(
      Effect.mapError((e) =>
        e._tag === "PortalUnavailable"
          ? withContext(e, { sessionId })
          : new SessionExpired({ sessionId, detail: `re-login failed: ${e.reason}` })
      )
    )
  })

  const ensureLoggedIn = Effect.gen(function*() {
    const verdict = yield* driver.probe(params.page()).pipe(
      Effect.catch((e) => Effect.logDebug("login probe failed; assuming logged in", { phase: "session:probe", detail: e.detail }).pipe(Effect.as("unknown" as const)))
    )
    if (verdict === "logged_out") yield* relogin
  })

  /** Puts the snapshot into the page and asks the keep-alive page whether it still holds. */
  const restore = (from: SnapshotData) =>
    Effect.gen(function*() {
      yield* Snapshot.apply(params.page(), { cookies: from.cookies, storage: from.storage })
      const verdict = yield* driver.refresh(params.page()).pipe(
        Effect.catch((e) => Effect.logDebug("restored session could not be verified", { phase: "session:restore", error: e._tag }).pipe(Effect.as("logged_out" as const)))
      )
      return verdict === "logged_in"
    })

  const start = (from: SnapshotData | undefined) =>
    Effect.gen(function*() {
      if (from !== undefined) {
        if (yield* restore(from)) {
          yield* Effect.logInfo("session restored from its snapshot (no login)")
          return "restored" as const
        }
        yield* Effect.logInfo("snapshot no longer logged in; logging in")
      }
      yield* login
      return "logged_in" as const
    })

  const execute = <A, E>(op: Operation<A, E>, phase: Ref.Ref<string>): Effect.Effect<A, E | SessionFailure> => {
    const attempt = Effect.suspend(() => op.run(params.page()))
    return Effect.gen(function*() {
      if (op.skipLoginCheck !== true) yield* ensureLoggedIn
      return yield* attempt.pipe(
        Effect.catchIf(
          (e): e is LoggedOut => e instanceof LoggedOut && op.retryOnLoggedOut !== false,
          () => relogin.pipe(Effect.andThen(attempt))
        )
      )
    }).pipe(
      Effect.provideService(PhaseTracker, phase),
      Effect.catch(translate<E | SessionExpired | PortalUnavailable>(params.failures, op.name, phase, op.name !== "login"))
    )
  }

  return { start, relogin, execute }
}
