/** Helpers for tests that run the simulator as a child process. */
import { Effect } from "effect"
import type { ChildProcess } from "node:child_process"

/** Completes once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })
