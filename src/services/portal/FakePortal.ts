/**
 * The in-memory portal behind `PortalDriver.layerTest`: logins succeed unless the password is
 * "wrong" (or a fault says otherwise), and every flow answers from a small fixed account — a
 * containers grid with an import and an export, My Appointments, a wizard with times, plates and a
 * confirmation number — without touching its page. Fault switches make a flow fail with the error
 * a real one can fail with (`faults`), so the layers above (the actor, the pool, the operations
 * and their error mapping) are tested without Chrome. Tests only.
 */
import { Context, Duration, Effect, Redacted, Ref } from "effect"
import { writeFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import {
  AppointmentPhaseFailed,
  ContainerNotFound,
  LoginFailed,
  type LoginErrorKind,
  PortalRejected,
  TruckPlateNotOffered
} from "../../domain/Errors.ts"
import { makeOpaqueToken } from "../../domain/Ids.ts"
import type { Container } from "../../domain/Operations.ts"
import type { PageHandle } from "../Browser.ts"
import type { AppointmentsError, ContainersError, PortalDriverShape } from "../PortalDriver.ts"
import type { ContainerDetail } from "./containers/ContainerDetail.ts"
import { normalizeContainerId } from "./containers/ContainerGrid.ts"
import { type FlowPhase, setPhase } from "./Phase.ts"
import * as Png from "./Png.ts"
import { matchOption, pickPlateIndex } from "./wizard/Matching.ts"
import type { WizardError, WizardStep } from "./wizard/WizardPage.ts"

/** A fault switch: the flow fails with `error` — on every call, or on the next `times` calls. */
export interface FakeFault<E> {
  readonly error: E
  readonly times?: number | undefined
}

/** The flows that can be made to fail, each with the errors its real counterpart can fail with. */
export interface FakeFaults {
  readonly openContainers?: FakeFault<ContainersError> | undefined
  readonly loadContainers?: FakeFault<ContainersError> | undefined
  readonly inspectContainer?: FakeFault<ContainersError | ContainerNotFound> | undefined
  readonly exportAppointments?: FakeFault<AppointmentsError> | undefined
  readonly findBooking?: FakeFault<AppointmentsError> | undefined
  readonly wizardOpen?: FakeFault<WizardError> | undefined
  readonly phase1?: FakeFault<WizardError> | undefined
  readonly next?: FakeFault<WizardError> | undefined
  readonly phase2?: FakeFault<WizardError> | undefined
  readonly readTimes?: FakeFault<WizardError> | undefined
  readonly chooseTime?: FakeFault<WizardError> | undefined
  /** Applies after Submit was clicked (`commit` ran): the outcome of a click the portal got. */
  readonly submit?: FakeFault<WizardError> | undefined
}

/** A container of the fake account and what its expanded row shows. */
export interface FakeContainer {
  readonly row: Container
  readonly detail: Omit<ContainerDetail, "screenshot">
}

export interface FakePortalState {
  /** Completed logins per username. */
  readonly logins: Readonly<Record<string, number>>
  /** Logins begun (a test waits on this before moving the TestClock past a login's latency). */
  readonly loginsStarted: number
  readonly refreshes: number
  readonly loginLatency: Duration.Duration
  readonly loginFailure: LoginErrorKind | undefined
  /** The portal logged every session out (probe and refresh say logged_out until a login). */
  readonly loggedOut: boolean
  readonly refreshFails: boolean
  readonly containers: ReadonlyArray<FakeContainer>
  /** My Appointments' appointment numbers. */
  readonly appointments: ReadonlyArray<string>
  /** The wizard's appointment times (and, for exports, the calendar's open dates). */
  readonly times: ReadonlyArray<string>
  readonly dates: ReadonlyArray<string>
  /** The truck plates the wizard offers. */
  readonly plates: ReadonlyArray<string>
  readonly confirmation: string
  /** Submit clicks so far. */
  readonly submits: number
  readonly faults: FakeFaults
}

const container = (id: string, trade: "IMPORT" | "EXPORT"): Container => ({
  container_id: id,
  trade_type: trade,
  status: "IN YARD",
  holds: "NO",
  pregate_ticket: "N/A",
  emodal_pregate_status: "N/A",
  gate_status: "N/A",
  origin: "TTI",
  destination: "TTI",
  current_loc: "TTI",
  line: "MSCU",
  vessel_name: "MSC AURORA",
  vessel_code: "9703318",
  voyage: "086E",
  size_type: "40HC",
  fees: "N/A",
  lfd_gtd: "N/A",
  tags: "N/A"
})

/** The fake account's containers: an import that passed pregate, and an export with a booking. */
export const FAKE_IMPORT = "MSDU5772413"
export const FAKE_EXPORT = "HMMU9048448"

const initialFakeState: FakePortalState = {
  logins: {},
  loginsStarted: 0,
  refreshes: 0,
  loginLatency: Duration.zero,
  loginFailure: undefined,
  loggedOut: false,
  refreshFails: false,
  containers: [
    {
      row: container(FAKE_IMPORT, "IMPORT"),
      detail: {
        booking: { label: true, value: "N/A" },
        milestones: [
          { name: "Discharged", date: "10/10/2025", divider: ["timeline-divider", "dividerflowcolor"] },
          { name: "Pregate", date: "10/12/2025", divider: ["timeline-divider", "dividerflowcolor"] }
        ],
        pregate: { passed: true, method: "dom_class_check" }
      }
    },
    {
      row: container(FAKE_EXPORT, "EXPORT"),
      detail: {
        booking: { label: true, value: "BK123456" },
        milestones: [{ name: "Empty Out", date: "10/11/2025", divider: ["timeline-divider", "horizontalconflow"] }],
        pregate: null
      }
    }
  ],
  appointments: ["EM10000001", "EM10000002"],
  times: ["Friday 10/24/2025 08:00 - 09:00", "Friday 10/24/2025 09:00 - 10:00"],
  dates: ["10/24/2025"],
  plates: ["7X82346", "ABC777"],
  confirmation: "CN123456",
  submits: 0,
  faults: {}
}

export interface FakePortalShape {
  readonly state: Effect.Effect<FakePortalState>
  readonly update: (f: (s: FakePortalState) => FakePortalState) => Effect.Effect<void>
}

export class FakePortal extends Context.Service<FakePortal, FakePortalShape>()("emodal-api/services/PortalDriver/FakePortal") {}

/** A 1×1 PNG: the fake timeline screenshot. */
const SCREENSHOT = Png.encode({ width: 1, height: 1, data: new Uint8Array([32, 32, 32, 255]) })

/** The fake driver, and the controls over its state. */
export const makeFakeDriver = Effect.gen(function*() {
  const state = yield* Ref.make<FakePortalState>(initialFakeState)
  /** Where each fake page's wizard is (a page handle is the page's identity). */
  const wizards = new WeakMap<PageHandle, { readonly token: string; readonly step: WizardStep }>()

  /** Fails with the flow's fault, if one is set (and counts it down). */
  const fault = <K extends keyof FakeFaults>(flow: K, phase: FlowPhase): Effect.Effect<void, NonNullable<FakeFaults[K]>["error"]> =>
    Effect.gen(function*() {
      yield* setPhase(phase)
      const set = (yield* Ref.get(state)).faults[flow]
      if (set === undefined) return
      if (set.times !== undefined) {
        yield* Ref.update(state, (s) => ({ ...s, faults: { ...s.faults, [flow]: set.times! > 1 ? { ...set, times: set.times! - 1 } : undefined } }))
      }
      return yield* Effect.fail(set.error)
    })

  const find = (id: string) => Effect.map(Ref.get(state), (s) => s.containers.find((c) => c.row.container_id === normalizeContainerId(id)))

  const driver: PortalDriverShape = {
    login: Effect.fn("PortalDriver.login")(function*(_page, credentials) {
      yield* Ref.update(state, (st) => ({ ...st, loginsStarted: st.loginsStarted + 1 }))
      const s = yield* Ref.get(state)
      yield* setPhase("login:fake")
      if (Duration.toMillis(s.loginLatency) > 0) yield* Effect.sleep(s.loginLatency)
      if (s.loginFailure !== undefined) return yield* new LoginFailed({ reason: s.loginFailure, detail: "fake portal" })
      if (Redacted.value(credentials.password) === "wrong") {
        return yield* new LoginFailed({ reason: "invalid_credentials", detail: "Invalid username or password" })
      }
      const name = credentials.username
      yield* Ref.update(state, (st) => ({ ...st, loggedOut: false, logins: { ...st.logins, [name]: (st.logins[name] ?? 0) + 1 } }))
      return { method: "trusted" as const }
    }),
    probe: Effect.fn("PortalDriver.probe")(function*() {
      return (yield* Ref.get(state)).loggedOut ? "logged_out" as const : "logged_in" as const
    }),
    refresh: Effect.fn("PortalDriver.refresh")(function*() {
      const s = yield* Ref.updateAndGet(state, (st) => ({ ...st, refreshes: st.refreshes + 1 }))
      return s.refreshFails || s.loggedOut ? "logged_out" as const : "logged_in" as const
    }),
    openContainers: Effect.fn("PortalDriver.openContainers")(function*() {
      yield* fault("openContainers", "containers:open")
    }),
    loadContainers: Effect.fn("PortalDriver.loadContainers")(function*(_page, mode, options) {
      yield* fault("loadContainers", "containers:scroll")
      const all = (yield* Ref.get(state)).containers.map((c) => c.row)
      const found = mode._tag === "find" ? all.findIndex((c) => c.container_id === normalizeContainerId(mode.containerId)) : -1
      const [rows, stop] = mode._tag === "target_count" && all.length >= mode.count
        ? [all.slice(0, mode.count), "target_count" as const]
        : mode._tag === "find" && found >= 0
        ? [all.slice(0, found + 1), "found" as const]
        : [all, mode._tag === "first_page" ? "first_page" as const : "end" as const]
      if (options.onRows !== undefined) yield* options.onRows(rows)
      return { loaded: { rows: rows.length, containers: rows.length, scrollCycles: stop === "end" ? 1 : 0, stop } }
    }),
    inspectContainer: Effect.fn("PortalDriver.inspectContainer")(function*(_page, containerId, options) {
      yield* fault("inspectContainer", "containers:detail")
      const found = yield* find(containerId)
      if (found === undefined) return yield* new ContainerNotFound({ containerId: normalizeContainerId(containerId) })
      const pregate = options.pregate ? found.detail.pregate : undefined
      return { ...found.detail, pregate, screenshot: options.screenshot && pregate !== null ? SCREENSHOT : undefined }
    }),
    exportAppointments: Effect.fn("PortalDriver.exportAppointments")(function*(_page, selection, options) {
      yield* fault("exportAppointments", "appointments:export")
      const listed = (yield* Ref.get(state)).appointments
      if (listed.length === 0) {
        return yield* new PortalRejected({ reason: "no_appointments", detail: "My Appointments lists no appointments: there is nothing to export" })
      }
      const selected = selection._tag === "all"
        ? listed
        : selection._tag === "count"
        ? listed.slice(0, selection.count)
        : listed.filter((id) => id === selection.appointmentId.trim().toUpperCase())
      if (selected.length === 0) {
        return yield* new PortalRejected({ reason: "appointment_not_found", detail: `Appointment '${selection._tag === "id" ? selection.appointmentId : ""}' is not in My Appointments` })
      }
      // An xlsx is a zip: its signature is all the service checks.
      const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new TextEncoder().encode(selected.join("\n"))])
      const path = join(options.downloadDir, makeOpaqueToken())
      mkdirSync(options.downloadDir, { recursive: true })
      writeFileSync(path, bytes)
      return { selected, rowsLoaded: listed.length, scrollCycles: 0, download: { path, suggestedFilename: "appointments.xlsx", bytes: bytes.length }, format: "xlsx" as const }
    }),
    // The fake's appointments carry no slot, unit or plate: a lost Submit is never found here.
    findBooking: Effect.fn("PortalDriver.findBooking")(function*() {
      yield* fault("findBooking", "appointments:scroll")
      return undefined
    }),
    wizard: {
      isAt: Effect.fn("PortalDriver.wizard.isAt")(function*(page, token, step) {
        const at = wizards.get(page)
        return token !== undefined && at?.token === token && at.step === step
      }),
      tidy: Effect.fn("PortalDriver.wizard.tidy")(function*() {}),
      open: Effect.fn("PortalDriver.wizard.open")(function*(page, token) {
        yield* fault("wizardOpen", "appointment:open")
        wizards.set(page, { token, step: 1 })
      }),
      phase1: Effect.fn("PortalDriver.wizard.phase1")(function*(_page, fields) {
        yield* fault("phase1", "appointment:1")
        return fields.containerType === "export" ? "booking" as const : "container" as const
      }),
      next: (page, phase, _refill) =>
        fault("next", phase === 1 ? "appointment:1" : "appointment:2").pipe(
          Effect.andThen(Effect.sync(() => {
            const at = wizards.get(page)
            if (at !== undefined) wizards.set(page, { ...at, step: phase === 1 ? 2 : 3 })
          }))
        ),
      phase2: Effect.fn("PortalDriver.wizard.phase2")(function*(_page, fields) {
        yield* fault("phase2", "appointment:2")
        const plates = (yield* Ref.get(state)).plates
        const plate = plates[pickPlateIndex(plates, fields.truckPlate ?? "")]
        if (plate === undefined) return yield* new TruckPlateNotOffered({ plate: (fields.truckPlate ?? "").trim(), offered: plates, offeredCount: plates.length })
        return plate
      }),
      readTimes: Effect.fn("PortalDriver.wizard.readTimes")(function*(_page, containerType) {
        yield* fault("readTimes", "appointment:3")
        const s = yield* Ref.get(state)
        return containerType === "import" ? { times: s.times } : { times: s.times, dates: s.dates, calendarFound: true }
      }),
      chooseTime: Effect.fn("PortalDriver.wizard.chooseTime")(function*(_page, _containerType, time) {
        yield* fault("chooseTime", "appointment:3")
        const times = (yield* Ref.get(state)).times
        const chosen = times[matchOption(times, time)]
        if (chosen === undefined) {
          return yield* new AppointmentPhaseFailed({ phase: 3, step: "Appointment time", reason: "slot_unavailable", detail: `Appointment time '${time}' is not available`, availableOptions: times })
        }
        return chosen
      }),
      submit: Effect.fn("PortalDriver.wizard.submit")(function*(page, commit) {
        yield* commit
        yield* Ref.update(state, (s) => ({ ...s, submits: s.submits + 1 }))
        yield* fault("submit", "appointment:submit")
        const at = wizards.get(page)
        if (at !== undefined) wizards.set(page, { ...at, step: 4 })
        return (yield* Ref.get(state)).confirmation
      })
    }
  }
  const controls: FakePortalShape = { state: Ref.get(state), update: (f) => Ref.update(state, f) }
  return { driver, controls }
})
