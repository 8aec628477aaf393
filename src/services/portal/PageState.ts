/**
 * Reading where a page is and whether it is logged in, without navigating (SEED-SYSTEM §2.5, §2.6),
 * and opening an app page with a strict verdict. Success needs positive evidence — an app host, the
 * toolbar or user button, no 401 text — unlike the seed's checks, which treated an unreadable page
 * or any URL without "login" as healthy.
 */
import { Clock, Data, Duration, Effect } from "effect"
import { PortalUnavailable } from "../../domain/Errors.ts"
import type { PortalTarget } from "../../domain/Health.ts"
import type { BrowserError, NavigationResult, PageHandle, WaitTimedOut } from "../Browser.ts"
import type { PageFacts, SessionMarkers } from "../page/SessionRuntime.ts"
import type { PortalUrls } from "../PortalConfig.ts"
import { contactFailed, contactOk, type ContactOutcome, reportContact, targetOfHost } from "../PortalHealth.ts"
import { Login, Session } from "../PortalSelectors.ts"
import type { AppPage } from "./Phase.ts"

/** The portal logged this session out (401 page, or bounced to the login page). Internal. */
export class LoggedOut extends Data.TaggedError("LoggedOut")<{ readonly detail: string }> {}

export type { PageFacts } from "../page/SessionRuntime.ts"

/** The markers of the portal's pages that the page runtime's session checks read. */
export const SESSION_MARKERS: SessionMarkers = {
  unauthorizedTexts: Session.unauthorizedTexts,
  toolbar: Session.toolbar,
  userButton: Session.userButton,
  loginUsername: Login.username,
  forbiddenTitle: Login.forbiddenTitle
}

export type LoginState = "logged_in" | "logged_out" | "unknown"

export const appHosts = (urls: PortalUrls): ReadonlyArray<string> => [urls.ecp2.host, urls.termops.host, urls.truckerportal.host]

export const classify = (facts: PageFacts, urls: PortalUrls): LoginState => {
  if (facts.unauthorized) return "logged_out"
  if (facts.loginForm || facts.host === urls.identity.host) return "logged_out"
  if (appHosts(urls).includes(facts.host) && facts.loggedInMarkers) return "logged_in"
  return "unknown"
}

/** The page's facts, read in one round trip. */
export const facts = (page: PageHandle): Effect.Effect<PageFacts, BrowserError> => page.call("pageFacts", SESSION_MARKERS)

/** The login state of whatever the page shows now: one round trip, no navigation. */
export const probe = (page: PageHandle, urls: PortalUrls): Effect.Effect<LoginState, BrowserError> =>
  Effect.map(facts(page), (f) => classify(f, urls))

/**
 * Why something the flow expected went away: LoggedOut (with `loggedOutDetail`) when the page
 * shows the login or 401 page now — the session actor then logs in again — else `otherwise`.
 */
export const failLoggedOutOr = <E>(
  page: PageHandle,
  urls: PortalUrls,
  loggedOutDetail: string,
  otherwise: E
): Effect.Effect<never, LoggedOut | E | BrowserError> =>
  Effect.flatMap(probe(page, urls), (state) => Effect.fail(state === "logged_out" ? new LoggedOut({ detail: loggedOutDetail }) : otherwise))

/** Waits until the page settles as a ready app page, a 401 or login page, or a 403. */
export const settled = (page: PageHandle, urls: PortalUrls, what: string, timeout: Duration.Duration) =>
  page.until(what, { timeout, polling: "raf" }, "settledVerdict", SESSION_MARKERS, appHosts(urls), urls.identity.host)

// ---------------------------------------------------------------------------------------------
// What a navigation says about the portal's hosts (reported to PortalHealth)

const hostOf = (url: string): string | undefined => URL.parse(url)?.host

/** A navigation that failed for the network's sake (not Chrome's own failure, not an abort). */
export const isNetworkFailure = (e: BrowserError): boolean =>
  !e.disconnected && /net::ERR_/.test(e.detail) && !/net::ERR_ABORTED/.test(e.detail)

/** The portal host (by name) a failed navigation was loading, if it is one. */
export const failedTarget = (urls: PortalUrls, requested: string, e: BrowserError | WaitTimedOut): PortalTarget | undefined =>
  targetOfHost(e.host ?? hostOf(requested) ?? "", urls)

/** How an answer counts: 5xx failed, 403 (the geo-block) failed as forbidden, anything else ok. */
const answerOutcome = (status: number | null): ContactOutcome =>
  status !== null && status >= 500 ? contactFailed("http_5xx", status) : status === 403 ? contactFailed("forbidden", 403) : contactOk

/**
 * Reports a navigation to `requested`: the host that answered last with its answer's outcome, or
 * the host being loaded when it failed (`timeout`, or `unreachable` for a network error). When a
 * redirect took it to another host, the requested host answered (with the redirect): ok. Chrome's
 * own failures (gone, aborted) say nothing about the portal and are not reported.
 */
export const reportNavigation = (
  urls: PortalUrls,
  requested: string,
  result: { readonly _tag: "answered"; readonly nav: NavigationResult } | { readonly _tag: "failed"; readonly error: BrowserError | WaitTimedOut }
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const first = targetOfHost(hostOf(requested) ?? "", urls)
    const [last, outcome] = result._tag === "answered"
      ? [targetOfHost(hostOf(result.nav.url) ?? "", urls), answerOutcome(result.nav.status)]
      : [
        failedTarget(urls, requested, result.error),
        result.error._tag === "WaitTimedOut"
          ? contactFailed("timeout")
          : isNetworkFailure(result.error) ? contactFailed("unreachable") : undefined
      ]
    if (first !== undefined && last !== undefined && first !== last) yield* reportContact(first, contactOk)
    if (last !== undefined && outcome !== undefined) yield* reportContact(last, outcome)
  })

/** `page.goto` that reports its outcome to PortalHealth (see `reportNavigation`). */
export const gotoReported = (
  page: PageHandle,
  urls: PortalUrls,
  url: string,
  options: Parameters<PageHandle["goto"]>[1]
): Effect.Effect<NavigationResult, BrowserError | WaitTimedOut> =>
  page.goto(url, options).pipe(
    Effect.tap((nav) => reportNavigation(urls, url, { _tag: "answered", nav })),
    Effect.tapError((error) => reportNavigation(urls, url, { _tag: "failed", error }))
  )

export interface OpenOptions {
  readonly timeout: Duration.Duration
  /** Names the page in errors (their phase). */
  readonly what: AppPage
}

/**
 * Navigates to an app URL and waits until it is a ready, logged-in app page. A 401 page or a
 * bounce to the login page fails with LoggedOut; a 403 or 5xx with PortalUnavailable.
 */
export const openApp = (
  page: PageHandle,
  url: string,
  urls: PortalUrls,
  options: OpenOptions
): Effect.Effect<void, LoggedOut | PortalUnavailable | BrowserError | WaitTimedOut> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const nav = yield* gotoReported(page, urls, url, { timeout: options.timeout, waitUntil: "domcontentloaded" }).pipe(
      Effect.catchTag("BrowserError", (e): Effect.Effect<never, BrowserError | PortalUnavailable> =>
        e.disconnected || !/net::ERR_/.test(e.detail)
          ? Effect.fail(e)
          : Effect.fail(new PortalUnavailable({ detail: `${options.what} could not be loaded (${e.detail.replace(/ at .*/, "")})`, phase: options.what })))
    )
    if (nav.status !== null && nav.status >= 500) {
      return yield* new PortalUnavailable({ detail: `${options.what} answered HTTP ${nav.status}`, httpStatus: nav.status, phase: options.what })
    }
    const elapsed = (yield* Clock.currentTimeMillis) - started
    const verdict = yield* settled(page, urls, options.what, Duration.max(Duration.seconds(1), Duration.subtract(options.timeout, Duration.millis(elapsed))))
    if (verdict === "logged_out") return yield* new LoggedOut({ detail: `${options.what} showed the login or 401 page` })
    if (verdict === "forbidden") {
      return yield* new PortalUnavailable({ detail: `${options.what} answered 403 Forbidden`, httpStatus: 403, phase: options.what })
    }
  })
