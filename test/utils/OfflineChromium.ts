/**
 * A test Chromium with no way out: every host but the loopback fails to resolve, so a page that
 * tries to load anything from elsewhere (a CDN, a font) shows it. Closed with the scope.
 */
import { Effect } from "effect"
import puppeteer from "puppeteer"
import { CHROMIUM_ARGS, chromiumPath, P } from "./Chromium.ts"

export const offlineChromium = (viewport: { readonly width: number; readonly height: number }) =>
  Effect.acquireRelease(
    P(() =>
      puppeteer.launch({
        executablePath: chromiumPath(),
        headless: true,
        pipe: true,
        args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        defaultViewport: viewport
      })
    ),
    (browser) => P(() => browser.close())
  )
