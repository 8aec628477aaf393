/**
 * `npm start`: the service against the portal named in the configuration (the real portal by
 * default). A bad configuration value, or a store that cannot be opened, stops the boot with one
 * line naming it.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { loadPortalConfig } from "../services/PortalConfig.ts"
import { runService } from "./ServerLayer.ts"

const program = loadPortalConfig.pipe(
  Effect.flatMap((config) => runService(config)),
  Effect.catchTag("ConfigInvalid", (e) =>
    Effect.sync(() => {
      console.error(e.message)
      process.exitCode = 2
    })),
  // The store (SQLite file or Postgres) could not be opened or migrated at boot: one line naming it.
  Effect.catchTag("StorageUnavailable", (e) =>
    Effect.sync(() => {
      console.error(`The service's store is unavailable at boot (${e.operation}): ${e.detail}`)
      process.exitCode = 1
    }))
)

NodeRuntime.runMain(program)
