/**
 * The truckerportal host: My Appointments (`/myappointments`), its JSON API
 * `GET /api/appointments?offset=&limit=` (newest booking first, after the batch latency) and the
 * Excel export `POST /api/appointments/export` (form or JSON `ids`: confirmation numbers) that
 * answers an .xlsx attachment of those of the account's appointments.
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { authenticate, dismissFirstRun, showFirstRun, signinOidc } from "./AppAuth.ts"
import { batchDelay, pageDelay, type SimEnv } from "./Env.ts"
import { APPOINTMENTS_SCRIPT, appointmentsBody } from "./Html/AppointmentsPage.ts"
import { appPage, notFoundPage } from "./Html/Shell.ts"
import { binary, html, json, readParams, redirect, type SimRequest } from "./Http.ts"
import { appointmentsOf } from "./Slots.ts"
import { appointmentSnapshot } from "./Snapshot.ts"
import { appointmentsWorkbook } from "./Xlsx.ts"

export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
export const EXPORT_FILE_NAME = "MyAppointments.xlsx"

const page = Effect.fnUntraced(function*(env: SimEnv, req: SimRequest) {
  const auth = yield* authenticate(env, req, "truckerportal", "page")
  if (auth._tag === "denied") return auth.response
  yield* pageDelay(env)
  return html(appPage({
    title: "CargoSprint eModal - My Appointments",
    username: auth.session.username,
    menu: [
      { label: "My Appointments", href: "/myappointments", active: true },
      { label: "Add Appointment", href: `${env.state.urls.termops}/trucker/web/addvisit` },
      { label: "Containers", href: `${env.state.urls.ecp2}/containers` }
    ],
    body: appointmentsBody(env.state.options.appointmentsPageSize),
    script: APPOINTMENTS_SCRIPT,
    firstRunDialog: showFirstRun(env.state, auth.session),
    product: "Trucker Portal"
  }))
})

const list = Effect.fnUntraced(function*(env: SimEnv, req: SimRequest) {
  const auth = yield* authenticate(env, req, "truckerportal", "api")
  if (auth._tag === "denied") return auth.response
  const all = appointmentsOf(env.state, auth.session.username)
  const offset = Math.max(0, Number.parseInt(req.query.get("offset") ?? "0", 10) || 0)
  const limit = Math.min(500, Math.max(1, Number.parseInt(req.query.get("limit") ?? "", 10) || env.state.options.appointmentsPageSize))
  yield* batchDelay(env)
  return json({ total: all.length, offset, items: all.slice(offset, offset + limit).map(appointmentSnapshot) })
})

const exportXlsx = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const auth = yield* authenticate(env, req, "truckerportal", "page")
  if (auth._tag === "denied") return auth.response
  const params = yield* readParams(req)
  const raw = params["ids"] ?? ""
  const ids = new Set((raw.startsWith("[") ? raw.replace(/[[\]"]/g, "") : raw).split(",").map((s) => s.trim()).filter((s) => s !== ""))
  const rows = appointmentsOf(env.state, auth.session.username).filter((a) => ids.has(a.confirmationNumber))
  if (rows.length === 0) return json({ error: "No appointments selected." }, 400)
  const bytes = yield* appointmentsWorkbook(rows)
  return binary(bytes, XLSX_MIME, { "content-disposition": `attachment; filename="${EXPORT_FILE_NAME}"` })
})

export const handleTruckerPortal = Effect.fn("Simulator.truckerportal")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  switch (`${req.method} ${req.path}`) {
    case "GET /signin-oidc":
      return yield* signinOidc(env, req, "truckerportal")
    case "GET /":
    case "GET /containers":
      return redirect("/myappointments")
    case "GET /myappointments":
      return yield* page(env, req)
    case "GET /api/appointments":
      return yield* list(env, req)
    case "POST /api/appointments/export":
      return yield* exportXlsx(env, req)
    case "POST /api/ui/first-run":
      return yield* dismissFirstRun(env, req, "truckerportal")
    default:
      return html(notFoundPage(req.path), 404)
  }
})
