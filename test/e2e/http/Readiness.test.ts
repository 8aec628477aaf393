/**
 * /ready on the real service process (`src/runtime/main.ts`): 200 once it serves; on SIGTERM it
 * answers 503 `draining` for DRAIN_DELAY while /health and the API still answer, then the process
 * stops accepting and exits by itself.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { exited, freePort } from "../../utils/ChildProcesses.ts"
import { eventually, tempDataDir } from "../../utils/ProductHarness.ts"

const MAIN = fileURLToPath(new URL("../../../src/runtime/main.ts", import.meta.url))
const TOKEN = "ready-test-token-0123456789"

const get = (port: number, path: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers })
      return { status: r.status, body: await r.json() as any }
    } catch {
      return { status: 0, body: undefined as any }
    }
  })

describe("GET /ready on the service process", () => {
  it.live("answers 200 once serving, 503 draining after SIGTERM (for DRAIN_DELAY, the API still served), then the process exits by itself", () =>
    Effect.gen(function*() {
      const dir = yield* tempDataDir
      const port = yield* freePort
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, [MAIN], {
            env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dir, API_TOKEN: TOKEN, DRAIN_DELAY: "3 seconds", LOG_LEVEL: "Error" },
            stdio: ["ignore", "ignore", "inherit"]
          })
        ),
        (c) => (c.exitCode === null && c.signalCode === null ? Effect.andThen(Effect.sync(() => c.kill("SIGKILL")), exited(c)) : Effect.void)
      )
      const ready = yield* eventually("the service to be ready", get(port, "/ready"), (r) => r.status === 200, 30_000)
      assert.deepStrictEqual(ready.body, { status: "ready", ready: true })

      child.kill("SIGTERM")
      const draining = yield* eventually("/ready to answer 503", get(port, "/ready"), (r) => r.status === 503, 5_000)
      assert.deepStrictEqual(draining.body, { status: "draining", ready: false })
      // Still serving everything else while draining: probes and the API (with the token).
      assert.strictEqual((yield* get(port, "/health")).status, 200)
      assert.strictEqual((yield* get(port, "/sessions", { authorization: `Bearer ${TOKEN}` })).status, 200)

      yield* exited(child).pipe(Effect.timeout("20 seconds"))
      // It exits by itself (NodeRuntime's code for an interrupted program is 130), not by a signal.
      assert.include([0, 130], child.exitCode, `exit code ${child.exitCode}, signal ${child.signalCode}`)
      assert.strictEqual((yield* get(port, "/ready")).status, 0, "the door is closed")
    }).pipe(Effect.scoped), 60_000)
})
