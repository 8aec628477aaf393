import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { Browser, type BrowserLease } from "../../../src/services/Browser.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import { SESSION_MARKERS } from "../../../src/services/portal/PageState.ts"
import { tempDataDir } from "../../utils/ProductHarness.ts"

const browserIn = (dataDir: string, isolation: "process" | "context") =>
  Browser.layer.pipe(Layer.provide(PortalConfig.layerTest({ DATA_DIR: dataDir, BROWSER_ISOLATION: isolation })))

const page = (html: string) => `data:text/html,${encodeURIComponent(html)}`

/** A lease's page, in a Browser of its own over a temporary DATA_DIR. */
const withPage = <A, E>(isolation: "process" | "context", f: (lease: BrowserLease) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const dir = yield* tempDataDir
    return yield* Effect.gen(function*() {
      const lease = yield* (yield* Browser).open
      return yield* f(lease)
    }).pipe(Effect.scoped, Effect.provide(browserIn(dir, isolation)))
  })

describe("page runtime in Chromium", () => {
  for (const isolation of ["process", "context"] as const) {
    it.live(`${isolation} isolation: installed in the page's first document and in every document it loads`, () =>
      withPage(isolation, (lease) =>
        Effect.gen(function*() {
          assert.isFalse(yield* lease.page.call("present", "#here"), "about:blank, right after open")
          yield* lease.page.goto(page("<title>one</title><p id=here>x</p>"), { timeout: Duration.seconds(10) })
          assert.isTrue(yield* lease.page.call("present", "#here"))
          const facts = yield* lease.page.call("pageFacts", SESSION_MARKERS)
          assert.strictEqual(facts.title, "one")
          // The page's own scripts cannot replace it.
          assert.isTrue(yield* lease.page.evaluate(() => {
            try {
              Object.defineProperty(window, "__emodalApi", { value: {} })
            } catch {
              // read-only: the page's own code cannot replace the runtime
            }
            return typeof window.__emodalApi?.present === "function"
          }))
        })))
  }

  it.live("Chrome's own error page answers runtime calls too (the login reads its facts after a failed LOGIN)", () =>
    withPage("process", (lease) =>
      Effect.gen(function*() {
        // Nothing listens on port 9: Chrome shows its own error document.
        yield* Effect.ignore(lease.page.goto("http://127.0.0.1:9/", { timeout: Duration.seconds(10) }))
        // The wait outlives the error document's commit (puppeteer re-runs it in the new document).
        yield* lease.page.until("error page", { timeout: Duration.seconds(10), polling: 50 }, "present", "body")
        const facts = yield* lease.page.call("pageFacts", SESSION_MARKERS)
        assert.isString(facts.host)
        assert.isFalse(facts.loggedInMarkers)
      })))

  it.live("a runtime function that throws ends its wait at once with a BrowserError, not at the wait's deadline", () =>
    withPage("context", (lease) =>
      Effect.gen(function*() {
        yield* lease.page.goto(page("<p>no list</p>"), { timeout: Duration.seconds(10) })
        const started = Date.now()
        // An invalid selector makes querySelector throw inside the page.
        const e = yield* lease.page.until("element", { timeout: Duration.seconds(20), polling: 50 }, "present", "table[").pipe(Effect.flip)
        assert.strictEqual(e._tag, "BrowserError")
        assert.include(e._tag === "BrowserError" ? e.detail : "", "SyntaxError")
        assert.isBelow(Date.now() - started, 10_000)
      })))
})
