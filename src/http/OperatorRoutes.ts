/**
 * The operator's routes beside the REST contract: GET /metrics (Prometheus text format), GET
 * /ready (for load balancers: 200 `ready`, 503 `starting` or `draining`) and the live sessions
 * dashboard — its page (GET /dashboard), its data (GET /dashboard/state) and a session's peek
 * (GET /dashboard/sessions/:session_id/peek, a PNG); its actions are the REST API's own routes.
 * They sit behind the same edge as every route (request id, access log, API_TOKEN); /ready and the
 * dashboard's page (which holds no data) are open without the token, and the polled routes
 * (/ready, /metrics, /dashboard/state) are logged at debug level like /health.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { MetricsExporter, PROMETHEUS_CONTENT_TYPE } from "../services/metrics/MetricsExporter.ts"
import { Dashboard } from "../services/operator/Dashboard.ts"
import { Readiness } from "../services/Readiness.ts"
import { dashboardCsp, dashboardPage } from "./DashboardPage.ts"
import { errorResponse, json } from "./PortalApiHandlers.ts"

const NO_STORE = { "cache-control": "no-store" }

export const OperatorRoutes = HttpRouter.use(Effect.fn(function*(router) {
  const exporter = yield* MetricsExporter
  const readiness = yield* Readiness
  yield* router.add("GET", "/ready", Effect.map(readiness.state, (status) => json({ status, ready: status === "ready" }, status === "ready" ? 200 : 503)))
  yield* router.add("GET", "/metrics", Effect.map(exporter.scrape, (body) =>
    HttpServerResponse.text(body, { contentType: PROMETHEUS_CONTENT_TYPE, headers: NO_STORE })))

  const dashboard = yield* Dashboard
  yield* router.add("GET", "/dashboard", Effect.sync(() => {
    const nonce = makeOpaqueToken()
    return HttpServerResponse.text(dashboardPage(nonce), {
      contentType: "text/html; charset=utf-8",
      headers: {
        ...NO_STORE,
        "content-security-policy": dashboardCsp(nonce),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer"
      }
    })
  }))
  yield* router.add("GET", "/dashboard/state", Effect.map(dashboard.state, (state) => json(state)))
  yield* router.add("GET", "/dashboard/sessions/:session_id/peek", Effect.gen(function*() {
    const { session_id } = yield* HttpRouter.params
    return yield* dashboard.peek(session_id ?? "").pipe(
      Effect.map((png) => HttpServerResponse.uint8Array(png, { contentType: "image/png", headers: { ...NO_STORE, "x-content-type-options": "nosniff" } })),
      Effect.catch((error) => Effect.succeed(errorResponse(error)))
    )
  }))
}))
