/**
 * The portal simulator as an Effect service: a faithful, fault-injecting stand-in for the E-Modal
 * portal (identity + reCAPTCHA, ecp2 containers, termops wizard, truckerportal My Appointments)
 * and a 2captcha-compatible solver, all on one HTTP server whose hosts are told apart by the Host
 * header. The layer starts the server in its scope and closes it when the scope closes; the
 * service hands tests the URLs (with the real port) and the control operations.
 *
 * The demo, the tests and the bench use it; product code (the root `src/`) never imports it.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { HttpServer, type HttpServerError } from "effect/http"
import {
  type AccountAlreadyExists,
  type AccountNotFound,
  advanceClockOp,
  type AppointmentNotFound,
  cancelAppointmentOp,
  changePasswordOp,
  containersOp,
  createAccountOp,
  expireSessionsOp,
  type InvalidAccountSpec,
  type InvalidFaults,
  resetFaultsOp,
  setFaultsOp
} from "./Control.ts"
import type { ContainerRow } from "./ContainerRows.ts"
import { newSecret } from "./Crypto.ts"
import type { AccountSpec } from "./Dataset.ts"
import { now, type SimEnv } from "./Env.ts"
import type { Faults, FaultsPatch } from "./Faults.ts"
import { type SimUrls, urlsFor } from "./Hosts.ts"
import { resolveOptions, type SimulatorOptions, solverBalances } from "./Options.ts"
import { serverLayer } from "./Server.ts"
import { appointmentsOf } from "./Slots.ts"
import { type AccountSnapshot, type AppointmentSnapshot, appointmentSnapshot, type SimulatorSnapshot, snapshot } from "./Snapshot.ts"
import { makeState } from "./State.ts"
import { wallTimeAt } from "./WallClock.ts"

export interface SimulatorShape {
  /** Base URLs of the simulated hosts, with the real port (no trailing slash). */
  readonly urls: SimUrls
  /** The reCAPTCHA site key of the login page. */
  readonly siteKey: string
  /** The solver keys and their balances (`demo` is always valid unless overridden). */
  readonly solverKeys: Readonly<Record<string, number>>
  /** A JSON-safe snapshot: accounts with login counters, sessions, appointments, faults, … */
  readonly state: () => Effect.Effect<SimulatorSnapshot>
  /** Changes the named fault switches; returns the faults now in force. */
  readonly setFaults: (patch: FaultsPatch) => Effect.Effect<Faults, InvalidFaults>
  /** Back to no faults (data, sessions and appointments stay). */
  readonly resetFaults: () => Effect.Effect<void>
  /** Adds an account with a deterministic dataset; tests use unique usernames. */
  readonly createAccount: (
    spec: AccountSpec
  ) => Effect.Effect<AccountSnapshot, AccountAlreadyExists | InvalidAccountSpec>
  /** Ends every live session of the account now (its pages answer 401); returns how many. */
  readonly expireSessions: (username: string) => Effect.Effect<number>
  /** Changes the account's password (its live sessions stay valid, as on the real portal). */
  readonly changePassword: (username: string, password: string) => Effect.Effect<void, AccountNotFound>
  /** Moves the simulator clock forward (idle logout, token expiry, slot dates follow it). */
  readonly advanceClock: (by: Duration.Input) => Effect.Effect<void>
  /** The account's grid rows, in grid order (placeholders included). */
  readonly containers: (username: string) => Effect.Effect<ReadonlyArray<ContainerRow>, AccountNotFound>
  /** The account's appointments, newest booking first (as My Appointments lists them). */
  readonly appointments: (username: string) => Effect.Effect<ReadonlyArray<AppointmentSnapshot>>
  /** Cancels an appointment (as its trucker would): listed as CANCELLED, its slot open again. */
  readonly cancelAppointment: (confirmationNumber: string) => Effect.Effect<AppointmentSnapshot, AppointmentNotFound>
}

export class Simulator extends Context.Service<Simulator, SimulatorShape>()("@emodal/simulator/Simulator") {
  /** Starts the simulator in the layer's scope; the server closes with it. */
  static readonly layer = (options?: SimulatorOptions): Layer.Layer<Simulator, HttpServerError.ServeError> =>
    Layer.effect(Simulator, make(options))
}

const make = Effect.fnUntraced(function*(input: SimulatorOptions | undefined) {
  const options = resolveOptions(input)
  const startedAt = yield* Clock.currentTimeMillis
  const state = makeState(options, newSecret(), startedAt, wallTimeAt(startedAt, options.timeZone))
  const env: SimEnv = { state }
  for (const spec of options.accounts) yield* Effect.orDie(createAccountOp(env, spec))

  const server = yield* Layer.build(serverLayer(env, options.port, options.host)).pipe(
    Effect.map(Context.get(HttpServer.HttpServer))
  )
  const address = server.address
  const port = address._tag === "UnixPathAddress" ? options.port : address.port
  // Nobody can know the ephemeral port before this line, so no request sees the placeholder URLs.
  state.urls = urlsFor(port)
  yield* Effect.logDebug("portal simulator listening", { urls: state.urls })

  return Simulator.of({
    urls: state.urls,
    siteKey: options.siteKey,
    solverKeys: solverBalances(options.solverKeys),
    state: () => Effect.map(now(env), (at) => snapshot(state, at)),
    setFaults: (patch) => setFaultsOp(env, patch),
    resetFaults: () => resetFaultsOp(env),
    createAccount: (spec) => createAccountOp(env, spec),
    expireSessions: (username) => expireSessionsOp(env, username),
    advanceClock: (by) => advanceClockOp(env, by),
    changePassword: (username, password) => changePasswordOp(env, username, password),
    containers: (username) => containersOp(env, username),
    appointments: (username) => Effect.sync(() => appointmentsOf(state, username).map(appointmentSnapshot)),
    cancelAppointment: (confirmationNumber) => cancelAppointmentOp(env, confirmationNumber)
  })
})
