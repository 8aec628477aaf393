/**
 * What every minimal script is made of: its own Chrome (the service's executable, flags and
 * viewport), the service session's cookies copied in (so no login is needed), and three verbs at
 * the physical limit of puppeteer — `until` (one round trip: the predicate runs in the page on
 * every DOM mutation and resolves the evaluate), `clickAt` (a real pointer click at a point the
 * page computed) and `goto`. The scripts do only what the flow must do on the simulator; no
 * robustness, no logged-in checks, no error mapping.
 */
import puppeteer, { type Browser, type Page } from "puppeteer"
import type { Cookie } from "../../../src/services/browser/Handles.ts"

/** A page function: serialised with toString, so it must not close over anything. */
// deno-lint-ignore no-explicit-any
type PageFn = (...args: Array<any>) => unknown

export interface MinimalChrome {
  readonly browser: Browser
  readonly page: Page
}

export const launchMinimal = async (options: {
  readonly executable: string
  readonly args: ReadonlyArray<string>
  readonly viewport: { readonly width: number; readonly height: number }
  readonly userDataDir: string
  readonly cookies: ReadonlyArray<Cookie>
}): Promise<MinimalChrome> => {
  const browser = await puppeteer.launch({
    executablePath: options.executable,
    headless: true,
    pipe: true,
    userDataDir: options.userDataDir,
    args: [...options.args],
    defaultViewport: { ...options.viewport }
  })
  const page = (await browser.pages())[0] ?? (await browser.newPage())
  await browser.defaultBrowserContext().setCookie(...options.cookies.map((c) => ({
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    httpOnly: c.httpOnly,
    secure: c.secure,
    ...(c.session ? {} : { expires: c.expires }),
    ...(c.sameSite !== undefined ? { sameSite: c.sameSite } : {})
  })))
  page.on("dialog", (d) => void d.accept().catch(() => undefined))
  // The one helper the scripts' page functions share: an element's centre once scrolled into view.
  await page.evaluateOnNewDocument(() => {
    Object.defineProperty(window, "__minCenter", {
      value: (el: Element) => {
        el.scrollIntoView({ block: "center", inline: "center" })
        const r = el.getBoundingClientRect()
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 }
      }
    })
  })
  return { browser, page }
}

/**
 * Resolves with `fn(...args)` once it is truthy: checked at once, then on every DOM mutation of
 * the document (one CDP round trip in all). Rejects after `timeoutMs`.
 */
export const until = <T>(page: Page, fn: PageFn, args: ReadonlyArray<unknown> = [], timeoutMs = 15_000): Promise<T> =>
  page.evaluate(
    (src: string, a: ReadonlyArray<unknown>, ms: number) =>
      new Promise<unknown>((resolve, reject) => {
        // deno-lint-ignore no-eval
        const f = (0, eval)(`(${src})`) as (...x: ReadonlyArray<unknown>) => unknown
        let done = false
        const finish = (ok: boolean, v: unknown) => {
          if (done) return
          done = true
          observer.disconnect()
          clearTimeout(timer)
          ok ? resolve(v) : reject(v)
        }
        const check = () => {
          try {
            const v = f(...a)
            if (v) finish(true, v)
          } catch (e) {
            finish(false, e)
          }
        }
        const observer = new MutationObserver(check)
        const timer = setTimeout(() => finish(false, new Error(`minimal wait timed out: ${src.slice(0, 80)}`)), ms)
        observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
        check()
      }),
    fn.toString(),
    args,
    timeoutMs
  ) as Promise<T>

export interface Point {
  readonly x: number
  readonly y: number
}

declare global {
  interface Window {
    readonly __minCenter: (el: Element) => Point
  }
}

/** A real pointer click (move, press, release) at a point the page computed. */
export const clickAt = (page: Page, p: Point) => page.mouse.click(p.x, p.y)

export const goto = (page: Page, url: string) => page.goto(url, { waitUntil: "domcontentloaded" })
