/**
 * The one validation of a request payload, shared by REST (a parsed JSON body) and RPC (a decoded
 * ndjson payload): it must be a JSON object, hold no prototype-polluting key (`__proto__`,
 * `constructor`, `prototype`) at any depth, and decode against the request's domain schema with
 * its JSON codec. Every failure is an InvalidOperationInput in the seed's words naming the field,
 * so the two transports refuse exactly the same payloads with exactly the same error.
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { InvalidOperationInput } from "../domain/Errors.ts"

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"])

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("")

/** Finds a forbidden key (`__proto__`, `constructor`, `prototype`) anywhere in a parsed payload. */
export const forbiddenKey = (value: unknown, path: Array<string> = [], depth = 0): string | undefined => {
  if (depth > 32 || value === null || typeof value !== "object") return undefined
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return [...path, key].join(".")
    const found = forbiddenKey((value as Record<string, unknown>)[key], [...path, key], depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

export const invalid = (detail: string, field?: string, missingFields?: ReadonlyArray<string>) =>
  new InvalidOperationInput({
    detail,
    ...(field !== undefined ? { field } : {}),
    ...(missingFields !== undefined ? { missingFields } : {})
  })

/** A schema failure in the seed's words: missing fields listed together, then the first other problem. */
export const describeSchemaError = (error: Schema.SchemaError): InvalidOperationInput => {
  const issues = formatIssues(error.issue).issues.map((i) => {
    const path = (i.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? (p as { key: PropertyKey }).key : p)) as ReadonlyArray<PropertyKey>
    return { path, field: pathText(path), message: i.message.replace(/\s+/g, " ").slice(0, 300) }
  })
  const missing = issues.filter((i) => /missing key/i.test(i.message) && i.path.length === 1).map((i) => i.field)
  const other = issues.find((i) => !(/missing key/i.test(i.message) && i.path.length === 1))
  const otherText = other === undefined
    ? undefined
    : other.field === ""
    ? `Invalid request body: ${other.message}`
    : `Invalid field '${other.field}': ${other.message}`
  if (missing.length > 0) {
    const text = `Missing required fields: ${missing.join(", ")}`
    return invalid(otherText === undefined ? text : `${text}. ${otherText}`, missing[0], missing)
  }
  if (other === undefined || otherText === undefined) return invalid("Invalid request body")
  return other.field === "" ? invalid(otherText) : invalid(otherText, other.field)
}

/**
 * Validates a parsed payload against `schema` (undefined: any object passes). Decodes with the
 * schema's JSON codec, so Redacted fields come from plain strings on both transports.
 */
export const validatePayload = <A>(schema: Schema.Top | undefined, payload: unknown): Effect.Effect<A, InvalidOperationInput> =>
  Effect.gen(function*() {
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
      return yield* invalid("Request body must be a JSON object")
    }
    const bad = forbiddenKey(payload)
    if (bad !== undefined) return yield* invalid(`Forbidden key '${bad}' in request body`, bad)
    if (schema === undefined) return payload as A
    const codec = Schema.toCodecJson(schema as Schema.Codec<A, unknown>)
    return yield* Schema.decodeUnknownEffect(codec)(payload, { errors: "all" }).pipe(
      Effect.mapError(describeSchemaError)
    ) as Effect.Effect<A, InvalidOperationInput>
  })
