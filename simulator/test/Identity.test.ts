import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Simulator } from "../src/Simulator.ts"
import { CookieJar, follow, hostRequest, jarRequest } from "./utils/HostClient.ts"
import { solveTask } from "./utils/PortalLogin.ts"
import { logins, newAccount, testSimulatorLayer } from "../src/TestSimulator.ts"

const solverToken = Effect.gen(function*() {
  const sim = yield* Simulator
  const answer = yield* solveTask(sim.urls.solver, {
    type: "RecaptchaV2TaskProxyless",
    websiteURL: `${sim.urls.identity}/Account/Login`,
    websiteKey: sim.siteKey
  })
  return answer.solution.gRecaptchaResponse as string
})

const returnUrlOf = (loginUrl: string): string => new URL(loginUrl).searchParams.get("ReturnUrl") ?? ""

const postLogin = (jar: CookieJar, fields: Record<string, string>) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    return yield* jarRequest(jar, `${sim.urls.identity}/Account/Login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString()
    })
  })

layer(testSimulatorLayer({ solveDelay: 0 }), { excludeTestServices: true })("identity and app sign-in (HTTP)", (it) => {
  it.effect("ecp2/login → identity Account/Login with a ReturnUrl to the authorize callback naming signin-oidc", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const res = yield* hostRequest(`${sim.urls.ecp2}/login`)
      assert.strictEqual(res.status, 302)
      assert.isTrue(res.location!.startsWith(`${sim.urls.identity}/Account/Login?ReturnUrl=`))
      const returnUrl = returnUrlOf(res.location!)
      assert.isTrue(returnUrl.startsWith("/connect/authorize/callback?client_id=ecp2&redirect_uri="))
      assert.include(returnUrl, encodeURIComponent(`${sim.urls.ecp2}/signin-oidc`))
      const page = yield* hostRequest(res.location!)
      assert.strictEqual(page.status, 200)
      assert.include(page.text, "<title>eModal Login</title>")
      assert.include(page.text, `data-sitekey="${sim.siteKey}"`)
      assert.include(page.text, 'data-callback="onRecaptchaSuccess"')
      assert.include(page.text, 'id="g-recaptcha-response" name="g-recaptcha-response"')
      assert.include(page.text, `src="${sim.urls.recaptcha}/recaptcha/api2/anchor?k=${sim.siteKey}&amp;ar=1`)
    }))

  it.effect("a valid login: session cookies, the signin-oidc hop, one login counted; the token is single-use", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { username } = yield* newAccount("http", { password: "secret", captchaMode: "token", containerCount: 3 })
      const jar = new CookieJar()
      const [entry] = yield* follow(jar, `${sim.urls.ecp2}/login`)
      const token = yield* solverToken
      const posted = yield* postLogin(jar, {
        Username: username,
        Password: "secret",
        ReturnUrl: returnUrlOf(entry!.res.location!),
        "g-recaptcha-response": token
      })
      assert.strictEqual(posted.status, 302)
      const idCookie = posted.setCookies.find((c) => c.startsWith("idsrv="))!
      assert.match(idCookie, /HttpOnly/i)
      assert.notMatch(idCookie, /Expires=|Max-Age=/i)
      assert.strictEqual(yield* logins(sim, username), 1)

      const hops = yield* follow(jar, new URL(posted.location!, sim.urls.identity).toString())
      const urls = hops.map((h) => h.url)
      assert.isTrue(urls.some((u) => u.startsWith(`${sim.urls.ecp2}/signin-oidc?code=`)))
      const signin = hops.find((h) => h.url.startsWith(`${sim.urls.ecp2}/signin-oidc`))!
      const appCookie = signin.res.setCookies[0]!
      assert.match(appCookie, /HttpOnly/i)
      assert.notMatch(appCookie, /Expires=|Max-Age=/i)
      const last = hops.at(-1)!
      assert.strictEqual(last.url, `${sim.urls.ecp2}/`)
      assert.strictEqual(last.res.status, 200)
      assert.include(last.res.text, "<app-root")
      assert.include(last.res.text, username)

      // Reusing the same token fails as a real reCAPTCHA token would.
      const again = yield* postLogin(new CookieJar(), { Username: username, Password: "secret", "g-recaptcha-response": token })
      assert.strictEqual(again.status, 200)
      assert.include(again.text, "The reCAPTCHA was invalid. Try again.")
      assert.strictEqual(yield* logins(sim, username), 1)

      // termops signs in silently with the identity session: no new login.
      const termops = yield* follow(jar, `${sim.urls.termops}/trucker/web/`)
      assert.strictEqual(termops.at(-1)!.res.status, 200)
      assert.strictEqual(termops.at(-1)!.url, `${sim.urls.termops}/trucker/web/`)
      assert.strictEqual(yield* logins(sim, username), 1)
    }))

  it.effect("wrong password → 200 login page with Invalid username or password; expired or missing token → captcha error", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { username } = yield* newAccount("httpbad", { password: "secret", captchaMode: "audio", containerCount: 0 })
      const wrong = yield* postLogin(new CookieJar(), { Username: username, Password: "nope", "g-recaptcha-response": yield* solverToken })
      assert.strictEqual(wrong.status, 200)
      assert.match(wrong.text, /<div class="validation-summary-errors[^"]*"[^>]*><ul><li>Invalid username or password<\/li>/)
      assert.include(wrong.text, `value="${username}"`)

      const missing = yield* postLogin(new CookieJar(), { Username: username, Password: "secret" })
      assert.include(missing.text, "The reCAPTCHA was invalid. Try again.")

      const stale = yield* solverToken
      yield* sim.advanceClock("3 minutes")
      const late = yield* postLogin(new CookieJar(), { Username: username, Password: "secret", "g-recaptcha-response": stale })
      assert.include(late.text, "The reCAPTCHA was invalid. Try again.")
      assert.strictEqual(yield* logins(sim, username), 0)
    }))

  it.effect("an app host without a cookie redirects to authorize, then to the login page when there is no identity session", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const hops = yield* follow(new CookieJar(), `${sim.urls.truckerportal}/myappointments`)
      const authorize = new URL(hops[1]!.url)
      assert.strictEqual(`${authorize.origin}${authorize.pathname}`, `${sim.urls.identity}/connect/authorize`)
      assert.strictEqual(authorize.searchParams.get("client_id"), "truckerportal")
      assert.strictEqual(authorize.searchParams.get("redirect_uri"), `${sim.urls.truckerportal}/signin-oidc`)
      assert.include(hops.at(-1)!.url, `${sim.urls.identity}/Account/Login?ReturnUrl=`)
      assert.include(hops.at(-1)!.res.text, "<title>eModal Login</title>")
      const api = yield* hostRequest(`${sim.urls.ecp2}/api/containers`)
      assert.strictEqual(api.status, 401)
    }))

  it.effect("geo-block answers 403 on every portal host but not on the solver", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      yield* sim.setFaults({ geoBlock: true })
      const statuses = yield* Effect.forEach(
        [`${sim.urls.ecp2}/login`, `${sim.urls.identity}/Account/Login`, `${sim.urls.termops}/trucker/web/`, `${sim.urls.truckerportal}/myappointments`],
        (u) => hostRequest(u)
      ).pipe(Effect.ensuring(sim.resetFaults()))
      for (const r of statuses) {
        assert.strictEqual(r.status, 403)
        assert.include(r.text, "<title>403 - Forbidden: Access is denied.</title>")
      }
    }))

  it.effect("http500 fault on a route", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      yield* sim.setFaults({ http500: ["ecp2:/login"] })
      const res = yield* hostRequest(`${sim.urls.ecp2}/login`).pipe(Effect.ensuring(sim.resetFaults()))
      assert.strictEqual(res.status, 500)
      const ok = yield* hostRequest(`${sim.urls.ecp2}/login`)
      assert.strictEqual(ok.status, 302)
    }))
})
