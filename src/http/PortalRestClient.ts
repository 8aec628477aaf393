/**
 * A typed REST client for other TypeScript projects, derived from the same contract as the server
 * (`PortalApi`, through HttpApiClient): one method per endpoint (`get_session`, `get_containers`,
 * …) taking `{ payload, params, headers }` as the contract declares them, answering the decoded
 * success, and failing with the error classes (`SessionNotFound`, `LoginFailed`, …) decoded from
 * the seed's error bodies. With API_TOKEN, give `token`.
 *
 * Progress: send `headers: { accept: "text/event-stream" }` to get_containers, get_appointments
 * or get_info_bulk and the answer is a Stream of events; `followProgress` runs it, hands each
 * `progress` to a callback and answers the `result` (or fails with the `error` event's class).
 */
import { Context, Effect, Layer, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import type { PortalError } from "../domain/Errors.ts"
import { decodeErrorBody } from "./ApiErrors.ts"
import type { EdgeError } from "./EdgeErrors.ts"
import { PortalApi, type ProgressEvent } from "./PortalApi.ts"

export interface PortalRestClientOptions {
  /** The service, e.g. http://127.0.0.1:5010 */
  readonly baseUrl: string
  /** API_TOKEN of the service, when it has one. */
  readonly token?: string | undefined
}

type Client = HttpApiClient.ForApi<typeof PortalApi>

export class PortalRestClient extends Context.Service<PortalRestClient, Client>()("emodal-api/http/PortalRestClient") {
  static readonly layer = (options: PortalRestClientOptions): Layer.Layer<PortalRestClient> =>
    Layer.effect(
      PortalRestClient,
      HttpApiClient.make(PortalApi, {
        baseUrl: options.baseUrl,
        transformClient: (client) =>
          options.token === undefined ? client : HttpClient.mapRequest(client, HttpClientRequest.bearerToken(options.token))
      })
    ).pipe(Layer.provide(FetchHttpClient.layer))
}

/** A progress stream that ended without its `result` or `error` event (the connection was cut). */
export class ProgressStreamEnded extends Error {
  readonly _tag = "ProgressStreamEnded"
}

/**
 * Runs the event stream of a progress request: each `progress` event goes to `onProgress`, the
 * `result` event's data is the answer, and an `error` event fails with its error class (decoded
 * from its body and status, like an error answer).
 */
export const followProgress = <Event extends ProgressEvent<unknown, unknown>, E>(
  events: Stream.Stream<Event, E>,
  onProgress: (progress: Extract<Event, { readonly event: "progress" }>["data"]) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<Extract<Event, { readonly event: "result" }>["data"], E | PortalError | EdgeError | ProgressStreamEnded> =>
  Effect.gen(function*() {
    let last: ProgressEvent<unknown, unknown> | undefined
    yield* Stream.runForEach(events, (event) => {
      last = event
      return event.event === "progress" ? onProgress((event as Extract<Event, { readonly event: "progress" }>).data) : Effect.void
    })
    const end = last as ProgressEvent<unknown, unknown> | undefined
    if (end?.event === "result") return end.data as Extract<Event, { readonly event: "result" }>["data"]
    if (end?.event === "error") {
      const { status, ...body } = end.data
      return yield* Effect.fail(decodeErrorBody(status, body))
    }
    return yield* Effect.fail(new ProgressStreamEnded("the progress stream ended without a result"))
  })
