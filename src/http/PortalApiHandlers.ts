/**
 * REST handlers for the endpoints of `PortalApi`. A handler decodes the request the way the seed's
 * clients expect (JSON bodies up to 1 MB; `{success: false, error, error_type}` naming the field on
 * any mistake, "Missing required fields: a, b" for absent ones), calls PortalOperations, and turns
 * every failure into a response through one mapping: domain errors get their declared status and
 * seed body (plus Retry-After when the pool is full); anything else is a defect, logged with the
 * request id and answered with a bare 500 that shows no internals. A client mistake is never a 500.
 */
import { Cause, Effect, Option } from "effect"
import { type Headers, type HttpServerRequest, HttpServer, HttpServerResponse } from "effect/http"
import { timingSafeEqual, createHash } from "node:crypto"
import {
  InternalError,
  InvalidOperationInput,
  isPortalError,
  PayloadTooLarge,
  type PortalError,
  statusOf,
  toSeedBody
} from "../domain/Errors.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../domain/Operations.ts"
import { setRequestPhase } from "../services/portal/Phase.ts"
import { HOST_HEADER, PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import type { RequestContext } from "../services/PortalOperations.ts"
import type { EndpointSpec } from "./PortalApi.ts"
import { invalid, validatePayload } from "./Validation.ts"

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

// ---------------------------------------------------------------------------------------------
// Body decoding

/** Reads and decodes a JSON body against `spec.body`. */
export const decodeBody = <A>(
  spec: EndpointSpec,
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
      if (spec.emptyBodyIsObject !== true) return yield* invalid("Request must be JSON")
      parsed = {}
    } else {
      try {
        parsed = JSON.parse(text)
      } catch {
        return yield* invalid("Request must be JSON")
      }
    }
    const input = yield* validatePayload<A>(spec.body, parsed)
    yield* setRequestPhase("operation")
    return input
  })

// ---------------------------------------------------------------------------------------------
// Responses

const NO_STORE = { "cache-control": "no-store" }

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { ...NO_STORE, ...headers } })

/** The one mapping from a failure to a response. */
export const errorResponse = (error: PortalError): HttpServerResponse.HttpServerResponse => {
  const body = toSeedBody(error)
  const headers: Record<string, string> = {}
  if (error._tag === "PoolExhausted") headers["retry-after"] = String(error.retryAfterSeconds)
  if (error._tag === "Unauthorized") headers["www-authenticate"] = "Bearer"
  return json(body, statusOf(error), headers)
}

/** Runs a handler and answers every failure through `portalErrorOf` and `errorResponse`. */
export const respond = <R>(
  request: HttpServerRequest.HttpServerRequest,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
  handler.pipe(Effect.catchCause((cause) => Effect.map(portalErrorOf(cause, requestIdOf(request)), errorResponse)))
