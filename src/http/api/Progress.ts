/**
 * Progress over Server-Sent Events: `progress` events while the work runs, then one `result` event
 * (the JSON answer) or one `error` event (an error body with its `status`).
 */
import { Schema, SchemaTransformation } from "effect"
import { HttpApiSchema } from "effect/http-api"
import type { SeedErrorBody } from "../../domain/ErrorSpecs.ts"
import * as Ops from "../../domain/Operations.ts"
import { body } from "./Contract.ts"

// ---------------------------------------------------------------------------------------------
// Progress over Server-Sent Events

/**
 * An event's `data`: the JSON text of `schema`, described on its wire form. Built once per schema
 * (below, at module level) so the document shows one component for each.
 */
const jsonData = <S extends Schema.Constraint>(schema: S, identifier: string): JsonText<S> =>
  Schema.String.annotate({ description: `The JSON text of a ${identifier}.`, contentMediaType: "application/json" }).pipe(
    Schema.decodeTo(schema, SchemaTransformation.fromJsonString())
  )

/** A schema carried as JSON text (what `jsonData` builds). */
type JsonText<S extends Schema.Constraint> = Schema.decodeTo<S, Schema.String>

const sseEvent = <const Name extends string, D extends Schema.Top>(name: Name, data: D, description: string) =>
  Schema.Struct({
    event: Schema.Literal(name).annotate({ description: `The event's name: ${description}` }),
    data
  })

/** The `error` event's data: the error body the JSON answer would have had, and its status. */
export const StreamErrorData = Schema.Struct({
  status: Schema.Int.annotate({ description: "The HTTP status the JSON answer would have had." }),
  success: Schema.Literal(false).annotate({ description: "Always false on errors." }),
  error: Schema.String.annotate({ description: "What went wrong." }),
  error_type: Schema.String.annotate({ description: "Machine-readable kind (as in the JSON error bodies)." }),
  retryable: Schema.Boolean.annotate({ description: "Whether the same request may succeed when sent again later." }),
  message: Schema.optionalKey(Schema.String.annotate({ description: "What to do about it." })),
  session_id: Schema.optionalKey(Schema.String.annotate({ description: "The session the request ran on." })),
  is_new_session: Schema.optionalKey(Schema.Boolean.annotate({ description: "Whether the request logged in." })),
  field: Schema.optionalKey(Schema.String.annotate({ description: "The field at fault." })),
  missing_fields: Schema.optionalKey(Schema.Array(Schema.String).annotate({ description: "The missing fields." })),
  retry_after: Schema.optionalKey(Schema.Int.annotate({ description: "Seconds to wait before retrying." })),
  details: Schema.optionalKey(Schema.String.annotate({ description: "The login error kind." })),
  debug_bundle_url: Schema.optionalKey(Schema.String.annotate({ description: "The debug ZIP of the failed run." }))
}).annotate({ identifier: "StreamErrorData", description: "The error that ended the operation." })
export type StreamErrorData = SeedErrorBody & { readonly status: number }

/** The events of a progress stream: `progress`…, then `result` or `error`. */
const progressEvents = <P extends Schema.Constraint, R extends Schema.Constraint>(
  progress: JsonText<P>,
  result: JsonText<R>,
  identifier: string
) =>
  HttpApiSchema.StreamSse({
    events: Schema.Union([
      sseEvent("progress", progress, "what is done so far."),
      sseEvent("result", result, "the answer, exactly as the JSON answer (the last event)."),
      sseEvent("error", ErrorData, "the error that ended the operation (the last event).")
    ]).annotate({
      identifier,
      description:
        "Server-Sent Events (with `Accept: text/event-stream`): `progress` while the work runs, then one `result` or `error`; the stream then ends."
    })
  })

const ErrorData = jsonData(StreamErrorData, "StreamErrorData")
const RowsProgressData = jsonData(Ops.RowsProgress, "RowsProgress")

export const ContainersEvents = progressEvents(RowsProgressData, jsonData(Ops.GetContainersResponse, "GetContainersResponse"), "GetContainersEvent")
export const AppointmentsEvents = progressEvents(RowsProgressData, jsonData(Ops.GetAppointmentsResponse, "GetAppointmentsResponse"), "GetAppointmentsEvent")
export const BulkEvents = progressEvents(jsonData(Ops.BulkProgress, "BulkProgress"), jsonData(Ops.GetInfoBulkResponse, "GetInfoBulkResponse"), "GetInfoBulkEvent")

/** The progress events' types, as the stream carries them. */
export type ProgressEvent<P, R> =
  | { readonly event: "progress"; readonly data: P }
  | { readonly event: "result"; readonly data: R }
  | { readonly event: "error"; readonly data: StreamErrorData }
