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

/** An event's `data`: the JSON text of `schema` (described on its wire form, one per schema). */
export const jsonData = (() => {
  const cache = new Map<Schema.Top, Schema.Top>()
  return <S extends Schema.Top>(schema: S, identifier: string): Schema.fromJsonString<S> => {
    const cached = cache.get(schema) ??
      Schema.String.annotate({ description: `The JSON text of a ${identifier}.`, contentMediaType: "application/json" }).pipe(
        Schema.decodeTo(schema, SchemaTransformation.fromJsonString())
      )
    cache.set(schema, cached)
    return cached as unknown as Schema.fromJsonString<S>
  }
})()

export const sseEvent = <const Name extends string, S extends Schema.Top>(name: Name, data: S, identifier: string, description: string) =>
  Schema.Struct({
    event: Schema.Literal(name).annotate({ description: `The event's name: ${description}` }),
    data: jsonData(data, identifier)
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
export const progressEvents = <P extends Schema.Top, R extends Schema.Top>(
  progress: P,
  progressName: string,
  result: R,
  resultName: string,
  identifier: string
) =>
  HttpApiSchema.StreamSse({
    events: Schema.Union([
      sseEvent("progress", progress, progressName, "what is done so far."),
      sseEvent("result", result, resultName, "the answer, exactly as the JSON answer (the last event)."),
      sseEvent("error", StreamErrorData, "StreamErrorData", "the error that ended the operation (the last event).")
    ]).annotate({
      identifier,
      description:
        "Server-Sent Events (with `Accept: text/event-stream`): `progress` while the work runs, then one `result` or `error`; the stream then ends."
    })
  })

export const ContainersEvents = progressEvents(Ops.RowsProgress, "RowsProgress", Ops.GetContainersResponse, "GetContainersResponse", "GetContainersEvent")
export const AppointmentsEvents = progressEvents(Ops.RowsProgress, "RowsProgress", Ops.GetAppointmentsResponse, "GetAppointmentsResponse", "GetAppointmentsEvent")
export const BulkEvents = progressEvents(Ops.BulkProgress, "BulkProgress", Ops.GetInfoBulkResponse, "GetInfoBulkResponse", "GetInfoBulkEvent")

/** The progress events' types, as the stream carries them. */
export type ProgressEvent<P, R> =
  | { readonly event: "progress"; readonly data: P }
  | { readonly event: "result"; readonly data: R }
  | { readonly event: "error"; readonly data: StreamErrorData }
