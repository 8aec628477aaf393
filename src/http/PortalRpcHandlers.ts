/**
 * RPC handlers: each RPC calls the same PortalOperations method as its REST route. File links use
 * PUBLIC_BASE_URL or the RPC request's Host; `GetContainersStream` emits a progress item for each
 * growth of the list, then the result. Errors are the PortalError classes; a defect becomes an
 * InternalError (logged with the request id) so clients always get a typed failure.
 */
import { Cause, Effect, Option, Queue, Stream } from "effect"
import type { Headers } from "effect/http"
import { InternalError, isPortalError, type PortalError } from "../domain/Errors.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import type { ContainersProgress } from "../domain/Operations.ts"
import { PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import { PortalOperations, type RequestContext } from "../services/PortalOperations.ts"
import { PortalRpcs } from "./PortalRpcs.ts"

const SAFE_HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/

const contextFrom = (config: PortalConfigShape, headers: Headers.Headers, idempotencyKey?: string): RequestContext => {
  const host = headers["host"]
  const baseUrl = Option.isSome(config.publicBaseUrl)
    ? config.publicBaseUrl.value.href.replace(/\/+$/, "")
    : typeof host === "string" && SAFE_HOST.test(host)
    ? `http://${host}`
    : `http://${config.host}:${config.port}`
  const given = headers["x-request-id"]
  return {
    baseUrl,
    requestId: typeof given === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : `rpc_${makeOpaqueToken().slice(0, 16)}`,
    idempotencyKey
  }
}

/** Typed errors pass through; anything else is logged and becomes InternalError. */
const typed = <A>(requestId: string, effect: Effect.Effect<A, unknown>): Effect.Effect<A, PortalError> =>
  effect.pipe(
    Effect.catchCause((cause) => {
      const failure = Cause.findErrorOption(cause)
      if (Option.isSome(failure) && isPortalError(failure.value)) return Effect.fail(failure.value)
      return Effect.logError("rpc failed unexpectedly", cause).pipe(
        Effect.annotateLogs({ requestId }),
        Effect.andThen(Effect.fail(new InternalError({ requestId })))
      )
    })
  )

export const PortalRpcHandlers = PortalRpcs.toLayer(Effect.gen(function*() {
  const ops = yield* PortalOperations
  const config = yield* PortalConfig
  const run = <A>(headers: Headers.Headers, f: (ctx: RequestContext) => Effect.Effect<A, unknown>, idempotencyKey?: string) => {
    const ctx = contextFrom(config, headers, idempotencyKey)
    return typed(ctx.requestId, f(ctx)).pipe(Effect.annotateLogs({ requestId: ctx.requestId }))
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
      run(headers, (ctx) => ops.makeAppointment(payload, ctx), idempotency_key ?? (typeof headers["idempotency-key"] === "string" ? headers["idempotency-key"] : undefined)),
    GetInfoBulk: (payload, { headers }) => run(headers, (ctx) => ops.getInfoBulk(payload, ctx))
  })
}))
