/**
 * The ecp2 host ("Port Manager"): the login entry `/login`, the landing page, the Containers
 * page (`/containers`, also `/app/containers` and `/#/containers`) and its JSON API
 * `GET /api/containers?offset=&limit=` (one batch per call, after the batch latency). The OIDC
 * callback, the first-run dismissal and the page runtime script are shared by the app hosts
 * (AppAuth `sharedAppRoute`).
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { appPageResponse, authenticate, loginUrl } from "./AppAuth.ts"
import type { ContainerRow } from "./ContainerRows.ts"
import type { SimEnv } from "./Env.ts"
import { containersBody, CONTAINERS_SCRIPT, LANDING_SCRIPT, landingBody } from "./Html/ContainersPage.ts"
import type { Raw } from "./Html/Escape.ts"
import { notFoundPage } from "./Html/Shell.ts"
import { html, pagedJson, redirect, type SimRequest } from "./Http.ts"

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

const page = (
  env: SimEnv,
  req: SimRequest,
  title: string,
  active: "home" | "containers",
  body: Raw,
  script: string
) => appPageResponse(env, req, "ecp2", { title, menu: menu(active), body, script, product: "Port Manager" })

const containersApi = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const auth = yield* authenticate(env, req, "ecp2", "api")
  if (auth._tag === "denied") return auth.response
  return yield* pagedJson(env, req, auth.account.data.rows, env.state.options.batchSize, rowJson)
})

export const handleEcp2 = Effect.fn("Simulator.ecp2")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  switch (`${req.method} ${req.path}`) {
    case "GET /login":
      return redirect(loginUrl(env.state, "/"))
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
    default:
      return html(notFoundPage(req.path), 404)
  }
})
