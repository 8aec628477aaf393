/**
 * `state()` / `GET /__sim/state`: a JSON-safe picture of the simulator — URLs, options, faults,
 * accounts (login counters, live sessions, container summaries, sample containers, open
 * bookings), sessions, booked appointments, reference data and solver counters. Passwords and
 * secrets are left out.
 */
import { Duration } from "effect"
import { type Company, type ContainerSummary, platesFor, type Samples, summarize } from "./Dataset.ts"
import { faultsToJson } from "./Faults.ts"
import type { SimUrls } from "./Hosts.ts"
import { solverBalances } from "./Options.ts"
import { type CaptchaMode, lineSizes, MOVE_TYPES, TERMINALS, TRUCKING_COMPANIES } from "./Reference.ts"
import { type Account, type Appointment, isLive, type SimState } from "./State.ts"

export interface AccountSnapshot {
  readonly username: string
  readonly captchaMode: CaptchaMode
  /** Successful logins (POST /Account/Login) so far. */
  readonly logins: number
  /** Live sessions (identity and app hosts). */
  readonly liveSessions: number
  readonly companies: ReadonlyArray<Company>
  readonly containers: ContainerSummary
  readonly samples: Samples
  readonly openBookings: ReadonlyArray<string>
  readonly appointments: number
}

export interface SessionSnapshot {
  readonly kind: string
  readonly username: string
  readonly createdAt: string
  readonly lastSeenAt: string
  readonly live: boolean
  readonly ended: string | null
}

export interface AppointmentSnapshot extends Omit<Appointment, "slotStart" | "createdAt"> {
  readonly createdAt: string
}

export interface SimulatorSnapshot {
  readonly urls: SimUrls
  readonly siteKey: string
  readonly now: string
  readonly clockOffsetMillis: number
  readonly options: {
    readonly seed: string | number
    readonly batchSize: number
    readonly appointmentsPageSize: number
    readonly pageLatencyMillis: number
    readonly batchLatencyMillis: number
    readonly solveDelayMillis: number
    readonly idleLogoutAfterMillis: number
    readonly oneLoginPerAccount: boolean
    readonly timeZone: string
  }
  readonly faults: ReturnType<typeof faultsToJson>
  readonly accounts: ReadonlyArray<AccountSnapshot>
  readonly sessions: ReadonlyArray<SessionSnapshot>
  readonly appointments: ReadonlyArray<AppointmentSnapshot>
  readonly reference: {
    readonly truckingCompanies: ReadonlyArray<Company>
    readonly terminals: ReadonlyArray<{ readonly name: string; readonly code: string; readonly alternativeImportMoves: ReadonlyArray<string> }>
    readonly moveTypes: ReadonlyArray<string>
    readonly lines: Readonly<Record<string, ReadonlyArray<string>>>
  }
  /** Portal traffic served so far and the time spent serving it. */
  readonly traffic: { readonly requests: number; readonly handlerMillis: number }
  /** Submit answers held right now by the `holdSubmitAnswer` fault (their bookings are made). */
  readonly heldSubmits: number
  readonly solver: {
    readonly keys: Readonly<Record<string, number>>
    /** Tasks of the last 15 minutes (older ones are forgotten). */
    readonly tasks: number
    readonly solved: number
    readonly failed: number
  }
}

export const accountSnapshot = (state: SimState, account: Account, at: number): AccountSnapshot => ({
  username: account.data.username,
  captchaMode: account.data.captchaMode,
  logins: account.logins,
  liveSessions: [...state.sessions.values()].filter((s) => s.username === account.data.username && isLive(state, s, at))
    .length,
  companies: account.data.companies,
  containers: summarize(account.data.rows),
  samples: account.data.samples,
  openBookings: account.data.openBookings,
  appointments: state.appointments.filter((a) => a.username === account.data.username).length
})

export const appointmentSnapshot = ({ slotStart: _s, createdAt, ...rest }: Appointment): AppointmentSnapshot => ({
  ...rest,
  createdAt: new Date(createdAt).toISOString()
})

export const snapshot = (state: SimState, at: number): SimulatorSnapshot => {
  const tasks = [...state.solverTasks.values()]
  const o = state.options
  return {
    urls: state.urls,
    siteKey: o.siteKey,
    now: new Date(at).toISOString(),
    clockOffsetMillis: state.clockOffsetMillis,
    options: {
      seed: o.seed,
      batchSize: o.batchSize,
      appointmentsPageSize: o.appointmentsPageSize,
      pageLatencyMillis: Duration.toMillis(o.pageLatency),
      batchLatencyMillis: Duration.toMillis(o.batchLatency),
      solveDelayMillis: Duration.toMillis(o.solveDelay),
      idleLogoutAfterMillis: Duration.toMillis(o.idleLogoutAfter),
      oneLoginPerAccount: o.oneLoginPerAccount,
      timeZone: o.timeZone
    },
    faults: faultsToJson(state.faults),
    accounts: [...state.accounts.values()].map((a) => accountSnapshot(state, a, at)),
    sessions: [...state.sessions.values()].map((s) => ({
      kind: s.kind,
      username: s.username,
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeen).toISOString(),
      live: isLive(state, s, at),
      ended: s.ended
    })),
    appointments: state.appointments.map(appointmentSnapshot),
    reference: {
      truckingCompanies: TRUCKING_COMPANIES.map((name) => ({ name, plates: platesFor(o.seed, name) })),
      terminals: TERMINALS.map((t) => ({ name: t.name, code: t.code, alternativeImportMoves: t.alternativeImportMoves })),
      moveTypes: MOVE_TYPES,
      lines: lineSizes()
    },
    traffic: { requests: state.traffic.requests, handlerMillis: Math.round(state.traffic.handlerMillis * 1000) / 1000 },
    heldSubmits: state.heldSubmits,
    solver: {
      keys: solverBalances(o.solverKeys),
      tasks: tasks.length,
      solved: tasks.filter((t) => t.result !== null && "ok" in t.result).length,
      failed: tasks.filter((t) => t.result !== null && "error" in t.result).length
    }
  }
}
