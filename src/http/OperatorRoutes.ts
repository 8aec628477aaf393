/**
 * The operator's routes beside the REST contract: GET /metrics (Prometheus text format). They sit
 * behind the same edge as every route (request id, access log, API_TOKEN); /metrics polls are
 * logged at debug level like /health's.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { MetricsExporter, PROMETHEUS_CONTENT_TYPE } from "../services/metrics/MetricsExporter.ts"

export const OperatorRoutes = HttpRouter.use(Effect.fn(function*(router) {
  const exporter = yield* MetricsExporter
  yield* router.add("GET", "/metrics", Effect.map(exporter.scrape, (body) =>
    HttpServerResponse.text(body, { contentType: PROMETHEUS_CONTENT_TYPE, headers: { "cache-control": "no-store" } })))
}))
