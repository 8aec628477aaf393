/**
 * At boot, Chromes left behind by an earlier run of this service — recognised by a profile
 * directory under our DATA_DIR on their command line, or by the process group recorded next to it
 * (its main process may be gone already) — are killed with their whole process group, and their
 * directories removed. Only this service's DATA_DIR is matched, so other programs' Chromes on the
 * host are never touched.
 */
import { Effect } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { chromeRoot, killRemains, recordedGroup, removeDir } from "./ChromeLauncher.ts"

export interface Reaped {
  /** Processes killed. */
  readonly killed: number
  /** Chrome directories removed. */
  readonly removedDirs: number
}

/** Reaps what an earlier run under `dataDir` left (see the header). */
export const reapOrphans = (dataDir: string): Effect.Effect<Reaped> =>
  Effect.gen(function*() {
    const root = chromeRoot(dataDir)
    const names = existsSync(root) ? readdirSync(root) : []
    const recorded = names.map((name) => recordedGroup(join(root, name))).filter((g) => g !== undefined)
    const killed = yield* killRemains(undefined, `--user-data-dir=${root}/`, recorded)
    for (const name of names) yield* removeDir(join(root, name))
    return { killed, removedDirs: names.length }
  })
