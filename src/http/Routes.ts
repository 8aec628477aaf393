/**
 * The HTTP surface, on one HttpRouter: every REST endpoint of `PortalApi`, the files route,
 * /openapi.json and /docs, typed RPC at /rpc, the operator's routes (OperatorRoutes: /metrics…),
 * and a JSON 404 for anything else. One global
 * middleware is the edge of the service: it assigns the request id (and hands it on in the
 * request's X-Request-Id header, so RPC errors carry the logged id), caps bodies at 1 MB, enforces
 * API_TOKEN (constant-time, every route but /health and /ready, and /docs and /openapi.json
 * unless DOCS_PUBLIC=false), and writes one access-log line with timings.
 */
import { ByteSize, Cause, Effect, Exit, Layer, Option, Redacted, Ref } from "effect"
import { Headers, HttpMiddleware, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse, HttpTraceContext } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { FileNotFound, InvalidOperationInput } from "../domain/Errors.ts"
import { RequestPhase } from "../services/portal/Phase.ts"
import { PortalConfig } from "../services/PortalConfig.ts"
import { PayloadTooLarge, RouteNotFound, Unauthorized } from "./EdgeErrors.ts"
import { Endpoints, openApiDocument, PortalApi } from "./PortalApi.ts"
import {
  bearerOf,
  baseUrlForServer,
  errorResponse,
  json,
  MAX_BODY_BYTES,
  pathOf,
  PortalApiHandlers,
  portalErrorOf,
  requestIdOf,
  tokenMatches
} from "./PortalApiHandlers.ts"
import { OperatorRoutes } from "./OperatorRoutes.ts"
import { PortalRpcHandlers, PortalRpcsServer } from "./PortalRpcHandlers.ts"

/**
 * Open without API_TOKEN: the probes (they show no secret, no session, no account) and the
 * dashboard's page (it holds no data: it asks for the token and sends it with its own requests).
 */
const OPEN_PATHS = new Set(["/health", "/ready", "/dashboard"])

/** The documentation: open without API_TOKEN unless DOCS_PUBLIC=false. */
const DOCS_PATHS = new Set(["/docs", "/openapi.json"])

/** Probes and scrapes: their access-log lines are debug level, so polling them does not flood the log. */
const QUIET_PATHS = new Set(["/health", "/ready", "/metrics", "/dashboard/state"])

/** Routes with parameters, as templates: a span names its route, never a session id or a file's folder. */
const TEMPLATES: ReadonlyArray<readonly [RegExp, string]> = [
  ...Endpoints.filter((e) => e.path.includes(":")).map((e) =>
    [new RegExp("^" + e.path.replace(/:[a-z_]+/g, "[^/]+") + "$"), e.path] as const
  ),
  [/^\/files\/.*$/, "/files/:folder/:name"],
  [/^\/dashboard\/sessions\/[^/]+\/peek$/, "/dashboard/sessions/:session_id/peek"]
]

/** The paths served as they are (no parameters). */
const PLAIN = new Set([
  ...Endpoints.filter((e) => !e.path.includes(":")).map((e) => e.path),
  "/rpc", "/docs", "/openapi.json", "/metrics", "/ready", "/dashboard", "/dashboard/state"
])

/** The route a path matched, as a template; "unmatched" for anything else (no unbounded names). */
export const routeOf = (path: string): string =>
  PLAIN.has(path) ? path : TEMPLATES.find(([re]) => re.test(path))?.[1] ?? "unmatched"

/**
 * Turns off the HTTP server's own request spans: they record the full URL, and a URL may hold a
 * session id or a file's folder (bearer secrets). The edge opens the request's span instead, named
 * by its route template.
 */
export const ServerTracingOff = Layer.succeed(HttpMiddleware.TracerDisabledWhen)(() => true)

/** Whether the path has a malformed percent-encoding (`/files/%ZZ`), which no route can match. */
const malformedPath = (path: string): boolean => {
  try {
    decodeURIComponent(path)
    return false
  } catch {
    return true
  }
}

/** Whether an interruption came from the client closing its connection. */
const clientAborted = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((r) => r._tag === "Interrupt" && r.annotations.has(HttpServerError.ClientAbort.key))

/**
 * A failure that escaped the handlers (the router's own "no route", the RPC server's body read) as
 * the service's JSON error: a malformed path is a 400, an oversized body a 413, an unreadable one a
 * 400, anything else goes through the one classification (`portalErrorOf`). Interruptions pass.
 */
const edgeFailure = (cause: Cause.Cause<unknown>, request: HttpServerRequest.HttpServerRequest, requestId: string) => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
  const server = cause.reasons
    .map((r) => (r._tag === "Fail" ? r.error : r._tag === "Die" ? r.defect : undefined))
    .find(HttpServerError.isHttpServerError)
  const path = pathOf(request)
  switch (server?.reason._tag) {
    case "RouteNotFound":
      return Effect.succeed(errorResponse(
        malformedPath(path)
          ? new InvalidOperationInput({ detail: "The request path has a malformed percent-encoding", field: "path" })
          : new RouteNotFound({ method: request.method, path: path.slice(0, 200) })
      ))
    case "RequestParseError":
      return Effect.succeed(errorResponse(
        server.reason.reason === "BodyTooLarge"
          ? new PayloadTooLarge({ limitBytes: MAX_BODY_BYTES })
          : new InvalidOperationInput({ detail: "The request body could not be read" })
      ))
    default:
      return Effect.map(portalErrorOf(cause, requestId), errorResponse)
  }
}

/**
 * The edge: request id, body cap, API_TOKEN, access log. Applies to every route, RPC included, and
 * to requests no route matches: every answer it lets out is JSON (files and workbooks aside) and
 * carries `x-request-id`. Every request leaves one access-log line, also one whose client went
 * away before the answer (status 499, with the phase the request was in).
 */
export const EdgeMiddleware = HttpRouter.middleware(
  Effect.gen(function*() {
    const config = yield* PortalConfig
    const token = Option.map(config.apiToken, Redacted.value)
    return (effect) =>
      Effect.gen(function*() {
        const received = yield* HttpServerRequest.HttpServerRequest
        const requestId = requestIdOf(received)
        // Everything behind the edge (REST and RPC handlers alike) reads this id from the request.
        const request = received.headers["x-request-id"] === requestId
          ? received
          : received.modify({ headers: Headers.set(received.headers, "x-request-id", requestId) })
        const path = pathOf(request)
        const served = edge(effect, request, requestId).pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, request),
          Effect.annotateLogs({ requestId })
        )
        // Every request but the probes' polls is a trace's server span (a caller's traceparent is its
        // parent); a poll every few seconds traces nothing.
        if (QUIET_PATHS.has(path)) return yield* Effect.withTracerEnabled(served, false)
        const route = routeOf(path)
        return yield* served.pipe(Effect.withSpan(`${request.method} ${route}`, {
          kind: "server",
          parent: Option.getOrUndefined(HttpTraceContext.fromHeaders(request.headers)),
          attributes: { "http.request.method": request.method, "http.route": route, "emodal.request_id": requestId }
        }))
      })

    function edge<E, R>(
      effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
      request: HttpServerRequest.HttpServerRequest,
      requestId: string
    ) {
      return Effect.gen(function*() {
        const path = pathOf(request)
        const started = performance.now()
        const phase = yield* Ref.make("request")
        const access = (status: number, extra: Record<string, unknown> = {}) =>
          (QUIET_PATHS.has(path) ? Effect.logDebug : Effect.logInfo)("http", {
            method: request.method,
            path: path.slice(0, 200),
            status,
            ms: Math.round((performance.now() - started) * 10) / 10,
            ...extra
          })
        const open = request.method === "GET" && (OPEN_PATHS.has(path) || (config.docsPublic && DOCS_PATHS.has(path)))
        const authorized = open || Option.isNone(token) || tokenMatches(bearerOf(request), token.value)
        const response = yield* (authorized
          ? effect.pipe(
            Effect.provideService(HttpServerRequest.MaxBodySize, ByteSize.bytes(MAX_BODY_BYTES)),
            Effect.provideService(RequestPhase, phase),
            Effect.catchCause((cause) => edgeFailure(cause, request, requestId))
          )
          : Effect.succeed(errorResponse(new Unauthorized({})))).pipe(
            // Interrupted: no answer will be written. 499 when the client went away (nginx's code
            // for it), 503 when the server is stopping.
            Effect.onExit((exit) =>
              Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)
                ? Effect.flatMap(Ref.get(phase), (p) => access(clientAborted(exit.cause) ? 499 : 503, { phase: p }))
                : Effect.void
            )
          )
        yield* access(response.status)
        yield* Effect.annotateCurrentSpan({ "http.response.status_code": response.status })
        return HttpServerResponse.setHeader(response, "x-request-id", requestId)
      })
    }
  }),
  { global: true }
)

/**
 * The REST API: `PortalApi` served by HttpApiBuilder, its OpenAPI document at /openapi.json (with
 * `servers` naming this service as the request reached it) and the Scalar docs page at /docs (its
 * JavaScript bundled in the service: no CDN, works offline).
 */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(PortalApi).pipe(Layer.provide(PortalApiHandlers)),
  HttpApiScalar.layer(PortalApi, {
    path: "/docs",
    scalar: {
      withDefaultFonts: false,
      defaultOpenAllTags: true,
      hideClientButton: true,
      showDeveloperTools: "never",
      authentication: { preferredSecurityScheme: "bearer" }
    } as HttpApiScalar.ScalarConfig
  }),
  HttpRouter.use(Effect.fn(function*(router) {
    const baseUrl = yield* baseUrlForServer
    const document = openApiDocument()
    yield* router.add("GET", "/openapi.json", (request) =>
      Effect.succeed(json({ ...document, servers: [{ url: baseUrl(request.headers), description: "This service" }] })))
  }))
)

/** JSON answers where no endpoint matches: a file path of another shape, a wrong method, an unknown route. */
const Fallbacks = HttpRouter.use(Effect.fn(function*(router) {
  yield* router.add("GET", "/files/*", Effect.succeed(errorResponse(new FileNotFound({}))))
  // A JSON 404 for any other route, and a JSON 400 for a wrong method on a known one.
  const known = new Set(Endpoints.map((e) => e.path.replace(/:[a-z_]+/g, "").replace(/\*$/, "")))
  yield* router.add("*", "*", (request) =>
    Effect.succeed(
      known.has(pathOf(request)) && !Endpoints.some((e) => e.path === pathOf(request) && e.method === request.method)
        ? errorResponse(new InvalidOperationInput({ detail: `Method ${request.method} is not allowed on ${pathOf(request)}` }))
        : errorResponse(new RouteNotFound({ method: request.method, path: pathOf(request).slice(0, 200) }))
    ))
}))

/** Typed RPC at /rpc (ndjson), on the same server. */
export const RpcRoutes = RpcServer.layerHttp({ group: PortalRpcsServer, path: "/rpc", protocol: "http" }).pipe(
  Layer.provide(PortalRpcHandlers),
  Layer.provide(RpcSerialization.layerNdjson)
)

/** Everything the server serves. */
export const AllRoutes = Layer.mergeAll(ApiRoutes, OperatorRoutes, Fallbacks, RpcRoutes, EdgeMiddleware)
