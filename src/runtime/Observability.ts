/**
 * What the service tells its operator besides its answers, wired from the configuration: the log
 * lines (LOG_FORMAT at LOG_LEVEL, see Logging.ts). Part of every PortalLayer, so an embedding
 * program gets the same log lines as the server; provide another `Logger.layer` on top to replace
 * them.
 */
import { Effect, Layer } from "effect"
import { PortalConfig } from "../services/PortalConfig.ts"
import * as Logging from "./Logging.ts"

export const ObservabilityLayer: Layer.Layer<never, never, PortalConfig> = Layer.unwrap(Effect.gen(function*() {
  const config = yield* PortalConfig
  return Logging.layer(config.logLevel, config.logFormat)
}))
