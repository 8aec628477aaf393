/**
 * The ecp2 host ("Port Manager"): the login entry `/login`, the OIDC callback, the landing page,
 * the Containers page (`/containers`, also `/app/containers` and `/#/containers`) and its JSON
 * API `GET /api/containers?offset=&limit=` (one batch per call, after the batch latency).
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { authenticate, dismissFirstRun, loginUrl, showFirstRun, signinOidc } from "./AppAuth.ts"
import type { ContainerRow } from "./Dataset.ts"
import { batchDelay, pageDelay, type SimEnv } from "./Env.ts"
import { containersBody, CONTAINERS_SCRIPT, LANDING_SCRIPT, landingBody } from "./Html/ContainersPage.ts"
import type { Raw } from "./Html/Escape.ts"
import { appPage, notFoundPage } from "./Html/Shell.ts"
import { html, json, redirect, type SimRequest } from "./Http.ts"

/** A grid row as the page's API sends it. */
export const rowJson = (r: ContainerRow) => ({
  index: r.index,
  placeholder: r.placeholder,
  id: r.id,
  displayId: r.displayId,
  tradeType: r.tradeType,
  cells: r.cells,
  customer: r.customer,
  detailTerminal: r.detailTerminal,
  groups: r.groups,
  milestones: r.milestones
})

const menu = (active: "home" | "containers") => [
  { label: "Home", href: "/", active: active === "home" },
  { label: "Containers", href: "/containers", active: active === "containers" }
]

const page = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest,
  title: string,
  active: "home" | "containers",
  body: Raw,
  script: string
) {
  const auth = yield* authenticate(env, req, "ecp2", "page")
  if (auth._tag === "denied") return auth.response
  yield* pageDelay(env)
  return html(appPage({
    title,
    username: auth.session.username,
    menu: menu(active),
    body,
    script,
    firstRunDialog: showFirstRun(env.state, auth.session),
    product: "Port Manager"
  }))
})

const containersApi = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const auth = yield* authenticate(env, req, "ecp2", "api")
  if (auth._tag === "denied") return auth.response
  const rows = auth.account.data.rows
  const offset = Math.max(0, Number.parseInt(req.query.get("offset") ?? "0", 10) || 0)
  const limit = Math.min(500, Math.max(1, Number.parseInt(req.query.get("limit") ?? "", 10) || env.state.options.batchSize))
  yield* batchDelay(env)
  return json({ total: rows.length, offset, items: rows.slice(offset, offset + limit).map(rowJson) })
})

export const handleEcp2 = Effect.fn("Simulator.ecp2")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  switch (`${req.method} ${req.path}`) {
    case "GET /login":
      return redirect(loginUrl(env.state, "/"))
    case "GET /signin-oidc":
      return yield* signinOidc(env, req, "ecp2")
    case "GET /":
      return yield* page(env, req, "CargoSprint eModal - Port Manager", "home", landingBody(), LANDING_SCRIPT)
    case "GET /containers":
    case "GET /app/containers":
      return yield* page(
        env,
        req,
        "CargoSprint eModal - Containers",
        "containers",
        containersBody(env.state.options.batchSize),
        CONTAINERS_SCRIPT
      )
    case "GET /api/containers":
      return yield* containersApi(env, req)
    case "POST /api/ui/first-run":
      return yield* dismissFirstRun(env, req, "ecp2")
    default:
      return html(notFoundPage(req.path), 404)
  }
})
