import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { exited } from "./utils/ChildProcesses.ts"

/** The repository root, whose `npm run simulator` starts the package's main. */
const ROOT = join(import.meta.dirname, "..", "..")

/** Resolves with everything printed once `marker` has appeared on stdout. */
const waitForOutput = (child: ChildProcess, marker: string) =>
  Effect.callback<string>((resume) => {
    let out = ""
    let err = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
      if (out.includes(marker)) resume(Effect.succeed(out))
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8")
    })
    child.on("exit", (code) => resume(Effect.die(new Error(`simulator exited early (${code}): ${out}\n${err}`))))
  }).pipe(Effect.timeout("20 seconds"), Effect.orDie)

describe("npm run simulator", () => {
  it("is the package script", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    assert.strictEqual(pkg.scripts["simulator"], "node simulator/src/main.ts")
  })

  it.live("starts standalone and prints the URLs, the accounts and the solver key", () =>
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, ["simulator/src/main.ts"], {
            cwd: ROOT,
            env: { ...process.env, SIMULATOR_PORT: "0" },
            stdio: ["ignore", "pipe", "pipe"]
          })
        ),
        (c) => Effect.sync(() => c.kill("SIGTERM")).pipe(Effect.andThen(exited(c)))
      )
      // Port 0: the simulator binds an ephemeral port itself (no race with other tests) and prints it.
      const out = yield* waitForOutput(child, "Solver key: demo")
      const port = /login entry\s+http:\/\/ecp2\.localhost:(\d+)\/login/.exec(out)?.[1]
      assert.isDefined(port, out)
      assert.notStrictEqual(port, "0")
      assert.include(out, `http://ecp2.localhost:${port}/login`)
      assert.include(out, `http://identity.localhost:${port}`)
      assert.include(out, `http://termops.localhost:${port}/trucker/web/addvisit`)
      assert.include(out, `http://truckerportal.localhost:${port}/myappointments`)
      assert.include(out, `http://127.0.0.1:${port}`)
      assert.match(out, /demo \/ demo\s+token/)
      assert.match(out, /bigfleet \/ bigfleet\s+token\s+\d{4} rows/)
      const state = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/__sim/state`).then((r) => r.json()))
      assert.strictEqual(state.urls.ecp2, `http://ecp2.localhost:${port}`)
    }), 30_000)
})
