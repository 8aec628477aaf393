/**
 * RPC handlers: each RPC calls the same PortalOperations method as its REST route. File links use
 * PUBLIC_BASE_URL, or the RPC request's Host when ALLOWED_HOSTS allows it; `GetContainersStream` emits a progress item for each
 * growth of the list, then the result. The request id, file links and idempotency key follow the
 * REST rules (`contextFromHeaders`; the id is the one the edge middleware logged), and failures go
 * through the same classification (`portalErrorOf`): errors are the PortalError classes, a defect
 * becomes an InternalError (logged with the request id) so clients always get a typed failure.
 *
 * Payloads are validated exactly as REST bodies are: the server serves `PortalRpcsServer`, the same
 * RPCs with payloads taken as they come, and each handler checks its payload against the contract's
 * schema with `validatePayload` (REST's rule). A bad payload is therefore the typed
 * InvalidOperationInput naming the field, never a defect from the RPC framework's own decoding, and
 * a `__proto__` key is refused on both transports.
 */
import { Effect, Queue, Schema, Stream } from "effect"
import type { Headers } from "effect/http"
import { type Rpc, RpcGroup } from "effect/rpc"
import type { PortalError } from "../domain/Errors.ts"
import type { ContainersProgress } from "../domain/Operations.ts"
import { PortalOperations, type RequestContext } from "../services/PortalOperations.ts"
import { baseUrlForServer, contextFromHeaders, portalErrorOf, requestIdFrom } from "./PortalApiHandlers.ts"
import { ContractRpcs, PortalRpcs } from "./PortalRpcs.ts"
import { validatePayload } from "./Validation.ts"

type ContractRpc = RpcGroup.Rpcs<typeof PortalRpcs>

/**
 * The contract as the server serves it: the same RPCs (tags, successes, errors) with their payloads
 * taken as they come, each validated by its handler.
 */
const R = ContractRpcs
export const PortalRpcsServer = RpcGroup.make(
  R.Health.setPayload(Schema.Unknown),
  R.GetSession.setPayload(Schema.Unknown),
  R.ListSessions.setPayload(Schema.Unknown),
  R.CloseSession.setPayload(Schema.Unknown),
  R.PingSession.setPayload(Schema.Unknown),
  R.Cleanup.setPayload(Schema.Unknown),
  R.GetContainers.setPayload(Schema.Unknown),
  R.GetContainersStream.setPayload(Schema.Unknown),
  R.GetContainerTimeline.setPayload(Schema.Unknown),
  R.GetBookingNumber.setPayload(Schema.Unknown),
  R.GetAppointments.setPayload(Schema.Unknown),
  R.CheckAppointments.setPayload(Schema.Unknown),
  R.MakeAppointment.setPayload(Schema.Unknown),
  R.GetInfoBulk.setPayload(Schema.Unknown)
)

/** The payload type of the contract's RPC `tag`. */
type PayloadOf<Tag extends ContractRpc["_tag"]> = Rpc.Payload<Extract<ContractRpc, { readonly _tag: Tag }>>

/** Validates `payload` against the contract's schema for `tag` (REST's rule). */
const payloadOf = <Tag extends ContractRpc["_tag"]>(tag: Tag, payload: unknown) =>
  validatePayload<PayloadOf<Tag>>(PortalRpcs.requests.get(tag)!.payloadSchema, payload)

export const PortalRpcHandlers = PortalRpcsServer.toLayer(Effect.gen(function*() {
  const ops = yield* PortalOperations
  const baseUrl = yield* baseUrlForServer
  /**
   * Validates the payload of `tag`, then runs `f` with it and the request's context (the same rules
   * as REST); every failure becomes a PortalError.
   */
  const run = <Tag extends ContractRpc["_tag"], A>(
    tag: Tag,
    payload: unknown,
    headers: Headers.Headers,
    f: (payload: PayloadOf<Tag>, ctx: RequestContext) => Effect.Effect<A, unknown>,
    idempotencyKey?: (payload: PayloadOf<Tag>) => string | undefined
  ) => {
    const requestId = requestIdFrom(headers)
    return payloadOf(tag, payload).pipe(
      Effect.flatMap((input) => f(input, contextFromHeaders(baseUrl, headers, idempotencyKey?.(input)))),
      Effect.catchCause((cause) => Effect.flatMap(portalErrorOf(cause, requestId), Effect.fail)),
      Effect.annotateLogs({ requestId })
    )
  }
  return PortalRpcsServer.of({
    Health: () => ops.health,
    GetSession: (payload, { headers }) => run("GetSession", payload, headers, (input) => ops.getSession(input)),
    ListSessions: () => ops.listSessions,
    CloseSession: (payload, { headers }) => run("CloseSession", payload, headers, (input) => ops.closeSession(input.session_id)),
    PingSession: (payload, { headers }) => run("PingSession", payload, headers, (input) => ops.pingSession(input)),
    Cleanup: (payload, { headers }) => run("Cleanup", payload, headers, (input) => ops.cleanup(input)),
    GetContainers: (payload, { headers }) =>
      run("GetContainers", payload, headers, (input, ctx) => Effect.map(ops.getContainers(input, ctx), (r) => r.response)),
    GetContainersStream: (payload, { headers }) =>
      Stream.callback<ContainersProgress, PortalError>((queue) =>
        run("GetContainersStream", payload, headers, (input, ctx) =>
          ops.getContainers(input, ctx, (progress) => Queue.offer(queue, progress).pipe(Effect.asVoid)).pipe(
            Effect.flatMap((result) => Queue.offer(queue, { type: "result", result: result.response })),
            Effect.andThen(Queue.end(queue))
          )).pipe(Effect.catch((e) => Queue.fail(queue, e)))
      ),
    GetContainerTimeline: (payload, { headers }) => run("GetContainerTimeline", payload, headers, ops.getContainerTimeline),
    GetBookingNumber: (payload, { headers }) => run("GetBookingNumber", payload, headers, ops.getBookingNumber),
    GetAppointments: (payload, { headers }) => run("GetAppointments", payload, headers, ops.getAppointments),
    CheckAppointments: (payload, { headers }) => run("CheckAppointments", payload, headers, ops.checkAppointments),
    MakeAppointment: (payload, { headers }) =>
      run(
        "MakeAppointment",
        payload,
        headers,
        ({ idempotency_key: _key, ...input }, ctx) => ops.makeAppointment(input, ctx),
        (input) => input.idempotency_key
      ),
    GetInfoBulk: (payload, { headers }) => run("GetInfoBulk", payload, headers, ops.getInfoBulk)
  })
}))
