/**
 * RPC handlers: each RPC calls the same PortalOperations method as its REST route. File links use
 * PUBLIC_BASE_URL or the RPC request's Host; `GetContainersStream` emits a progress item for each
 * growth of the list, then the result. The request id, file links and idempotency key follow the
 * REST rules (`contextFromHeaders`; the id is the one the edge middleware logged), and failures go
 * through the same classification (`portalErrorOf`): errors are the PortalError classes, a defect
 * becomes an InternalError (logged with the request id) so clients always get a typed failure.
 */
import { Effect, Queue, Stream } from "effect"
import type { Headers } from "effect/http"
import type { PortalError } from "../domain/Errors.ts"
import type { ContainersProgress } from "../domain/Operations.ts"
import { PortalConfig } from "../services/PortalConfig.ts"
import { PortalOperations, type RequestContext } from "../services/PortalOperations.ts"
import { contextFromHeaders, portalErrorOf } from "./PortalApiHandlers.ts"
import { PortalRpcs } from "./PortalRpcs.ts"

export const PortalRpcHandlers = PortalRpcs.toLayer(Effect.gen(function*() {
  const ops = yield* PortalOperations
  const config = yield* PortalConfig
  /** Runs `f` with the request's context (the same rules as REST); every failure becomes a PortalError. */
  const run = <A>(headers: Headers.Headers, f: (ctx: RequestContext) => Effect.Effect<A, unknown>, idempotencyKey?: string) => {
    const ctx = contextFromHeaders(config, headers, idempotencyKey)
    return f(ctx).pipe(
      Effect.catchCause((cause) => Effect.flatMap(portalErrorOf(cause, ctx.requestId), Effect.fail)),
      Effect.annotateLogs({ requestId: ctx.requestId })
    )
  }
  return PortalRpcs.of({
    Health: () => ops.health,
    GetSession: (payload, { headers }) => run(headers, () => ops.getSession(payload)),
    ListSessions: () => ops.listSessions,
    CloseSession: (payload, { headers }) => run(headers, () => ops.closeSession(payload.session_id)),
    PingSession: (payload, { headers }) => run(headers, () => ops.pingSession(payload)),
    Cleanup: (payload, { headers }) => run(headers, () => ops.cleanup(payload)),
    GetContainers: (payload, { headers }) => run(headers, (ctx) => Effect.map(ops.getContainers(payload, ctx), (r) => r.response)),
    GetContainersStream: (payload, { headers }) =>
      Stream.callback<ContainersProgress, PortalError>((queue) =>
        run(headers, (ctx) =>
          ops.getContainers(payload, ctx, (progress) => Queue.offer(queue, progress).pipe(Effect.asVoid)).pipe(
            Effect.flatMap((result) => Queue.offer(queue, { type: "result", result: result.response })),
            Effect.andThen(Queue.end(queue))
          )).pipe(Effect.catch((e) => Queue.fail(queue, e)))
      ),
    GetContainerTimeline: (payload, { headers }) => run(headers, (ctx) => ops.getContainerTimeline(payload, ctx)),
    GetBookingNumber: (payload, { headers }) => run(headers, (ctx) => ops.getBookingNumber(payload, ctx)),
    GetAppointments: (payload, { headers }) => run(headers, (ctx) => ops.getAppointments(payload, ctx)),
    CheckAppointments: (payload, { headers }) => run(headers, (ctx) => ops.checkAppointments(payload, ctx)),
    MakeAppointment: ({ idempotency_key, ...payload }, { headers }) =>
      run(headers, (ctx) => ops.makeAppointment(payload, ctx), idempotency_key),
    GetInfoBulk: (payload, { headers }) => run(headers, (ctx) => ops.getInfoBulk(payload, ctx))
  })
}))
