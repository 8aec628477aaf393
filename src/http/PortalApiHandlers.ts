/**
 * The server side of `PortalApi`: one HttpApiBuilder group layer per contract group, each endpoint
 * calling the same PortalOperations method as its RPC, plus the contract's middleware (the bearer
 * token; path and header decoding failures as the seed's 400) and the helpers REST and RPC share
 * (request ids, file-link base, request context, the classification of failures).
 *
 * JSON bodies are read and validated here, not by HttpApi's own payload decoding, because the
 * seed's clients expect more than a schema decode: a body up to 1 MB whatever its Content-Type,
 * "Request must be JSON" for anything unparsable, an empty body standing for `{}` where every field
 * is optional, prototype-polluting keys refused at any depth, and "Missing required fields: a, b".
 * That is `Validation.validatePayload` against the endpoint's declared domain schema (the
 * `RequestBody` annotation), exactly what RPC runs on its payloads.
 *
 * Failures leave a handler as declared errors: HttpApi encodes them through their HTTP schemas
 * (status, seed body, headers). A failure the endpoint does not declare — a defect, or an error the
 * contract forgot — is logged with the request id and answered as InternalError (500), so the
 * document never misses a status the server sends.
 */
import { Cause, Context, Effect, Layer, Option, Queue, Redacted, Schema, Stream } from "effect"
import { type Headers, HttpEffect, HttpPlatform, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { type HttpApiEndpoint, HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import { createHash, timingSafeEqual } from "node:crypto"
import { FileNotFound, InternalError, InvalidOperationInput, isPortalError, type PortalError } from "../domain/Errors.ts"
import { statusOf, toSeedBody } from "../domain/ErrorSpecs.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { MAX_IDEMPOTENCY_KEY_LENGTH, type RowsProgress } from "../domain/Operations.ts"
import { ArtifactStore } from "../services/ArtifactStore.ts"
import { setRequestPhase } from "../services/portal/Phase.ts"
import { PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import { HOST_HEADER } from "../services/config/Parsers.ts"
import { PortalOperations, type RequestContext } from "../services/PortalOperations.ts"
import { type EdgeError, edgeSeedBody, edgeStatusOf, isEdgeError, PayloadTooLarge, Unauthorized } from "./EdgeErrors.ts"
import {
  Authorization,
  MEDIA_SSE,
  MEDIA_XLSX,
  PortalApi,
  type ProgressEvent,
  RequestBody,
  SeedValidation,
  type StreamErrorData
} from "./PortalApi.ts"
import { describeSchemaError, invalid, validatePayload } from "./Validation.ts"

export const MAX_BODY_BYTES = 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Request ids and context (one rule for REST and RPC)

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * The request id in `headers`: the client's `X-Request-Id` when it is sane, else a fresh one. The
 * edge middleware puts the id it chose into the request's headers, so every later reader (REST
 * handlers, RPC handlers, the error mapping) finds the id of the access-log line.
 */
export const requestIdFrom = (headers: Headers.Headers): string => {
  const given = headers["x-request-id"]
  return typeof given === "string" && REQUEST_ID.test(given) ? given : `req_${makeOpaqueToken().slice(0, 16)}`
}

export const requestIdOf = (request: HttpServerRequest.HttpServerRequest): string => requestIdFrom(request.headers)

/** The host and port of a `host[:port]` (port undefined when absent). */
const hostAndPort = (value: string): { readonly host: string; readonly port: number | undefined } => {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(value)!
  return { host: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) }
}

/** The address links fall back to: HOST:PORT, with a wildcard bind shown as 127.0.0.1. */
const boundOrigin = (config: PortalConfigShape, port: number): string => {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`
}

/**
 * Where file links point, decided per request: PUBLIC_BASE_URL when set; else the request's Host,
 * as the seed did, but only when ALLOWED_HOSTS lists it (an entry without a port allows any port;
 * a Host without a port means port 80); else the configured address. Without ALLOWED_HOSTS the
 * list is HOST, localhost and 127.0.0.1 on `boundPort` (the port the server listens on, which is
 * PORT unless a test bound an ephemeral one). A hostile `Host: attacker.example` therefore never
 * reaches a link.
 */
export const makeBaseUrl = (config: PortalConfigShape, boundPort: number = config.port): (headers: Headers.Headers) => string => {
  if (Option.isSome(config.publicBaseUrl)) {
    const fixed = config.publicBaseUrl.value.href.replace(/\/+$/, "")
    return () => fixed
  }
  const allowed = Option.getOrElse(config.allowedHosts, () =>
    [config.host, "localhost", "127.0.0.1"].map((h) => `${h.includes(":") ? `[${h}]` : h}:${boundPort}`.toLowerCase())
  ).map(hostAndPort)
  const fallback = boundOrigin(config, boundPort)
  return (headers) => {
    const given = headers["host"]
    if (typeof given !== "string") return fallback
    const host = given.trim().toLowerCase()
    if (!HOST_HEADER.test(host)) return fallback
    const asked = hostAndPort(host)
    const ok = allowed.some((a) => a.host === asked.host && (a.port === undefined || a.port === (asked.port ?? 80)))
    return ok ? `http://${host}` : fallback
  }
}

/**
 * `makeBaseUrl` for the server being built: reads PortalConfig and, when the HTTP server is in
 * context (the routes are built after it listens), the port it is bound to.
 */
export const baseUrlForServer: Effect.Effect<(headers: Headers.Headers) => string, never, PortalConfig> = Effect.gen(function*() {
  const config = yield* PortalConfig
  const server = yield* Effect.serviceOption(HttpServer.HttpServer)
  const port = Option.match(server, {
    onNone: () => config.port,
    onSome: (s) => (s.address._tag === "UnixPathAddress" ? config.port : s.address.port)
  })
  return makeBaseUrl(config, port)
})

/**
 * The per-request facts an operation needs. The idempotency key is `idempotencyKey` when given (an
 * RPC payload field), else the Idempotency-Key header; one longer than MAX_IDEMPOTENCY_KEY_LENGTH
 * (or empty) is ignored.
 */
export const contextFromHeaders = (
  baseUrl: (headers: Headers.Headers) => string,
  headers: Headers.Headers,
  idempotencyKey: string | undefined = headers["idempotency-key"]
): RequestContext => ({
  baseUrl: baseUrl(headers),
  requestId: requestIdFrom(headers),
  idempotencyKey: idempotencyKey !== undefined && idempotencyKey.length > 0 && idempotencyKey.length <= MAX_IDEMPOTENCY_KEY_LENGTH
    ? idempotencyKey
    : undefined
})

/**
 * The one classification of a failure: a domain error is itself; anything else (a defect, a stray
 * non-domain error, an interruption) becomes an InternalError carrying the request id, and is
 * logged with the cause unless it is only an interruption. The body never shows internals.
 */
export const portalErrorOf = (cause: Cause.Cause<unknown>, requestId: string): Effect.Effect<PortalError> => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure) && isPortalError(failure.value)) return Effect.succeed(failure.value)
  const internal = new InternalError({ requestId })
  if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(internal)
  return Effect.logError("request failed unexpectedly", cause).pipe(Effect.annotateLogs({ requestId }), Effect.as(internal))
}

/** `portalErrorOf`, letting the edge's own errors through as they are. */
const failureOf = (cause: Cause.Cause<unknown>, requestId: string): Effect.Effect<PortalError | EdgeError> => {
  const failure = Cause.findErrorOption(cause)
  return Option.isSome(failure) && isEdgeError(failure.value) ? Effect.succeed(failure.value) : portalErrorOf(cause, requestId)
}

// ---------------------------------------------------------------------------------------------
// Auth

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest()

/** Constant-time comparison of a presented bearer token with API_TOKEN (hashing equalises lengths). */
export const tokenMatches = (presented: string | undefined, expected: string): boolean =>
  presented !== undefined && timingSafeEqual(digest(presented), digest(expected))

export const bearerOf = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const header = request.headers["authorization"]
  if (typeof header !== "string") return undefined
  // RFC 6750: the scheme, one space, the token (no other whitespace, no trailing garbage).
  const m = /^Bearer (\S+)$/i.exec(header)
  return m === null ? undefined : m[1]
}

/**
 * The contract's bearer security. The edge middleware has already refused a request without the
 * token (it guards RPC, files and unknown routes too); this checks again, so the REST routes hold
 * the rule on their own.
 */
export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function*() {
    const config = yield* PortalConfig
    const token = Option.map(config.apiToken, Redacted.value)
    return Authorization.of({
      bearer: (httpEffect, { credential }) =>
        Option.isNone(token) || tokenMatches(Redacted.value(credential), token.value)
          ? httpEffect
          : errorHeaders(new Unauthorized({})).pipe(Effect.andThen(Effect.fail(new Unauthorized({}))))
    })
  })
)

/** A path parameter or header that does not decode is the seed's 400, like a bad body. */
export const SeedValidationLive = HttpApiMiddleware.layerSchemaErrorTransform(SeedValidation, (error) =>
  error.kind === "Body" || error.kind === "ResponseHeaders"
    ? Effect.die(error)
    : Effect.fail(describeSchemaError(error.cause)))

// ---------------------------------------------------------------------------------------------
// Body decoding

/** The type of an endpoint's body: its declared payload schema's (what the handler receives). */
type BodyOf<Endpoint> = HttpApiEndpoint.Payload<Endpoint>["Type"]

/** Reads and validates a JSON body against the endpoint's declared schema (see the module comment). */
export const decodeBody = <A>(
  spec: RequestBody["Service"],
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<A, InvalidOperationInput | PayloadTooLarge> =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return yield* new PayloadTooLarge({ limitBytes: MAX_BODY_BYTES })
    yield* setRequestPhase("request:body")
    // The edge middleware caps the body at MAX_BODY_BYTES (HttpServerRequest.MaxBodySize).
    const text = yield* request.text.pipe(
      Effect.mapError((e) =>
        /maxBytes/i.test(String((e as { cause?: unknown }).cause)) ? new PayloadTooLarge({ limitBytes: MAX_BODY_BYTES }) : invalid("Request must be JSON")
      )
    )
    let parsed: unknown
    if (text.trim() === "") {
      if (!spec.emptyIsObject) return yield* invalid("Request must be JSON")
      parsed = {}
    } else {
      try {
        parsed = JSON.parse(text)
      } catch {
        return yield* invalid("Request must be JSON")
      }
    }
    const input = yield* validatePayload<A>(spec.schema, parsed)
    yield* setRequestPhase("operation")
    return input
  })

// ---------------------------------------------------------------------------------------------
// Responses

const NO_STORE = { "cache-control": "no-store" }

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { ...NO_STORE, ...headers } })

/** The status and seed body of any error the service answers with. */
const renderError = (error: PortalError | EdgeError) =>
  isEdgeError(error) ? { status: edgeStatusOf(error), body: edgeSeedBody(error) } : { status: statusOf(error), body: toSeedBody(error) }

/** The headers an error is answered with besides its body (see ApiErrors). */
const headersOf = (error: PortalError | EdgeError): Record<string, string> =>
  error._tag === "PoolExhausted"
    ? { "retry-after": String(error.retryAfterSeconds) }
    : error._tag === "Unauthorized"
    ? { "www-authenticate": "Bearer" }
    : {}

/** Sets an error's headers on the response HttpApi will encode it into. */
const errorHeaders = (error: PortalError | EdgeError): Effect.Effect<void, never, HttpServerRequest.HttpServerRequest> => {
  const headers = headersOf(error)
  return Object.keys(headers).length === 0
    ? Effect.void
    : HttpEffect.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, headers)))
}

/** An error as a response, outside HttpApi (the edge: no route, no token, unreadable bodies, RPC). */
export const errorResponse = (error: PortalError | EdgeError): HttpServerResponse.HttpServerResponse => {
  const { status, body } = renderError(error)
  return json(body, status, headersOf(error))
}

/** Runs a handler and answers every failure through the one classification and `errorResponse`. */
export const respond = <R>(
  request: HttpServerRequest.HttpServerRequest,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
  handler.pipe(Effect.catchCause((cause) => Effect.map(failureOf(cause, requestIdOf(request)), errorResponse)))

/** The error event that ends a progress stream: the error body and the status the JSON answer would have had. */
const errorEvent = (error: PortalError | EdgeError): { readonly event: "error"; readonly data: StreamErrorData } => {
  const { status, body } = renderError(error)
  return { event: "error", data: { status, ...body } }
}

/** Whether the request asks for Server-Sent Events. */
const wantsEvents = (request: HttpServerRequest.HttpServerRequest) =>
  (request.headers["accept"] ?? "").split(",").some((part) => part.trim().toLowerCase().startsWith(MEDIA_SSE))

const attachment = (name: string) => `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"`

export const pathOf = (request: HttpServerRequest.HttpServerRequest) => request.url.split("?")[0] ?? request.url

const contentTypes: Record<string, string> = {
  xlsx: MEDIA_XLSX,
  xls: "application/vnd.ms-excel",
  png: "image/png",
  zip: "application/zip",
  html: "text/plain; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8"
}

// ---------------------------------------------------------------------------------------------
// The groups

/** The failure type a handler of `Endpoint` may fail with: its declared errors. */
type Declared<Endpoint> = HttpApiEndpoint.Errors<Endpoint>

/** What every handler shares: the services, the request context, and the declared-errors rule. */
const makeKit = Effect.gen(function*() {
  const ops = yield* PortalOperations
  const baseUrl = yield* baseUrlForServer
  const contextOf = (request: HttpServerRequest.HttpServerRequest) => contextFromHeaders(baseUrl, request.headers)

  /**
   * Runs `effect` for `endpoint`: a declared error leaves as itself (HttpApi encodes it); anything
   * else is logged and becomes InternalError (see the module comment).
   */
  const declared = <Endpoint extends HttpApiEndpoint.Top, A>(
    endpoint: Endpoint,
    request: HttpServerRequest.HttpServerRequest,
    effect: Effect.Effect<A, unknown>
  ): Effect.Effect<A, Declared<Endpoint>> => {
    const requestId = requestIdOf(request)
    return effect.pipe(
      Effect.catchCause((cause) =>
        Effect.flatMap(failureOf(cause, requestId), (error) => {
          if (isDeclared(endpoint, error)) return Effect.andThen(errorHeaders(error), Effect.fail(error))
          return Effect.logError("an endpoint failed with an error its contract does not declare", { endpoint: endpoint.identifier, error: error._tag }).pipe(
            Effect.annotateLogs({ requestId }),
            Effect.andThen(Effect.fail(new InternalError({ requestId })))
          )
        })
      )
    ) as Effect.Effect<A, Declared<Endpoint>>
  }

  /** Validates the JSON body (the endpoint's `RequestBody`) and runs `f` with it and the request's context. */
  const withBody = <Endpoint extends HttpApiEndpoint.Top, A>(
    endpoint: Endpoint,
    request: HttpServerRequest.HttpServerRequest,
    f: (input: BodyOf<Endpoint>, context: RequestContext) => Effect.Effect<A, unknown>
  ) =>
    declared(
      endpoint,
      request,
      Effect.flatMap(decodeBody<BodyOf<Endpoint>>(requestBodyOf(endpoint), request), (input) => f(input, contextOf(request)))
    )

  /**
   * The progress stream of an operation: `progress` events from its listener, then `result` (the
   * JSON answer) or `error`. The body is validated first, so a bad request is still a plain 400.
   */
  const withEvents = <Endpoint extends HttpApiEndpoint.Top, P, R>(
    endpoint: Endpoint,
    request: HttpServerRequest.HttpServerRequest,
    run: (input: BodyOf<Endpoint>, context: RequestContext, onProgress: (progress: P) => Effect.Effect<void>) => Effect.Effect<R, unknown>
  ) =>
    declared(endpoint, request, decodeBody<BodyOf<Endpoint>>(requestBodyOf(endpoint), request)).pipe(
      Effect.map((input) =>
        Stream.callback<ProgressEvent<P, R>>((queue) =>
          run(input, contextOf(request), (data) => Queue.offer(queue, { event: "progress", data }).pipe(Effect.asVoid)).pipe(
            Effect.matchCauseEffect({
              onSuccess: (data) => Queue.offer(queue, { event: "result", data }),
              onFailure: (cause) => Effect.flatMap(failureOf(cause, requestIdOf(request)), (e) => Queue.offer(queue, errorEvent(e)))
            }),
            Effect.andThen(Queue.end(queue))
          )
        )
      )
    )

  return { ops, contextOf, declared, withBody, withEvents }
})

/** The body schema the contract declares for `endpoint` (every endpoint with a JSON body has one). */
const requestBodyOf = (endpoint: HttpApiEndpoint.Top): RequestBody["Service"] =>
  Option.getOrThrowWith(
    Context.getOption(endpoint.annotations, RequestBody),
    () => new Error(`PortalApi: endpoint ${endpoint.identifier} declares no RequestBody`)
  )

/** Whether `error` is one of the errors `endpoint` declares (middleware errors included). */
const isDeclared = (endpoint: HttpApiEndpoint.Top, error: PortalError | EdgeError): boolean => {
  const own = declaredGuards.get(endpoint) ?? guardOf(endpoint)
  return own(error) || error._tag === "Unauthorized" || error._tag === "InvalidOperationInput"
}

const declaredGuards = new WeakMap<HttpApiEndpoint.Top, (u: unknown) => boolean>()

const guardOf = (endpoint: HttpApiEndpoint.Top) => {
  const schemas = [...endpoint.error].map((s) => Schema.toType(s))
  const guard = schemas.length === 0 ? () => false : Schema.is(Schema.Union(schemas))
  declaredGuards.set(endpoint, guard)
  return guard
}

export const HealthHandlers = HttpApiBuilder.group(PortalApi, "health", (handlers) =>
  Effect.gen(function*() {
    const { ops } = yield* makeKit
    return handlers.handle("health", ({ query }) =>
      Effect.map(ops.health, (health) => (query.strict === "true" && health.status === "degraded" ? json(health, 503) : health)))
  }))

export const SessionsHandlers = HttpApiBuilder.group(PortalApi, "sessions", (handlers) =>
  Effect.gen(function*() {
    const { ops, declared, withBody } = yield* makeKit
    return handlers
      .handleRaw("get_session", ({ endpoint, request }) => withBody(endpoint, request, ops.getSession))
      .handle("sessions", () => ops.listSessions)
      .handle("delete_session", ({ endpoint, params, request }) => declared(endpoint, request, ops.closeSession(params.session_id)))
      .handleRaw("close_session", ({ endpoint, request }) =>
        withBody(endpoint, request, (input: { readonly session_id: string }) => ops.closeSession(input.session_id)))
      .handleRaw("ping_session", ({ endpoint, params, request }) =>
        withBody(endpoint, request, (input: { readonly never_terminate?: boolean; readonly keep_alive?: boolean }) =>
          ops.pingSession({ session_id: params.session_id, ...input })))
      .handleRaw("ping_session_body", ({ endpoint, request }) => withBody(endpoint, request, ops.pingSession))
  }))

export const OperationsHandlers = HttpApiBuilder.group(PortalApi, "operations", (handlers) =>
  Effect.gen(function*() {
    const { ops, withBody, withEvents } = yield* makeKit
    const platform = yield* HttpPlatform.HttpPlatform
    return handlers
      .handleRaw("get_containers", ({ endpoint, request }) =>
        wantsEvents(request)
          ? withEvents(endpoint, request, (input: Parameters<typeof ops.getContainers>[0], ctx, onProgress: (p: RowsProgress) => Effect.Effect<void>) =>
            Effect.map(ops.getContainers(input, ctx, ({ rows_loaded, scroll_cycles }) => onProgress({ rows_loaded, scroll_cycles })), (r) => r.response))
          : withBody(endpoint, request, (input: Parameters<typeof ops.getContainers>[0], ctx) =>
            Effect.gen(function*() {
              const result = yield* ops.getContainers(input, ctx)
              if (input.return_url === true) return result.response
              // The seed sent the workbook itself by default; the session travels in headers here.
              return yield* HttpServerResponse.file(result.file.path, {
                contentType: MEDIA_XLSX,
                headers: {
                  "content-disposition": attachment(result.response.file_name),
                  "x-session-id": result.response.session_id,
                  "x-is-new-session": String(result.response.is_new_session),
                  ...NO_STORE
                }
              }).pipe(Effect.provideService(HttpPlatform.HttpPlatform, platform), Effect.mapError(() => new FileNotFound({})))
            })))
      .handleRaw("get_container_timeline", ({ endpoint, request }) => withBody(endpoint, request, ops.getContainerTimeline))
      .handleRaw("get_booking_number", ({ endpoint, request }) => withBody(endpoint, request, ops.getBookingNumber))
      .handleRaw("get_appointments", ({ endpoint, request }) =>
        wantsEvents(request)
          ? withEvents(endpoint, request, ops.getAppointments)
          : withBody(endpoint, request, ops.getAppointments))
      .handleRaw("check_appointments", ({ endpoint, request }) => withBody(endpoint, request, ops.checkAppointments))
      .handleRaw("make_appointment", ({ endpoint, request }) => withBody(endpoint, request, ops.makeAppointment))
      .handleRaw("get_info_bulk", ({ endpoint, request }) =>
        wantsEvents(request)
          ? withEvents(endpoint, request, ops.getInfoBulk)
          : withBody(endpoint, request, ops.getInfoBulk))
  }))

export const FilesHandlers = HttpApiBuilder.group(PortalApi, "files", (handlers) =>
  Effect.gen(function*() {
    const { ops, declared, withBody } = yield* makeKit
    const artifacts = yield* ArtifactStore
    const platform = yield* HttpPlatform.HttpPlatform
    return handlers
      .handle("files", ({ endpoint, request }) =>
        declared(
          endpoint,
          request,
          Effect.gen(function*() {
            const file = yield* artifacts.resolve(pathOf(request))
            const extension = file.name.split(".").pop()?.toLowerCase() ?? ""
            // A file deleted since it was resolved (a /cleanup in between) is a 404 like any other.
            return yield* HttpServerResponse.file(file.path, {
              contentType: contentTypes[extension] ?? "application/octet-stream",
              headers: { "content-disposition": attachment(file.name), "x-content-type-options": "nosniff", ...NO_STORE }
            }).pipe(Effect.provideService(HttpPlatform.HttpPlatform, platform), Effect.mapError(() => new FileNotFound({})))
          })
        ))
      .handleRaw("cleanup", ({ endpoint, request }) => withBody(endpoint, request, ops.cleanup))
  }))

/** Every group of `PortalApi` with the contract's middleware. */
export const PortalApiHandlers = Layer.mergeAll(HealthHandlers, SessionsHandlers, OperationsHandlers, FilesHandlers).pipe(
  Layer.provideMerge(Layer.mergeAll(AuthorizationLive, SeedValidationLive))
)
