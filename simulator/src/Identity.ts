/**
 * The identity host: the login page and its POST, and the OIDC authorize endpoints the app hosts
 * redirect to. A successful login verifies the reCAPTCHA token server-side first (bad or reused
 * token → "The reCAPTCHA was invalid. Try again."), then the credentials ("Invalid username or
 * password"), then opens an identity session (cookie `idsrv`, no Expires, HttpOnly), counts the
 * login for the account and 302s to the ReturnUrl (`/connect/authorize/callback?…`), which 302s
 * to the app's `/signin-oidc?code=…`.
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { authorizeUrl, IDENTITY_COOKIE, liveCookieSession, signinUri } from "./AppAuth.ts"
import { randomId } from "./Crypto.ts"
import { type SimEnv, now, pageDelay } from "./Env.ts"
import { isAppHost } from "./Hosts.ts"
import { loginPage, simplePage } from "./Html/LoginPage.ts"
import { html, readParams, redirect, type SimRequest, withSessionCookie } from "./Http.ts"
import { consumeToken } from "./Recaptcha.ts"
import { recordLogin, type SimState } from "./State.ts"

export const CAPTCHA_INVALID = "The reCAPTCHA was invalid. Try again."
export const INVALID_CREDENTIALS = "Invalid username or password"

const safeReturnUrl = (value: string | undefined | null): string =>
  value !== undefined && value !== null && value.startsWith("/connect/authorize/callback?") ? value : ""

const renderLogin = (state: SimState, returnUrl: string, username: string, error: string | null) =>
  html(loginPage({
    returnUrl,
    username,
    error,
    siteKey: state.options.siteKey,
    recaptchaOrigin: state.urls.recaptcha,
    identityOrigin: state.urls.identity,
    cb: randomId(6)
  }))

/** The live identity session of this browser, if any. */
const currentIdentity = (state: SimState, req: SimRequest, at: number) =>
  liveCookieSession(state, req, IDENTITY_COOKIE, "identity", at)

const authorize = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  const at = yield* now(env)
  const client = req.query.get("client_id") ?? ""
  const redirectUri = req.query.get("redirect_uri") ?? ""
  if (!isAppHost(client) || redirectUri !== signinUri(state, client)) {
    return html(simplePage("Error", "<h2>Error</h2><p>invalid_request: unknown client or redirect_uri.</p>"), 400)
  }
  const identity = currentIdentity(state, req, at)
  if (identity === undefined) {
    const callback = `/connect/authorize/callback${req.url.search}`
    return redirect(`/Account/Login?ReturnUrl=${encodeURIComponent(callback)}`)
  }
  const code = randomId(18)
  state.codes.set(code, { identityId: identity.id, client, redirectUri, expiresAt: at + 5 * 60_000 })
  const stateParam = req.query.get("state") ?? ""
  const scope = encodeURIComponent("openid profile")
  return redirect(
    `${redirectUri}?code=${code}&scope=${scope}&state=${encodeURIComponent(stateParam)}&session_state=${randomId(8)}`
  )
})

const postLogin = Effect.fn("Simulator.login")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  const params = yield* readParams(req)
  yield* pageDelay(env)
  const at = yield* now(env)
  const username = (params["Username"] ?? "").trim()
  const password = params["Password"] ?? ""
  const returnUrl = safeReturnUrl(params["ReturnUrl"])
  const token = params["g-recaptcha-response"] ?? ""
  if (!consumeToken(state, token, at)) return renderLogin(state, returnUrl, username, CAPTCHA_INVALID)
  const account = state.accounts.get(username)
  if (account === undefined || account.data.password !== password) {
    return renderLogin(state, returnUrl, username, INVALID_CREDENTIALS)
  }
  const session = recordLogin(state, randomId(18), username, req.cookies[IDENTITY_COOKIE], at)
  const target = returnUrl !== "" ? returnUrl : authorizeUrl(state, "ecp2", "/")
  return withSessionCookie(redirect(target), IDENTITY_COOKIE, session.id)
})

export const handleIdentity = Effect.fn("Simulator.identity")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  switch (`${req.method} ${req.path}`) {
    case "GET /":
      return redirect("/Account/Login")
    case "GET /Account/Login":
      yield* pageDelay(env)
      return renderLogin(state, safeReturnUrl(req.query.get("ReturnUrl")), "", null)
    case "POST /Account/Login":
      return yield* postLogin(env, req)
    case "GET /connect/authorize":
    case "GET /connect/authorize/callback":
      return yield* authorize(env, req)
    case "GET /Account/Logout": {
      const at = yield* now(env)
      const identity = currentIdentity(state, req, at)
      if (identity !== undefined) identity.ended = "expired"
      return redirect("/Account/Login")
    }
    case "GET /Account/ForgotPassword":
      return html(simplePage(
        "Forgot your Username or Password?",
        "<h2>Forgot your Username or Password?</h2><p>Contact your company administrator.</p>"
      ))
    case "GET /Account/Register":
      return html(simplePage("Register", "<h2>Register Now</h2><p>Registration is closed in the simulator.</p>"))
    case "GET /Home/Terms":
      return html(simplePage("Terms of Use", "<h2>Terms of Use</h2><p>Automated access is prohibited.</p>"))
    default:
      return html(simplePage("404 - Not Found", "<h2>404 - File or directory not found.</h2>"), 404)
  }
})
