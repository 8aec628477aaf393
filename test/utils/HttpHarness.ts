/**
 * The real HTTP surface (routes, middleware, RPC) on an ephemeral port, over either the fake pool
 * (no Chrome: validation, mapping, auth, session routes) or the real product against the simulator.
 * Requests go through plain fetch so tests see exactly what a client sees.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer, request as httpRequest } from "node:http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AllRoutes, ServerTracingOff } from "../../src/http/Routes.ts"
import { ReadinessLifecycle } from "../../src/runtime/ServerLayer.ts"
import { ArtifactStore } from "../../src/services/ArtifactStore.ts"
import { Idempotency } from "../../src/services/Idempotency.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import { PortalHealth } from "../../src/services/PortalHealth.ts"
import type { Readiness } from "../../src/services/Readiness.ts"
import { MetricsExporter } from "../../src/services/metrics/MetricsExporter.ts"
import { Dashboard } from "../../src/services/operator/Dashboard.ts"
import { RecentErrors } from "../../src/services/operator/RecentErrors.ts"
import { poolLayer } from "./PoolHarness.ts"
import { coreLayer } from "./ProductHarness.ts"

type Served = PortalOperations | PortalConfig | ArtifactStore | MetricsExporter | Readiness | Dashboard

/** The routes as ServerLayer serves them (readiness included) on an ephemeral port. */
const serve = <A, E, R>(services: Layer.Layer<A | Served, E, R>) =>
  ReadinessLifecycle.pipe(
    Layer.provideMerge(HttpRouter.serve(AllRoutes, { disableLogger: true, disableListenLog: true })),
    Layer.provide(ServerTracingOff),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provideMerge(services as Layer.Layer<A | Served, E, R>)
  )

/** The operator's services over a pool: metrics exporter, dashboard, its list of recent errors. */
const OperatorLayer = Layer.mergeAll(MetricsExporter.layer, Dashboard.layer).pipe(Layer.provideMerge(RecentErrors.layer))

/** Tests stop their servers at once unless they ask for a drain. */
const NO_DRAIN = { DRAIN_DELAY: "0 seconds" }

/** The routes over the fake pool and a temporary DATA_DIR. */
export const fakeServer = (env: Record<string, string> = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-http-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const base = poolLayer({ DATA_DIR: dir, ...NO_DRAIN, ...env })
    return serve(PortalOperations.layer.pipe(
      Layer.provideMerge(Layer.mergeAll(ArtifactStore.layer, Idempotency.layer, PortalHealth.layerTest, OperatorLayer)),
      Layer.provideMerge(base)
    ))
  }))

/** The routes over the real product (Chrome) against the simulator in context. */
export const realServer = (env: Record<string, string> = {}, dataDir?: string) =>
  serve(PortalOperations.layer.pipe(Layer.provideMerge(OperatorLayer), Layer.provideMerge(coreLayer({ ...NO_DRAIN, ...env }, dataDir))))

/** The server's base URL. */
export const baseUrl = Effect.map(Effect.service(HttpServer.HttpServer), (server) => {
  const address = server.address
  return address._tag === "UnixPathAddress" ? address.path : `http://127.0.0.1:${address.port}`
})

export interface HttpResult {
  readonly status: number
  readonly headers: Headers
  readonly body: any
  readonly text: string
}

/** Sends a request; `body` is JSON-encoded unless it is already a string. */
export const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const url = yield* baseUrl
    return yield* Effect.promise(async (): Promise<HttpResult> => {
      const response = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {})
      })
      const text = await response.text()
      let parsed: unknown = undefined
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
      return { status: response.status, headers: response.headers, body: parsed, text }
    })
  })

/** Sends a GET with the path exactly as given (fetch would normalise `..` and `%2e%2e`). */
export const rawGet = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const url = new URL(yield* baseUrl)
    return yield* Effect.callback<{ readonly status: number; readonly body: any }>((resume) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, method: "GET", headers }, (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (text += chunk))
        res.on("end", () => {
          let body: unknown = undefined
          try {
            body = JSON.parse(text)
          } catch {
            body = text
          }
          resume(Effect.succeed({ status: res.statusCode ?? 0, body }))
        })
      })
      req.on("error", (e) => resume(Effect.die(e)))
      req.end()
    })
  })
