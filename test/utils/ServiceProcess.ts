/**
 * The real service process (`src/runtime/main.ts`) as a child of the test, for restart and crash
 * tests: started with an environment, stopped with a signal, talked to over HTTP on its port.
 */
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { exited } from "./ChildProcesses.ts"
import { eventually } from "./ProductHarness.ts"

const MAIN = fileURLToPath(new URL("../../src/runtime/main.ts", import.meta.url))

/**
 * Starts the service as a child process, stopped when the scope closes if still alive: SIGTERM
 * first, so that it closes its Chromes (a SIGKILL here orphaned the restored session's Chrome,
 * which then wrote its profile into the removed DATA_DIR again: ISSUE-11 #15), SIGKILL if it has
 * not exited within the deadline.
 */
export const startService = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] })),
    (child) =>
      Effect.gen(function*() {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill("SIGTERM")
        yield* exited(child).pipe(
          Effect.timeout("20 seconds"),
          Effect.catch(() => Effect.andThen(Effect.sync(() => child.kill("SIGKILL")), exited(child)))
        )
      })
  )

/** Sends `signal` and waits until the process is gone. */
export const stop = (child: ChildProcess, signal: "SIGTERM" | "SIGKILL") =>
  Effect.andThen(Effect.sync(() => child.kill(signal)), exited(child))

export interface Answer {
  /** 0 when no answer came (the connection failed or was cut). */
  readonly status: number
  readonly body: any
}

/** One JSON request; never fails (no answer is status 0). */
export const request = (port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  Effect.tryPromise(async (): Promise<Answer> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    return { status: r.status, body: await r.json() as any }
  }).pipe(Effect.orElseSucceed((): Answer => ({ status: 0, body: undefined })))

/**
 * Waits until the service on `port` answers /health. A boot (Node loading the service, the store
 * migrated, orphans of a SIGKILLed run reaped) took 7-14 s on the 2-core machine under a load of
 * 10, and once over 30 s after a SIGKILL: the deadline is 60 s.
 */
export const serviceUp = (port: number, what = "service up") =>
  eventually(what, request(port, "GET", "/health"), (r) => r.status === 200, 60_000)
