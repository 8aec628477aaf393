/**
 * The HTTP server: REST, RPC, files and docs on HOST:PORT over the PortalLayer. Shutdown is
 * ordered by the layers: the server stops accepting and lets in-flight requests finish for up to
 * SHUTDOWN_GRACE, then the pool closes every Chrome and removes its directories.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"
import { AllRoutes } from "../http/Routes.ts"
import { PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import * as Logging from "./Logging.ts"
import { portalLayerFrom } from "./PortalLayer.ts"

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"])

/** Serves the routes; needs the PortalLayer's services. */
export const ServerLayer = Layer.unwrap(Effect.gen(function*() {
  const config = yield* PortalConfig
  if (!LOOPBACK.has(config.host) && Option.isNone(config.apiToken)) {
    yield* Effect.logWarning(
      `SECURITY WARNING: listening on ${config.host} without API_TOKEN. Anyone who can reach this port can drive logged-in portal sessions and book appointments. Set API_TOKEN or bind HOST=127.0.0.1.`
    )
  }
  return HttpRouter.serve(AllRoutes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, {
      port: config.port,
      host: config.host,
      gracefulShutdownTimeout: config.shutdownGrace
    }))
  )
}))

/**
 * Runs the service until interrupted (SIGINT/SIGTERM under NodeRuntime): PortalLayer + server over
 * `config`, logs as LOG_FORMAT at LOG_LEVEL, `onReady` once listening.
 */
export const runService = (
  config: PortalConfigShape,
  onReady: (url: string) => Effect.Effect<void> = (url) => Effect.logInfo("E-Modal Business API listening", { url })
) =>
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const address = server.address
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host
    yield* onReady(address._tag === "UnixPathAddress" ? address.path : `http://${host}:${address.port}`)
    return yield* Effect.never
  }).pipe(
    Effect.provide(ServerLayer.pipe(Layer.provideMerge(portalLayerFrom(Layer.succeed(PortalConfig, config))))),
    Effect.provide(Logging.layer(config.logLevel, config.logFormat))
  )
