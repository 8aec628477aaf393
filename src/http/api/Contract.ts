/**
 * What every endpoint of the REST contract shares: the middleware it declares (implemented by the
 * server), per-endpoint facts HttpApi does not record (example, raw request body), the media types,
 * the docs helper, the error lists and the examples' values.
 */
import { Context, Schema } from "effect"
import { HttpApi, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import * as Ops from "../../domain/Operations.ts"
import * as Err from "../ApiErrors.ts"

// ---------------------------------------------------------------------------------------------
// Middleware declared by the contract (implemented by the server, in PortalApiHandlers)

/** API_TOKEN as a bearer token, on every route but /health. */
export class Authorization extends HttpApiMiddleware.Service<Authorization>()("emodal-api/http/Authorization", {
  security: {
    bearer: HttpApiSecurity.bearer.pipe(
      HttpApiSecurity.annotate(
        OpenApi.Description,
        "The service's API_TOKEN, when it has one (without API_TOKEN every route is open). Never needed for /health, /docs or /openapi.json unless DOCS_PUBLIC=false."
      )
    )
  },
  error: Err.ApiUnauthorized
}) {}

/** Path parameters and headers that do not decode answer the seed's 400 body, like bad bodies. */
export class SeedValidation extends HttpApiMiddleware.Service<SeedValidation>()("emodal-api/http/SeedValidation", {
  error: Err.InvalidOperationInput
}) {}

// ---------------------------------------------------------------------------------------------
// Per-endpoint facts beyond what HttpApi records

/** The request and response shown as the endpoint's examples (they validate against the schemas). */
export class Example extends Context.Service<Example, { readonly request?: unknown; readonly response?: unknown }>()(
  "emodal-api/http/PortalApi/Example"
) {}

/** The domain schema a JSON body is validated against (REST and RPC alike, see Validation.ts). */
export class RequestBody extends Context.Service<RequestBody, {
  readonly schema: Schema.Top
  /** An empty body stands for `{}` (every field optional). */
  readonly emptyIsObject: boolean
}>()("emodal-api/http/PortalApi/RequestBody") {}

export const MEDIA_JSON = "application/json"
export const MEDIA_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
export const MEDIA_SSE = "text/event-stream"

export type Operation = Record<string, any>

/**
 * Summary, description and examples of an endpoint, and the OpenAPI details HttpApi cannot say
 * by itself: the examples on the media types, an optional request body (an empty body is `{}`),
 * no `Accept` parameter (OpenAPI ignores it; content negotiation is in the responses).
 */
export const docs = (options: {
  readonly summary: string
  readonly description: string
  readonly example?: { readonly request?: unknown; readonly response?: unknown } | undefined
  readonly optionalBody?: boolean | undefined
}) =>
  Context.merge(
    OpenApi.annotations({
      summary: options.summary,
      description: options.description,
      transform: (op: Operation) => {
        const request = op.requestBody?.content?.[MEDIA_JSON]
        if (request !== undefined && options.example?.request !== undefined) request.example = options.example.request
        if (op.requestBody !== undefined && options.optionalBody === true) op.requestBody.required = false
        const response = op.responses?.["200"]?.content?.[MEDIA_JSON]
        if (response !== undefined && options.example?.response !== undefined) response.example = options.example.response
        op.parameters = (op.parameters ?? []).filter((p: Operation) => String(p.name).toLowerCase() !== "accept")
        if (op.parameters.length === 0) delete op.parameters
        return op
      }
    }),
    Context.make(Example, options.example ?? {})
  )

/** The body schema of an endpoint, named for the document (the domain schemas carry no names). */
export const body = <S extends Schema.Top>(schema: S, identifier: string) => schema.annotate({ identifier }) as S

export const requestBody = (schema: Schema.Top, emptyIsObject = false) => Context.make(RequestBody, { schema, emptyIsObject })

/** Shared by get_container_timeline and get_booking_number (one component in the document). */
export const ContainerLookupBody = body(Ops.ContainerLookupRequest, "ContainerLookupRequest")

/** The workbook get_containers answers when `return_url` is not true. */
export const Workbook = Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: MEDIA_XLSX })).annotate({
  description:
    "The workbook itself (the seed's default): sheet \"Containers\" with the portal's 18 columns; the session is in the X-Session-Id and X-Is-New-Session headers."
})

export const accept = {
  accept: Schema.optional(Schema.String.annotate({ description: "`text/event-stream` for progress events." }))
}

// ---------------------------------------------------------------------------------------------
// Errors per endpoint

/**
 * What resolving the caller's session can answer (session_id, else credentials and a login).
 * StorageUnavailable: the session is not live and restoring it, or a new login, needs the store.
 */
export const acquisition = [
  Err.InvalidOperationInput,
  Err.SessionNotFound,
  ...Err.LoginFailed,
  ...Err.CaptchaFailed,
  Err.PoolExhausted,
  Err.SessionExpired,
  Err.BrowserCrashed,
  Err.OperationTimedOut,
  Err.PortalUnavailable,
  Err.PortalChanged,
  Err.StorageUnavailable,
  Err.InternalError
] as const

/** A JSON body over the cap, anywhere. */
export const bodied = [Err.ApiPayloadTooLarge] as const

export const SESSION_ID = "sess_3nQm9XkT2vR7bY1cW8pZ4hJd"
export const CREDENTIALS = { username: "demo", password: "demo", captcha_api_key: "demo" }
export const AT = "2026-11-22T10:00:00.000Z"
export const HEALTHY_HOST = {
  last_outcome: "ok",
  last_contact_at: "2026-11-22T09:59:40.000Z",
  last_success_at: "2026-11-22T09:59:40.000Z",
  last_failure_at: null,
  last_error_kind: null,
  last_http_status: null,
  consecutive_failures: 0,
  failing: false
}
