/**
 * Browser owns Chrome. It is the only module that imports puppeteer: everything else drives pages
 * through the narrow, puppeteer-free `PageHandle`/`FrameHandle` interfaces, whose every call goes
 * through one `use` wrapper that turns throws into an internal `BrowserError` (and puppeteer's wait
 * timeouts into `WaitTimedOut`). Each `open` gives a session its own Chrome (or, in context
 * isolation, its own BrowserContext in a shared Chrome) with a private profile directory and TMPDIR
 * under DATA_DIR/chrome/<random>; the scope that opened it closes Chrome, kills what is left of its
 * process group (each Chrome leads a group of its own) and removes both directories on every exit
 * path. With BROWSER_ISOLATION=context all sessions share one Chrome (started on first use, started
 * again if it dies) and each gets its own BrowserContext — its own cookies and storage — at a
 * fraction of the memory; a crash of the shared Chrome ends every session in it, which the pool
 * handles like any crash. At boot, Chromes left behind by an earlier run (recognised by a profile
 * directory under our DATA_DIR on their command line, or by the process group recorded next to it)
 * are killed with their whole process group and their directories removed; other programs'
 * processes are never touched.
 */
import { Context, Data, Deferred, Duration, Effect, Exit, Layer, Option, Ref, Scope, Semaphore } from "effect"
import puppeteer, {
  type Browser as PuppeteerBrowser,
  type BrowserContext as PuppeteerContext,
  type CDPSession,
  type Frame as PuppeteerFrame,
  type HTTPRequest,
  type KeyInput,
  type Page as PuppeteerPage
} from "puppeteer"
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { delimiter, join } from "node:path"
import { makeOpaqueToken } from "../domain/Ids.ts"
import type { ChromeProfile, PortalConfigShape } from "./PortalConfig.ts"
import { PortalConfig, secretVariables } from "./PortalConfig.ts"
import * as Processes from "./Processes.ts"
import type { Cookie } from "./SessionSnapshots.ts"

// ---------------------------------------------------------------------------------------------
// Errors (internal: the session and operations layers translate them into domain errors)

/** A puppeteer/Chrome call failed. `disconnected` is true when Chrome itself is gone. */
export class BrowserError extends Data.TaggedError("BrowserError")<{
  readonly operation: string
  readonly detail: string
  readonly disconnected: boolean
  /** A failed `goto`: the host (host:port) it was loading then, which a redirect may have changed. */
  readonly host?: string | undefined
}> {}

/** A wait on a page signal passed its deadline. `what` names the signal. */
export class WaitTimedOut extends Data.TaggedError("WaitTimedOut")<{
  readonly what: string
  readonly timeoutMillis: number
  /** A `goto` past its deadline: the host (host:port) it was still loading. */
  readonly host?: string | undefined
}> {}

/** No usable Chrome executable (boot failure). */
export class ChromeNotFound extends Data.TaggedError("ChromeNotFound")<{ readonly tried: ReadonlyArray<string> }> {
  override get message(): string {
    return `No Chrome/Chromium executable found (tried ${this.tried.join(", ")}). Install chromium or set CHROME_PATH.`
  }
}

// ---------------------------------------------------------------------------------------------
// The page interface the rest of the service uses

/** Values that cross into a page function: JSON-like. */
export type Serializable = string | number | boolean | null | undefined | ReadonlyArray<Serializable> | { readonly [k: string]: Serializable }

/**
 * A function that runs inside the page. It is serialised with `toString()`, so it must not close
 * over anything: pass selectors and values as arguments.
 */
export type PageFunction<Args extends ReadonlyArray<Serializable>, R> = (...args: Args) => R | Promise<R>

/** What a wait returns: the page function's value once it is truthy. */
export type Truthy<T> = Exclude<T, null | undefined | false | 0 | "">

export interface WaitOptions {
  readonly timeout: Duration.Duration
  /** "raf" (default), "mutation", or a poll interval in ms. */
  readonly polling?: "raf" | "mutation" | number
}

export interface FrameHandle {
  /** The frame's current URL (no browser round trip). */
  readonly url: () => string
  /** Runs `fn` in the frame and returns its (JSON) result. */
  readonly evaluate: <const Args extends ReadonlyArray<Serializable>, R>(
    fn: PageFunction<Args, R>,
    ...args: Args
  ) => Effect.Effect<Awaited<R>, BrowserError>
  /** Waits until `fn` returns a truthy value and returns it; `what` names the signal in errors. */
  readonly waitFor: <const Args extends ReadonlyArray<Serializable>, R>(
    what: string,
    fn: PageFunction<Args, R>,
    options: WaitOptions,
    ...args: Args
  ) => Effect.Effect<Truthy<Awaited<R>>, BrowserError | WaitTimedOut>
  /**
   * Real mouse click (scrolled into view) on the element `find` returns; false when it returns null.
   * Falls back to a DOM click when the element cannot take a pointer click (e.g. covered).
   */
  readonly clickElement: <const Args extends ReadonlyArray<Serializable>>(
    what: string,
    find: (...args: Args) => Element | null | undefined,
    ...args: Args
  ) => Effect.Effect<boolean, BrowserError>
  /** Focuses the element `find` returns and types `text` with real key events; false when absent. */
  readonly typeIntoElement: <const Args extends ReadonlyArray<Serializable>>(
    what: string,
    text: string,
    options: { readonly clear: boolean },
    find: (...args: Args) => Element | null | undefined,
    ...args: Args
  ) => Effect.Effect<boolean, BrowserError>
}

// A cookie of the session's browser context; its schema lives with the snapshots that store it.
export type { Cookie }

export interface DownloadedFile {
  readonly path: string
  readonly suggestedFilename: string
  readonly bytes: number
}

export interface NavigationResult {
  readonly status: number | null
  readonly url: string
}

export interface PageHandle extends FrameHandle {
  readonly goto: (
    url: string,
    options: { readonly timeout: Duration.Duration; readonly waitUntil?: "load" | "domcontentloaded" | "networkidle0" | "networkidle2" }
  ) => Effect.Effect<NavigationResult, BrowserError | WaitTimedOut>
  readonly title: () => Effect.Effect<string, BrowserError>
  readonly content: () => Effect.Effect<string, BrowserError>
  readonly press: (key: string) => Effect.Effect<void, BrowserError>
  /** The frames of the page whose URL contains `urlIncludes`. */
  readonly frames: (urlIncludes: string) => Effect.Effect<ReadonlyArray<FrameHandle>, BrowserError>
  /** PNG of the viewport or of the whole page. */
  readonly screenshot: (options?: { readonly fullPage?: boolean }) => Effect.Effect<Uint8Array, BrowserError>
  /** Every cookie of this session's browser context, session cookies included. */
  readonly cookies: () => Effect.Effect<ReadonlyArray<Cookie>, BrowserError>
  readonly setCookies: (cookies: ReadonlyArray<Cookie>) => Effect.Effect<void, BrowserError>
  /** The current origin's localStorage and sessionStorage (none for about:/data: pages). */
  readonly storage: () => Effect.Effect<{ readonly origin: string; readonly local: Record<string, string>; readonly session: Record<string, string> } | null, BrowserError>
  /** Runs `source` in every new document of this page, before the page's own scripts. */
  readonly addInitScript: (source: string) => Effect.Effect<void, BrowserError>
  /**
   * Lets the browser download into `directory`, runs `trigger`, and waits (up to `timeout`) until
   * the download is complete on disk. The file keeps an opaque name; `suggestedFilename` is the
   * portal's name for it.
   */
  readonly download: <E, R>(
    directory: string,
    trigger: Effect.Effect<void, E, R>,
    timeout: Duration.Duration
  ) => Effect.Effect<DownloadedFile, BrowserError | WaitTimedOut | E, R>
}

/** One session's browser: a Chrome process (or a context in the shared Chrome) and its page. */
export interface BrowserLease {
  /** Random directory name under DATA_DIR/chrome (never the session id: ids are bearer secrets). */
  readonly token: string
  readonly page: PageHandle
  /** Chrome's main process id (the shared one in context isolation). */
  readonly pid: number | undefined
  readonly isConnected: () => boolean
  /** Completes when Chrome goes away without this lease being closed (crash, kill, OOM). */
  readonly crashed: Effect.Effect<string>
  /** PSS of this lease's Chrome process tree in MB (the shared browser's, in context isolation). */
  readonly memoryMb: () => number
}

export interface BrowserShape {
  readonly executable: string
  /** Opens a fresh, isolated browser for one session; the scope closes it and removes its files. */
  readonly open: Effect.Effect<BrowserLease, BrowserError, Scope.Scope>
}

// ---------------------------------------------------------------------------------------------
// Executable and flags

const HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, fsConstants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, name)).find(isExecutable)

/**
 * CHROME_PATH wins. Otherwise, headless, Debian's headless shell (a third less memory per session
 * than full Chromium in headless mode, see chrome-facts), then /usr/bin/chromium, google-chrome,
 * then puppeteer's own cache.
 */
const resolveExecutable = (config: Pick<PortalConfigShape, "chromePath" | "headless">): Effect.Effect<string, ChromeNotFound> =>
  Effect.suspend(() => {
    if (Option.isSome(config.chromePath)) {
      const path = config.chromePath.value
      return isExecutable(path) ? Effect.succeed(path) : Effect.fail(new ChromeNotFound({ tried: [path] }))
    }
    const candidates = [
      ...(config.headless ? [HEADLESS_SHELL] : []),
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      onPath("google-chrome") ?? "google-chrome",
      onPath("google-chrome-stable") ?? "google-chrome-stable"
    ]
    const found = candidates.find(isExecutable)
    if (found !== undefined) return Effect.succeed(found)
    return Effect.tryPromise(async () => await puppeteer.executablePath()).pipe(
      Effect.orElseSucceed(() => ""),
      Effect.flatMap((cached) =>
        cached !== "" && isExecutable(cached)
          ? Effect.succeed(cached)
          : Effect.fail(new ChromeNotFound({ tried: [...candidates, cached === "" ? "puppeteer cache" : cached] }))
      )
    )
  })

/** Flags every Chrome gets: a closed network must not be hammered, no first-run UI. */
const BASE_FLAGS = [
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-dev-shm-usage",
  "--disable-default-apps",
  "--disable-sync",
  "--password-store=basic",
  "--lang=en-US"
]

/**
 * The three option sets of the window-persistence guide, minus everything that evades bot
 * detection (`--disable-blink-features=AutomationControlled`, webdriver patching) and everything
 * that weakens the browser's security (`--disable-web-security`, disabling site isolation) or is
 * known to be fragile (`--single-process`, which breaks a shared browser's second target).
 */
const PROFILE_FLAGS: Record<ChromeProfile, ReadonlyArray<string>> = {
  /** "Just increase limits": no optimisation flags, a desktop-sized window. */
  conservative: ["--window-size=1920,1080"],
  /** "Basic optimisation": no GPU, a smaller window, images kept. */
  moderate: [
    "--window-size=1366,900",
    "--disable-gpu",
    "--disable-software-rasterizer",
    "--disable-extensions"
  ],
  /** "Full optimisation": the memory and background flags, images off, one renderer where possible. */
  aggressive: [
    "--window-size=1280,900",
    "--disable-gpu",
    "--disable-software-rasterizer",
    "--disable-extensions",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-breakpad",
    "--disable-component-extensions-with-background-pages",
    "--disable-hang-monitor",
    "--disable-prompt-on-repost",
    "--disable-domain-reliability",
    "--disable-ipc-flooding-protection",
    "--disk-cache-size=1",
    "--media-cache-size=1",
    "--aggressive-cache-discard",
    "--renderer-process-limit=1",
    "--blink-settings=imagesEnabled=false",
    "--mute-audio",
    "--log-level=3"
  ]
}

const WINDOW_SIZES: Record<ChromeProfile, { width: number; height: number }> = {
  conservative: { width: 1920, height: 1080 },
  moderate: { width: 1366, height: 900 },
  aggressive: { width: 1280, height: 900 }
}

const chromeArgs = (config: Pick<PortalConfigShape, "chromeProfile" | "proxyUrl">): ReadonlyArray<string> => {
  const args = [...BASE_FLAGS, ...PROFILE_FLAGS[config.chromeProfile]]
  // Root cannot use Chrome's sandbox (there is no user namespace to drop into).
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--no-sandbox")
  if (Option.isSome(config.proxyUrl)) {
    // Scheme, host and port only: PortalConfig refuses a PROXY_URL with user:password.
    const u = config.proxyUrl.value
    args.push(`--proxy-server=${u.protocol}//${u.host}`)
  }
  return args
}

// ---------------------------------------------------------------------------------------------
// The `use` wrapper and the handles

const errorText = (cause: unknown): string =>
  cause instanceof Error ? cause.message.split("\n")[0]!.slice(0, 300) : String(cause).slice(0, 300)

const isPuppeteerTimeout = (cause: unknown): boolean =>
  cause instanceof Error && (cause.name === "TimeoutError" || /timeout .*exceeded/i.test(cause.message))

/** Runs one puppeteer call; any throw becomes a BrowserError that says whether Chrome is gone. */
const use = <A>(
  operation: string,
  connected: () => boolean,
  f: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, BrowserError> =>
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

type AnyFn = (...args: Array<any>) => any

const makeFrameHandle = (frame: PuppeteerFrame | PuppeteerPage, connected: () => boolean): FrameHandle => {
  const evaluate = <const Args extends ReadonlyArray<Serializable>, R>(fn: PageFunction<Args, R>, ...args: Args) =>
    use(`evaluate:${fn.name || "anonymous"}`, connected, () =>
      frame.evaluate(fn as unknown as AnyFn, ...(args as unknown as Array<unknown>)) as Promise<Awaited<R>>)

  const waitFor = <const Args extends ReadonlyArray<Serializable>, R>(
    what: string,
    fn: PageFunction<Args, R>,
    options: WaitOptions,
    ...args: Args
  ) =>
    useWait<Truthy<Awaited<R>>>(what, options.timeout, connected, async (signal, timeout): Promise<Truthy<Awaited<R>>> => {
      const handle = await frame.waitForFunction(
        fn as unknown as AnyFn,
        { timeout, signal, polling: options.polling ?? "raf" },
        ...(args as unknown as Array<unknown>)
      )
      try {
        const value: unknown = await handle.jsonValue()
        return value as Truthy<Awaited<R>>
      } finally {
        await handle.dispose()
      }
    })

  const withElement = async <T>(find: AnyFn, args: ReadonlyArray<unknown>, f: (el: import("puppeteer").ElementHandle<Element>) => Promise<T>): Promise<T | false> => {
    const handle = await frame.evaluateHandle(find, ...(args as unknown as Array<unknown>))
    const el = handle.asElement() as import("puppeteer").ElementHandle<Element> | null
    try {
      if (el === null) return false
      return await f(el)
    } finally {
      await handle.dispose()
    }
  }

  const clickElement = <const Args extends ReadonlyArray<Serializable>>(
    what: string,
    find: (...args: Args) => Element | null | undefined,
    ...args: Args
  ) =>
    use(`click:${what}`, connected, () =>
      withElement(find as AnyFn, args as unknown as ReadonlyArray<unknown>, async (el) => {
        // A pointer click lands on whatever is on top (an open popup, an overlay) without any error,
        // so look first: if the element is covered or has no box, click it through the DOM, which
        // fires the same handlers a keyboard user would.
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
      }).then((r) => r !== false))

  const typeIntoElement = <const Args extends ReadonlyArray<Serializable>>(
    what: string,
    text: string,
    options: { readonly clear: boolean },
    find: (...args: Args) => Element | null | undefined,
    ...args: Args
  ) =>
    use(`type:${what}`, connected, () =>
      withElement(find as AnyFn, args as unknown as ReadonlyArray<unknown>, async (el) => {
        await el.focus()
        if (options.clear) {
          await el.evaluate((e) => {
            const input = e as HTMLInputElement
            input.value = ""
            input.dispatchEvent(new Event("input", { bubbles: true }))
          })
        }
        await el.type(text)
        return true
      }).then((r) => r !== false))

  return { url: () => frame.url(), evaluate, waitFor, clickElement, typeIntoElement }
}

const toCookie = (c: import("puppeteer").Cookie): Cookie => ({
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

const makePageHandle = (
  browser: PuppeteerBrowser,
  context: PuppeteerContext,
  page: PuppeteerPage,
  connected: () => boolean
): PageHandle => {
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

  const frames: PageHandle["frames"] = (urlIncludes) =>
    Effect.sync(() =>
      page.frames().filter((f) => f.url().includes(urlIncludes)).map((f) => makeFrameHandle(f, connected))
    )

  const download: PageHandle["download"] = (directory, trigger, timeout) =>
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
      return yield* Effect.gen(function*() {
        cdp.on("Browser.downloadWillBegin", onBegin)
        cdp.on("Browser.downloadProgress", onProgress)
        yield* use("download:behavior", connected, () =>
          cdp.send("Browser.setDownloadBehavior", {
            behavior: "allowAndName",
            downloadPath: directory,
            eventsEnabled: true,
            ...(context.id !== undefined ? { browserContextId: context.id } : {})
          }))
        yield* trigger
        const ms = Math.round(Duration.toMillis(timeout))
        const finished = yield* Deferred.await(done).pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.fail(new WaitTimedOut({ what: "download complete", timeoutMillis: ms }))
          })
        )
        const path = join(directory, finished.guid)
        return { path, suggestedFilename: finished.name, bytes: statSync(path).size }
      }).pipe(
        Effect.ensuring(use("download:detach", connected, async () => {
          cdp.off("Browser.downloadWillBegin", onBegin)
          cdp.off("Browser.downloadProgress", onProgress)
          await cdp.send("Browser.setDownloadBehavior", {
            behavior: "default",
            ...(context.id !== undefined ? { browserContextId: context.id } : {})
          }).catch(() => undefined)
          await cdp.detach()
        }).pipe(Effect.ignore))
      )
    })

  return {
    ...frame,
    goto,
    title: () => use("title", connected, () => page.title()),
    content: () => use("content", connected, () => page.content()),
    press: (key) => use(`press ${key}`, connected, () => page.keyboard.press(key as KeyInput)),
    frames,
    screenshot: (options) =>
      use("screenshot", connected, async () => new Uint8Array(await page.screenshot({ type: "png", fullPage: options?.fullPage ?? false }))),
    cookies: () => use("cookies", connected, async () => (await context.cookies()).map(toCookie)),
    storage: () =>
      use("storage", connected, () =>
        page.evaluate(() => {
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
        })),
    addInitScript: (source) => use("addInitScript", connected, async () => {
      await page.evaluateOnNewDocument(source)
    }),
    setCookies: (cookies) =>
      use("setCookies", connected, () =>
        context.setCookie(...cookies.map((c) => ({
          name: c.name,
          value: c.value,
          domain: c.domain,
          path: c.path,
          httpOnly: c.httpOnly,
          secure: c.secure,
          ...(c.session ? {} : { expires: c.expires }),
          ...(c.sameSite !== undefined ? { sameSite: c.sameSite } : {})
        })))),
    download
  }
}

// ---------------------------------------------------------------------------------------------
// Opening and closing a Chrome

const CLOSE_GRACE = Duration.seconds(3)

interface Dirs {
  readonly root: string
  readonly profile: string
  readonly tmp: string
}

const chromeRoot = (dataDir: string) => join(dataDir, "chrome")

const makeDirs = (dataDir: string, token: string): Dirs => {
  const root = join(chromeRoot(dataDir), token)
  const dirs = { root, profile: join(root, "profile"), tmp: join(root, "tmp") }
  mkdirSync(dirs.profile, { recursive: true, mode: 0o700 })
  mkdirSync(dirs.tmp, { recursive: true, mode: 0o700 })
  return dirs
}

const removeDir = (path: string) =>
  Effect.sync(() => rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }))

/** Waits (polling /proc, bounded) until none of `pids` is alive. */
const awaitExit = (pids: ReadonlyArray<number>, within: Duration.Duration) =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(within)
    while (pids.some(Processes.isAlive) && Date.now() < deadline) {
      yield* Effect.sleep("25 millis")
    }
  })

/**
 * SIGKILLs whatever remains of a Chrome (`marker` names its profile directory): its whole process
 * group — `pid`'s, those of the processes naming the directory, and `groups` recorded for it —
 * since Chrome's children carry no marker and are no longer its descendants once it died (a
 * SIGSTOPped child would otherwise live on); its process tree; and anything naming the directory.
 * A pid or group whose leader does not name the directory is someone else's and left alone.
 */
const killRemains = (pid: number | undefined, marker: string, groups: ReadonlyArray<number> = []) =>
  Effect.gen(function*() {
    const table = Processes.listProcesses()
    const pids = new Set<number>()
    const leaders = new Set<number>(groups)
    if (pid !== undefined) {
      leaders.add(pid)
      const main = table.find((p) => p.pid === pid)
      if (main !== undefined && main.cmdline.includes(marker)) for (const p of Processes.processTree(pid, table)) pids.add(p.pid)
    }
    for (const p of Processes.processesWithMarker(marker, table)) {
      pids.add(p.pid)
      leaders.add(p.pgid)
    }
    for (const pgid of leaders) {
      const members = Processes.markedGroup(pgid, marker, table)
      if (members.length === 0) continue
      Processes.killGroup(pgid, "SIGKILL")
      for (const p of members) pids.add(p.pid)
    }
    const list = [...pids]
    if (list.length === 0) return 0
    Processes.killAll(list, "SIGKILL")
    yield* awaitExit(list, Duration.seconds(5))
    return list.length
  })

/**
 * Written next to each Chrome's profile: its process group id, so that the next boot after the
 * service was killed can still reap the group once its main process is gone (nothing else then
 * ties the children to this service).
 */
const GROUP_FILE = "chrome.pgid"

const recordGroup = (dirs: Dirs, pid: number | undefined) =>
  Effect.sync(() => {
    const pgid = pid === undefined ? undefined : Processes.processGroupOf(pid)
    // Puppeteer starts Chrome detached: the leader of a process group of its own.
    if (pgid !== undefined && pgid === pid) writeFileSync(join(dirs.root, GROUP_FILE), String(pgid), { mode: 0o600 })
  })

const recordedGroup = (root: string): number | undefined => {
  try {
    const pgid = Number(readFileSync(join(root, GROUP_FILE), "utf8"))
    return Number.isInteger(pgid) ? pgid : undefined
  } catch {
    return undefined
  }
}

/**
 * Chrome's environment: the service's, minus every secret setting (API_TOKEN, SNAPSHOT_KEY, …: a
 * process's environment is readable in /proc/<pid>/environ and lands in crash dumps), with the
 * temporary directories pointed at the session's own.
 */
export const chromeEnv = (tmp: string, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = { ...env, TMPDIR: tmp, TMP: tmp, TEMP: tmp }
  for (const name of secretVariables) delete out[name]
  return out
}

const launchChrome = (executable: string, args: ReadonlyArray<string>, profile: ChromeProfile, headless: boolean, dirs: Dirs) =>
  use("launch", () => true, () =>
    puppeteer.launch({
      executablePath: executable,
      headless,
      pipe: true,
      userDataDir: dirs.profile,
      args: [...args],
      env: chromeEnv(dirs.tmp),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      defaultViewport: WINDOW_SIZES[profile],
      protocolTimeout: 120_000,
      timeout: 30_000
    }))

/**
 * Watches a lease's page: alert/confirm/prompt are accepted, so a portal dialog can never block the
 * session. The page's renderer dying (puppeteer's "error" event, from CDP's Inspector.targetCrashed:
 * Chrome's main process lives on, but the page's calls would never answer) or the page closing is
 * the session's crash unless the lease itself is closing.
 */
const watchPage = (page: PuppeteerPage, isClosing: () => boolean, crashed: Deferred.Deferred<string>) => {
  page.on("dialog", (dialog) => {
    dialog.accept().catch(() => undefined)
  })
  page.on("error", () => {
    if (!isClosing()) Deferred.doneUnsafe(crashed, Exit.succeed("the page's renderer crashed"))
  })
  page.on("close", () => {
    if (!isClosing()) Deferred.doneUnsafe(crashed, Exit.succeed("page closed"))
  })
}

/**
 * A Chrome with a profile directory of its own, both gone when the scope closes. `isClosing` turns
 * true once the close has begun, so a "disconnected" after it is not mistaken for a crash.
 */
const launchScoped = (config: PortalConfigShape, executable: string, args: ReadonlyArray<string>, token: string) =>
  Effect.gen(function*() {
    const dirs = yield* Effect.acquireRelease(
      Effect.try({
        try: () => makeDirs(config.dataDir, token),
        catch: (cause) => new BrowserError({ operation: "mkdir profile", detail: errorText(cause), disconnected: false })
      }),
      (d) => removeDir(d.root)
    )
    // Registered before launching: if the launch is interrupted half-way, whatever Chrome started is
    // still found by its profile directory and killed.
    yield* Effect.addFinalizer(() => killRemains(undefined, dirs.profile).pipe(Effect.asVoid))
    let closing = false
    const browser = yield* Effect.acquireRelease(
      launchChrome(executable, args, config.chromeProfile, config.headless, dirs),
      (b) =>
        Effect.gen(function*() {
          closing = true
          const pid = b.process()?.pid
          // Graceful first (flushes the profile), then make sure nothing of it survives.
          yield* Effect.tryPromise(() => b.close()).pipe(Effect.timeout(CLOSE_GRACE), Effect.ignore)
          yield* killRemains(pid, dirs.profile)
        })
    )
    yield* recordGroup(dirs, browser.process()?.pid)
    return { browser, isClosing: () => closing }
  })

const openProcess = (config: PortalConfigShape, executable: string, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const token = makeOpaqueToken()
    const { browser, isClosing } = yield* launchScoped(config, executable, args, token)
    const crashed = yield* Deferred.make<string>()
    const pid = browser.process()?.pid
    browser.on("disconnected", () => {
      if (!isClosing()) Deferred.doneUnsafe(crashed, Exit.succeed("Chrome disconnected"))
    })
    const connected = () => browser.connected
    const context = browser.defaultBrowserContext()
    const pages = yield* use("pages", connected, () => browser.pages())
    const page = pages[0] ?? (yield* use("newPage", connected, () => browser.newPage()))
    watchPage(page, isClosing, crashed)
    const lease: BrowserLease = {
      token,
      page: makePageHandle(browser, context, page, connected),
      pid,
      isConnected: connected,
      crashed: Deferred.await(crashed),
      memoryMb: () => (pid === undefined ? 0 : Processes.treePssMb(pid))
    }
    return lease
  })

// ---------------------------------------------------------------------------------------------
// Context isolation: one shared Chrome, a BrowserContext per session

interface SharedChrome {
  readonly browser: PuppeteerBrowser
  readonly scope: Scope.Closeable
  readonly pid: number | undefined
  /** Completes when this Chrome goes away (every context in it ends with it). */
  readonly gone: Deferred.Deferred<string>
  /** Leases open on it now. */
  leases: number
}

/**
 * `open` for BROWSER_ISOLATION=context. The shared Chrome lives in the layer's scope (in a scope
 * of its own, so a dead one can be closed and replaced while the service runs).
 */
const makeContextOpener = (config: PortalConfigShape, executable: string, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const layerScope = yield* Effect.scope
    const current = yield* Ref.make<SharedChrome | undefined>(undefined)
    const starting = yield* Semaphore.make(1)

    const launchShared = Effect.gen(function*() {
      const scope = yield* Scope.fork(layerScope, "sequential")
      return yield* Effect.gen(function*() {
        const { browser, isClosing } = yield* launchScoped(config, executable, args, makeOpaqueToken())
        const gone = yield* Deferred.make<string>()
        browser.on("disconnected", () => {
          Deferred.doneUnsafe(gone, Exit.succeed(isClosing() ? "closed" : "shared Chrome disconnected"))
        })
        // The initial blank page of the default context is not anyone's session.
        return {
          browser,
          scope,
          pid: browser.process()?.pid,
          gone,
          leases: 0
        } satisfies SharedChrome
      }).pipe(Scope.provide(scope), Effect.onError(() => Scope.close(scope, Exit.void)))
    })

    /** The live shared Chrome, started (again) when there is none. */
    const shared = starting.withPermits(1)(Effect.gen(function*() {
      const existing = yield* Ref.get(current)
      if (existing !== undefined && existing.browser.connected) return existing
      if (existing !== undefined) yield* Scope.close(existing.scope, Exit.void).pipe(Effect.forkIn(layerScope))
      const fresh = yield* launchShared
      yield* Ref.set(current, fresh)
      yield* Effect.logInfo("shared Chrome started", { pid: fresh.pid })
      return fresh
    }))

    return Effect.gen(function*() {
      const chrome = yield* shared
      const connected = () => chrome.browser.connected
      let closing = false
      const isClosing = () => closing
      const crashed = yield* Deferred.make<string>()
      const context = yield* Effect.acquireRelease(
        use("createBrowserContext", connected, () => chrome.browser.createBrowserContext()),
        (ctx) =>
          Effect.suspend(() => {
            closing = true
            chrome.leases--
            return Effect.tryPromise(() => ctx.close()).pipe(Effect.timeout(CLOSE_GRACE), Effect.ignore)
          })
      )
      chrome.leases++
      const page = yield* use("newPage", connected, () => context.newPage())
      watchPage(page, isClosing, crashed)
      // The shared Chrome going away is this lease's crash too.
      yield* Deferred.await(chrome.gone).pipe(
        Effect.flatMap((why) => (isClosing() ? Effect.void : Deferred.succeed(crashed, why))),
        Effect.forkScoped
      )
      const lease: BrowserLease = {
        token: makeOpaqueToken(),
        page: makePageHandle(chrome.browser, context, page, connected),
        pid: chrome.pid,
        isConnected: () => connected() && !page.isClosed(),
        crashed: Deferred.await(crashed),
        // The shared tree's memory, divided among its sessions: a fair share for recycling decisions.
        memoryMb: () => (chrome.pid === undefined ? 0 : Processes.treePssMb(chrome.pid) / Math.max(1, chrome.leases))
      }
      return lease
    })
  })

/**
 * Kills every process whose command line names a profile under DATA_DIR/chrome, with the whole
 * process group of each (and the groups recorded next to the profiles, whose main process may be
 * gone already), then removes the directories. Only this service's DATA_DIR is matched, so other
 * Chromes on the host are safe.
 */
const reapOrphans = (dataDir: string) =>
  Effect.gen(function*() {
    const root = chromeRoot(dataDir)
    const recorded = existsSync(root)
      ? readdirSync(root).map((name) => recordedGroup(join(root, name))).filter((g): g is number => g !== undefined)
      : []
    const killed = yield* killRemains(undefined, `--user-data-dir=${root}/`, recorded)
    let removedDirs = 0
    if (existsSync(root)) {
      for (const name of readdirSync(root)) {
        yield* removeDir(join(root, name))
        removedDirs++
      }
    }
    return { killed, removedDirs }
  })

// ---------------------------------------------------------------------------------------------
// The service

export class Browser extends Context.Service<Browser, BrowserShape>()("emodal-api/services/Browser") {
  static readonly layer: Layer.Layer<Browser, ChromeNotFound, PortalConfig> = Layer.effect(
    Browser,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const executable = yield* resolveExecutable(config)
      const args = chromeArgs(config)
      mkdirSync(chromeRoot(config.dataDir), { recursive: true, mode: 0o700 })
      const reaped = yield* reapOrphans(config.dataDir)
      if (reaped.killed > 0 || reaped.removedDirs > 0) {
        yield* Effect.logWarning("Reaped Chrome left by an earlier run", reaped)
      }
      yield* Effect.logInfo("Browser ready", {
        executable,
        profile: config.chromeProfile,
        headless: config.headless,
        isolation: config.browserIsolation
      })
      return Browser.of({
        executable,
        open: config.browserIsolation === "context"
          ? yield* makeContextOpener(config, executable, args)
          : openProcess(config, executable, args)
      })
    })
  )
}

// ---------------------------------------------------------------------------------------------
// Test double: leases without Chrome (unit tests of the session actor and the pool)

export interface FakeBrowserShape {
  /** Leases opened so far and still open. */
  readonly open: Effect.Effect<ReadonlyArray<string>>
  /** Simulates Chrome dying under the lease with this token. */
  readonly crash: (token: string) => Effect.Effect<void>
}

export class FakeBrowser extends Context.Service<FakeBrowser, FakeBrowserShape>()("emodal-api/services/Browser/FakeBrowser") {}

const fakePage = (): PageHandle => {
  const unsupported = (operation: string) =>
    Effect.fail(new BrowserError({ operation, detail: "the fake browser has no page", disconnected: false }))
  return {
    url: () => "about:blank",
    evaluate: () => unsupported("evaluate"),
    waitFor: () => unsupported("waitFor"),
    clickElement: () => unsupported("click"),
    typeIntoElement: () => unsupported("type"),
    goto: () => unsupported("goto"),
    title: () => Effect.succeed(""),
    content: () => Effect.succeed(""),
    press: () => unsupported("press"),
    frames: () => Effect.succeed([]),
    screenshot: () => unsupported("screenshot"),
    cookies: () => Effect.succeed([]),
    setCookies: () => Effect.void,
    storage: () => Effect.succeed(null),
    addInitScript: () => Effect.void,
    download: () => unsupported("download")
  }
}

/** Browser without Chrome: `open` hands out fake leases; `FakeBrowser` can crash them. */
export const layerTest: Layer.Layer<Browser | FakeBrowser> = Layer.effectContext(
  Effect.gen(function*() {
    const leases = yield* Ref.make(new Map<string, { connected: boolean; crashed: Deferred.Deferred<string> }>())
    const open = Effect.gen(function*() {
      const token = makeOpaqueToken()
      const crashed = yield* Deferred.make<string>()
      const record = { connected: true, crashed }
      yield* Effect.acquireRelease(
        Ref.update(leases, (m) => new Map(m).set(token, record)),
        () => Ref.update(leases, (m) => {
          const next = new Map(m)
          next.delete(token)
          return next
        })
      )
      const lease: BrowserLease = {
        token,
        page: fakePage(),
        pid: undefined,
        isConnected: () => record.connected,
        crashed: Deferred.await(crashed),
        memoryMb: () => 0
      }
      return lease
    })
    const browser = Browser.of({ executable: "fake", open })
    const fake: FakeBrowserShape = {
      open: Effect.map(Ref.get(leases), (m) => [...m.keys()]),
      crash: (token) =>
        Effect.gen(function*() {
          const record = (yield* Ref.get(leases)).get(token)
          if (record === undefined) return
          record.connected = false
          yield* Deferred.succeed(record.crashed, "fake crash")
        })
    }
    return Context.make(Browser, browser).pipe(Context.add(FakeBrowser, fake))
  })
)
