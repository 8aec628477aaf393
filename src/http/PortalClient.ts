/**
 * A typed client for other TypeScript projects: the RPC group over HTTP (ndjson), with the bearer
 * token when the service has API_TOKEN. Calls return the same response types and fail with the
 * same PortalError classes as the server raises.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const client = yield* PortalClient
 *   const session = yield* client.GetSession({ username, password: Redacted.make(pw), captcha_api_key: Redacted.make(key) })
 *   const timeline = yield* client.GetContainerTimeline({ session_id: session.session_id, container_id: "MSDU1234567" })
 * }).pipe(Effect.provide(PortalClient.layer({ url: "http://127.0.0.1:5010/rpc" })))
 * ```
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { RpcClient, type RpcClientError, RpcSerialization } from "effect/rpc"
import { PortalRpcs } from "./PortalRpcs.ts"

export { PortalRpcs } from "./PortalRpcs.ts"

export interface PortalClientOptions {
  /** The RPC endpoint, e.g. http://127.0.0.1:5010/rpc */
  readonly url: string
  /** API_TOKEN of the service, when it has one. */
  readonly token?: string | undefined
}

type Client = RpcClient.FromGroup<typeof PortalRpcs, RpcClientError.RpcClientError>

export class PortalClient extends Context.Service<PortalClient, Client>()("emodal-api/http/PortalClient") {
  static readonly layer = (options: PortalClientOptions): Layer.Layer<PortalClient> =>
    Layer.effect(PortalClient, RpcClient.make(PortalRpcs) as Effect.Effect<Client, never, RpcClient.Protocol | Scope.Scope>).pipe(
      Layer.provide(RpcClient.layerProtocolHttp({
        url: options.url,
        transformClient: (client) =>
          options.token === undefined ? client : HttpClient.mapRequest(client, HttpClientRequest.bearerToken(options.token))
      })),
      Layer.provide([RpcSerialization.layerNdjson, FetchHttpClient.layer])
    )
}
