/**
 * The live sessions dashboard in real Chromium, against the service with the simulator (the demo's
 * data) and API_TOKEN set: the page asks for the token and keeps it out of every URL; what it shows
 * matches /sessions, and a running operation with its phase; a peek shows the session's real page,
 * taken after the running operation ended; pin and close act on the session; it
 * loads nothing from elsewhere and its CSP blocks nothing of its own. Screenshots of the dashboard
 * and of the peek land in test-artifacts/ (printed). /metrics is read after real logins too:
 * captcha solves, logins per account, the Chromes' memory.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Simulator } from "@emodal/simulator"
import { testSimulatorLayer } from "@emodal/simulator/testing"
import { P } from "../../utils/Chromium.ts"
import { offlineChromium } from "../../utils/OfflineChromium.ts"
import { baseUrl, call, realServer } from "../../utils/HttpHarness.ts"
import { families, valueOf } from "../../utils/Prometheus.ts"

const TOKEN = "dashboard-e2e-token-0123456789"
const AUTH = { authorization: `Bearer ${TOKEN}` }
const ARTIFACTS = resolve(import.meta.dirname, "../../../test-artifacts")

/** Writes an artifact and prints where (past vitest's buffering of passing tests' console). */
const artifact = (name: string, bytes: Uint8Array) => {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, name)
  writeFileSync(path, bytes)
  process.stderr.write(`test artifact: ${path}\n`)
  return path
}

const login = (username: string, extra: Record<string, unknown> = {}) =>
  call("POST", "/get_session", { username, password: username, captcha_api_key: "demo", ...extra }, AUTH)

layer(testSimulatorLayer({ seed: 1 }), { excludeTestServices: true, timeout: "300 seconds" })("the dashboard", (it) => {
  it.layer(realServer({ API_TOKEN: TOKEN }), { timeout: "120 seconds" })("against the demo", (it) => {
    it.effect("shows what /sessions shows, takes the token without putting it in a URL, peeks and acts", () =>
      Effect.gen(function*() {
        const demo = yield* login("demo")
        assert.strictEqual(demo.status, 200, demo.text)
        const trusted = yield* login("trusted")
        assert.strictEqual(trusted.status, 200, trusted.text)
        // A real operation, so the demo session has a use and a page worth peeking at.
        const lookup = yield* call("POST", "/get_booking_number", { session_id: demo.body.session_id, container_id: "YMLU3368725" }, AUTH)
        assert.strictEqual(lookup.body.booking_number, "ZMKHLA418878", lookup.text)

        const url = yield* baseUrl
        const origin = new URL(url).origin
        const browser = yield* offlineChromium({ width: 1500, height: 1000 })
        const page = yield* P(() => browser.newPage())
        const requested: Array<string> = []
        const external: Array<string> = []
        const problems: Array<string> = []
        yield* P(() => page.setRequestInterception(true))
        page.on("request", (request) => {
          const target = request.url()
          requested.push(target)
          if (/^https?:/.test(target) && new URL(target).origin !== origin) {
            external.push(target)
            void request.abort()
          } else void request.continue()
        })
        page.on("console", (message) => {
          if (message.type() === "error" && !message.text().includes("401")) problems.push(message.text())
        })
        page.on("pageerror", (error) => problems.push(String(error)))
        page.on("dialog", (dialog) => void dialog.accept())
        const peeks: Array<{ status: number; type: string | undefined }> = []
        page.on("response", (response) => {
          if (response.url().endsWith("/peek")) peeks.push({ status: response.status(), type: response.headers()["content-type"] })
        })

        // The page asks for the token.
        yield* P(() => page.goto(`${url}/dashboard`, { waitUntil: "domcontentloaded" }))
        yield* P(() => page.waitForSelector("#login:not([hidden]) #token"))
        yield* P(() => page.type("#token", TOKEN))
        yield* P(() => page.click("#login-form button[type=submit]"))
        yield* P(() => page.waitForFunction(() => document.querySelectorAll("tr[data-session-id]").length === 2, { timeout: 15_000 }))

        // It shows what /sessions shows.
        const listed = (yield* call("GET", "/sessions", undefined, AUTH)).body.sessions as Array<any>
        const shown = yield* P(() =>
          page.$$eval("tr[data-session-id]", (rows) =>
            rows.map((row) => {
              const field = (name: string) => row.querySelector(`[data-field=${name}]`)?.textContent ?? null
              return { id: row.getAttribute("data-session-id"), username: field("username"), state: field("state"), pinned: field("pinned"), tier: field("tier"), uses: field("uses") }
            }))
        )
        assert.deepStrictEqual(
          shown.map((s) => [s.id, s.username, s.state, s.pinned === "pinned"]).sort(),
          listed.map((s) => [s.session_id, s.username, s.state, s.never_terminate]).sort()
        )
        const demoRow = shown.find((s) => s.username === "demo")!
        assert.strictEqual(demoRow.tier, "hot")
        assert.strictEqual(demoRow.uses, String(listed.find((s) => s.username === "demo").uses))
        assert.strictEqual(yield* P(() => page.$eval("[data-figure=active] b", (b) => b.textContent)), "2 / 10")

        // The token: in this tab's sessionStorage and in headers, never in a URL.
        assert.strictEqual(yield* P(() => page.evaluate(() => sessionStorage.getItem("emodal-api-token"))), TOKEN)
        for (const target of [...requested, page.url()]) assert.notInclude(target, TOKEN)

        // A slow export on the demo session (the simulator's batches made slow): the page shows the
        // operation and its phase while it runs…
        const demoId = demo.body.session_id as string
        const sim = yield* Simulator
        yield* sim.setFaults({ batchLatency: "1500 millis" })
        let exportDoneAt = 0
        const slowExport = yield* call("POST", "/get_containers", { session_id: demoId, return_url: true }, AUTH).pipe(
          Effect.tap(() => Effect.sync(() => (exportDoneAt = Date.now()))),
          Effect.ensuring(sim.resetFaults()),
          Effect.forkChild
        )
        const running = yield* P(() =>
          page.waitForFunction((id: string) => {
            const row = document.querySelector(`tr[data-session-id="${id}"]`)
            const phase = row?.querySelector("[data-field=phase]")?.textContent ?? ""
            return phase.startsWith("containers:") ? row!.querySelector("[data-field=state]")!.textContent : ""
          }, { timeout: 20_000 }, demoId).then((handle) => handle.jsonValue())
        )
        assert.strictEqual(running, "busy")
        artifact("dashboard-busy.png", yield* P(() => page.screenshot()))
        // …and a peek asked for now waits for the export to end: it never shows an operation midway.
        let peekAnsweredAt = 0
        page.on("response", (response) => {
          if (response.url().endsWith("/peek")) peekAnsweredAt = Date.now()
        })
        yield* P(() => page.click(`tr[data-session-id="${demoId}"] [data-action=peek]`))
        yield* P(() => page.waitForFunction(() => {
          const img = document.getElementById("peek-image") as HTMLImageElement
          return !document.getElementById("peek")!.hidden && img.complete && img.naturalWidth > 100
        }, { timeout: 30_000 }))
        assert.deepStrictEqual(peeks, [{ status: 200, type: "image/png" }])
        const exported = yield* Fiber.join(slowExport)
        assert.strictEqual(exported.status, 200, exported.text)
        assert.isAbove(exportDoneAt, 0)
        assert.isTrue(peekAnsweredAt >= exportDoneAt - 50, `the peek (${peekAnsweredAt}) came after the export (${exportDoneAt})`)
        // The pixels the page shows, as they are (drawn from the image element, re-encoded as PNG).
        const shownPeek = yield* P(() => page.evaluate(() => {
          const img = document.getElementById("peek-image") as HTMLImageElement
          const canvas = document.createElement("canvas")
          canvas.width = img.naturalWidth
          canvas.height = img.naturalHeight
          canvas.getContext("2d")!.drawImage(img, 0, 0)
          return { width: img.naturalWidth, height: img.naturalHeight, png: canvas.toDataURL("image/png").split(",")[1]! }
        }))
        assert.isAbove(shownPeek.height, 100)
        artifact("dashboard-peek.png", Buffer.from(shownPeek.png, "base64"))
        artifact("dashboard.png", yield* P(() => page.screenshot({ fullPage: true })))

        // Pin the trusted session from the page: /sessions agrees.
        const trustedId = trusted.body.session_id as string
        yield* P(() => page.click(`tr[data-session-id="${trustedId}"] [data-action=pin]`))
        yield* P(() => page.waitForFunction((id: string) =>
          document.querySelector(`tr[data-session-id="${id}"] [data-field=pinned]`)?.textContent === "pinned", { timeout: 10_000 }, trustedId))
        const pinned = ((yield* call("GET", "/sessions", undefined, AUTH)).body.sessions as Array<any>).find((s) => s.session_id === trustedId)
        assert.isTrue(pinned.never_terminate)
        // Close it from the page (after the confirmation): gone from the page and from /sessions.
        yield* P(() => page.click(`tr[data-session-id="${trustedId}"] [data-action=close]`))
        yield* P(() => page.waitForFunction(() => document.querySelectorAll("tr[data-session-id]").length === 1, { timeout: 15_000 }))
        const left = (yield* call("GET", "/sessions", undefined, AUTH)).body.sessions as Array<any>
        assert.deepStrictEqual(left.map((s) => s.session_id), [demoId])

        assert.deepStrictEqual(external, [], "nothing loaded from elsewhere")
        assert.deepStrictEqual(problems, [], "no script error, no CSP violation")

        // /metrics after real logins: the demo's captcha was solved by token, logins per account, Chrome memory.
        const metrics = families((yield* call("GET", "/metrics", undefined, AUTH)).text)
        assert.isAtLeast(valueOf(metrics.get("emodal_captcha_solves_total"), { method: "token", outcome: "solved" }) ?? 0, 1)
        assert.strictEqual(valueOf(metrics.get("emodal_logins_total"), { account: "demo" }), 1)
        assert.strictEqual(valueOf(metrics.get("emodal_operations_total"), { endpoint: "get_booking_number", outcome: "ok", account: "demo" }), 1)
        assert.strictEqual(valueOf(metrics.get("emodal_chrome_processes")), 1)
        assert.isAbove(valueOf(metrics.get("emodal_chrome_pss_bytes")) ?? 0, 10 * 1024 * 1024, "a Chrome's PSS is tens of MB")
      }))
  })
})
