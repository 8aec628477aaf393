/**
 * The termops host: `/trucker/web/` (the keep-alive page) and the appointment wizard
 * `/trucker/web/addvisit` with its JSON API under `/trucker/web/api/visit/…`:
 *
 * - `GET  options`  → companies (with plates), terminals, move types, lines → sizes
 * - `POST booking`  → checks an export booking number ("No open transactions for this booking number.")
 * - `POST step1`    → validates step 1, answers the units for step 2
 * - `POST step2`    → validates step 2, answers the open slots for step 3
 * - `POST submit`   → books the chosen slot (removing it), answers the confirmation number
 *
 * Each call takes the page latency. The server re-validates everything at submit, so the page's
 * state is never trusted. Faults: `wizardStep500` (1, 2 = Next, 3 = Submit answers 500),
 * `wizardStepNeverReady` (the response says `ready: false` and the page never finishes that step)
 * and `holdSubmitAnswer` (Submit books, then holds its answer until the switch is turned off).
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { appPageResponse, authenticate } from "./AppAuth.ts"
import type { AccountData } from "./Dataset.ts"
import { type SimEnv, now, pageDelay } from "./Env.ts"
import type { WizardStage } from "./Faults.ts"
import type { Raw } from "./Html/Escape.ts"
import { notFoundPage } from "./Html/Shell.ts"
import { KEEPALIVE_SCRIPT, keepAliveBody, WIZARD_SCRIPT, wizardBody } from "./Html/WizardPage.ts"
import { html, json, type JsonObject, readJsonObject, type SimRequest } from "./Http.ts"
import { LINES, lineSizes, MOVE_TYPES, type MoveType, type Terminal, terminalByName, TERMINALS, tradeTypeOfMove } from "./Reference.ts"
import { openSlots, type Slot } from "./Slots.ts"
import { nextConfirmationNumber, type Appointment, type SimState } from "./State.ts"

const API = "/trucker/web/api/visit"

export const NO_OPEN_TRANSACTIONS = "No open transactions for this booking number."

type FormKind = "import" | "alternative" | "export"

export const formKindOf = (terminal: Terminal, move: MoveType): FormKind =>
  tradeTypeOfMove(move) === "EXPORT" ? "export" : terminal.alternativeImportMoves.includes(move) ? "alternative" : "import"

interface Step1 {
  readonly company: string
  readonly terminal: Terminal
  readonly moveType: MoveType
  readonly form: FormKind
  readonly containers: ReadonlyArray<string>
  readonly bookings: ReadonlyArray<string>
  readonly line: string | null
  readonly equipSize: string | null
  readonly quantity: number
}

interface Unit {
  readonly id: string
  readonly label: string
}

interface Step2 {
  readonly units: ReadonlyArray<string>
  readonly pin: string | null
  readonly plate: string
  readonly ownChassis: boolean
  readonly unitNumber: string | null
  readonly seals: ReadonlyArray<string>
}

type Body = JsonObject

const str = (b: Body, k: string): string => {
  const v = b[k]
  return typeof v === "string" ? v.trim() : ""
}
const strs = (b: Body, k: string): ReadonlyArray<string> => {
  const v: unknown = b[k]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").map((s) => s.trim().toUpperCase()) : []
}

class Invalid {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

const parseStep1 = (account: AccountData, b: Body): Step1 | Invalid => {
  const company = str(b, "company")
  if (!account.companies.some((c) => c.name === company)) return new Invalid("Please select a trucking company.")
  const terminal = terminalByName(str(b, "terminal"))
  if (terminal === undefined) return new Invalid("Please select a terminal.")
  const moveType = MOVE_TYPES.find((m) => m === str(b, "moveType"))
  if (moveType === undefined) return new Invalid("Please select a move type.")
  const form = formKindOf(terminal, moveType)
  const quantity = Number(b["quantity"] ?? 0)
  const base = { company, terminal, moveType, form, containers: [], bookings: [], line: null, equipSize: null, quantity: 1 }
  if (form === "import") {
    const containers = strs(b, "containers")
    if (containers.length === 0) return new Invalid("Please enter at least one container number.")
    for (const id of containers) {
      const row = account.rows.find((r) => r.id === id)
      if (row === undefined || row.tradeType !== "IMPORT") {
        return new Invalid(`Container ${id} is not available for this move.`)
      }
    }
    return { ...base, containers, quantity: containers.length }
  }
  if (form === "alternative") {
    const line = LINES.find((l) => l.scac === str(b, "line").toUpperCase())
    if (line === undefined) return new Invalid("Please select a line.")
    const equipSize = str(b, "equipSize").toUpperCase()
    if (!line.sizes.includes(equipSize)) return new Invalid(`Equip size ${equipSize || "(none)"} is not valid for line ${line.scac}.`)
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10) return new Invalid("Quantity must be between 1 and 10.")
    return { ...base, line: line.scac, equipSize, quantity }
  }
  const bookings = strs(b, "bookings")
  if (bookings.length === 0) return new Invalid("Please enter a booking number.")
  for (const booking of bookings) {
    if (!account.openBookings.includes(booking)) return new Invalid(NO_OPEN_TRANSACTIONS)
  }
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10) return new Invalid("Quantity must be between 1 and 10.")
  return { ...base, bookings, quantity }
}

const unitsOf = (s: Step1): ReadonlyArray<Unit> => {
  if (s.form === "import") return s.containers.map((id) => ({ id, label: id }))
  const prefix = s.form === "alternative" ? `${s.line} ${s.equipSize}` : `Booking ${s.bookings[0]}`
  return Array.from({ length: s.quantity }, (_, i) => ({ id: `UNIT-${i + 1}`, label: `${prefix} - unit ${i + 1}` }))
}

const parseStep2 = (account: AccountData, s1: Step1, b: Body): Step2 | Invalid => {
  const unitIds = unitsOf(s1).map((u) => u.id)
  const units = strs(b, "units").filter((u) => unitIds.includes(u))
  if (units.length === 0) return new Invalid("Please select at least one unit.")
  const plate = str(b, "plate").toUpperCase()
  const company = account.companies.find((c) => c.name === s1.company)
  if (plate === "") return new Invalid("Please enter a truck plate.")
  if (company === undefined || !company.plates.includes(plate)) {
    return new Invalid(`Truck plate ${plate} is not registered for ${s1.company}.`)
  }
  const ownChassis = str(b, "ownChassis").toUpperCase() === "YES"
  if (s1.form !== "export") {
    const pin = str(b, "pin")
    if (pin === "") return new Invalid("Please enter the PIN.")
    return { units, pin, plate, ownChassis, unitNumber: null, seals: [] }
  }
  const seals = [1, 2, 3, 4].map((i) => str(b, `seal${i}`)).filter((s) => s !== "")
  return { units, pin: null, plate, ownChassis, unitNumber: str(b, "unitNumber").toUpperCase() || null, seals }
}

const slotJson = (s: Slot) => ({ id: s.id, label: s.label, date: s.date, checkInBy: s.checkInBy })

const neverReady = (state: SimState, stage: WizardStage): boolean => state.faults.wizardStepNeverReady === stage

const fault500 = (state: SimState, step: 1 | 2 | 3) => state.faults.wizardStep500 === step

const serverError = () => json({ message: "An unexpected error occurred. Please try again later." }, 500)

const api = Effect.fnUntraced(function*(
  env: SimEnv,
  req: SimRequest,
  run: (account: AccountData, body: Body, at: number) => HttpServerResponse.HttpServerResponse
) {
  const auth = yield* authenticate(env, req, "termops", "api")
  if (auth._tag === "denied") return auth.response
  const body = (yield* readJsonObject(req)) ?? {}
  yield* pageDelay(env)
  const at = yield* now(env)
  return run(auth.account.data, body, at)
})

const options = (env: SimEnv, req: SimRequest) =>
  api(env, req, (account) =>
    json({
      ready: !neverReady(env.state, 1),
      companies: account.companies,
      terminals: TERMINALS.map((t) => ({ name: t.name, alternativeImportMoves: t.alternativeImportMoves })),
      moveTypes: MOVE_TYPES,
      lines: lineSizes()
    }))

const booking = (env: SimEnv, req: SimRequest) =>
  api(env, req, (account, b) => {
    const value = str(b, "booking").toUpperCase()
    return account.openBookings.includes(value)
      ? json({ ok: true, booking: value })
      : json({ ok: false, message: NO_OPEN_TRANSACTIONS })
  })

const step1 = (env: SimEnv, req: SimRequest) =>
  api(env, req, (account, b) => {
    if (fault500(env.state, 1)) return serverError()
    const s1 = parseStep1(account, b)
    if (s1 instanceof Invalid) return json({ message: s1.message }, 400)
    return json({ ready: !neverReady(env.state, 2), form: s1.form, units: unitsOf(s1) })
  })

const step2 = (env: SimEnv, req: SimRequest) =>
  api(env, req, (account, b, at) => {
    if (fault500(env.state, 2)) return serverError()
    const s1 = parseStep1(account, b)
    if (s1 instanceof Invalid) return json({ message: s1.message }, 400)
    const s2 = parseStep2(account, s1, b)
    if (s2 instanceof Invalid) return json({ message: s2.message }, 400)
    return json({
      ready: !neverReady(env.state, 3),
      mode: s1.form === "export" ? "calendar" : "select",
      slots: openSlots(env.state, s1.terminal, s1.moveType, at).map(slotJson)
    })
  })

/**
 * While `holdSubmitAnswer` is on, a booked Submit's answer waits (counted in `heldSubmits`); the
 * client may go away meanwhile, the booking stays.
 */
const holdAnswer = (env: SimEnv) =>
  Effect.suspend(() => {
    if (!env.state.faults.holdSubmitAnswer) return Effect.void
    env.state.heldSubmits++
    return Effect.sleep("20 millis").pipe(
      Effect.repeat({ until: () => !env.state.faults.holdSubmitAnswer }),
      Effect.ensuring(Effect.sync(() => {
        env.state.heldSubmits--
      })),
      Effect.asVoid
    )
  })

const submit = (env: SimEnv, req: SimRequest) =>
  Effect.flatMap(book(env, req), (answer) => (answer.status === 200 ? Effect.as(holdAnswer(env), answer) : Effect.succeed(answer)))

const book = (env: SimEnv, req: SimRequest) =>
  api(env, req, (account, b, at) => {
    const state = env.state
    if (fault500(state, 3)) return serverError()
    const s1 = parseStep1(account, b)
    if (s1 instanceof Invalid) return json({ message: s1.message }, 400)
    const s2 = parseStep2(account, s1, b)
    if (s2 instanceof Invalid) return json({ message: s2.message }, 400)
    const slotId = str(b, "slot")
    if (slotId === "") return json({ message: "Please select an appointment time." }, 400)
    const slot = openSlots(state, s1.terminal, s1.moveType, at).find((s) => s.id === slotId)
    if (slot === undefined) {
      return json({ message: "The selected appointment time is no longer available. Please choose another time." }, 409)
    }
    state.takenSlots.add(slot.id)
    const appointment: Appointment = {
      confirmationNumber: nextConfirmationNumber(state),
      username: account.username,
      tradeType: tradeTypeOfMove(s1.moveType),
      truckingCompany: s1.company,
      terminal: s1.terminal.name,
      moveType: s1.moveType,
      containers: s1.containers,
      booking: s1.bookings[0] ?? null,
      line: s1.line,
      equipSize: s1.equipSize,
      quantity: s2.units.length,
      truckPlate: s2.plate,
      ownChassis: s2.ownChassis,
      pin: s2.pin,
      unitNumber: s2.unitNumber,
      seals: s2.seals,
      slotId: slot.id,
      slot: slot.label,
      slotStart: slot.start,
      createdAt: at,
      status: "SCHEDULED"
    }
    state.appointments.push(appointment)
    return json({
      ready: !neverReady(state, 4),
      confirmationNumber: appointment.confirmationNumber,
      slot: slot.label,
      checkInBy: slot.checkInBy
    })
  })

const page = (
  env: SimEnv,
  req: SimRequest,
  title: string,
  body: Raw,
  script: string,
  active: "home" | "addvisit"
) =>
  appPageResponse(env, req, "termops", {
    title,
    menu: [
      { label: "Home", href: "/trucker/web/", active: active === "home" },
      { label: "Add Appointment", href: "/trucker/web/addvisit", active: active === "addvisit" },
      { label: "My Appointments", href: `${env.state.urls.truckerportal}/myappointments` }
    ],
    body,
    script,
    product: "Trucker"
  })

export const handleTermops = Effect.fn("Simulator.termops")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  switch (`${req.method} ${req.path}`) {
    case "GET /":
    case "GET /trucker/web":
    case "GET /trucker/web/":
      return yield* page(env, req, "CargoSprint eModal - Trucker", keepAliveBody(env.state.urls.truckerportal), KEEPALIVE_SCRIPT, "home")
    case "GET /trucker/web/addvisit":
      return yield* page(env, req, "CargoSprint eModal - Add Appointment", wizardBody(), WIZARD_SCRIPT, "addvisit")
    case `GET ${API}/options`:
      return yield* options(env, req)
    case `POST ${API}/booking`:
      return yield* booking(env, req)
    case `POST ${API}/step1`:
      return yield* step1(env, req)
    case `POST ${API}/step2`:
      return yield* step2(env, req)
    case `POST ${API}/submit`:
      return yield* submit(env, req)
    default:
      return html(notFoundPage(req.path), 404)
  }
})
