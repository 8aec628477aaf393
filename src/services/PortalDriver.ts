/**
 * PortalDriver knows how to drive the E-Modal portal on a page: log in, tell whether the page is
 * still logged in, refresh a session on the keep-alive page — and, as the operations land, the
 * business flows. It holds no state of its own: a page comes in, typed results or typed errors go
 * out. The flows live in `./portal/` (one module per area, so the file stays readable); every
 * selector they use comes from `PortalSelectors`. `layerTest` is an in-memory portal with fault
 * switches so the pool and the actor can be tested without Chrome.
 */
import { Context, Duration, Effect, Layer, Redacted, Ref } from "effect"
import type { Credentials } from "../domain/Credentials.ts"
import { CaptchaFailed, LoginFailed, type LoginErrorKind, PortalUnavailable } from "../domain/Errors.ts"
import type { BrowserError, PageHandle } from "./Browser.ts"
import type { WaitTimedOut } from "./Browser.ts"
import { CaptchaSolver } from "./CaptchaSolver.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalHealth } from "./PortalHealth.ts"
import { Paths } from "./PortalSelectors.ts"
import { login, type LoginOutcome } from "./portal/Login.ts"
import { openApp, probe, type LoginState } from "./portal/PageState.ts"
import { setPhase } from "./portal/Phase.ts"

export type RefreshVerdict = "logged_in" | "logged_out"

export interface PortalDriverShape {
  /**
   * Logs in on `page` (SEED-SYSTEM §3.2), strictly classifying failures: rejected credentials or
   * captcha (LoginFailed), the solver (CaptchaFailed), the portal failing (PortalUnavailable).
   */
  readonly login: (page: PageHandle, credentials: Credentials) => Effect.Effect<LoginOutcome, LoginFailed | CaptchaFailed | PortalUnavailable>
  /** The login state of what the page shows now: one round trip, no navigation. */
  readonly probe: (page: PageHandle) => Effect.Effect<LoginState, BrowserError>
  /** Visits the keep-alive page and confirms the logged-in markers (§2.6). */
  readonly refresh: (page: PageHandle) => Effect.Effect<RefreshVerdict, PortalUnavailable | BrowserError | WaitTimedOut>
}

const REFRESH_TIMEOUT = Duration.seconds(30)

export class PortalDriver extends Context.Service<PortalDriver, PortalDriverShape>()("emodal-api/services/PortalDriver") {
  static readonly layer: Layer.Layer<PortalDriver, never, PortalConfig | CaptchaSolver | PortalHealth> = Layer.effect(
    PortalDriver,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const solver = yield* CaptchaSolver
      const health = yield* PortalHealth
      const urls = config.portal
      const loginDeps = {
        urls,
        solver,
        strategy: config.captchaStrategy,
        defaultApiKey: config.captchaApiKey
      }

      const refresh = Effect.fn("PortalDriver.refresh")(function*(page: PageHandle) {
        yield* setPhase("refresh:keep-alive")
        return yield* openApp(page, new URL(Paths.keepAlive, urls.termops).href, urls, {
          timeout: REFRESH_TIMEOUT,
          what: "keep-alive page"
        }).pipe(
          Effect.as<RefreshVerdict>("logged_in"),
          Effect.catchTag("LoggedOut", () => Effect.succeed<RefreshVerdict>("logged_out"))
        )
      })

      const loginReported = (page: PageHandle, credentials: Credentials) =>
        login(page, credentials, loginDeps).pipe(
          Effect.tapError((e) =>
            e._tag === "PortalUnavailable"
              ? Effect.logWarning("portal unavailable at login", { detail: e.detail, httpStatus: e.httpStatus })
              : Effect.void
          ),
          // The flows report each contact with the portal's hosts to PortalHealth.
          Effect.provideService(PortalHealth, health)
        )

      return PortalDriver.of({
        login: loginReported,
        probe: (page) => probe(page, urls),
        refresh: (page) => refresh(page).pipe(Effect.provideService(PortalHealth, health))
      })
    })
  )

  /**
   * An in-memory portal: logins succeed unless the password is "wrong" (or a fault says
   * otherwise), pages are never touched. `FakePortal` exposes the counters and switches.
   */
  static readonly layerTest: Layer.Layer<PortalDriver | FakePortal> = Layer.effectContext(
    Effect.gen(function*() {
      const state = yield* Ref.make<FakePortalState>(initialFakeState)
      const bump = (username: string) =>
        Ref.update(state, (s) => ({ ...s, logins: { ...s.logins, [username]: (s.logins[username] ?? 0) + 1 } }))

      const driver = PortalDriver.of({
        login: (_page, credentials) =>
          Effect.gen(function*() {
            yield* Ref.update(state, (st) => ({ ...st, loginsStarted: st.loginsStarted + 1 }))
            const s = yield* Ref.get(state)
            yield* setPhase("login:fake")
            if (Duration.toMillis(s.loginLatency) > 0) yield* Effect.sleep(s.loginLatency)
            if (s.loginFailure !== undefined) return yield* new LoginFailed({ reason: s.loginFailure, detail: "fake portal" })
            if (Redacted.value(credentials.password) === "wrong") {
              return yield* new LoginFailed({ reason: "invalid_credentials", detail: "Invalid username or password" })
            }
            yield* bump(credentials.username)
            yield* Ref.update(state, (st) => ({ ...st, loggedOut: false }))
            return { method: "trusted" as const }
          }),
        probe: () => Ref.get(state).pipe(Effect.map((s) => (s.loggedOut ? "logged_out" : "logged_in"))),
        refresh: () =>
          Effect.gen(function*() {
            yield* Ref.update(state, (s) => ({ ...s, refreshes: s.refreshes + 1 }))
            const s = yield* Ref.get(state)
            if (s.refreshFails) return "logged_out" as const
            return s.loggedOut ? "logged_out" as const : "logged_in" as const
          })
      })
      const fake: FakePortalShape = {
        state: Ref.get(state),
        update: (f) => Ref.update(state, f)
      }
      return Context.make(PortalDriver, driver).pipe(Context.add(FakePortal, fake))
    })
  )
}

// ---------------------------------------------------------------------------------------------
// The fake portal's controls (tests only)

export interface FakePortalState {
  /** Completed logins per username. */
  readonly logins: Readonly<Record<string, number>>
  /** Logins begun (a test waits on this before moving the TestClock past a login's latency). */
  readonly loginsStarted: number
  readonly refreshes: number
  readonly loginLatency: Duration.Duration
  readonly loginFailure: LoginErrorKind | undefined
  /** The portal logged every session out (probe and refresh say logged_out until a login). */
  readonly loggedOut: boolean
  readonly refreshFails: boolean
}

const initialFakeState: FakePortalState = {
  logins: {},
  loginsStarted: 0,
  refreshes: 0,
  loginLatency: Duration.zero,
  loginFailure: undefined,
  loggedOut: false,
  refreshFails: false
}

export interface FakePortalShape {
  readonly state: Effect.Effect<FakePortalState>
  readonly update: (f: (s: FakePortalState) => FakePortalState) => Effect.Effect<void>
}

export class FakePortal extends Context.Service<FakePortal, FakePortalShape>()("emodal-api/services/PortalDriver/FakePortal") {}
