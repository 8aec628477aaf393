/**
 * Which Chrome to run and with which flags. CHROME_PATH wins; otherwise, headless, Debian's
 * headless shell (a third less memory per session than full Chromium in headless mode, see
 * chrome-facts), then /usr/bin/chromium, google-chrome, then puppeteer's own cache. The flags
 * never evade bot detection and never weaken the browser's security.
 */
import { Effect, Option } from "effect"
import { accessSync, constants as fsConstants, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import type { ChromeProfile, PortalConfigShape } from "../PortalConfig.ts"
import { ChromeNotFound } from "./BrowserErrors.ts"
import { cachedExecutable } from "./Puppeteer.ts"

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

/** The Chrome executable to launch (see the header for the order). */
export const resolveExecutable = (config: Pick<PortalConfigShape, "chromePath" | "headless">): Effect.Effect<string, ChromeNotFound> =>
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
    return Effect.flatMap(cachedExecutable, (cached) =>
      cached !== "" && isExecutable(cached)
        ? Effect.succeed(cached)
        : Effect.fail(new ChromeNotFound({ tried: [...candidates, cached === "" ? "puppeteer cache" : cached] })))
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

/** The viewport of each profile (the window size its flags ask for). */
export const WINDOW_SIZES: Record<ChromeProfile, { readonly width: number; readonly height: number }> = {
  conservative: { width: 1920, height: 1080 },
  moderate: { width: 1366, height: 900 },
  aggressive: { width: 1280, height: 900 }
}

/** The command-line flags for the configured profile, proxy and user. */
export const chromeArgs = (config: Pick<PortalConfigShape, "chromeProfile" | "proxyUrl">): ReadonlyArray<string> => {
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
