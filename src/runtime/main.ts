/**
 * `npm start`: the service against the portal named in the configuration.
 * Until the service surface lands (issue #6) this validates the configuration and says so.
 */
import { Effect } from "effect"
import { NodeRuntime } from "@effect/platform-node"
import { loadPortalConfig } from "../services/PortalConfig.ts"
import * as Logging from "./Logging.ts"

const program = Effect.gen(function*() {
  const config = yield* loadPortalConfig
  yield* Effect.logWarning("The HTTP service is not wired yet; configuration is valid.", {
    port: config.port,
    host: config.host,
    maxSessions: config.maxSessions
  })
}).pipe(
  Effect.catchTag("ConfigInvalid", (e) => Effect.sync(() => {
    console.error(e.message)
    process.exitCode = 2
  })),
  Effect.provide(Logging.layer())
)

NodeRuntime.runMain(program)
