/**
 * The OpenAPI 3.1 document and the /docs page, both generated from the `Endpoints` table and the
 * error table, so documentation cannot drift from what the server does. The docs page is
 * self-contained HTML (no CDN: the service often runs on closed networks).
 */
import { Schema } from "effect"
import { ErrorSpecs, type PortalErrorTag, possibleStatuses } from "../domain/Errors.ts"
import { SERVICE_VERSION } from "../domain/Operations.ts"
import { Endpoints, type EndpointSpec } from "./PortalApi.ts"

type Json = Record<string, unknown>

const SEED_ERROR_BODY: Json = {
  type: "object",
  description: "Every error: the seed's `{success: false, error}` plus a machine-readable `error_type`.",
  properties: {
    success: { type: "boolean", enum: [false] },
    error: { type: "string", description: "What went wrong, in the seed's wording where it had one" },
    error_type: { type: "string", description: "Stable machine-readable kind, e.g. invalid_input, session_not_found, invalid_credentials" },
    retryable: { type: "boolean" },
    message: { type: "string", description: "What to do about it" },
    session_id: { type: "string" },
    is_new_session: { type: "boolean" },
    appointment_session_id: { type: "string" },
    current_phase: { type: "integer" },
    field: { type: "string" },
    missing_fields: { type: "array", items: { type: "string" } },
    available_options: { type: "array", items: { type: "string" } },
    retry_after: { type: "integer" },
    details: { type: "string" },
    debug_bundle_url: { type: "string" }
  },
  required: ["success", "error", "error_type", "retryable"]
}

/** Converts a schema to JSON Schema (encoded side), moving its definitions into `components`. */
const toJsonSchema = (schema: Schema.Top, components: Json): Json => {
  const doc = Schema.toJsonSchemaDocument(Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>))
  for (const [name, def] of Object.entries(doc.definitions ?? {})) components[name] = rewriteRefs(def)
  return rewriteRefs(doc.schema) as Json
}

const rewriteRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (value !== null && typeof value === "object") {
    const out: Json = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string" ? v.replace("#/definitions/", "#/components/schemas/") : rewriteRefs(v)
    }
    return out
  }
  return value
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}").replace(/\*$/, "{path}")

const errorResponses = (tags: ReadonlyArray<PortalErrorTag>): Json => {
  const byStatus = new Map<number, Array<string>>()
  const all: Array<PortalErrorTag> = [...tags, "Unauthorized", "RouteNotFound", "InternalError"]
  for (const tag of all) {
    for (const status of possibleStatuses(tag)) {
      const list = byStatus.get(status) ?? []
      const type = ErrorSpecs[tag].errorType
      list.push(typeof type === "string" ? `${tag} (${type})` : tag)
      byStatus.set(status, list)
    }
  }
  const out: Json = {}
  for (const [status, names] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: [...new Set(names)].join(", "),
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
      ...(status === 503 ? { headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before retrying" } } } : {})
    }
  }
  return out
}

const operation = (spec: EndpointSpec, components: Json): Json => {
  const content: Json = {}
  if (spec.response !== undefined) {
    content["application/json"] = {
      schema: toJsonSchema(spec.response, components),
      ...(spec.example !== undefined ? { example: spec.example.response } : {})
    }
  }
  for (const [media, description] of Object.entries(spec.rawResponses ?? {})) {
    content[media] = { schema: { type: "string", format: "binary", description } }
  }
  return {
    operationId: spec.id,
    summary: spec.summary,
    description: spec.description,
    ...(spec.public === true ? { security: [] } : {}),
    ...(spec.pathParams !== undefined || spec.path.endsWith("*")
      ? {
        parameters: [...(spec.pathParams ?? []), ...(spec.path.endsWith("*") ? ["path"] : [])].map((name) => ({
          name,
          in: "path",
          required: true,
          schema: { type: "string" }
        }))
      }
      : {}),
    ...(spec.id === "make_appointment"
      ? { parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 } }] }
      : {}),
    ...(spec.body !== undefined
      ? {
        requestBody: {
          required: spec.emptyBodyIsObject !== true,
          content: {
            "application/json": {
              schema: toJsonSchema(spec.body, components),
              ...(spec.example?.request !== undefined ? { example: spec.example.request } : {})
            }
          }
        }
      }
      : {}),
    responses: { "200": { description: "Success", content }, ...errorResponses(spec.errors) }
  }
}

/** The OpenAPI 3.1 document of the REST API. */
export const openApiDocument = (): Json => {
  const components: Json = { ErrorBody: SEED_ERROR_BODY }
  const paths: Record<string, Json> = {}
  for (const spec of Endpoints) {
    const path = openApiPath(spec.path)
    paths[path] = { ...(paths[path] ?? {}), [spec.method.toLowerCase()]: operation(spec, components) }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "E-Modal Business API",
      version: SERVICE_VERSION,
      description:
        "Logged-in browser sessions to the E-Modal portal, and its business operations, compatible with the original Flask service's JSON. Operators use their own portal credentials and are responsible for complying with the portal's terms of use. Typed RPC is served at /rpc (see PortalRpcs)."
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Required on every route but /health when API_TOKEN is set" } }
    },
    security: [{ bearer: [] }],
    paths
  }
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const curl = (spec: EndpointSpec): string => {
  const path = spec.path.replace(":session_id", "sess_…").replace("*", "<folder>/<file>")
  const body = spec.example?.request
  return [
    `curl -s -X ${spec.method} http://127.0.0.1:5010${path}`,
    ...(spec.public === true ? [] : ["  -H 'Authorization: Bearer $API_TOKEN'   # when API_TOKEN is set"]),
    ...(body !== undefined ? ["  -H 'Content-Type: application/json'", `  -d '${JSON.stringify(body)}'`] : [])
  ].join(" \\\n")
}

/** The /docs page: every endpoint with its description, a curl example and its answers. */
export const docsPage = (): string => {
  const sections = Endpoints.map((spec) => {
    const errors = spec.errors.map((tag) => {
      const t = ErrorSpecs[tag].errorType
      return `<li><code>${possibleStatuses(tag).join("/")}</code> ${escape(tag)}${typeof t === "string" ? ` — <code>${escape(t)}</code>` : ""}</li>`
    }).join("")
    return `<section id="${spec.id}">
<h2><span class="m ${spec.method}">${spec.method}</span> <code>${escape(spec.path)}</code></h2>
<p class="s">${escape(spec.summary)}</p>
<p>${escape(spec.description)}</p>
<h3>Example</h3><pre>${escape(curl(spec))}</pre>
${spec.example !== undefined ? `<h3>Answer</h3><pre>${escape(JSON.stringify(spec.example.response, null, 2))}</pre>` : ""}
${errors !== "" ? `<h3>Errors</h3><ul>${errors}</ul>` : ""}
</section>`
  }).join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>E-Modal Business API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
pre{background:#f4f6fa;padding:.8rem;overflow:auto;border-radius:6px}code{font-size:.92em}
.m{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:.1rem .4rem}
.GET{background:#2f7d32}.POST{background:#1f5fa8}.DELETE{background:#a82a1f}.s{font-weight:600}
section{border-top:1px solid #dde3ec;padding-top:.5rem;margin-top:1.5rem}nav a{margin-right:.6rem}
</style></head><body>
<h1>E-Modal Business API</h1>
<p>REST endpoints compatible with the original service's JSON. Every error answers
<code>{"success": false, "error", "error_type", "retryable", …}</code> with the status listed.
Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Typed RPC: <code>POST /rpc</code>
(ndjson; see <code>PortalRpcs</code> and the client in <code>src/http/PortalClient.ts</code>).</p>
<p>Operators run this service with their own portal credentials and are responsible for complying
with the portal's terms of use.</p>
<nav>${Endpoints.map((e) => `<a href="#${e.id}">${escape(e.path)}</a>`).join(" ")}</nav>
${sections}
</body></html>`
}
