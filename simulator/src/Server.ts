/**
 * The simulator's single HTTP server: one catch-all HttpRouter route that tells the simulated
 * hosts apart by the Host header and hands the request to that host's handler. Cross-cutting
 * faults are applied here, before any host logic: unreachable hosts (connections dropped), geo-block
 * (every portal host but the reCAPTCHA frames answers 403 Forbidden) and `http500` routes. The
 * routes all app hosts share (OIDC callback, first-run dismissal, page runtime script) are answered
 * here too. A defect in a handler becomes a 500 page
 * and a log line, never a dropped connection.
 */
import { createServer } from "node:http"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { Cause, Effect, Layer } from "effect"
import { HttpRouter, type HttpServerRequest, type HttpServerResponse } from "effect/http"
import { sharedAppRoute } from "./AppAuth.ts"
import { handleControl } from "./Control.ts"
import { handleEcp2 } from "./Ecp2.ts"
import type { SimEnv } from "./Env.ts"
import { isHttp500 } from "./Faults.ts"
import { isAppHost } from "./Hosts.ts"
import { forbiddenPage, serverErrorPage } from "./Html/Shell.ts"
import { html, json, readRequest, type SimRequest } from "./Http.ts"
import { handleIdentity } from "./Identity.ts"
import { handleRecaptcha, payload } from "./Recaptcha.ts"
import { handleSolver } from "./Solver.ts"
import { handleTermops } from "./Termops.ts"
import { handleTruckerPortal } from "./TruckerPortal.ts"

/** JSON endpoints (`/api/…`, `/trucker/web/api/…`) answer faults in JSON, pages in HTML. */
const isApiPath = (path: string): boolean => path.includes("/api/")

/** An unreachable host: the connection is dropped unanswered (closing it interrupts this fiber). */
const dropConnection = (req: SimRequest): Effect.Effect<never> =>
  Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(req.raw).socket?.destroy()).pipe(Effect.andThen(Effect.never))

const route = (env: SimEnv, req: SimRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (req.host === "api") {
    if (req.path.startsWith("/__sim/")) return handleControl(env, req)
    if (req.path === "/recaptcha/api2/payload") return Effect.sync(() => payload(env, req))
    return handleSolver(env, req)
  }
  const faults = env.state.faults
  if (faults.unreachable.includes(req.host)) return dropConnection(req)
  if (faults.geoBlock && req.host !== "recaptcha") return Effect.succeed(html(forbiddenPage(), 403))
  if (isHttp500(faults, req.host, req.path)) {
    return Effect.succeed(
      isApiPath(req.path) ? json({ error: "Internal Server Error" }, 500) : html(serverErrorPage(), 500)
    )
  }
  const shared = isAppHost(req.host) ? sharedAppRoute(env, req, req.host) : undefined
  if (shared !== undefined) return shared
  switch (req.host) {
    case "identity":
      return handleIdentity(env, req)
    case "recaptcha":
      return handleRecaptcha(env, req)
    case "ecp2":
      return handleEcp2(env, req)
    case "termops":
      return handleTermops(env, req)
    case "truckerportal":
      return handleTruckerPortal(env, req)
  }
}

/** Counts portal traffic and the time spent answering it (configured latencies included). */
const measured = (env: SimEnv, req: SimRequest, effect: Effect.Effect<HttpServerResponse.HttpServerResponse>) => {
  if (req.host === "api") return effect
  const started = performance.now()
  return Effect.ensuring(effect, Effect.sync(() => {
    env.state.traffic.requests++
    env.state.traffic.handlerMillis += performance.now() - started
  }))
}

export const dispatch = (env: SimEnv) =>
(raw: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.suspend(() => {
    const req = readRequest(raw)
    return measured(env, req, route(env, req))
  }).pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logError("simulator handler failed", cause).pipe(
          Effect.as(html(serverErrorPage(), 500))
        )
    ),
    Effect.annotateLogs({ component: "simulator" })
  )

/** The server layer on `host:port` (port 0 = ephemeral). */
export const serverLayer = (env: SimEnv, port: number, host: string) =>
  HttpRouter.serve(HttpRouter.add("*", "*", dispatch(env)), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port, host, gracefulShutdownTimeout: "1 second" }))
  )
