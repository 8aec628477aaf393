/**
 * One Chromium per e2e test file, launched with the flags our machines need (root needs
 * --no-sandbox; a closed network wants no background traffic) over puppeteer's pipe transport,
 * and closed when the layer's scope ends. Each test takes a fresh incognito BrowserContext, so
 * cookies never leak between tests, with downloads allowed into a temporary directory.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, type Scope } from "effect"
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer"

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage"
]

/** A puppeteer call as an Effect (a rejection is a defect: the test fails with it). */
export const P = <A>(f: () => Promise<A>): Effect.Effect<A> => Effect.promise(f)

/** CHROME_PATH, else the headless shell, else /usr/bin/chromium. */
export const chromiumPath = (): string => {
  const fromEnv = process.env["CHROME_PATH"]
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  const shell = "/usr/lib/chromium/chromium-headless-shell"
  return existsSync(shell) ? shell : "/usr/bin/chromium"
}

export interface BrowserSession {
  readonly context: BrowserContext
  readonly page: Page
  /** Where downloads of this context land. */
  readonly downloadDir: string
}

export interface ChromiumShape {
  readonly browser: Browser
  /** A fresh incognito context and page, closed (with its download dir) when the scope ends. */
  readonly session: Effect.Effect<BrowserSession, never, Scope.Scope>
}

export class Chromium extends Context.Service<Chromium, ChromiumShape>()("emodal-api/test/utils/Chromium") {
  static readonly layer = Layer.effect(
    Chromium,
    Effect.gen(function*() {
      const browser = yield* Effect.acquireRelease(
        Effect.promise(() =>
          puppeteer.launch({
            executablePath: chromiumPath(),
            headless: true,
            pipe: true,
            args: CHROMIUM_ARGS,
            defaultViewport: { width: 1400, height: 1000 }
          })
        ),
        (b) => Effect.promise(() => b.close())
      )
      const session = Effect.acquireRelease(
        Effect.gen(function*() {
          const downloadDir = mkdtempSync(join(tmpdir(), "sim-e2e-"))
          const context = yield* Effect.promise(() =>
            browser.createBrowserContext({ downloadBehavior: { policy: "allow", downloadPath: downloadDir } })
          )
          const page = yield* Effect.promise(() => context.newPage())
          page.setDefaultTimeout(15_000)
          page.setDefaultNavigationTimeout(15_000)
          return { context, page, downloadDir }
        }),
        (s) =>
          Effect.promise(() => s.context.close()).pipe(
            Effect.andThen(Effect.sync(() => rmSync(s.downloadDir, { recursive: true, force: true })))
          )
      )
      return Chromium.of({ browser, session })
    })
  )
}
