/**
 * Vitest globalSetup: each test run gets a private temporary directory (TMPDIR, which
 * `os.tmpdir()`, the test workers, the service processes tests start and their Chromes inherit),
 * and the run fails at teardown when a harness left one of its directories there or a process
 * still uses it (ISSUE-11 #15: every `npm test` used to leave an `emodal-e2e-*` directory behind).
 * Being private, it also keeps runs that share a machine from seeing each other's leftovers. The
 * directory is removed either way.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Processes from "../../src/services/Processes.ts"

/** Name prefixes of the temporary directories our harnesses create, and must remove. */
export const HARNESS_PREFIXES: ReadonlyArray<string> = ["emodal-", "sim-e2e-", "artifacts-"]

/** How long teardown waits for processes of the run (a Chrome closing) to exit. */
const PROCESS_EXIT_DEADLINE_MS = 10_000

export interface TempDirLeaks {
  /** Harness directories left in `dir`. */
  readonly dirs: ReadonlyArray<string>
  /** Processes whose command line names a path in `dir` (a Chrome with its profile there). */
  readonly processes: ReadonlyArray<{ readonly pid: number; readonly cmdline: string }>
}

/** What a run left in `dir`. */
export const leaksIn = (dir: string): TempDirLeaks => ({
  dirs: readdirSync(dir).filter((name) => HARNESS_PREFIXES.some((prefix) => name.startsWith(prefix))),
  processes: Processes.processesWithMarker(`${dir}/`).map((p) => ({ pid: p.pid, cmdline: p.cmdline.slice(0, 200) }))
})

/** Resolves once no process uses `dir`, or at the deadline. */
const processesGone = async (dir: string): Promise<void> => {
  const deadline = Date.now() + PROCESS_EXIT_DEADLINE_MS
  while (Processes.processesWithMarker(`${dir}/`).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export const setup = () => {
  const previous = process.env["TMPDIR"]
  const runDir = mkdtempSync(join(tmpdir(), "vitest-run-"))
  // Traversable (not listable) by other users: a throw-away Postgres cluster runs as its own user
  // in a directory of its own under here (scripts/pg-cluster.sh).
  chmodSync(runDir, 0o711)
  process.env["TMPDIR"] = runDir
  return async () => {
    if (previous === undefined) delete process.env["TMPDIR"]
    else process.env["TMPDIR"] = previous
    await processesGone(runDir)
    const leaks = leaksIn(runDir)
    Processes.killAll(leaks.processes.map((p) => p.pid))
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 })
    if (leaks.dirs.length > 0 || leaks.processes.length > 0) {
      throw new Error(
        `the test run leaked temporary state in ${runDir} (now removed): ` +
          `directories ${JSON.stringify(leaks.dirs)}, processes ${JSON.stringify(leaks.processes)}`
      )
    }
  }
}
