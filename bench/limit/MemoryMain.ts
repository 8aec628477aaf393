/**
 * The memory part of the limit section in a process of its own (spawned by `Capacity.ts`), so that
 * what is measured is the service alone: no earlier section's heap, no minimal-script Chrome
 * connections, and the simulator in yet another process. Prints each row as a `ROW {json}` line.
 */
import { Effect, Layer, Logger, References } from "effect"
import { BATCH_LATENCY, type Row } from "./Harness.ts"
import { memoryLimitSection } from "./Capacity.ts"
import { remoteSimulatorLayer } from "./RemoteSimulator.ts"

const quiet = Layer.mergeAll(Logger.layer([]), Layer.succeed(References.MinimumLogLevel, "Error"))

Effect.runPromise(
  memoryLimitSection((row: Row) => void process.stdout.write(`ROW ${JSON.stringify(row)}\n`)).pipe(
    Effect.provide(remoteSimulatorLayer({ batchLatency: BATCH_LATENCY })),
    Effect.provide(quiet)
  )
).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
