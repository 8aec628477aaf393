/**
 * Launching and killing one Chrome. Each Chrome gets a private profile directory and TMPDIR under
 * DATA_DIR/chrome/<random> (never the session id: ids are bearer secrets) and leads a process
 * group of its own; the scope that launched it closes it gracefully, then kills what is left of its
 * process group (a Chrome's children carry no marker and outlive a dead parent) and removes both
 * directories, on every exit path. The group id is written next to the profile, so a boot after the
 * service was killed can still reap it (`./OrphanReaper.ts`).
 */
import { Duration, Effect, Schedule } from "effect"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { PortalConfigShape } from "../PortalConfig.ts"
import { secretVariables } from "../config/Settings.ts"
import * as Processes from "../Processes.ts"
import { BrowserError, errorText } from "./BrowserErrors.ts"
import { WINDOW_SIZES } from "./Executable.ts"
import type { ChromeProcess } from "./Handles.ts"
import { launch } from "./Puppeteer.ts"

/** How long a graceful close may take before what is left is killed. */
export const CLOSE_GRACE = Duration.seconds(3)

/** How long killed processes get to disappear from the process table. */
const EXIT_WAIT = Duration.seconds(5)

export interface Dirs {
  readonly root: string
  readonly profile: string
  readonly tmp: string
}

/** Where every Chrome of this service keeps its directories. */
export const chromeRoot = (dataDir: string) => join(dataDir, "chrome")

const makeDirs = (dataDir: string, token: string): Dirs => {
  const root = join(chromeRoot(dataDir), token)
  const dirs = { root, profile: join(root, "profile"), tmp: join(root, "tmp") }
  mkdirSync(dirs.profile, { recursive: true, mode: 0o700 })
  mkdirSync(dirs.tmp, { recursive: true, mode: 0o700 })
  return dirs
}

export const removeDir = (path: string) =>
  Effect.sync(() => rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }))

/** Waits (polling /proc on the clock) until none of `pids` is alive, at most `within`. */
const awaitExit = (pids: ReadonlyArray<number>, within: Duration.Duration) =>
  Effect.sync(() => pids.filter(Processes.isAlive)).pipe(
    Effect.repeat({ while: (alive) => alive.length > 0, schedule: Schedule.spaced("25 millis") }),
    Effect.timeoutOption(within),
    Effect.flatMap((done) =>
      done._tag === "Some" ? Effect.void : Effect.logDebug("killed Chrome processes still in the process table", { phase: "chrome:reap", pids: pids.length })
    )
  )

/**
 * SIGKILLs whatever remains of a Chrome (`marker` names its profile directory): its whole process
 * group — `pid`'s, those of the processes naming the directory, and `groups` recorded for it —
 * since Chrome's children carry no marker and are no longer its descendants once it died (a
 * SIGSTOPped child would otherwise live on); its process tree; and anything naming the directory.
 * A pid or group whose leader does not name the directory is someone else's and left alone.
 * Returns how many processes it killed.
 */
export const killRemains = (pid: number | undefined, marker: string, groups: ReadonlyArray<number> = []) =>
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
    yield* awaitExit(list, EXIT_WAIT)
    return list.length
  })

/** The file next to each profile that records its Chrome's process group id. */
const GROUP_FILE = "chrome.pgid"

const recordGroup = (dirs: Dirs, pid: number | undefined) =>
  Effect.sync(() => {
    const pgid = pid === undefined ? undefined : Processes.processGroupOf(pid)
    // Puppeteer starts Chrome detached: the leader of a process group of its own.
    if (pgid !== undefined && pgid === pid) writeFileSync(join(dirs.root, GROUP_FILE), String(pgid), { mode: 0o600 })
  })

/** The process group recorded in the Chrome directory `root`, if any. */
export const recordedGroup = (root: string): number | undefined => {
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

export interface LaunchedChrome {
  readonly chrome: ChromeProcess
  /** True once the scope began closing it: a disconnect after that is not a crash. */
  readonly isClosing: () => boolean
}

/**
 * A Chrome with a profile directory of its own, both gone when the scope closes (graceful first,
 * which flushes the profile, then nothing of it survives).
 */
export const launchScoped = (
  config: Pick<PortalConfigShape, "dataDir" | "chromeProfile" | "headless">,
  executable: string,
  args: ReadonlyArray<string>,
  token: string
) =>
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
    const chrome = yield* Effect.acquireRelease(
      launch({
        executable,
        headless: config.headless,
        args,
        profileDir: dirs.profile,
        env: chromeEnv(dirs.tmp),
        viewport: WINDOW_SIZES[config.chromeProfile]
      }),
      (c) =>
        Effect.gen(function*() {
          closing = true
          yield* c.close.pipe(
            Effect.timeout(CLOSE_GRACE),
            Effect.catchCause(() => Effect.logDebug("Chrome did not close gracefully; killing it", { phase: "chrome:close" }))
          )
          yield* killRemains(c.pid, dirs.profile)
        })
    )
    yield* recordGroup(dirs, chrome.pid)
    return { chrome, isClosing: () => closing } satisfies LaunchedChrome
  })
