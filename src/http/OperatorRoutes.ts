/**
 * The operator's routes beside the REST contract: GET /metrics (Prometheus text format) and GET
 * /ready (for load balancers: 200 `ready`, 503 `starting` or `draining`). They sit behind the same
 * edge as every route (request id, access log); /ready is open without API_TOKEN like /health, and
 * /ready and /metrics polls are logged at debug level like /health's.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { MetricsExporter, PROMETHEUS_CONTENT_TYPE } from "../services/metrics/MetricsExporter.ts"
import { Readiness } from "../services/Readiness.ts"

export const OperatorRoutes = HttpRouter.use(Effect.fn(function*(router) {
  const exporter = yield* MetricsExporter
  const readiness = yield* Readiness
  yield* router.add("GET", "/ready", Effect.map(readiness.state, (status) =>
    HttpServerResponse.jsonUnsafe({ status, ready: status === "ready" }, { status: status === "ready" ? 200 : 503, headers: { "cache-control": "no-store" } })))
  yield* router.add("GET", "/metrics", Effect.map(exporter.scrape, (body) =>
    HttpServerResponse.text(body, { contentType: PROMETHEUS_CONTENT_TYPE, headers: { "cache-control": "no-store" } })))
}))
