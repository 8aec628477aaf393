/**
 * The puppeteer-free handles the rest of the service drives Chrome through: a page (`PageHandle`),
 * a frame of it (`FrameHandle`), a browser context (`ContextHandle`: cookies and storage, pages
 * opened and closed in it) and a running Chrome (`ChromeProcess`). Only `./Puppeteer.ts`
 * implements them. A page's own code is reached through the page runtime (`../page/PageRuntime.ts`)
 * by name: `call` for data, `until` for waits, `click` and `type` for the elements its finders
 * return — one typed map of function names to argument and result types.
 */
import type { Duration, Effect, Scope } from "effect"
import type { PageRuntime } from "../page/PageRuntime.ts"
import type { Cookie } from "../SessionSnapshots.ts"
import type { BrowserError, WaitTimedOut } from "./BrowserErrors.ts"

// A cookie of the session's browser context; its schema lives with the snapshots that store it.
export type { Cookie }

/** Values that cross into a page function: JSON-like. */
export type Serializable = string | number | boolean | null | undefined | ReadonlyArray<Serializable> | { readonly [k: string]: Serializable }

/**
 * A function that runs inside a frame. It is serialised with `toString()`, so it must not close
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

/** The names of the page runtime's functions. */
export type RuntimeName = keyof PageRuntime

/** Runtime functions that find an element (to click or type into). */
export type RuntimeFinder = { [K in RuntimeName]: ReturnType<PageRuntime[K]> extends Element | null ? K : never }[RuntimeName]

/** Runtime functions that answer with data (JSON). */
export type RuntimeQuery = Exclude<RuntimeName, RuntimeFinder>

export type RuntimeArgs<K extends RuntimeName> = Parameters<PageRuntime[K]>

export type RuntimeResult<K extends RuntimeName> = ReturnType<PageRuntime[K]>

/**
 * A frame without the page runtime (an iframe of another site: the reCAPTCHA widget). Page
 * functions are passed whole; keep them to what only that frame needs.
 */
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

export interface DownloadedFile {
  readonly path: string
  readonly suggestedFilename: string
  readonly bytes: number
}

export interface NavigationResult {
  readonly status: number | null
  readonly url: string
}

export interface OriginStorageRead {
  readonly origin: string
  readonly local: Record<string, string>
  readonly session: Record<string, string>
}

/** One page of a session, with the page runtime installed in every document it loads. */
export interface PageHandle {
  /** The page's current URL (no browser round trip). */
  readonly url: () => string
  /** Chrome is connected and the page not closed. */
  readonly isOpen: () => boolean
  /** Runs the page runtime's query `name` and returns its (JSON) result: one round trip. */
  readonly call: <K extends RuntimeQuery>(name: K, ...args: RuntimeArgs<K>) => Effect.Effect<RuntimeResult<K>, BrowserError>
  /** Waits until the runtime query `name` returns a truthy value and returns it; `what` names the signal. */
  readonly until: <K extends RuntimeQuery>(
    what: string,
    options: WaitOptions,
    name: K,
    ...args: RuntimeArgs<K>
  ) => Effect.Effect<Truthy<RuntimeResult<K>>, BrowserError | WaitTimedOut>
  /**
   * Real mouse click (scrolled into view) on the element the runtime finder `name` returns; false
   * when it finds none. Falls back to a DOM click when the element cannot take a pointer click.
   */
  readonly click: <K extends RuntimeFinder>(what: string, name: K, ...args: RuntimeArgs<K>) => Effect.Effect<boolean, BrowserError>
  /** Focuses the element the runtime finder `name` returns and types `text` with real key events. */
  readonly type: <K extends RuntimeFinder>(
    what: string,
    text: string,
    options: { readonly clear: boolean },
    name: K,
    ...args: RuntimeArgs<K>
  ) => Effect.Effect<boolean, BrowserError>
  /** A one-off page function (a liveness probe, a test's check); flows use the runtime instead. */
  readonly evaluate: FrameHandle["evaluate"]
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
  readonly storage: () => Effect.Effect<OriginStorageRead | null, BrowserError>
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

/** The owner of a page: told (once or more) when the page dies while it is not closing it. */
export interface PageWatch {
  /** True once the owner began closing the page (or what holds it): a close is then no crash. */
  readonly isClosing: () => boolean
  readonly onCrash: (why: string) => void
}

/** A browser context: its own cookies and storage, and the pages opened in it. */
export interface ContextHandle {
  /**
   * Opens a page in the context, with the page runtime installed and dialogs accepted; the scope
   * closes it. A context without a page keeps its cookies (a parked session).
   */
  readonly openPage: (watch: PageWatch) => Effect.Effect<PageHandle, BrowserError, Scope.Scope>
  /** Closes the context and everything in it (not the default context of a Chrome). */
  readonly close: Effect.Effect<void>
}

/** A running Chrome. */
export interface ChromeProcess {
  /** Chrome's main process id. */
  readonly pid: number | undefined
  readonly isConnected: () => boolean
  /** Calls `f` once when the connection to Chrome is lost (a crash, a kill, or `close`). */
  readonly onDisconnected: (f: () => void) => void
  /** The context Chrome starts with (process isolation: the session's own). */
  readonly defaultContext: ContextHandle
  /** A fresh context (context isolation: one per session). */
  readonly newContext: Effect.Effect<ContextHandle, BrowserError>
  /** Graceful close (flushes the profile). */
  readonly close: Effect.Effect<void, BrowserError>
}

/** One session's browser: a Chrome process (or a context in the shared Chrome) and its page. */
export interface BrowserLease {
  /** Random name (never the session id: ids are bearer secrets). */
  readonly token: string
  readonly page: PageHandle
  /** Chrome's main process id (the shared one in context isolation). */
  readonly pid: number | undefined
  readonly isConnected: () => boolean
  /** Completes when Chrome goes away without this lease being closed (crash, kill, OOM). */
  readonly crashed: Effect.Effect<string>
  /** PSS of this lease's Chrome process tree in MB (a fair share of the shared one, in context isolation). */
  readonly memoryMb: () => number
}
