/**
 * The HTTP surface, on one HttpRouter: every REST endpoint of `PortalApi`, the files route,
 * /openapi.json and /docs, typed RPC at /rpc, and a JSON 404 for anything else. One global
 * middleware is the edge of the service: it assigns the request id (and hands it on in the
 * request's X-Request-Id header, so RPC errors carry the logged id), caps bodies at 1 MB, enforces
 * API_TOKEN (constant-time, every route but /health), and writes one access-log line with timings.
 */
import { Cause, Effect, Exit, Layer, Option, Redacted, Ref } from "effect"
import { Headers, HttpPlatform, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { FileNotFound, InvalidOperationInput, PayloadTooLarge, type PortalError, RouteNotFound, Unauthorized } from "../domain/Errors.ts"
import type * as Ops from "../domain/Operations.ts"
import { ArtifactStore } from "../services/ArtifactStore.ts"
import { RequestPhase } from "../services/portal/Phase.ts"
import { PortalConfig } from "../services/PortalConfig.ts"
import { PortalOperations, type RequestContext } from "../services/PortalOperations.ts"
import { docsPage, openApiDocument } from "./OpenApi.ts"
import { Endpoints, type EndpointSpec } from "./PortalApi.ts"
import {
  bearerOf,
  baseUrlForServer,
  contextFromHeaders,
  decodeBody,
  errorResponse,
  json,
  MAX_BODY_BYTES,
  portalErrorOf,
  requestIdOf,
  respond,
  tokenMatches
} from "./PortalApiHandlers.ts"
import { PortalRpcHandlers, PortalRpcsServer } from "./PortalRpcHandlers.ts"

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

const contentTypes: Record<string, string> = {
  xlsx: XLSX,
  xls: "application/vnd.ms-excel",
  png: "image/png",
  zip: "application/zip",
  html: "text/plain; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8"
}

const pathOf = (request: HttpServerRequest.HttpServerRequest) => request.url.split("?")[0] ?? request.url

const attachment = (name: string) => `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"`

/** Probes and scrapes: their access-log lines are debug level, so polling them does not flood the log. */
const QUIET_PATHS = new Set(["/health", "/ready", "/metrics"])

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
        return yield* edge(effect, request, requestId).pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, request),
          Effect.annotateLogs({ requestId })
        )
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
        const open = request.method === "GET" && path === "/health"
        const authorized = open || Option.isNone(token) || tokenMatches(bearerOf(request), token.value)
        const response = yield* (authorized
          ? effect.pipe(
            Effect.provideService(HttpServerRequest.MaxBodySize, MAX_BODY_BYTES as never),
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
        return HttpServerResponse.setHeader(response, "x-request-id", requestId)
      })
    }
  }),
  { global: true }
)

/** The REST endpoints, files, docs and the 404, with services captured once at build time. */
export const ApiRoutes = HttpRouter.use(Effect.fn(function*(router) {
  const ops = yield* PortalOperations
  const config = yield* PortalConfig
  const artifacts = yield* ArtifactStore
  const platform = yield* HttpPlatform.HttpPlatform
  const baseUrl = yield* baseUrlForServer
  const contextOf = (request: HttpServerRequest.HttpServerRequest) => contextFromHeaders(baseUrl, request.headers)

  type Handler = (request: HttpServerRequest.HttpServerRequest, spec: EndpointSpec) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpRouter.RouteContext>

  const body = <A>(spec: EndpointSpec, request: HttpServerRequest.HttpServerRequest) => decodeBody<A>(spec, request)
  const ok = (value: unknown) => json(value)

  const sessionIdParam = Effect.map(HttpRouter.params, (p) => p.session_id ?? "")

  /** A business operation: decode the body, run it with the request's context, answer its result. */
  const operation = <I>(op: (input: I, context: RequestContext) => Effect.Effect<unknown, PortalError>): Handler => (request, spec) =>
    body<I>(spec, request).pipe(Effect.flatMap((input) => op(input, contextOf(request))), Effect.map(ok))

  /**
   * Streams a file resolved (or produced) a moment ago. If it is gone by now (a /cleanup in
   * between), that is a 404 like any other missing file, not a 500.
   */
  const sendFile = (path: string, options: { readonly contentType: string; readonly headers: Record<string, string> }) =>
    HttpServerResponse.file(path, options).pipe(
      Effect.provideService(HttpPlatform.HttpPlatform, platform),
      Effect.mapError(() => new FileNotFound({}))
    )

  const handlers: Record<string, Handler> = {
    health: () => Effect.map(ops.health, ok),
    sessions: () => Effect.map(ops.listSessions, ok),
    get_session: (request, spec) => body<Ops.GetSessionRequest>(spec, request).pipe(Effect.flatMap(ops.getSession), Effect.map(ok)),
    get_containers: (request, spec) =>
      Effect.gen(function*() {
        const input = yield* body<Ops.GetContainersRequest>(spec, request)
        const result = yield* ops.getContainers(input, contextOf(request))
        if (input.return_url === true) return ok(result.response)
        // The seed sent the workbook itself by default; the session travels in headers here.
        return yield* sendFile(result.file.path, {
          contentType: XLSX,
          headers: {
            "content-disposition": attachment(result.response.file_name),
            "x-session-id": result.response.session_id,
            "x-is-new-session": String(result.response.is_new_session),
            "cache-control": "no-store"
          }
        })
      }),
    get_container_timeline: operation(ops.getContainerTimeline),
    get_booking_number: operation(ops.getBookingNumber),
    get_appointments: operation(ops.getAppointments),
    check_appointments: operation(ops.checkAppointments),
    make_appointment: operation(ops.makeAppointment),
    get_info_bulk: operation(ops.getInfoBulk),
    delete_session: () => sessionIdParam.pipe(Effect.flatMap(ops.closeSession), Effect.map(ok)),
    close_session: (request, spec) =>
      body<Ops.SessionIdRequest>(spec, request).pipe(Effect.flatMap((input) => ops.closeSession(input.session_id)), Effect.map(ok)),
    ping_session: (request, spec) =>
      Effect.gen(function*() {
        const session_id = yield* sessionIdParam
        const input = yield* body<{ never_terminate?: boolean; keep_alive?: boolean }>(spec, request)
        return ok(yield* ops.pingSession({ session_id, ...input }))
      }),
    ping_session_body: (request, spec) =>
      body<Ops.PingSessionRequest>(spec, request).pipe(Effect.flatMap(ops.pingSession), Effect.map(ok)),
    cleanup: (request, spec) => body<Ops.CleanupRequest>(spec, request).pipe(Effect.flatMap(ops.cleanup), Effect.map(ok)),
    files: (request) =>
      Effect.gen(function*() {
        const file = yield* artifacts.resolve(pathOf(request))
        const extension = file.name.split(".").pop()?.toLowerCase() ?? ""
        return yield* sendFile(file.path, {
          contentType: contentTypes[extension] ?? "application/octet-stream",
          headers: { "content-disposition": attachment(file.name), "x-content-type-options": "nosniff", "cache-control": "no-store" }
        })
      })
  }

  for (const spec of Endpoints) {
    const handler = handlers[spec.id]
    if (handler === undefined) return yield* Effect.die(new Error(`no handler for endpoint ${spec.id}`))
    yield* router.add(spec.method, spec.path as HttpRouter.PathInput, (request) => respond(request, handler(request, spec)))
  }

  const document = openApiDocument()
  const page = docsPage()
  yield* router.add("GET", "/openapi.json", Effect.succeed(json(document)))
  yield* router.add("GET", "/docs", Effect.succeed(HttpServerResponse.html(page)))

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
export const AllRoutes = Layer.mergeAll(ApiRoutes, RpcRoutes, EdgeMiddleware)
