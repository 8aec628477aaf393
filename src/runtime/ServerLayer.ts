/**
 * The HTTP server: REST, RPC, files and docs on HOST:PORT over the PortalLayer. Shutdown is
 * ordered by the layers: /ready answers 503 (draining) for DRAIN_DELAY while everything else is
 * still served, then the server stops accepting and lets in-flight requests finish for up to
 * SHUTDOWN_GRACE, then the pool closes every Chrome and removes its directories.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"
import { AllRoutes, ServerTracingOff } from "../http/Routes.ts"
import { PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import { Readiness } from "../services/Readiness.ts"
import * as Logging from "./Logging.ts"
import { portalLayerFrom } from "./PortalLayer.ts"

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"])

/**
 * The server's part in /ready: built once the server listens, it marks the service as serving; at
 * shutdown its finalizer — run before the server's, which stops accepting — marks it draining and
 * keeps serving for DRAIN_DELAY, so load balancers see 503 and stop sending before the door closes.
 */
export const ReadinessLifecycle: Layer.Layer<never, never, Readiness | PortalConfig | HttpServer.HttpServer> = Layer.effectDiscard(
  Effect.gen(function*() {
    const readiness = yield* Readiness
    const config = yield* PortalConfig
    yield* HttpServer.HttpServer
    yield* readiness.serving
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* readiness.drain
        if (Duration.isGreaterThan(config.drainDelay, Duration.zero)) {
          yield* Effect.logInfo("draining: /ready answers 503 before the server stops accepting", { drain_delay: Duration.format(config.drainDelay) })
          yield* Effect.sleep(config.drainDelay)
        }
      })
    )
  })
)

/** Serves the routes; needs the PortalLayer's services. */
export const ServerLayer = Layer.unwrap(Effect.gen(function*() {
  const config = yield* PortalConfig
  if (!LOOPBACK.has(config.host) && Option.isNone(config.apiToken)) {
    yield* Effect.logWarning(
      `SECURITY WARNING: listening on ${config.host} without API_TOKEN. Anyone who can reach this port can drive logged-in portal sessions and book appointments. Set API_TOKEN or bind HOST=127.0.0.1.`
    )
  }
  return ReadinessLifecycle.pipe(
    Layer.provideMerge(HttpRouter.serve(AllRoutes, { disableLogger: true, disableListenLog: true })),
    Layer.provide(ServerTracingOff),
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
