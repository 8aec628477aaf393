/**
 * Sign-in of the app hosts (ecp2, termops, truckerportal) against the identity host, OIDC style.
 * Each app host keeps its own session cookie (`.AspNetCore.Cookies`, no Expires, HttpOnly):
 *
 * - no cookie → 302 to identity `/connect/authorize?client_id=<host>&redirect_uri=<host>/signin-oidc
 *   &state=<return>`, which returns silently with a code when the identity session is live, or
 *   shows the login page;
 * - `/signin-oidc?code=…&state=…` exchanges the code for an app session and 302s back;
 * - a cookie whose server session ended (idle logout, `expireSessions`, or a newer login with
 *   oneLoginPerAccount) → the portal's 401 page (pages) or 401 JSON (the SPA's API calls) — unless
 *   the same browser has logged in again since, in which case it re-authorizes silently.
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { randomId } from "./Crypto.ts"
import { type SimEnv, now, pageDelay } from "./Env.ts"
import type { AppHost } from "./Hosts.ts"
import { appPage, RUNTIME_PATH, runtimeScript, type ShellOptions, unauthorizedPage } from "./Html/Shell.ts"
import { simplePage } from "./Html/LoginPage.ts"
import { html, javascript, json, redirect, type SimRequest, withSessionCookie } from "./Http.ts"
import {
  type Account,
  createAppSession,
  isLive,
  liveSuccessor,
  type SessionRecord,
  type SimState,
  touch
} from "./State.ts"

export const APP_COOKIE = ".AspNetCore.Cookies"
export const IDENTITY_COOKIE = "idsrv"

export const encodeState = (returnPath: string): string => Buffer.from(returnPath).toString("base64url")

/** A local return path, or "/" when the state is missing or points elsewhere. */
export const decodeState = (value: string | null): string => {
  if (value === null) return "/"
  const path = Buffer.from(value, "base64url").toString("utf8")
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\") ? path : "/"
}

export const signinUri = (state: SimState, host: AppHost): string => `${state.urls[host]}/signin-oidc`

const authorizeQuery = (state: SimState, host: AppHost, returnPath: string): string =>
  `client_id=${host}&redirect_uri=${encodeURIComponent(signinUri(state, host))}&response_type=code` +
  `&scope=${encodeURIComponent("openid profile")}&state=${encodeState(returnPath)}&nonce=${randomId(8)}`

export const authorizeUrl = (state: SimState, host: AppHost, returnPath: string): string =>
  `${state.urls.identity}/connect/authorize?${authorizeQuery(state, host, returnPath)}`

/** ecp2's `/login`: always the login form, whose ReturnUrl completes the authorize request. */
export const loginUrl = (state: SimState, returnPath = "/"): string => {
  const callback = `/connect/authorize/callback?${authorizeQuery(state, "ecp2", returnPath)}`
  return `${state.urls.identity}/Account/Login?ReturnUrl=${encodeURIComponent(callback)}`
}

export type Authenticated =
  | { readonly _tag: "ok"; readonly session: SessionRecord; readonly account: Account }
  | { readonly _tag: "denied"; readonly response: HttpServerResponse.HttpServerResponse }

const unauthorizedJson = () =>
  json({ error: "unauthorized", message: "You are either not logged in or your session has expired." }, 401)

/** The session the request's `cookie` names, live or not. */
const cookieSession = (state: SimState, req: SimRequest, cookie: string): SessionRecord | undefined => {
  const id = req.cookies[cookie]
  return id === undefined ? undefined : state.sessions.get(id)
}

/** The session the request's `cookie` names when it is a live session of `kind`. */
export const liveCookieSession = (
  state: SimState,
  req: SimRequest,
  cookie: string,
  kind: SessionRecord["kind"],
  at: number
): SessionRecord | undefined => {
  const session = cookieSession(state, req, cookie)
  return session !== undefined && session.kind === kind && isLive(state, session, at) ? session : undefined
}

/** The app session of this request, or the response that replaces the page (redirect or 401). */
export const authenticate = Effect.fn("Simulator.authenticate")(function*(
  env: SimEnv,
  req: SimRequest,
  host: AppHost,
  kind: "page" | "api"
): Effect.fn.Return<Authenticated> {
  const state = env.state
  const at = yield* now(env)
  const session = liveCookieSession(state, req, APP_COOKIE, host, at)
  const account = session === undefined ? undefined : state.accounts.get(session.username)
  if (session !== undefined && account !== undefined) {
    touch(state, session, at)
    return { _tag: "ok", session, account }
  }
  if (kind === "api") return { _tag: "denied", response: unauthorizedJson() }
  const stale = cookieSession(state, req, APP_COOKIE)
  if (stale === undefined || liveSuccessor(state, stale.identityId, at) !== undefined) {
    return { _tag: "denied", response: redirect(authorizeUrl(state, host, `${req.url.pathname}${req.url.search}`)) }
  }
  return { _tag: "denied", response: html(unauthorizedPage(), 401) }
})

/** What an app page shows besides the session's user and the first-run dialog. */
export type AppPageContent = Omit<ShellOptions, "username" | "firstRunDialog">

/** An app host's page: authenticated (or the redirect/401 instead), after the page latency. */
export const appPageResponse = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest,
  host: AppHost,
  content: AppPageContent
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const auth = yield* authenticate(env, req, host, "page")
  if (auth._tag === "denied") return auth.response
  yield* pageDelay(env)
  return html(appPage({
    ...content,
    username: auth.session.username,
    firstRunDialog: showFirstRun(env.state, auth.session)
  }))
})

/** `GET /signin-oidc` on an app host. */
const signinOidc = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest,
  host: AppHost
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  const at = yield* now(env)
  const codeValue = req.query.get("code") ?? ""
  const code = state.codes.get(codeValue)
  state.codes.delete(codeValue)
  if (code === undefined || code.client !== host || code.expiresAt <= at) {
    return html(simplePage("Error", "<h2>Error</h2><p>invalid_grant: the authorization code is invalid or expired.</p>"), 400)
  }
  const identity = state.sessions.get(code.identityId)
  if (identity === undefined || !isLive(state, identity, at)) return html(unauthorizedPage(), 401)
  const app = createAppSession(state, randomId(18), host, identity, at)
  return withSessionCookie(redirect(decodeState(req.query.get("state"))), APP_COOKIE, app.id)
})

/** `POST /api/ui/first-run` on an app host: the first-run dialog was dismissed. */
const dismissFirstRun = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest,
  host: AppHost
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const auth = yield* authenticate(env, req, host, "api")
  if (auth._tag === "denied") return auth.response
  auth.session.firstRunDismissed = true
  return json({ ok: true })
})

const showFirstRun = (state: SimState, session: SessionRecord): boolean =>
  state.faults.firstRunDialog && !session.firstRunDismissed

/**
 * The routes every app host shares (`GET /signin-oidc`, `POST /api/ui/first-run`, the page runtime
 * at `RUNTIME_PATH`, public like the portal's script bundles), else undefined.
 */
export const sharedAppRoute = (
  env: SimEnv,
  req: SimRequest,
  host: AppHost
): Effect.Effect<HttpServerResponse.HttpServerResponse> | undefined => {
  switch (`${req.method} ${req.path}`) {
    case "GET /signin-oidc":
      return signinOidc(env, req, host)
    case "POST /api/ui/first-run":
      return dismissFirstRun(env, req, host)
    case `GET ${RUNTIME_PATH}`:
      return Effect.succeed(javascript(runtimeScript()))
    default:
      return undefined
  }
}
