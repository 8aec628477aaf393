/**
 * The portal login (SEED-SYSTEM §3.2): open ecp2's /login, which bounces to the identity provider;
 * fill Username and Password; get past the reCAPTCHA (trusted checkbox, token, or audio challenge);
 * wait for LOGIN to be enabled; submit; and classify the outcome strictly. Success needs positive
 * evidence: an app host with the logged-in markers and no 401 text. Everything else is one of the
 * seed's seven login error kinds — never "success" by default, which is how the seed registered
 * sessions that were not logged in (§3.2 step 9). Every wait has a deadline and watches a real page
 * signal; there are no fixed sleeps and no human-typing emulation.
 */
import { Duration, Effect, Option, Redacted, Schedule } from "effect"
import type { Credentials } from "../../domain/Credentials.ts"
import { CaptchaFailed, LoginFailed, type LoginErrorKind, PortalUnavailable } from "../../domain/Errors.ts"
import type { BrowserError, FrameHandle, PageHandle } from "../Browser.ts"
import { WaitTimedOut } from "../Browser.ts"
import type { CaptchaSolverShape } from "../CaptchaSolver.ts"
import type { CaptchaStrategy, PortalUrls } from "../PortalConfig.ts"
import { contactFailed, contactOk, reportContact, targetOfHost } from "../PortalHealth.ts"
import { Login, Paths, Session } from "../PortalSelectors.ts"
import { appHosts, classify, facts, failedTarget, gotoReported, isNetworkFailure, SESSION_MARKERS, settled } from "./PageState.ts"
import { bestEffort, setPhase } from "./Phase.ts"

/** How the captcha was passed, as the seed reported it (`recaptcha_method`). */
export type CaptchaMethod = "not_present" | "trusted" | "token" | "audio_challenge" | "existing_session"

export interface LoginDeps {
  readonly urls: PortalUrls
  readonly solver: CaptchaSolverShape
  readonly strategy: CaptchaStrategy
  readonly defaultApiKey: Option.Option<Redacted.Redacted<string>>
}

export interface LoginOutcome {
  readonly method: CaptchaMethod
}

const PAGE_TIMEOUT = Duration.seconds(30)
const WIDGET_TIMEOUT = Duration.seconds(15)
const BUTTON_TIMEOUT = Duration.seconds(10)
const OUTCOME_TIMEOUT = Duration.seconds(45)
const AUDIO_ATTEMPTS = 3

const fail = (reason: LoginErrorKind, detail: string) => new LoginFailed({ reason, detail })

/**
 * The portal failing at login (5xx, no answer in time, unreachable): PortalUnavailable (502,
 * retryable), never LoginFailed — it says nothing about the credentials.
 */
const unavailable = (detail: string, httpStatus?: number) =>
  new PortalUnavailable({ detail, phase: "login", ...(httpStatus !== undefined ? { httpStatus } : {}) })

/** "the portal's identity host", or "the portal" when the host is not one of the configured ones. */
const hostLabel = (target: string | undefined) => (target === undefined ? "the portal" : `the portal's ${target} host`)

/** Chrome's network error code ("net::ERR_CONNECTION_REFUSED at …" → "ERR_CONNECTION_REFUSED"). */
const netCode = (e: BrowserError) => /net::(ERR_[A-Z_]+)/.exec(e.detail)?.[1] ?? "network error"

/** Browser failures later in the login: the network (an outage), else the page did not behave. */
const browserFailure = (e: BrowserError): LoginFailed | PortalUnavailable =>
  isNetworkFailure(e) ? unavailable(`the portal could not be reached during login (${netCode(e)})`) : fail("page_load_error", e.detail)

/** The host Chrome's network error page stands in for ("chrome-error://chromewebdata/"). */
const CHROME_ERROR_HOST = "chromewebdata"

// ---------------------------------------------------------------------------------------------
// The reCAPTCHA frames' own documents (another site: no page runtime there, so each function is
// whole). The login page itself is read through the page runtime (`../page/LoginRuntime.ts`).

const present = (selector: string) => document.querySelector(selector) !== null

const firstMatch = (selector: string) => document.querySelector(selector)

/** In the challenge frame: the audio challenge's source, or that audio is refused. */
const audioState = (source: string, link: string, unavailable: string): string | null => {
  const blocked = document.querySelector(unavailable)
  if (blocked !== null && (blocked as HTMLElement).offsetParent !== null) return "unavailable"
  const audio = document.querySelector(source) as HTMLAudioElement | null
  if (audio !== null && audio.src) return audio.src
  const a = document.querySelector(link) as HTMLAnchorElement | null
  return a !== null && a.href ? a.href : null
}

/** Downloads the audio through the frame itself (same origin, same proxy as the browser). */
const fetchAudioBase64 = async (src: string): Promise<string> => {
  const response = await fetch(src, { credentials: "include" })
  const bytes = new Uint8Array(await response.arrayBuffer())
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

const audioErrorShown = (selector: string) => {
  const el = document.querySelector(selector) as HTMLElement | null
  return el !== null && el.offsetParent !== null && (el.textContent ?? "").trim() !== "" ? "error" : null
}

// ---------------------------------------------------------------------------------------------

/** How long puppeteer may take to see a frame once its element is in the page. */
const FRAME_ATTACH_TIMEOUT = Duration.seconds(5)

const frameFor = (page: PageHandle, urlPart: string, what: string) =>
  page.until(what, { timeout: WIDGET_TIMEOUT, polling: 50 }, "frameAttached", urlPart).pipe(
    // The element exists before its document is attached; wait until puppeteer sees the frame.
    Effect.andThen(
      page.frames(urlPart).pipe(
        Effect.map((frames) => frames.find((f) => f.url().includes(urlPart))),
        Effect.repeat({ until: (f) => f !== undefined, schedule: Schedule.spaced("25 millis") }),
        Effect.timeoutOption(FRAME_ATTACH_TIMEOUT),
        Effect.flatMap((found): Effect.Effect<FrameHandle, WaitTimedOut> =>
          Option.isSome(found) && found.value !== undefined
            ? Effect.succeed(found.value)
            : Effect.fail(new WaitTimedOut({ what, timeoutMillis: Duration.toMillis(FRAME_ATTACH_TIMEOUT) })))
      )
    )
  )

const waitSubmitEnabled = (page: PageHandle, timeout: Duration.Duration) =>
  page.until("LOGIN enabled", { timeout, polling: 50 }, "submitEnabled", Login.submit)

const tokenStrategy = (page: PageHandle, deps: LoginDeps, apiKey: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    yield* setPhase("login:captcha-token")
    const siteKey = yield* page.call("siteKeyOf", Login.siteKeyHolder, Login.anchorFrameUrl)
    if (siteKey === null) return yield* fail("recaptcha_failed", "reCAPTCHA site key not found")
    const here = new URL(page.url())
    const token = yield* deps.solver.solveRecaptcha({ siteKey, pageUrl: `${here.origin}${here.pathname}`, apiKey })
    yield* page.call("applyToken", Login.tokenField, Login.siteKeyHolder, Redacted.value(token))
    yield* waitSubmitEnabled(page, Duration.seconds(5)).pipe(
      Effect.catchTag("WaitTimedOut", () => fail("recaptcha_failed", "the token did not enable LOGIN"))
    )
    return "token" as const
  })

const audioStrategy = (page: PageHandle, deps: LoginDeps, apiKey: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    yield* setPhase("login:captcha-audio")
    const challenge: FrameHandle = yield* frameFor(page, Login.challengeFrameUrl, "reCAPTCHA challenge frame")
    yield* challenge.waitFor("audio button", present, { timeout: WIDGET_TIMEOUT, polling: 50 }, Login.audioButton)
    yield* challenge.clickElement("audio button", firstMatch, Login.audioButton)
    for (let attempt = 1; attempt <= AUDIO_ATTEMPTS; attempt++) {
      const src = yield* challenge.waitFor(
        "audio challenge",
        audioState,
        { timeout: WIDGET_TIMEOUT, polling: 50 },
        Login.audioSource,
        Login.audioLink,
        Login.audioUnavailable
      )
      if (src === "unavailable") {
        return yield* fail("recaptcha_failed", "reCAPTCHA refused an audio challenge (automated queries)")
      }
      const audio = Buffer.from(yield* challenge.evaluate(fetchAudioBase64, src), "base64")
      const text = yield* deps.solver.solveAudio({ audio: new Uint8Array(audio), apiKey })
      yield* challenge.typeIntoElement("audio answer", text.trim(), { clear: true }, firstMatch, Login.audioResponse)
      yield* challenge.clickElement("verify", firstMatch, Login.verifyButton)
      // Either LOGIN becomes enabled (accepted), or the challenge shows an error and a new audio.
      const verdict = yield* Effect.raceFirst(
        waitSubmitEnabled(page, Duration.seconds(15)).pipe(Effect.as("accepted" as const)),
        challenge.waitFor("audio verdict", audioErrorShown, { timeout: Duration.seconds(15), polling: 50 }, Login.audioError).pipe(
          Effect.as("rejected" as const)
        )
      )
      if (verdict === "accepted") return "audio_challenge" as const
      yield* Effect.logWarning("audio answer rejected by reCAPTCHA", { attempt })
    }
    return yield* fail("recaptcha_failed", "reCAPTCHA solution not accepted")
  })

/** Errors that no other strategy can fix (the same solver key is used for both). */
const isAccountLevel = (e: unknown) => e instanceof CaptchaFailed && (e.reason === "wrong_key" || e.reason === "zero_balance")

const solveCaptcha = (page: PageHandle, credentials: Credentials, deps: LoginDeps) =>
  Effect.gen(function*() {
    yield* setPhase("login:captcha")
    const hasWidget = yield* page.call("present", Login.recaptchaFrame)
    if (!hasWidget) return "not_present" as const
    const anchor = yield* frameFor(page, Login.anchorFrameUrl, "reCAPTCHA checkbox frame")
    yield* anchor.waitFor("reCAPTCHA checkbox", present, { timeout: WIDGET_TIMEOUT, polling: 50 }, Login.anchorCheckbox)
    yield* anchor.clickElement("reCAPTCHA checkbox", firstMatch, Login.anchorCheckbox)
    const reaction = yield* page.until("reCAPTCHA reaction", { timeout: WIDGET_TIMEOUT, polling: 50 }, "captchaReaction", Login.submit, Login.challengeFrameUrl)
    if (reaction === "solved") return "trusted" as const

    const apiKey = Option.fromNullishOr(credentials.captchaApiKey).pipe(Option.orElse(() => deps.defaultApiKey))
    if (Option.isNone(apiKey)) {
      return yield* new CaptchaFailed({ reason: "wrong_key", detail: "a captcha challenge needs captcha_api_key (or CAPTCHA_API_KEY on the server)" })
    }
    const order = deps.strategy === "token" ? [tokenStrategy, audioStrategy] : [audioStrategy, tokenStrategy]
    // When every strategy fails, the configured (primary) one's error is the one to report: it is
    // what the operator chose and usually the actionable one (a slow solver, a rejected token).
    let primary: LoginFailed | CaptchaFailed | BrowserError | WaitTimedOut | undefined
    for (const strategy of order) {
      const result = yield* Effect.result(strategy(page, deps, apiKey.value))
      if (result._tag === "Success") return result.success
      const failure = result.failure
      primary ??= failure
      if (isAccountLevel(failure)) return yield* Effect.fail(failure)
      yield* Effect.logWarning("captcha strategy failed", {
        error: failure._tag,
        reason: "reason" in failure ? failure.reason : undefined
      })
    }
    return yield* Effect.fail(primary ?? fail("recaptcha_failed", "no captcha strategy succeeded"))
  })

const PROMPTS = { containers: Session.promptContainers, buttons: Session.promptButtons, texts: Session.promptButtonTexts }

/** Closes first-run prompts ("Got it", "Continue"…) by clicking them — never by deleting DOM. */
const dismissPrompts = (page: PageHandle) =>
  Effect.gen(function*() {
    for (let i = 0; i < 3; i++) {
      const clicked = yield* page.click("first-run prompt", "promptButton", PROMPTS)
      if (!clicked) return
      yield* page.until("prompt closed", { timeout: Duration.seconds(5), polling: 50 }, "promptsClosed", PROMPTS).pipe(
        bestEffort("login:app-ready", "a first-run prompt to close")
      )
    }
  })

/**
 * Logs `credentials` in on `page`. Fails with LoginFailed (the seed's kinds: rejected credentials or
 * captcha, a geo-block, a page that did not behave), CaptchaFailed (the solver: key, balance, down)
 * or PortalUnavailable (the portal failing or unreachable: 5xx, no answer in time, network errors).
 * Every navigation's outcome is reported to PortalHealth (when the fiber has it).
 */
export const login = (
  page: PageHandle,
  credentials: Credentials,
  deps: LoginDeps
): Effect.Effect<LoginOutcome, LoginFailed | CaptchaFailed | PortalUnavailable> =>
  Effect.gen(function*() {
    yield* setPhase("login:open")
    const entry = new URL(Paths.login, deps.urls.ecp2).href
    const nav = yield* gotoReported(page, deps.urls, entry, { timeout: PAGE_TIMEOUT }).pipe(
      Effect.catchTag("WaitTimedOut", (e) =>
        Effect.fail(unavailable(`${hostLabel(failedTarget(deps.urls, entry, e))} did not answer within ${Duration.format(PAGE_TIMEOUT)} at login`))),
      Effect.catchTag("BrowserError", (e): Effect.Effect<never, BrowserError | PortalUnavailable> =>
        isNetworkFailure(e)
          ? Effect.fail(unavailable(`${hostLabel(failedTarget(deps.urls, entry, e))} could not be reached at login (${netCode(e)})`))
          : Effect.fail(e))
    )
    const before = yield* facts(page)
    if (nav.status === 403 || new RegExp(Login.forbiddenTitle, "i").test(before.title)) {
      return yield* fail("vpn_required", "Geographic restriction detected. VPN to US required.")
    }
    if (nav.status !== null && nav.status >= 500) {
      const target = targetOfHost(URL.parse(nav.url)?.host ?? "", deps.urls)
      return yield* unavailable(`${hostLabel(target)} answered HTTP ${nav.status} at login`, nav.status)
    }
    // A still-valid identity session signs straight back in (silent SSO): nothing to type.
    if (classify(before, deps.urls) === "logged_in") return { method: "existing_session" as const }

    yield* page.until("login form", { timeout: PAGE_TIMEOUT, polling: 50 }, "present", Login.username).pipe(
      Effect.catchTag("WaitTimedOut", () => Effect.fail(fail("page_load_error", "Login form fields not found. Page may have changed.")))
    )
    yield* page.until("password field", { timeout: Duration.seconds(5), polling: 50 }, "present", Login.password).pipe(
      Effect.catchTag("WaitTimedOut", () => Effect.fail(fail("page_load_error", "Login form fields not found. Page may have changed.")))
    )
    yield* setPhase("login:credentials")
    yield* page.type("Username", credentials.username, { clear: true }, "firstMatch", Login.username)
    yield* page.type("Password", Redacted.value(credentials.password), { clear: true }, "firstMatch", Login.password)

    const method = yield* solveCaptcha(page, credentials, deps).pipe(
      Effect.catchTag("WaitTimedOut", (e) => Effect.fail(fail("recaptcha_failed", `reCAPTCHA did not respond (${e.what})`)))
    )

    yield* setPhase("login:submit")
    yield* waitSubmitEnabled(page, BUTTON_TIMEOUT).pipe(
      Effect.catchTag("WaitTimedOut", () => Effect.fail(fail("login_button_not_found", "LOGIN button still disabled after reCAPTCHA")))
    )
    yield* page.click("LOGIN", "firstMatch", Login.submit)

    const outcome = yield* page.until(
      "login outcome",
      { timeout: OUTCOME_TIMEOUT, polling: 100 },
      "loginOutcome",
      SESSION_MARKERS,
      appHosts(deps.urls),
      Login.invalidCredentialTexts,
      Login.captchaRejectedTexts
    ).pipe(Effect.catchTag("WaitTimedOut", () => Effect.succeed("timeout" as const)))

    // The identity host answered the LOGIN (whatever it said), and the app host if we landed there.
    const landedOn = targetOfHost(URL.parse(page.url())?.host ?? "", deps.urls)
    switch (outcome) {
      case "app":
        yield* reportContact("identity", contactOk)
        if (landedOn !== undefined && landedOn !== "identity") yield* reportContact(landedOn, contactOk)
        break
      case "invalid_credentials":
        yield* reportContact("identity", contactOk)
        return yield* fail("invalid_credentials", "Invalid username or password")
      case "captcha_rejected":
        yield* reportContact("identity", contactOk)
        return yield* fail("recaptcha_failed", "The portal rejected the reCAPTCHA answer")
      case "forbidden":
        if (landedOn !== undefined) yield* reportContact(landedOn, contactFailed("forbidden", 403))
        return yield* fail("vpn_required", "Geographic restriction detected. VPN to US required.")
      case "unauthorized":
        return yield* fail("unknown_error", "The portal showed its 401 page right after login")
      default: {
        const f = yield* facts(page)
        // Chrome's own error page: the portal stopped answering after LOGIN (not the credentials).
        if (f.host === CHROME_ERROR_HOST) return yield* unavailable("the portal could not be reached after LOGIN")
        return yield* fail("unknown_error", `Uncertain login result on ${f.host}${f.path} (${f.title})`)
      }
    }

    yield* setPhase("login:app-ready")
    yield* settled(page, deps.urls, "app ready after login", PAGE_TIMEOUT).pipe(bestEffort("login:app-ready", "the app to be ready after login"))
    yield* dismissPrompts(page)
    return { method }
  }).pipe(Effect.catchTag("BrowserError", (e) => Effect.fail(browserFailure(e))))
