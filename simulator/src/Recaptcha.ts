/**
 * The recaptcha host: the widget frames (anchor, bframe), the audio payload, and the two JSON
 * calls the frames make (`reload` to open a context or an audio challenge, `userverify` to check
 * an answer). It also owns reCAPTCHA tokens: minted here (and by the solver) as HMAC-signed
 * claims bound to the site key, valid for `tokenTtl`, and consumed at most once by the identity
 * host. The per-account captcha mode decides the widget's behaviour: `trusted` passes on the
 * checkbox, `audio` offers a solvable audio challenge, `token` refuses audio ("Try again later").
 */
import { Duration, Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { encodeChallengeAudio, newAnswer, normalizeAnswer } from "./Audio.ts"
import { randomId, signToken, verifyToken } from "./Crypto.ts"
import { type SimEnv, now } from "./Env.ts"
import { anchorFrame, bframe } from "./Html/RecaptchaFrames.ts"
import { simplePage } from "./Html/LoginPage.ts"
import { binary, html, json, readJsonObject, type SimRequest } from "./Http.ts"
import { pruneStale, type SimState } from "./State.ts"

const CHALLENGE_TTL_MILLIS = 120_000
export const WRONG_ANSWER = "Multiple correct solutions required - please solve more."

export const mintToken = (state: SimState, at: number, via: string): string =>
  signToken(state.secret, {
    k: state.options.siteKey,
    exp: at + Duration.toMillis(state.options.tokenTtl),
    n: randomId(),
    via
  })

/** Verifies a `g-recaptcha-response` and burns its nonce. */
export const consumeToken = (state: SimState, token: string, at: number): boolean => {
  if (state.faults.captchaRejected) return false
  const claims = verifyToken(state.secret, token)
  if (claims === undefined || claims.k !== state.options.siteKey || claims.exp <= at) return false
  if (state.usedNonces.has(claims.n)) return false
  state.usedNonces.add(claims.n)
  return true
}

const decodeOrigin = (co: string | null): string | undefined => {
  if (co === null) return undefined
  const text = Buffer.from(co, "base64url").toString("utf8")
  return URL.canParse(text) ? new URL(text).origin : undefined
}

const newAudioChallenge = (env: SimEnv, cid: string, at: number) => {
  const id = randomId(16)
  env.state.audioChallenges.set(id, { cid, answer: newAnswer(), createdAt: at, used: false })
  return {
    status: "audio",
    challenge: id,
    payload: `${env.state.urls.recaptcha}/recaptcha/api2/payload?p=${id}&k=${encodeURIComponent(env.state.options.siteKey)}`
  }
}

/** Serves the audio payload; also reachable on the api host (http://127.0.0.1:P). */
export const payload = (env: SimEnv, req: SimRequest): HttpServerResponse.HttpServerResponse => {
  const challenge = env.state.audioChallenges.get(req.query.get("p") ?? "")
  if (challenge === undefined) return json({ error: "unknown payload" }, 404)
  return binary(encodeChallengeAudio(env.state.secret, challenge.answer), "audio/wav", {
    "content-disposition": "inline; filename=\"audio.wav\""
  })
}

export const handleRecaptcha = Effect.fn("Simulator.recaptcha")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  const at = yield* now(env)
  const siteKeyOk = req.query.get("k") === state.options.siteKey
  switch (`${req.method} ${req.path}`) {
    case "GET /recaptcha/api2/anchor": {
      const parentOrigin = decodeOrigin(req.query.get("co"))
      if (!siteKeyOk || parentOrigin === undefined) {
        return html(simplePage("reCAPTCHA", "<div class=\"rc-anchor-error-msg\">ERROR for site owner: Invalid site key</div>"))
      }
      return html(anchorFrame({
        siteKey: state.options.siteKey,
        parentOrigin,
        tokenTtlMillis: Duration.toMillis(state.options.tokenTtl)
      }))
    }
    case "GET /recaptcha/api2/bframe": {
      const parentOrigin = decodeOrigin(req.query.get("co"))
      if (!siteKeyOk || parentOrigin === undefined) {
        return html(simplePage("reCAPTCHA", "ERROR for site owner: Invalid site key"))
      }
      return html(bframe({ siteKey: state.options.siteKey, parentOrigin, c: req.query.get("c") ?? "" }))
    }
    case "GET /recaptcha/api2/payload":
      return payload(env, req)
    case "POST /recaptcha/api2/reload": {
      if (!siteKeyOk) return json({ error: "invalid site key" }, 400)
      const body = yield* readJsonObject(req)
      const c = typeof body?.["c"] === "string" ? body["c"] : undefined
      pruneStale(state, at)
      if (c === undefined) {
        // The anchor was clicked: decide by the account typed into the login form.
        const hint = typeof body?.["hint"] === "string" ? body["hint"].trim() : ""
        const mode = state.accounts.get(hint)?.data.captchaMode ?? "audio"
        if (mode === "trusted") return json({ token: mintToken(state, at, "checkbox") })
        const cid = randomId(16)
        state.captchaContexts.set(cid, { mode, createdAt: at })
        return json({ c: cid })
      }
      const context = state.captchaContexts.get(c)
      if (context === undefined || at - context.createdAt > CHALLENGE_TTL_MILLIS * 5) return json({ status: "expired" })
      if (context.mode === "token") return json({ status: "blocked" })
      return json(newAudioChallenge(env, c, at))
    }
    case "POST /recaptcha/api2/userverify": {
      if (!siteKeyOk) return json({ error: "invalid site key" }, 400)
      const body = yield* readJsonObject(req)
      const c = typeof body?.["c"] === "string" ? body["c"] : ""
      const id = typeof body?.["challenge"] === "string" ? body["challenge"] : ""
      const response = typeof body?.["response"] === "string" ? body["response"] : ""
      const context = state.captchaContexts.get(c)
      if (context === undefined) return json({ status: "expired" })
      if (context.mode === "token") return json({ status: "blocked" })
      const challenge = state.audioChallenges.get(id)
      const fresh = challenge !== undefined && !challenge.used && challenge.cid === c &&
        at - challenge.createdAt <= CHALLENGE_TTL_MILLIS
      if (challenge !== undefined) challenge.used = true
      if (fresh && normalizeAnswer(response) !== "" && normalizeAnswer(response) === normalizeAnswer(challenge.answer)) {
        state.captchaContexts.delete(c)
        return json({ token: mintToken(state, at, "audio") })
      }
      return json({ ...newAudioChallenge(env, c, at), error: WRONG_ANSWER })
    }
    default:
      return json({ error: "not found" }, 404)
  }
})
