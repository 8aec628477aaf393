/**
 * `npm start` (src/runtime/main.ts) as a child process when its store cannot be opened at boot:
 * it stops with one line on stderr naming the store — never a stack trace, never the password of
 * DATABASE_URL — and a non-zero exit code (ISSUE-14: the boot failure line).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "../utils/ChildProcesses.ts"

const MAIN = fileURLToPath(new URL("../../src/runtime/main.ts", import.meta.url))

interface Exit {
  readonly code: number | null
  readonly stderr: string
}

/** Runs the service with `env` until it exits (killed after 25 s: a boot that does not stop fails the test). */
const boot = (env: Record<string, string>) =>
  Effect.promise(() =>
    new Promise<Exit>((resolve) => {
      const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] })
      let stderr = ""
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      const deadline = setTimeout(() => child.kill("SIGKILL"), 25_000)
      child.once("exit", (code) => {
        clearTimeout(deadline)
        resolve({ code, stderr })
      })
    })
  )

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-main-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const assertOneLine = (exit: Exit, names: string) => {
  assert.strictEqual(exit.code, 1, exit.stderr)
  const lines = exit.stderr.trim().split("\n")
  assert.strictEqual(lines.length, 1, exit.stderr)
  assert.include(lines[0], "The service's store is unavailable at boot")
  assert.include(lines[0], names)
}

describe("main (npm start)", () => {
  it.live("a SQLite file that cannot be created stops the boot with one line naming it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // A regular file where the database's directory should be: no process can create it.
      writeFileSync(join(dir, "not-a-dir"), "")
      const file = join(dir, "not-a-dir", "emodal.db")
      const exit = yield* boot({ DATA_DIR: dir, DATABASE_FILE: file, PORT: String(yield* freePort), HOST: "127.0.0.1", LOG_LEVEL: "Error" })
      assertOneLine(exit, file)
    }).pipe(Effect.scoped), { timeout: 40_000 })

  it.live("a Postgres that cannot be reached stops the boot with one line, without the password", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const url = `postgres://emodal:boot-secret-pw@127.0.0.1:${yield* freePort}/emodal`
      const exit = yield* boot({ DATA_DIR: dir, DATABASE_URL: url, PORT: String(yield* freePort), HOST: "127.0.0.1", LOG_LEVEL: "Error" })
      assertOneLine(exit, "127.0.0.1")
      assert.notInclude(exit.stderr, "boot-secret-pw")
    }).pipe(Effect.scoped), { timeout: 40_000 })
})
