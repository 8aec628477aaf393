/**
 * The simulator's view of a request and the response helpers its hosts share. One catch-all
 * route receives everything; `readRequest` decides which simulated host a request is for from its
 * Host header (see `Hosts.ts`).
 */
import { Effect, Option, Predicate } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { batchDelay, type SimEnv } from "./Env.ts"
import { type HostKind, hostKindOf } from "./Hosts.ts"

export interface SimRequest {
  readonly raw: HttpServerRequest.HttpServerRequest
  readonly method: string
  readonly host: HostKind
  readonly url: URL
  readonly path: string
  readonly query: URLSearchParams
  readonly cookies: Readonly<Record<string, string>>
  readonly remoteAddress: string | undefined
}

export const readRequest = (raw: HttpServerRequest.HttpServerRequest): SimRequest => {
  const hostHeader = raw.headers["host"] ?? "127.0.0.1"
  const url = new URL(raw.url, `http://${hostHeader}`)
  return {
    raw,
    method: raw.method.toUpperCase(),
    host: hostKindOf(hostHeader),
    url,
    path: url.pathname,
    query: url.searchParams,
    cookies: raw.cookies,
    remoteAddress: Option.getOrUndefined(raw.remoteAddress)
  }
}

export const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127."))

/**
 * Every parameter of a request as strings: the query, then a urlencoded or multipart form, or a
 * JSON object body (later sources win). Unreadable bodies count as empty.
 */
export const readParams = Effect.fnUntraced(function*(req: SimRequest): Effect.fn.Return<Record<string, string>> {
  const params: Record<string, string> = {}
  for (const [k, v] of req.query) params[k] = v
  if (req.method === "GET" || req.method === "HEAD") return params
  const contentType = req.raw.headers["content-type"] ?? ""
  const body = yield* req.raw.arrayBuffer.pipe(Effect.orElseSucceed(() => new ArrayBuffer(0)))
  if (body.byteLength === 0) return params
  if (contentType.includes("application/json")) {
    const parsed = yield* Effect.try(() => JSON.parse(new TextDecoder().decode(body)) as unknown).pipe(
      Effect.orElseSucceed(() => undefined)
    )
    if (typeof parsed === "object" && parsed !== null) {
      for (const [k, v] of Object.entries(parsed)) {
        if (v !== null && v !== undefined) params[k] = typeof v === "string" ? v : JSON.stringify(v)
      }
    }
    return params
  }
  const form = yield* Effect.tryPromise(() =>
    new Response(body, { headers: { "content-type": contentType || "application/x-www-form-urlencoded" } }).formData()
  ).pipe(Effect.orElseSucceed(() => undefined))
  if (form !== undefined) {
    for (const [k, v] of form.entries()) {
      params[k] = typeof v === "string" ? v : ""
    }
  }
  return params
})

/** A JSON body, or undefined when absent or not JSON. */
export const readJson = (req: SimRequest): Effect.Effect<unknown> =>
  req.raw.text.pipe(
    Effect.flatMap((text) => Effect.try(() => (text.trim() === "" ? undefined : (JSON.parse(text) as unknown)))),
    Effect.orElseSucceed(() => undefined)
  )

/** A JSON object's fields as they came (values unchecked). */
export type JsonObject = { readonly [key: string]: unknown }

/** A JSON object body, or undefined when absent, not JSON, or not an object (an array, a string, …). */
export const readJsonObject = (req: SimRequest): Effect.Effect<JsonObject | undefined> =>
  Effect.map(readJson(req), (body) => (Predicate.isObject(body) ? body : undefined))

const NO_STORE = { "cache-control": "no-store" }

export const html = (body: string, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8", headers: NO_STORE })

export const json = (body: unknown, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(body), {
    status,
    contentType: "application/json; charset=utf-8",
    headers: NO_STORE
  })

export const text = (body: string, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { status, contentType: "text/plain; charset=utf-8", headers: NO_STORE })

/** A static script (the page runtime): cacheable, as the portal's bundles are. */
export const javascript = (body: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, {
    contentType: "text/javascript; charset=utf-8",
    headers: { "cache-control": "public, max-age=3600" }
  })

export const redirect = (location: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.redirect(location, { status: 302, headers: NO_STORE })

/** A session cookie: no Expires/Max-Age, HttpOnly, host-only. */
export const withSessionCookie = (
  response: HttpServerResponse.HttpServerResponse,
  name: string,
  value: string
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.setCookieUnsafe(response, name, value, { path: "/", httpOnly: true, sameSite: "lax" })

export const binary = (
  body: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.uint8Array(body, { contentType, headers: { ...NO_STORE, ...headers } })

/**
 * One page of a JSON list API (`?offset=&limit=`; limit 1–500, `defaultLimit` when absent), after
 * the batch latency: `{ total, offset, items }`.
 */
export const pagedJson = <A>(
  env: SimEnv,
  req: SimRequest,
  all: ReadonlyArray<A>,
  defaultLimit: number,
  toJson: (a: A) => unknown
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const offset = Math.max(0, Number.parseInt(req.query.get("offset") ?? "0", 10) || 0)
  const limit = Math.min(500, Math.max(1, Number.parseInt(req.query.get("limit") ?? "", 10) || defaultLimit))
  return Effect.map(batchDelay(env), () =>
    json({ total: all.length, offset, items: all.slice(offset, offset + limit).map((a) => toJson(a)) }))
}
