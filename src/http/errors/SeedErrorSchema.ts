/**
 * How an error class gets its HTTP form (see `ApiErrors.ts`): `seedError` builds a schema whose Type
 * is the class and whose encoded form is the seed's error body, annotated with its status;
 * `reasonsByStatus` groups the reasons of an error whose status depends on them; `statusOfSchema`
 * remembers each schema's status for decoding a body back into its class.
 */
import { Schema, SchemaTransformation } from "effect"
import type * as E from "../../domain/Errors.ts"
import type * as Specs from "../../domain/ErrorSpecs.ts"

export const opt: typeof Schema.optionalKey = Schema.optionalKey
export const described = <S extends Schema.Top>(schema: S, description: string): S["Rebuild"] => schema.annotate({ description })

/** The fields every error body has. */
export const baseFields = (errorTypes: ReadonlyArray<string> | undefined, errorTypeText: string) => ({
  success: described(Schema.Literal(false), "Always false on errors."),
  error: described(Schema.String, "What went wrong, in the seed's wording where it had one."),
  error_type: errorTypes === undefined
    ? described(Schema.String, `Machine-readable kind: ${errorTypeText}.`)
    : errorTypes.length === 1
    ? described(Schema.Literal(errorTypes[0]!), `Machine-readable kind: ${errorTypeText}.`)
    : described(Schema.Literals(errorTypes as [string, ...Array<string>]), `Machine-readable kind: ${errorTypeText}.`),
  retryable: described(Schema.Boolean, "Whether the same request may succeed when sent again later."),
  message: opt(described(Schema.String, "What to do about it."))
})

/** Where the error happened, when the operation knew (domain errors only). */
export const contextFields = {
  session_id: opt(described(Schema.String, "The session the request ran on, when one was resolved.")),
  is_new_session: opt(described(Schema.Boolean, "Whether the request logged in before failing.")),
  appointment_session_id: opt(described(Schema.String, "The appointment workflow: resume it with this id.")),
  current_phase: opt(described(Schema.Int, "The wizard phase a resume starts at.")),
  debug_bundle_url: opt(described(Schema.String, "The debug ZIP of the failed run (with `debug: true`)."))
}

export const availableOptions = opt(described(Schema.Array(Schema.String), "The options the portal offered (for a value it did not list)."))

/** A body as it arrives (the wire form). */
export type Body = Specs.SeedErrorBody

/** The context fields of a body, as the error classes name them. */
export const contextOf = (b: Body): E.CarriedContext => ({
  sessionId: b.session_id,
  isNewSession: b.is_new_session,
  appointmentSessionId: b.appointment_session_id,
  currentPhase: b.current_phase,
  debugBundleUrl: b.debug_bundle_url
})

export const match = (text: string, re: RegExp): ReadonlyArray<string | undefined> => re.exec(text) ?? []

export interface SeedErrorOptions<A> {
  /** The status the errors of this schema are sent with. */
  readonly status: number
  /** Component name of the body (OpenAPI). */
  readonly identifier: string
  /** The response's description: which error, and when. */
  readonly description: string
  /** The `error_type` values; undefined: any string (described by `errorTypeText`). */
  readonly errorTypes?: ReadonlyArray<string> | undefined
  readonly errorTypeText?: string | undefined
  /** Body fields beyond the common ones. */
  readonly fields?: PureFields | undefined
  /** For errors whose status depends on the error: which ones this schema carries. */
  readonly when?: ((e: A) => boolean) | undefined
  readonly encode: (e: A) => Body
  readonly decode: (body: Body) => A
}

/** Schemas that need no services to decode or encode (every body field is one). */
type Pure = Schema.Top & { readonly DecodingServices: never; readonly EncodingServices: never }
type PureFields = { readonly [field: string]: Pure }

/** The HTTP form of the error class `self`, its body made of `fields` (see the module comment). */
const errorForm = <S extends Pure, F extends PureFields>(self: S, options: SeedErrorOptions<S["Type"]>, fields: F) => {
  const body = Schema.Struct(fields).annotate({ identifier: options.identifier, description: options.description })
  const type = options.when === undefined
    ? Schema.toType(self)
    : Schema.toType(self).check(Schema.makeFilter((e: S["Type"]) => options.when!(e)))
  const schema = body.pipe(
    Schema.decodeTo(
      type,
      SchemaTransformation.transform({
        // The struct's Type is the wire body spelled by its fields; `Body` names the same shape.
        decode: (b) => options.decode(b as Body),
        encode: (e) => options.encode(e) as typeof body.Type
      })
    )
  ).annotate({ httpApiStatus: options.status, description: options.description })
  statusOfSchema.set(schema, options.status)
  return schema
}

const errorTypeFields = (options: Pick<SeedErrorOptions<unknown>, "errorTypes" | "errorTypeText">) =>
  baseFields(options.errorTypes, options.errorTypeText ?? (options.errorTypes ?? []).join(", "))

/** The HTTP form of a domain error: the common fields, where it happened, and its own. */
export const seedError = <S extends Pure>(self: S, options: SeedErrorOptions<S["Type"]>) =>
  errorForm(self, options, { ...errorTypeFields(options), ...contextFields, ...options.fields })

/** The HTTP form of an error of the HTTP edge (no route, no token, too large): no context fields. */
export const edgeSeedError = <S extends Pure>(self: S, options: SeedErrorOptions<S["Type"]>) =>
  errorForm(self, options, { ...errorTypeFields(options), ...options.fields })

/** The status each error schema is sent with. */
export const statusOfSchema = new WeakMap<Schema.Top, number>()

/** The statuses an error class takes, with the reasons that give each. */
export const reasonsByStatus = <R extends string>(reasons: ReadonlyArray<R>, statusOf: (reason: R) => number) => {
  const out = new Map<number, Array<R>>()
  for (const r of reasons) out.set(statusOf(r), [...(out.get(statusOf(r)) ?? []), r])
  return [...out.entries()].sort(([a], [b]) => a - b)
}
