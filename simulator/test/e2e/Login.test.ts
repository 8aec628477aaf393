import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Simulator } from "../../src/Simulator.ts"
import { Chromium, P } from "../utils/Chromium.ts"
import {
  anchorFrame,
  loginByToken,
  openChallenge,
  openLogin,
  solveByAudio,
  solveByToken,
  submitLogin
} from "../utils/PortalLogin.ts"
import { logins, newAccount, testSimulatorLayer } from "../../src/TestSimulator.ts"

const Env = Layer.mergeAll(Chromium.layer, testSimulatorLayer())

layer(Env, { excludeTestServices: true, timeout: "60 seconds" })("simulator login (Chromium)", (it) => {
  it.effect("token path: solver token via the task protocol → signin-oidc → ecp2, session cookies, one login counted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const chromium = yield* Chromium
      const { page } = yield* chromium.session
      const { username } = yield* newAccount("tok", { password: "pw-tok", captchaMode: "token", containerCount: 10 })

      const seen: Array<string> = []
      page.on("response", (r) => seen.push(`${r.status()} ${r.url()}`))
      yield* openLogin(page, sim, username, "pw-tok")
      assert.strictEqual(yield* P(() => page.title()), "eModal Login")
      assert.include(page.url(), `${sim.urls.identity}/Account/Login?ReturnUrl=`)
      assert.include(decodeURIComponent(page.url()), "signin-oidc")
      assert.isTrue(yield* P(() => page.$eval("#loginForm button[type=submit]", (b) => (b as HTMLButtonElement).disabled)))
      const bodyText = yield* P(() => page.$eval("body", (b) => b.innerText))
      assert.include(bodyText, "CargoSprint")
      assert.include(bodyText, "Forgot your Username or Password?")
      assert.include(bodyText, "Register Now")
      const widget = yield* P(() =>
        page.$eval(".g-recaptcha", (e) => ({
          siteKey: e.getAttribute("data-sitekey"),
          callback: e.getAttribute("data-callback"),
          anchor: e.querySelector("iframe[title='reCAPTCHA']")?.getAttribute("src") ?? ""
        }))
      )
      assert.strictEqual(widget.siteKey, sim.siteKey)
      assert.strictEqual(widget.callback, "onRecaptchaSuccess")
      assert.isTrue(widget.anchor.startsWith(`${sim.urls.recaptcha}/recaptcha/api2/anchor?k=${sim.siteKey}&`))

      yield* solveByToken(page, sim)
      yield* submitLogin(page)
      yield* P(() => page.waitForSelector("app-root mat-toolbar button.user"))
      assert.strictEqual(new URL(page.url()).origin, sim.urls.ecp2)
      assert.strictEqual(yield* P(() => page.$eval("button.user", (b) => b.textContent?.trim())), username)
      assert.isTrue(seen.some((s) => s.startsWith("302 ") && s.includes("/signin-oidc?code=")))
      yield* P(() => page.waitForFunction(() => (window as any).getAllAngularTestabilities().every((t: any) => t.isStable())))

      const cookies = yield* P(() => page.cookies(sim.urls.ecp2, sim.urls.identity))
      assert.isAtLeast(cookies.length, 2)
      for (const c of cookies) {
        assert.isTrue(c.session, `${c.name} must be a session cookie`)
        assert.isTrue(c.httpOnly, `${c.name} must be HttpOnly`)
      }
      assert.strictEqual(yield* logins(sim, username), 1)

      // Other app hosts sign in silently with the identity session: no second login.
      yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/`))
      yield* P(() => page.waitForSelector("mat-toolbar button.user"))
      assert.strictEqual(new URL(page.url()).origin, sim.urls.termops)
      assert.strictEqual(yield* logins(sim, username), 1)
    }))

  it.effect("token-mode account: the checkbox opens a challenge whose audio is refused (Try again later)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("tokdos", { captchaMode: "token", containerCount: 0 })
      yield* openLogin(page, sim, username, "pw")
      const bframe = yield* openChallenge(page)
      assert.include(yield* P(() => bframe.$eval("body", (b) => b.innerText)), "Select all images with")
      yield* P(() => bframe.click("#recaptcha-audio-button"))
      yield* P(() => bframe.waitForSelector(".rc-doscaptcha-header", { visible: true }))
      const text = yield* P(() => bframe.$eval(".rc-doscaptcha", (e) => (e as HTMLElement).innerText))
      assert.include(text, "Try again later")
      assert.include(text, "Your computer or network may be sending automated queries")
      const anchor = yield* anchorFrame(page)
      assert.strictEqual(yield* P(() => anchor.$eval("#recaptcha-anchor", (e) => e.getAttribute("aria-checked"))), "false")
      assert.isTrue(yield* P(() => page.$eval("#loginForm button[type=submit]", (b) => (b as HTMLButtonElement).disabled)))

      // A click outside the challenge closes it, as on Google's widget; the checkbox is unchecked again.
      yield* P(() => page.mouse.click(5, 5))
      yield* P(() => page.waitForSelector("#rc-challenge-popup:not(.visible)"))
      yield* P(() => anchor.waitForSelector("#recaptcha-anchor[aria-checked='false']:not(.recaptcha-checkbox-loading)"))
    }))

  it.effect("audio path: payload solved through the classic protocol, anchor checked, login succeeds", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("aud", { password: "pw-aud", captchaMode: "audio", containerCount: 5 })
      yield* openLogin(page, sim, username, "pw-aud")
      const answer = yield* solveByAudio(page, sim)
      assert.match(answer, /^\d{6}$/)
      assert.isFalse(yield* P(() => page.$eval("#loginForm button[type=submit]", (b) => (b as HTMLButtonElement).disabled)))
      const token = yield* P(() => page.$eval("#g-recaptcha-response", (t) => (t as HTMLTextAreaElement).value))
      assert.isTrue(token.startsWith("03A"))
      yield* submitLogin(page)
      yield* P(() => page.waitForSelector("mat-toolbar button.user"))
      assert.strictEqual(new URL(page.url()).origin, sim.urls.ecp2)
      assert.strictEqual(yield* logins(sim, username), 1)
    }))

  it.effect("audio path: a wrong answer shows the error and a fresh challenge", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("audwrong", { captchaMode: "audio", containerCount: 0 })
      yield* openLogin(page, sim, username, "pw")
      const bframe = yield* openChallenge(page)
      yield* P(() => bframe.click("#recaptcha-audio-button"))
      yield* P(() => bframe.waitForSelector("#audio-source[src*='payload']"))
      const first = yield* P(() => bframe.$eval("#audio-source", (a) => a.getAttribute("src")))
      assert.strictEqual(
        yield* P(() => bframe.$eval("a.rc-audiochallenge-tdownload-link", (a) => a.getAttribute("href"))),
        first
      )
      yield* P(() => bframe.type("#audio-response", "not the answer"))
      yield* P(() => bframe.click("#recaptcha-verify-button"))
      yield* P(() => bframe.waitForSelector(".rc-audiochallenge-error-message:not(.hidden)"))
      assert.strictEqual(
        yield* P(() => bframe.$eval(".rc-audiochallenge-error-message", (e) => e.textContent)),
        "Multiple correct solutions required - please solve more."
      )
      const second = yield* P(() => bframe.$eval("#audio-source", (a) => a.getAttribute("src")))
      assert.notStrictEqual(second, first)
      const anchor = yield* anchorFrame(page)
      assert.strictEqual(yield* P(() => anchor.$eval("#recaptcha-anchor", (e) => e.getAttribute("aria-checked"))), "false")
    }))

  it.effect("trusted account: the checkbox alone passes, no challenge frame", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("trust", { captchaMode: "trusted", containerCount: 0 })
      yield* openLogin(page, sim, username, "pw")
      const anchor = yield* anchorFrame(page)
      yield* P(() => anchor.click("#recaptcha-anchor"))
      yield* P(() => anchor.waitForSelector("#recaptcha-anchor[aria-checked='true']"))
      assert.isNull(yield* P(() => page.$("iframe[src*='recaptcha/api2/bframe']")))
      yield* submitLogin(page)
      yield* P(() => page.waitForSelector("mat-toolbar button.user"))
      assert.strictEqual(yield* logins(sim, username), 1)
    }))

  it.effect("wrong password: the login page again with Invalid username or password, nothing counted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("badpw", { password: "right", captchaMode: "token", containerCount: 0 })
      yield* openLogin(page, sim, username, "wrong")
      yield* solveByToken(page, sim)
      yield* submitLogin(page)
      yield* P(() => page.waitForSelector("div.validation-summary-errors"))
      assert.include(yield* P(() => page.$eval("div.validation-summary-errors", (e) => e.textContent ?? "")), "Invalid username or password")
      assert.strictEqual(new URL(page.url()).origin, sim.urls.identity)
      assert.include(page.url(), "/Account/Login")
      assert.strictEqual(yield* P(() => page.title()), "eModal Login")
      assert.strictEqual(yield* P(() => page.$eval("input[name=Username]", (i) => (i as HTMLInputElement).value)), username)
      assert.isNull(yield* P(() => page.$("mat-toolbar")))
      assert.strictEqual(yield* logins(sim, username), 0)
    }))

  it.effect("captcha rejected (fault): The reCAPTCHA was invalid. Try again.", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("rej", { captchaMode: "token", containerCount: 0 })
      yield* openLogin(page, sim, username, "pw")
      yield* solveByToken(page, sim)
      yield* sim.setFaults({ captchaRejected: true })
      yield* submitLogin(page).pipe(Effect.ensuring(sim.resetFaults()))
      yield* P(() => page.waitForSelector("div.validation-summary-errors"))
      assert.include(
        yield* P(() => page.$eval("div.validation-summary-errors", (e) => e.textContent ?? "")),
        "The reCAPTCHA was invalid. Try again."
      )
      assert.strictEqual(yield* logins(sim, username), 0)
    }))

  it.effect("geo-block: every portal host answers 403 Forbidden", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      yield* sim.setFaults({ geoBlock: true })
      const response = yield* P(() => page.goto(`${sim.urls.ecp2}/login`)).pipe(Effect.ensuring(sim.resetFaults()))
      assert.strictEqual(response?.status(), 403)
      assert.strictEqual(yield* P(() => page.title()), "403 - Forbidden: Access is denied.")
      assert.include(yield* P(() => page.$eval("h2", (e) => e.textContent ?? "")), "Forbidden")
    }))
})
