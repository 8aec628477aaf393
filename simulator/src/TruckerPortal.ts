/**
 * The truckerportal host: My Appointments (`/myappointments`), its JSON API
 * `GET /api/appointments?offset=&limit=` (newest booking first, after the batch latency) and the
 * Excel export `POST /api/appointments/export` (form or JSON `ids`: confirmation numbers) that
 * answers an .xlsx attachment of those of the account's appointments.
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { appPageResponse, authenticate } from "./AppAuth.ts"
import type { SimEnv } from "./Env.ts"
import { APPOINTMENTS_SCRIPT, appointmentsBody } from "./Html/AppointmentsPage.ts"
import { notFoundPage } from "./Html/Shell.ts"
import { binary, html, json, pagedJson, readParams, redirect, type SimRequest } from "./Http.ts"
import { appointmentsOf } from "./Slots.ts"
import { appointmentSnapshot } from "./Snapshot.ts"
import { appointmentsWorkbook } from "./Xlsx.ts"

export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
export const EXPORT_FILE_NAME = "MyAppointments.xlsx"

const page = (env: SimEnv, req: SimRequest) =>
  appPageResponse(env, req, "truckerportal", {
    title: "CargoSprint eModal - My Appointments",
    menu: [
      { label: "My Appointments", href: "/myappointments", active: true },
      { label: "Add Appointment", href: `${env.state.urls.termops}/trucker/web/addvisit` },
      { label: "Containers", href: `${env.state.urls.ecp2}/containers` }
    ],
    body: appointmentsBody(env.state.options.appointmentsPageSize),
    script: APPOINTMENTS_SCRIPT,
    product: "Trucker Portal"
  })

const list = Effect.fnUntraced(function*(env: SimEnv, req: SimRequest) {
  const auth = yield* authenticate(env, req, "truckerportal", "api")
  if (auth._tag === "denied") return auth.response
  const all = appointmentsOf(env.state, auth.session.username)
  return yield* pagedJson(env, req, all, env.state.options.appointmentsPageSize, appointmentSnapshot)
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
    case "GET /":
    case "GET /containers":
      return redirect("/myappointments")
    case "GET /myappointments":
      return yield* page(env, req)
    case "GET /api/appointments":
      return yield* list(env, req)
    case "POST /api/appointments/export":
      return yield* exportXlsx(env, req)
    default:
      return html(notFoundPage(req.path), 404)
  }
})
