/**
 * The puppeteer bridge: the one module that imports puppeteer. It launches a Chrome and turns its
 * browser, contexts, pages and frames into the puppeteer-free handles of `./Handles.ts`. Every call
 * goes through `use`, which turns a throw into an internal `BrowserError` (and puppeteer's wait
 * timeouts into `WaitTimedOut`). Each page it opens gets the page runtime installed — as a script
 * of every new document and once in the current one — so a runtime call is one round trip, the
 * same as the page function it replaces. A document that lacks the runtime anyway (none is known:
 * even Chrome's error pages run the script) gets it on first use rather than failing.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import puppeteer, {
  type Browser as PuppeteerBrowser,
  type BrowserContext as PuppeteerContext,
  type CDPSession,
  type ElementHandle,
  type Frame as PuppeteerFrame,
  type HTTPRequest,
  type KeyInput,
  type Cookie as PuppeteerCookie,
  type Page as PuppeteerPage
} from "puppeteer"
import { mkdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { PAGE_RUNTIME_SOURCE } from "../page/PageRuntime.ts"
import { BrowserError, errorText, WaitTimedOut } from "./BrowserErrors.ts"
import type {
  ChromeProcess,
  ContextHandle,
  Cookie,
  FrameHandle,
  PageHandle,
  PageWatch,
  RuntimeArgs,
  RuntimeQuery,
  RuntimeResult,
  Serializable,
  Truthy,
  WaitOptions
} from "./Handles.ts"

// ---------------------------------------------------------------------------------------------
// `use`: one puppeteer call, its throw typed

const isPuppeteerTimeout = (cause: unknown): boolean =>
  cause instanceof Error && (cause.name === "TimeoutError" || /timeout .*exceeded/i.test(cause.message))

/** Runs one puppeteer call; any throw becomes a BrowserError that says whether Chrome is gone. */
const use = <A>(operation: string, connected: () => boolean, f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, BrowserError> =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new BrowserError({ operation, detail: errorText(cause), disconnected: !connected() })
  })

/** As `use`, for calls bounded by a deadline: a puppeteer timeout becomes WaitTimedOut. */
const useWait = <A>(
  what: string,
  timeout: Duration.Duration,
  connected: () => boolean,
  f: (signal: AbortSignal, timeoutMs: number) => Promise<A>
): Effect.Effect<A, BrowserError | WaitTimedOut> => {
  const ms = Math.max(1, Math.round(Duration.toMillis(timeout)))
  return Effect.tryPromise({
    try: (signal) => f(signal, ms),
    catch: (cause): BrowserError | WaitTimedOut =>
      isPuppeteerTimeout(cause)
        ? new WaitTimedOut({ what, timeoutMillis: ms })
        : new BrowserError({ operation: what, detail: errorText(cause), disconnected: !connected() })
  })
}

// ---------------------------------------------------------------------------------------------
// Frames and elements

type AnyFn = (...args: Array<any>) => any
type Target = PuppeteerFrame | PuppeteerPage

const spread = (args: ReadonlyArray<unknown>) => args as unknown as Array<unknown>

/** Runs `f` on the element `find` returns in `frame` (false when it returns none). */
const withElement = async <T>(frame: Target, find: AnyFn, args: ReadonlyArray<unknown>, f: (el: ElementHandle<Element>) => Promise<T>): Promise<T | false> => {
  const handle = await frame.evaluateHandle(find, ...spread(args))
  const el = handle.asElement() as ElementHandle<Element> | null
  try {
    return el === null ? false : await f(el)
  } finally {
    await handle.dispose()
  }
}

const clickOn = async (el: ElementHandle<Element>): Promise<true> => {
  // A pointer click lands on whatever is on top (an open popup, an overlay) without any error, so
  // look first: if the element is covered or has no box, click it through the DOM, which fires the
  // same handlers a keyboard user would.
  const reachable = await el.evaluate((e) => {
    e.scrollIntoView({ block: "center", inline: "center" })
    const r = e.getBoundingClientRect()
    if (r.width === 0 || r.height === 0) return false
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return top !== null && (top === e || e.contains(top))
  })
  if (reachable) {
    try {
      await el.click()
      return true
    } catch {
      // detached or moved between the check and the click: fall through
    }
  }
  await el.evaluate((e) => (e as HTMLElement).click())
  return true
}

const typeInto = (text: string, clear: boolean) => async (el: ElementHandle<Element>): Promise<true> => {
  await el.focus()
  if (clear) {
    await el.evaluate((e) => {
      const input = e as HTMLInputElement
      input.value = ""
      input.dispatchEvent(new Event("input", { bubbles: true }))
    })
  }
  await el.type(text)
  return true
}

const makeFrameHandle = (frame: Target, connected: () => boolean): FrameHandle => ({
  url: () => frame.url(),
  evaluate: <const Args extends ReadonlyArray<Serializable>, R>(fn: (...args: Args) => R | Promise<R>, ...args: Args) =>
    use(`evaluate:${fn.name || "anonymous"}`, connected, () => frame.evaluate(fn as unknown as AnyFn, ...spread(args)) as Promise<Awaited<R>>),
  waitFor: (what, fn, options, ...args) =>
    useWait(what, options.timeout, connected, (signal, timeout) => waitForValue(frame, fn as unknown as AnyFn, args, { timeout, signal, polling: options.polling ?? "raf" })),
  clickElement: (what, find, ...args) =>
    use(`click:${what}`, connected, () => withElement(frame, find as AnyFn, args, clickOn).then((r) => r !== false)),
  typeIntoElement: (what, text, options, find, ...args) =>
    use(`type:${what}`, connected, () => withElement(frame, find as AnyFn, args, typeInto(text, options.clear)).then((r) => r !== false))
})

const waitForValue = async <R>(
  frame: Target,
  fn: AnyFn,
  args: ReadonlyArray<unknown>,
  options: { readonly timeout: number; readonly signal: AbortSignal; readonly polling: "raf" | "mutation" | number }
): Promise<R> => {
  const handle = await frame.waitForFunction(fn, options, ...spread(args))
  try {
    return (await handle.jsonValue()) as R
  } finally {
    await handle.dispose()
  }
}

// ---------------------------------------------------------------------------------------------
// The page runtime: its verbs send only a name and the arguments

const RUNTIME_MISSING = "emodal-api: page runtime missing"

/** Runs runtime function `name` in the page (throws when the document has no runtime). */
const runtimeCall = (name: string, args: ReadonlyArray<unknown>): unknown => {
  const runtime = window.__emodalApi
  if (runtime === undefined) throw new Error("emodal-api: page runtime missing")
  return (runtime[name as keyof typeof runtime] as unknown as (...a: ReadonlyArray<unknown>) => unknown)(...args)
}

/**
 * As `runtimeCall`, for waits: puppeteer's pollers hang on a predicate that throws (the wait would
 * only end at its deadline), so a throw is answered as a truthy fault record instead, which ends
 * the wait and is raised on this side.
 */
const runtimePoll = (name: string, args: ReadonlyArray<unknown>): unknown => {
  const runtime = window.__emodalApi
  if (runtime === undefined) return { emodalApiFault: "emodal-api: page runtime missing" }
  try {
    return (runtime[name as keyof typeof runtime] as unknown as (...a: ReadonlyArray<unknown>) => unknown)(...args)
  } catch (e) {
    return { emodalApiFault: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
  }
}

/** Raises the fault record of `runtimePoll` (see there); any other value is the wait's result. */
const unlessFault = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && "emodalApiFault" in value) throw new Error(String(value.emodalApiFault))
  return value
}

const runtimeMissing = (e: unknown): boolean =>
  e instanceof Error && (e.message.includes(RUNTIME_MISSING) || (e.cause instanceof Error && e.cause.message.includes(RUNTIME_MISSING)))

/** Runs `run`; when the document lacked the runtime, installs it and runs `run` once more. */
const withRuntime = (page: PuppeteerPage) => async <A>(run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (e) {
    if (!runtimeMissing(e)) throw e
    await page.evaluate(PAGE_RUNTIME_SOURCE)
    return await run()
  }
}

const runtimeVerbs = (page: PuppeteerPage, connected: () => boolean): Pick<PageHandle, "call" | "until" | "click" | "type"> => {
  const installed = withRuntime(page)
  return {
    call: <K extends RuntimeQuery>(name: K, ...args: RuntimeArgs<K>) =>
      use(`call:${name}`, connected, () => installed(() => page.evaluate(runtimeCall, name, spread(args)) as Promise<RuntimeResult<K>>)),
    until: <K extends RuntimeQuery>(what: string, options: WaitOptions, name: K, ...args: RuntimeArgs<K>) =>
      useWait(what, options.timeout, connected, (signal, timeout) =>
        installed(() =>
          waitForValue<Truthy<RuntimeResult<K>>>(page, runtimePoll, [name, args], { timeout, signal, polling: options.polling ?? "raf" }).then(unlessFault)
        )),
    click: (what, name, ...args) =>
      use(`click:${what}`, connected, () => installed(() => withElement(page, runtimeCall, [name, args], clickOn)).then((r) => r !== false)),
    type: (what, text, options, name, ...args) =>
      use(`type:${what}`, connected, () => installed(() => withElement(page, runtimeCall, [name, args], typeInto(text, options.clear))).then((r) => r !== false))
  }
}

// ---------------------------------------------------------------------------------------------
// Pages

const toCookie = (c: PuppeteerCookie): Cookie => ({
  name: c.name,
  value: c.value,
  domain: c.domain,
  path: c.path,
  expires: c.expires,
  httpOnly: c.httpOnly ?? false,
  secure: c.secure ?? false,
  session: c.session ?? false,
  ...(c.sameSite === "Strict" || c.sameSite === "Lax" || c.sameSite === "None" ? { sameSite: c.sameSite } : {})
})

const fromCookie = (c: Cookie) => ({
  name: c.name,
  value: c.value,
  domain: c.domain,
  path: c.path,
  httpOnly: c.httpOnly,
  secure: c.secure,
  ...(c.session ? {} : { expires: c.expires }),
  ...(c.sameSite !== undefined ? { sameSite: c.sameSite } : {})
})

/** The current origin's storage (page function). */
const readStorage = () => {
  if (!/^https?:$/.test(location.protocol)) return null
  const read = (s: Storage) => {
    const out: Record<string, string> = {}
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i)
      if (k !== null) out[k] = s.getItem(k) ?? ""
    }
    return out
  }
  return { origin: location.origin, local: read(localStorage), session: read(sessionStorage) }
}

const makePageHandle = (browser: PuppeteerBrowser, context: PuppeteerContext, page: PuppeteerPage, connected: () => boolean): PageHandle => {
  const frame = makeFrameHandle(page, connected)

  const goto: PageHandle["goto"] = (url, options) => {
    // Which host failed is the one being loaded at the time: a redirect (login → identity) may
    // have moved the navigation off `url`'s host. Only the host is kept, never the URL's query.
    let loading = new URL(url).host
    const onRequest = (r: HTTPRequest) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) loading = URL.parse(r.url())?.host ?? loading
    }
    return useWait(`goto ${new URL(url).pathname}`, options.timeout, connected, async (_signal, timeout) => {
      page.on("request", onRequest)
      try {
        const response = await page.goto(url, { timeout, waitUntil: options.waitUntil ?? "domcontentloaded" })
        return { status: response?.status() ?? null, url: page.url() }
      } finally {
        page.off("request", onRequest)
      }
    }).pipe(Effect.mapError((e) =>
      e._tag === "BrowserError"
        ? new BrowserError({ operation: e.operation, detail: e.detail, disconnected: e.disconnected, host: loading })
        : new WaitTimedOut({ what: e.what, timeoutMillis: e.timeoutMillis, host: loading })
    ))
  }

  return {
    url: frame.url,
    isOpen: () => connected() && !page.isClosed(),
    evaluate: frame.evaluate,
    ...runtimeVerbs(page, connected),
    goto,
    title: () => use("title", connected, () => page.title()),
    content: () => use("content", connected, () => page.content()),
    press: (key) => use(`press ${key}`, connected, () => page.keyboard.press(key as KeyInput)),
    frames: (urlIncludes) =>
      Effect.sync(() => page.frames().filter((f) => f.url().includes(urlIncludes)).map((f) => makeFrameHandle(f, connected))),
    screenshot: (options) =>
      use("screenshot", connected, async () => new Uint8Array(await page.screenshot({ type: "png", fullPage: options?.fullPage ?? false }))),
    cookies: () => use("cookies", connected, async () => (await context.cookies()).map(toCookie)),
    setCookies: (cookies) => use("setCookies", connected, () => context.setCookie(...cookies.map(fromCookie))),
    storage: () => use("storage", connected, () => page.evaluate(readStorage)),
    addInitScript: (source) => use("addInitScript", connected, async () => {
      await page.evaluateOnNewDocument(source)
    }),
    download: (directory, trigger, timeout) => download(browser, context, connected, directory, trigger, timeout)
  }
}

const download = <E, R>(
  browser: PuppeteerBrowser,
  context: PuppeteerContext,
  connected: () => boolean,
  directory: string,
  trigger: Effect.Effect<void, E, R>,
  timeout: Duration.Duration
) =>
  Effect.gen(function*() {
    mkdirSync(directory, { recursive: true })
    const cdp: CDPSession = yield* use("download:attach", connected, () => browser.target().createCDPSession())
    const done = yield* Deferred.make<{ guid: string; name: string }, BrowserError>()
    const names = new Map<string, string>()
    const onBegin = (e: { guid: string; suggestedFilename: string }) => {
      names.set(e.guid, e.suggestedFilename)
    }
    const onProgress = (e: { guid: string; state: string }) => {
      if (e.state === "completed") {
        Deferred.doneUnsafe(done, Exit.succeed({ guid: e.guid, name: names.get(e.guid) ?? e.guid }))
      } else if (e.state === "canceled") {
        Deferred.doneUnsafe(done, Exit.fail(new BrowserError({ operation: "download", detail: "download canceled", disconnected: false })))
      }
    }
    const inContext = context.id !== undefined ? { browserContextId: context.id } : {}
    return yield* Effect.gen(function*() {
      cdp.on("Browser.downloadWillBegin", onBegin)
      cdp.on("Browser.downloadProgress", onProgress)
      yield* use("download:behavior", connected, () =>
        cdp.send("Browser.setDownloadBehavior", { behavior: "allowAndName", downloadPath: directory, eventsEnabled: true, ...inContext }))
      yield* trigger
      const ms = Math.round(Duration.toMillis(timeout))
      const finished = yield* Deferred.await(done).pipe(
        Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new WaitTimedOut({ what: "download complete", timeoutMillis: ms })) })
      )
      const path = join(directory, finished.guid)
      return { path, suggestedFilename: finished.name, bytes: statSync(path).size }
    }).pipe(
      Effect.ensuring(use("download:detach", connected, async () => {
        cdp.off("Browser.downloadWillBegin", onBegin)
        cdp.off("Browser.downloadProgress", onProgress)
        await cdp.send("Browser.setDownloadBehavior", { behavior: "default", ...inContext }).catch(() => undefined)
        await cdp.detach()
      }).pipe(Effect.catchCause((cause) => Effect.logDebug("the download watch did not detach cleanly", { phase: "appointments:export", cause }))))
    )
  })

// ---------------------------------------------------------------------------------------------
// Contexts and Chrome

const CLOSE_GRACE = Duration.seconds(3)

/** A close that may give up: after CLOSE_GRACE, or on failure, it is noted at debug and dropped. */
const closeBestEffort = (what: string, close: Effect.Effect<void, BrowserError>) =>
  close.pipe(
    Effect.timeout(CLOSE_GRACE),
    Effect.catchCause((cause) => Effect.logDebug(`${what} did not close cleanly`, { phase: "chrome:close", cause }))
  )

/**
 * Opens a page in `context` (the default context's first tab, when it has one nobody holds) with
 * the page runtime installed. Alert/confirm/prompt are accepted, so a portal dialog never blocks
 * the session. The renderer dying (puppeteer's "error", from CDP's Inspector.targetCrashed: the
 * page's calls would never answer) or the page closing is the owner's crash unless it is closing.
 */
const openPage = (browser: PuppeteerBrowser, context: PuppeteerContext, connected: () => boolean, held: Set<PuppeteerPage>) =>
  (watch: PageWatch) =>
    Effect.gen(function*() {
      let closing = false
      const page = yield* Effect.acquireRelease(
        use("newPage", connected, async () => (await context.pages()).find((p) => !held.has(p)) ?? (await context.newPage())),
        (p) =>
          Effect.suspend(() => {
            closing = true
            held.delete(p)
            // A Chrome's last tab goes with the Chrome (closing it might end the browser first).
            return context === browser.defaultBrowserContext()
              ? Effect.void
              : closeBestEffort("page", use("closePage", connected, () => p.close()))
          })
      )
      held.add(page)
      const isClosing = () => closing || watch.isClosing()
      page.on("dialog", (dialog) => {
        dialog.accept().catch(() => undefined)
      })
      page.on("error", () => {
        if (!isClosing()) watch.onCrash("the page's renderer crashed")
      })
      page.on("close", () => {
        if (!isClosing()) watch.onCrash("page closed")
      })
      // Both at once: a round trip at open, none per call.
      yield* use("install page runtime", connected, () =>
        Promise.all([page.evaluateOnNewDocument(PAGE_RUNTIME_SOURCE), page.evaluate(PAGE_RUNTIME_SOURCE)]))
      return makePageHandle(browser, context, page, connected)
    })

const makeContextHandle = (browser: PuppeteerBrowser, context: PuppeteerContext, connected: () => boolean): ContextHandle => ({
  openPage: openPage(browser, context, connected, new Set()),
  close: closeBestEffort("browser context", use("closeContext", connected, () => context.close()))
})

export interface LaunchOptions {
  readonly executable: string
  readonly headless: boolean
  readonly args: ReadonlyArray<string>
  readonly profileDir: string
  readonly env: Record<string, string | undefined>
  readonly viewport: { readonly width: number; readonly height: number }
}

/**
 * Starts Chrome over a pipe (it exits with its parent's pipe, see chrome-facts) in a process group
 * of its own (puppeteer starts it detached). Signals stay with the service.
 */
export const launch = (options: LaunchOptions): Effect.Effect<ChromeProcess, BrowserError> =>
  use("launch", () => true, () =>
    puppeteer.launch({
      executablePath: options.executable,
      headless: options.headless,
      pipe: true,
      userDataDir: options.profileDir,
      args: [...options.args],
      env: options.env,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      defaultViewport: { ...options.viewport },
      protocolTimeout: 120_000,
      timeout: 30_000
    })).pipe(Effect.map((browser) => {
      const connected = () => browser.connected
      return {
        pid: browser.process()?.pid,
        isConnected: connected,
        onDisconnected: (f) => {
          browser.once("disconnected", f)
        },
        defaultContext: makeContextHandle(browser, browser.defaultBrowserContext(), connected),
        newContext: use("createBrowserContext", connected, () => browser.createBrowserContext()).pipe(
          Effect.map((context) => makeContextHandle(browser, context, connected))
        ),
        close: use("close", connected, () => browser.close())
      } satisfies ChromeProcess
    }))

/** The Chrome puppeteer downloaded into its cache, if any ("" when none). */
export const cachedExecutable: Effect.Effect<string> = Effect.tryPromise(async () => await puppeteer.executablePath()).pipe(
  Effect.orElseSucceed(() => "")
)
