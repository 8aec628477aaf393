/**
 * The /docs page in real Chromium, offline: it loads with no request leaving the service (the
 * Scalar UI is bundled), renders every operation, lets the user enter the bearer token and run an
 * operation from the page ("Test Request", with API_TOKEN set), and the curl examples it shows
 * paste and run.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { Endpoints } from "../../../src/http/PortalApi.ts"
import * as Logging from "../../../src/runtime/Logging.ts"
import { P } from "../../utils/Chromium.ts"
import { offlineChromium } from "../../utils/OfflineChromium.ts"
import { baseUrl, fakeServer } from "../../utils/HttpHarness.ts"

const TOKEN = "docs-test-token-0123456789"
const run = promisify(execFile)

const lines: Array<string> = []

/** The access-log lines ("http") the service wrote, parsed. */
const accessLines = () =>
  lines.map((l) => JSON.parse(l) as { message: string; path: string; status: number }).filter((l) => l.message === "http")

layer(fakeServer({ API_TOKEN: TOKEN }).pipe(Layer.provide(Logging.captureLayer(lines, "Info"))), { excludeTestServices: true, timeout: "120 seconds" })("/docs in Chromium", (it) => {
  it.effect("works offline, renders every operation, takes the bearer token, and its curl examples run", () =>
    Effect.gen(function*() {
      const browser = yield* offlineChromium({ width: 1400, height: 1000 })
      const page = yield* P(() => browser.newPage())
      const url = yield* baseUrl
      const origin = new URL(url).origin

      // Anything that would leave the service (a CDN, fonts, telemetry) is refused and recorded.
      const external: Array<string> = []
      yield* P(() => page.setRequestInterception(true))
      page.on("request", (request) => {
        const target = request.url()
        if (/^https?:/.test(target) && new URL(target).origin !== origin) {
          external.push(target)
          void request.abort()
        } else void request.continue()
      })

      yield* P(() => page.goto(`${url}/docs`, { waitUntil: "networkidle0" }))
      yield* P(() => page.waitForFunction(() => document.body.innerText.includes("Log in, or reuse the session"), { timeout: 30_000 }))
      const rendered = yield* P(() => page.evaluate(() => [...document.querySelectorAll("button")].map((b) => b.innerText)))
      for (const e of Endpoints) assert.isTrue(rendered.some((t) => t.includes(e.summary)), `${e.method} ${e.path}: "${e.summary}" is on the page`)

      // The bearer token goes into the page's Authentication box; "Test Request" then "Send" uses it.
      const tokenInput = yield* P(() => page.waitForSelector("input[placeholder=Token]"))
      yield* P(() => tokenInput!.type(TOKEN))
      yield* P(() =>
        page.evaluate(() => {
          // The operation's block: the innermost element holding its title and one Test Request button.
          const buttons = [...document.querySelectorAll("button")].filter((b) => b.innerText.includes("Test Request"))
          const button = buttons.find((b) => {
            let scope: HTMLElement | null = b.parentElement
            while (scope !== null && [...scope.querySelectorAll("button")].filter((x) => x.innerText.includes("Test Request")).length === 1) {
              if ((scope.textContent ?? "").includes("List the live browser sessions")) return true
              scope = scope.parentElement
            }
            return false
          }) as HTMLButtonElement
          button.scrollIntoView()
          button.click()
        })
      )
      yield* P(() => page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.innerText.includes("Send") && !b.innerText.includes("Test Request")), { timeout: 15_000 }))
      yield* P(() => page.evaluate(() => ([...document.querySelectorAll("button")].find((b) => b.innerText.includes("Send") && !b.innerText.includes("Test Request")) as HTMLButtonElement).click()))
      yield* P(() => page.waitForFunction(() => document.body.innerText.includes("\"active_sessions\": 0"), { timeout: 15_000 }))
      assert.isTrue(accessLines().some((l) => l.path === "/sessions" && l.status === 200), "the page's request carried the token")

      // The curl example the page shows for get_session, with the token filled in, runs as pasted.
      const curl = yield* P(() =>
        page.evaluate(() => [...document.querySelectorAll("pre, code")].map((c) => (c as HTMLElement).innerText).find((t) => t.startsWith("curl") && t.includes("/get_session")))
      )
      assert.isString(curl)
      assert.include(curl!, `Authorization: Bearer ${TOKEN}`)
      const { stdout } = yield* Effect.promise(() => run("bash", ["-c", curl!]))
      const answer = JSON.parse(stdout)
      assert.strictEqual(answer.success, true)
      assert.match(answer.session_id, /^sess_/)

      assert.deepStrictEqual(external, [], "no request left the service")
    }), { timeout: 90_000 })
})
