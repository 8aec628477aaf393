/**
 * The page side of "where is this page and is it logged in" (SEED-SYSTEM §2.5, §2.6): the facts
 * read in one round trip, the verdict a navigation waits for, and the outcome of a LOGIN click.
 * Success needs positive evidence — an app host with the toolbar or user button, no 401 text.
 * Part of the page runtime (`./PageRuntime.ts`): runs inside Chrome.
 */
import type { DomRuntime } from "./DomRuntime.ts"

/** The markers of the portal's pages, from `Session` and `Login` in PortalSelectors. */
export type SessionMarkers = {
  /** The 401 page's sentences (lower-cased). */
  readonly unauthorizedTexts: ReadonlyArray<string>
  readonly toolbar: string
  readonly userButton: string
  /** The login form's username field. */
  readonly loginUsername: string
  /** A geo-block's title, as a case-insensitive regex. */
  readonly forbiddenTitle: string
}

export interface PageFacts {
  readonly host: string
  readonly path: string
  readonly title: string
  readonly unauthorized: boolean
  readonly loggedInMarkers: boolean
  readonly loginForm: boolean
  readonly angularStable: boolean
  readonly readyState: string
}

export type SettledVerdict = "ready" | "logged_out" | "forbidden"

export type LoginOutcome = "app" | "invalid_credentials" | "captcha_rejected" | "forbidden" | "unauthorized"

export const sessionRuntime = (dom: DomRuntime) => {
  const unauthorized = (m: SessionMarkers) => {
    const text = dom.pageText()
    return m.unauthorizedTexts.some((t) => text.includes(t))
  }
  const loggedInMarkers = (m: SessionMarkers) => document.querySelector(m.toolbar) !== null || document.querySelector(m.userButton) !== null
  const forbidden = (m: SessionMarkers) => new RegExp(m.forbiddenTitle, "i").test(document.title)

  return {
    /** The facts above, read in one round trip. */
    pageFacts(m: SessionMarkers): PageFacts {
      return {
        host: location.host,
        path: location.pathname,
        title: document.title,
        unauthorized: unauthorized(m),
        loggedInMarkers: loggedInMarkers(m),
        loginForm: document.querySelector(m.loginUsername) !== null,
        angularStable: !dom.angularBusy(),
        readyState: document.readyState
      }
    },

    /**
     * For waits after a navigation: a verdict once the page settles as a ready app page (on one of
     * `hosts`, Angular stable), a 401 or login page, or a 403; null while it is getting there.
     */
    settledVerdict(m: SessionMarkers, hosts: ReadonlyArray<string>, identityHost: string): SettledVerdict | null {
      if (document.readyState === "loading") return null
      if (forbidden(m)) return "forbidden"
      if (unauthorized(m)) return "logged_out"
      if (document.querySelector(m.loginUsername) !== null || location.host === identityHost) return "logged_out"
      if (!hosts.includes(location.host) || !loggedInMarkers(m)) return null
      return dom.angularBusy() ? null : "ready"
    },

    /**
     * After LOGIN: an app page, the login page with a reason (`invalidTexts`, `captchaTexts`), a 403,
     * the 401 page on an app host — or null while none of them shows yet.
     */
    loginOutcome(
      m: SessionMarkers,
      hosts: ReadonlyArray<string>,
      invalidTexts: ReadonlyArray<string>,
      captchaTexts: ReadonlyArray<string>
    ): LoginOutcome | null {
      if (document.readyState === "loading") return null
      if (forbidden(m)) return "forbidden"
      const text = dom.pageText()
      if (document.querySelector(m.loginUsername) !== null) {
        if (invalidTexts.some((t) => text.includes(t))) return "invalid_credentials"
        if (captchaTexts.some((t) => text.includes(t))) return "captcha_rejected"
        return null
      }
      if (hosts.includes(location.host)) {
        if (unauthorized(m)) return "unauthorized"
        if (loggedInMarkers(m)) return "app"
      }
      return null
    }
  }
}

export type SessionRuntime = ReturnType<typeof sessionRuntime>
