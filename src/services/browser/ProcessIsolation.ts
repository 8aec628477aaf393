/**
 * BROWSER_ISOLATION=process: each lease is a Chrome of its own (its own process group, profile and
 * TMPDIR, see `./ChromeLauncher.ts`) whose first tab is the session's page. Chrome going away
 * without the lease closing — a crash, a kill, an OOM — or the page's renderer dying is the
 * lease's crash.
 */
import { Deferred, Effect, Exit } from "effect"
import { makeOpaqueToken } from "../../domain/Ids.ts"
import type { PortalConfigShape } from "../PortalConfig.ts"
import * as Processes from "../Processes.ts"
import { launchScoped } from "./ChromeLauncher.ts"
import type { BrowserLease } from "./Handles.ts"

/** Opens a Chrome for one session; the scope closes it and removes its files. */
export const openProcessLease = (config: PortalConfigShape, executable: string, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const token = makeOpaqueToken()
    const { chrome, isClosing } = yield* launchScoped(config, executable, args, token)
    const crashed = yield* Deferred.make<string>()
    const crash = (why: string) => Deferred.doneUnsafe(crashed, Exit.succeed(why))
    chrome.onDisconnected(() => {
      if (!isClosing()) crash("Chrome disconnected")
    })
    const page = yield* chrome.defaultContext.openPage({ isClosing, onCrash: crash })
    const pid = chrome.pid
    return {
      token,
      page,
      pid,
      isConnected: chrome.isConnected,
      crashed: Deferred.await(crashed),
      memoryMb: () => (pid === undefined ? 0 : Processes.treePssMb(pid))
    } satisfies BrowserLease
  })
