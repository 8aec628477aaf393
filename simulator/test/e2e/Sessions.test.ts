import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Page } from "puppeteer"
import { Simulator } from "../../src/Simulator.ts"
import { Session } from "../../../src/services/PortalSelectors.ts"
import { Chromium, P } from "../utils/Chromium.ts"
import { loginByToken } from "../utils/PortalLogin.ts"
import { logins, newAccount, testSimulatorLayer } from "../../src/TestSimulator.ts"
import { waitStable } from "../utils/WizardDriver.ts"

const Env = Layer.mergeAll(Chromium.layer, testSimulatorLayer({ idleLogoutAfter: "30 minutes" }))

const TEXT_1 = "You are either not logged in or your session has expired."
const TEXT_2 = "Please use your back button or return to the home page and login."

/** Which of the portal's 401 sentences (§2.5) a page source contains, as a source check sees it. */
const sentences401 = (source: string): ReadonlyArray<string> =>
  Session.unauthorizedTexts.filter((t) => source.toLowerCase().includes(t))

const assert401 = (page: Page) =>
  Effect.gen(function*() {
    assert.strictEqual(yield* P(() => page.$eval("h1", (h) => h.textContent)), "401")
    const text = yield* P(() => page.$eval("body", (b) => b.innerText))
    assert.include(text, TEXT_1)
    assert.include(text, TEXT_2)
    assert.isNull(yield* P(() => page.$("mat-toolbar")))
  })

layer(Env, { excludeTestServices: true, timeout: "120 seconds" })("simulator portal sessions (Chromium)", (it) => {
  it.effect("idle logout: after idleLogoutAfter without requests, app pages answer the 401 page", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("idle")
      yield* loginByToken(page, sim, username, "pw")
      yield* P(() => page.goto(`${sim.urls.ecp2}/containers`))
      yield* P(() => page.waitForSelector("#searchres tbody tr"))

      yield* sim.advanceClock("29 minutes")
      const stillIn = yield* P(() => page.reload())
      assert.strictEqual(stillIn?.status(), 200, "29 idle minutes are not enough")
      yield* P(() => page.waitForSelector("#searchres tbody tr"))

      yield* sim.advanceClock("31 minutes")
      const response = yield* P(() => page.reload())
      assert.strictEqual(response?.status(), 401)
      yield* assert401(page)
      // A host this browser had not visited yet cannot sign in silently: the login form.
      yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/`))
      assert.strictEqual(new URL(page.url()).origin, sim.urls.identity)
      assert.strictEqual(yield* P(() => page.title()), "eModal Login")
      const state = yield* sim.state()
      assert.isTrue(state.sessions.filter((s) => s.username === username).every((s) => !s.live))
    }))

  it.effect("expireSessions: the SPA's next API call answers 401 and the page shows the 401 text", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("expire")
      yield* loginByToken(page, sim, username, "pw")
      yield* P(() => page.goto(`${sim.urls.ecp2}/containers`))
      yield* P(() => page.waitForSelector("#searchres tbody tr"))
      yield* waitStable(page)

      assert.isAtLeast(yield* sim.expireSessions(username), 2)
      yield* P(() =>
        page.$eval("#searchres", (box) => {
          box.scrollTop = box.scrollHeight
          box.dispatchEvent(new Event("scroll"))
        })
      )
      yield* P(() => page.waitForFunction(() => document.querySelector("h1")?.textContent === "401"))
      yield* assert401(page)
      assert.strictEqual(yield* P(() => page.title()), "401 - Unauthorized")
      assert.deepStrictEqual(sentences401(yield* P(() => page.content())), Session.unauthorizedTexts, "the replaced page's source")
    }))

  // ISSUE-11 #16: the inline page runtime carried the 401 sentences into every logged-in page's
  // source, so a client that reads the source (the original Selenium system) saw 401 everywhere.
  it.effect("page source: the 401 sentences are in the 401 page's source only, never in a logged-in page's", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("source")
      const loggedInPages = [
        `${sim.urls.ecp2}/`,
        `${sim.urls.ecp2}/containers`,
        `${sim.urls.ecp2}/app/containers`,
        `${sim.urls.termops}/`,
        `${sim.urls.termops}/trucker/web`,
        `${sim.urls.termops}/trucker/web/`,
        `${sim.urls.termops}/trucker/web/addvisit`,
        `${sim.urls.truckerportal}/myappointments`
      ]
      yield* sim.setFaults({ firstRunDialog: true })
      yield* Effect.gen(function*() {
        yield* loginByToken(page, sim, username, "pw")
        for (const url of loggedInPages) {
          const response = yield* P(() => page.goto(url))
          assert.strictEqual(response?.status(), 200, url)
          yield* P(() => page.waitForSelector("mat-toolbar button.user"))
          yield* waitStable(page)
          assert.deepStrictEqual(sentences401(yield* P(() => response!.text())), [], `${url}: the served HTML`)
          assert.deepStrictEqual(sentences401(yield* P(() => page.content())), [], `${url}: the page source`)
        }
      }).pipe(Effect.ensuring(sim.resetFaults()))

      yield* sim.expireSessions(username)
      const response = yield* P(() => page.goto(`${sim.urls.ecp2}/containers`))
      assert.strictEqual(response?.status(), 401)
      assert.deepStrictEqual(sentences401(yield* P(() => response!.text())), Session.unauthorizedTexts, "the 401 page's HTML")
      assert.deepStrictEqual(sentences401(yield* P(() => page.content())), Session.unauthorizedTexts, "the 401 page's source")
    }))

  it.effect("after an expiry, /login starts a fresh login and the other hosts re-authorize silently", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("relog")
      yield* loginByToken(page, sim, username, "pw")
      yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/`))
      yield* P(() => page.waitForSelector("mat-toolbar button.user"))
      yield* sim.expireSessions(username)
      const expired = yield* P(() => page.reload())
      assert.strictEqual(expired?.status(), 401)

      yield* loginByToken(page, sim, username, "pw")
      assert.strictEqual(yield* logins(sim, username), 2)
      const again = yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/`))
      assert.strictEqual(again?.status(), 200)
      yield* P(() => page.waitForSelector("mat-toolbar button.user"))
      assert.strictEqual(new URL(page.url()).origin, sim.urls.termops)
      assert.strictEqual(yield* logins(sim, username), 2, "no second login for termops")
    }))

  it.effect("first-run dialog (fault): shown on app pages until Got it is clicked", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("firstrun")
      yield* sim.setFaults({ firstRunDialog: true })
      yield* Effect.gen(function*() {
        yield* loginByToken(page, sim, username, "pw")
        yield* P(() => page.waitForSelector("[role=dialog]", { visible: true }))
        const gotIt = yield* P(() => page.waitForSelector("::-p-xpath(//button[.//span[text()='Got it']])", { visible: true }))
        yield* P(() => gotIt!.click())
        yield* P(() => page.waitForFunction(() => document.querySelector("[role=dialog]") === null))
        yield* waitStable(page)
        yield* P(() => page.reload())
        yield* P(() => page.waitForSelector("mat-toolbar button.user"))
        assert.isNull(yield* P(() => page.$("[role=dialog]")))
      }).pipe(Effect.ensuring(sim.resetFaults()))
    }))

  it.layer(testSimulatorLayer({ oneLoginPerAccount: true }))("oneLoginPerAccount", (it) => {
    it.effect("a second login ends the first browser's session", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator
        const chromium = yield* Chromium
        const first = yield* chromium.session
        const second = yield* chromium.session
        const { username } = yield* newAccount("one")
        yield* loginByToken(first.page, sim, username, "pw")
        yield* loginByToken(second.page, sim, username, "pw")
        assert.strictEqual(yield* logins(sim, username), 2)
        const response = yield* P(() => first.page.reload())
        assert.strictEqual(response?.status(), 401)
        yield* assert401(first.page)
        const ok = yield* P(() => second.page.reload())
        assert.strictEqual(ok?.status(), 200)
      }))
  })
})
