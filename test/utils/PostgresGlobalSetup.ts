/**
 * Vitest global setup of the `store` project: the Postgres the store's suite runs against.
 *
 * - TEST_DATABASE_URL set (scripts/with-postgres.sh, CI, or a developer's own server): used as is.
 * - Otherwise, when PostgreSQL's server binaries are installed: a throw-away cluster started here
 *   on a loopback port (scripts/pg-cluster.sh) and stopped when the run ends.
 * - Otherwise the Postgres half of the suite cannot run: with CI=true that fails the run; on a
 *   developer's machine a banner says it was NOT run and how to get it (the SQLite half still runs).
 * The outage test (stop and restart Postgres) always starts a cluster of its own, so it needs the
 * binaries too, and never stops the server the other test files are using.
 *
 * Why start one here rather than fail: every developer with Debian's `postgresql` package gets the
 * full suite from `npm test` with nothing to set, and nobody mistakes a SQLite-only run for a
 * complete one.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The Postgres the store suite uses; "" when it cannot run. */
    readonly testDatabaseUrl: string
    /** Whether scripts/pg-cluster.sh can start clusters of its own here (the outage test needs it). */
    readonly testPgBinaries: boolean
  }
}

export const pgClusterScript = new URL("../../scripts/pg-cluster.sh", import.meta.url).pathname

const banner = (lines: ReadonlyArray<string>) =>
  ["", "┌" + "─".repeat(78) + "┐", ...lines.map((l) => `│ ${l.padEnd(77)}│`), "└" + "─".repeat(78) + "┘", ""].join("\n")

export default function setup(project: TestProject) {
  const binaries = spawnSync("bash", [pgClusterScript, "probe"], { encoding: "utf8" }).status === 0
  const given = process.env.TEST_DATABASE_URL ?? ""
  if (!binaries && process.env.CI === "true") {
    throw new Error("CI runs the store suite on Postgres: install the server (apt-get install -y postgresql); .ci/run does.")
  }
  project.provide("testPgBinaries", binaries)
  if (!binaries) {
    process.stderr.write(banner([
      given === ""
        ? "Postgres store suite NOT RUN: no TEST_DATABASE_URL, no PostgreSQL binaries."
        : "Postgres outage test NOT RUN: no PostgreSQL binaries to start a cluster.",
      "Only what needs no server ran. Install it: apt-get install -y postgresql"
    ]))
  }
  if (given !== "" || !binaries) {
    project.provide("testDatabaseUrl", given)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), "emodal-pg-"))
  const started = spawnSync("bash", [pgClusterScript, "start", dir], { encoding: "utf8" })
  if (started.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`The store suite could not start its throw-away Postgres:\n${started.stderr}`)
  }
  const url = /^TEST_DATABASE_URL=(.*)$/m.exec(started.stdout)?.[1] ?? ""
  project.provide("testDatabaseUrl", url)
  return () => {
    spawnSync("bash", [pgClusterScript, "stop", dir], { encoding: "utf8" })
    rmSync(dir, { recursive: true, force: true })
  }
}
