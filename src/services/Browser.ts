/**
 * Browser owns Chrome: each `open` gives a session its own browser — a Chrome of its own
 * (BROWSER_ISOLATION=process) or a BrowserContext in one shared Chrome (context) — with one page
 * carrying the page runtime, and the scope that opened it closes it and leaves nothing behind
 * (no process, no directory) on every exit path. At boot it finds the executable and reaps the
 * Chromes an earlier run left. The parts live in `./browser/`: executable and flags, launching and
 * killing a Chrome, the two isolation modes, the orphan reaper, the fake — and the puppeteer bridge
 * (`./browser/Puppeteer.ts`), the only module that imports puppeteer; everything else drives pages
 * through the puppeteer-free handles re-exported here.
 */
import { Context, Effect, Layer, Scope } from "effect"
import { mkdirSync } from "node:fs"
import { PortalConfig } from "./PortalConfig.ts"
import type { BrowserError, ChromeNotFound } from "./browser/BrowserErrors.ts"
import { chromeRoot } from "./browser/ChromeLauncher.ts"
import { makeContextOpener } from "./browser/ContextIsolation.ts"
import { chromeArgs, resolveExecutable } from "./browser/Executable.ts"
import { FakeBrowser, makeFakeBrowser } from "./browser/FakeBrowser.ts"
import type { BrowserLease } from "./browser/Handles.ts"
import { reapOrphans } from "./browser/OrphanReaper.ts"
import { openProcessLease } from "./browser/ProcessIsolation.ts"

export { BrowserError, ChromeNotFound, WaitTimedOut } from "./browser/BrowserErrors.ts"
export { chromeEnv } from "./browser/ChromeLauncher.ts"
export { FakeBrowser, type FakeBrowserShape } from "./browser/FakeBrowser.ts"
export type {
  BrowserLease,
  Cookie,
  DownloadedFile,
  FrameHandle,
  NavigationResult,
  PageFunction,
  PageHandle,
  Serializable,
  Truthy,
  WaitOptions
} from "./browser/Handles.ts"

export interface BrowserShape {
  readonly executable: string
  /** Opens a fresh, isolated browser for one session; the scope closes it and removes its files. */
  readonly open: Effect.Effect<BrowserLease, BrowserError, Scope.Scope>
}

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
      const open = config.browserIsolation === "context"
        ? yield* makeContextOpener(config, executable, args)
        : openProcessLease(config, executable, args)
      return Browser.of({ executable, open: open.pipe(Effect.withSpan("Browser.open")) })
    })
  )

  /** Browser without Chrome: `open` hands out leases whose page answers nothing; `FakeBrowser` crashes them. */
  static readonly layerTest: Layer.Layer<Browser | FakeBrowser> = Layer.effectContext(
    Effect.map(makeFakeBrowser, ({ open, controls }) =>
      Context.make(Browser, Browser.of({ executable: "fake", open })).pipe(Context.add(FakeBrowser, controls)))
  )
}

/** `Browser.layerTest` (kept for `import * as Browser` callers). */
export const layerTest: Layer.Layer<Browser | FakeBrowser> = Browser.layerTest
