/**
 * The REST contract as an HttpApi: every route the seed's clients use, in four groups (health,
 * sessions, operations, files), each endpoint with its request schema, its success schemas, the
 * exact errors it can answer with (their HTTP forms in `ApiErrors`), a summary, a description and
 * an example. The server (HttpApiBuilder), the OpenAPI 3.1 document, the /docs page and the typed
 * REST client are all derived from it, so none of them can drift from another. It imports the
 * domain only: a client project installs it without any server code.
 *
 * Bodies are the seed's: `{success: true, …}` answers, `{success: false, error, error_type,
 * retryable, …}` errors. `get_containers` answers the xlsx itself unless `return_url` is true.
 * `get_containers`, `get_appointments` and `get_info_bulk` also answer `Accept: text/event-stream`
 * with Server-Sent Events: `progress` events while the work runs, then one `result` event (the
 * JSON answer) or one `error` event (an error body with its `status`).
 */
import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, OpenApi } from "effect/http-api"
import * as Ops from "../domain/Operations.ts"
import * as Err from "./ApiErrors.ts"
import { accept, Authorization, body, docs, Example, MEDIA_JSON, type Operation, RequestBody, requestBody } from "./api/Contract.ts"
import { HealthGroup } from "./api/HealthGroup.ts"
import { SessionsGroup } from "./api/SessionsGroup.ts"
import { OperationsGroup } from "./api/OperationsGroup.ts"
import { FilesGroup } from "./api/FilesGroup.ts"

// What the server and the clients take from the contract besides the API itself.
export { Authorization, MEDIA_SSE, MEDIA_XLSX, RequestBody, SeedValidation } from "./api/Contract.ts"
export { type ProgressEvent, StreamErrorData } from "./api/Progress.ts"

// ---------------------------------------------------------------------------------------------
// The API

/** RFC 6750's scheme name as tools expect it (`bearer`; HttpApi writes "Bearer"). */
const bearerScheme = (spec: Record<string, any>) => {
  const scheme = spec.components?.securitySchemes?.bearer
  if (scheme !== undefined) {
    scheme.scheme = "bearer"
    scheme.bearerFormat = "API_TOKEN"
  }
  return spec
}

/** Request bodies accept fields they do not know (old clients send some), but no prototype keys. */
const openRequestBodies = (spec: Record<string, any>) => {
  const refs = new Set<string>()
  for (const item of Object.values<Record<string, any>>(spec.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      const ref = op?.requestBody?.content?.[MEDIA_JSON]?.schema?.$ref
      if (typeof ref === "string") refs.add(ref.replace("#/components/schemas/", ""))
    }
  }
  for (const name of refs) {
    const schema = spec.components.schemas[name]
    if (schema === undefined) continue
    delete schema.additionalProperties
    schema.propertyNames = { not: { enum: ["__proto__", "constructor", "prototype"] } }
  }
  return spec
}

/** The routes at a glance, in the router's notation (`:param`), for the document's introduction. */
const overview = (groups: ReadonlyArray<{ readonly endpoints: Record<string, HttpApiEndpoint.Top> }>): string =>
  [
    "| Method | Route | What it does |",
    "| --- | --- | --- |",
    ...groups.flatMap((g) =>
      Object.values(g.endpoints).map((e) =>
        `| ${e.method} | \`${e.path}\` | ${Context.getOrElse(e.annotations, OpenApi.Summary, () => e.identifier)} |`
      )
    )
  ].join("\n")

const DESCRIPTION = `Logged-in browser sessions to the E-Modal trucking portal and its business operations, compatible with the original Flask service's JSON.

Every error answers \`{"success": false, "error", "error_type", "retryable", …}\` with the status listed per operation, and every answer carries \`x-request-id\`. With API_TOKEN set, send \`Authorization: Bearer <token>\` (the Authentication box above fills it in for "Test Request"). Operators use their own portal credentials and are responsible for complying with the portal's terms of use.

Typed clients: the \`emodal-api-client\` package (REST and RPC). Typed RPC is served at \`POST /rpc\` (ndjson framing, see the README).

${overview([HealthGroup, SessionsGroup, OperationsGroup, FilesGroup] as ReadonlyArray<{ readonly endpoints: Record<string, HttpApiEndpoint.Top> }>)}`

export class PortalApi extends HttpApi.make("emodal-api")
  .add(HealthGroup)
  .add(SessionsGroup)
  .add(OperationsGroup)
  .add(FilesGroup)
  .annotateMerge(OpenApi.annotations({
    title: "E-Modal Business API",
    version: Ops.SERVICE_VERSION,
    description: DESCRIPTION,
    license: { name: "MIT", url: "https://opensource.org/license/mit" },
    // Relative: the docs page's try-it-out calls the origin it was loaded from; the document served at
    // /openapi.json names the service's own address instead.
    servers: [{ url: "/", description: "This service (the origin the page or the document was loaded from)." }],
    transform: (spec) => Err.withErrorHeaders(openRequestBodies(bearerScheme(spec)))
  }))
{}

// ---------------------------------------------------------------------------------------------
// The endpoint table (derived)

export interface EndpointSpec {
  /** Operation id (the seed route name). */
  readonly id: string
  readonly method: string
  /** The router path (`:param`). */
  readonly path: string
  readonly group: string
  readonly summary: string
  /** The domain schema a JSON body is validated against. */
  readonly body?: Schema.Top | undefined
  readonly emptyBodyIsObject?: boolean | undefined
  /** Open without API_TOKEN. */
  readonly public?: boolean | undefined
  readonly example?: { readonly request?: unknown; readonly response?: unknown } | undefined
}

/** Every endpoint of `PortalApi`, flat: for tests, tools and the overview in the document. */
export const Endpoints: ReadonlyArray<EndpointSpec> = (() => {
  const out: Array<EndpointSpec> = []
  HttpApi.reflect(PortalApi, {
    onGroup() {},
    onEndpoint({ endpoint, group, middleware }) {
      const request = Context.getOption(endpoint.annotations, RequestBody)
      const example = Context.getOption(endpoint.annotations, Example)
      out.push({
        id: endpoint.identifier,
        method: endpoint.method,
        path: endpoint.path,
        group: group.identifier,
        summary: Context.getOrElse(endpoint.annotations, OpenApi.Summary, () => endpoint.identifier),
        body: request._tag === "Some" ? request.value.schema : undefined,
        emptyBodyIsObject: request._tag === "Some" ? request.value.emptyIsObject : undefined,
        public: ![...middleware].some((m) => (m as unknown) === Authorization),
        example: example._tag === "Some" ? example.value : undefined
      })
    }
  })
  return out
})()

/** The OpenAPI 3.1 document of the REST API, generated from `PortalApi`. */
export const openApiDocument = (): Record<string, any> => OpenApi.fromApi(PortalApi)
