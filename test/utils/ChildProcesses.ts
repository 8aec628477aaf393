/** Helpers for tests that run the service or the simulator as a child process. */
import { Effect } from "effect"
import type { ChildProcess } from "node:child_process"
import { createServer } from "node:net"

/** A TCP port free on 127.0.0.1 at the time of asking. */
export const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Completes once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })
