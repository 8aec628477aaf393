/**
 * The control operations behind the Simulator service's methods, and the same operations over
 * HTTP on the api host under `/__sim/…`, answered only to loopback peers:
 *
 * - `GET  /__sim/state`                      → the snapshot
 * - `POST /__sim/faults`   {…partial faults} → the faults now in force
 * - `POST /__sim/reset`                      → faults back to none (data and sessions stay)
 * - `POST /__sim/accounts` {username, …}     → 201 the new account (409 when taken)
 * - `POST /__sim/expire`   {username}        → {expired: n} sessions ended now
 * - `POST /__sim/clock`    {advance: "31 minutes"} → moves the simulator clock forward
 * - `GET  /__sim/accounts/<username>/containers` → the account's grid rows
 * - `POST /__sim/appointments/<confirmation>/cancel` → the appointment, CANCELLED (404 when unknown)
 */
import { Data, Duration, Effect, Option, Schema } from "effect"
import type { HttpServerResponse } from "effect/http"
import type { ContainerRow } from "./ContainerRows.ts"
import type { AccountSpec } from "./Dataset.ts"
import { rowJson } from "./Ecp2.ts"
import { type SimEnv, now } from "./Env.ts"
import { applyFaults, type Faults, type FaultsPatch, FaultsPatchJson, faultsToJson, NO_FAULTS } from "./Faults.ts"
import { isLoopback, json, readJson, type SimRequest } from "./Http.ts"
import { CAPTCHA_MODES } from "./Reference.ts"
import { seedAppointments } from "./Slots.ts"
import { type AccountSnapshot, accountSnapshot, type AppointmentSnapshot, appointmentSnapshot, snapshot } from "./Snapshot.ts"
import { addAccount, type Appointment, endSessionsOf } from "./State.ts"

export class AccountAlreadyExists extends Data.TaggedError("AccountAlreadyExists")<{ readonly username: string }> {}
export class AccountNotFound extends Data.TaggedError("AccountNotFound")<{ readonly username: string }> {}
export class InvalidFaults extends Data.TaggedError("InvalidFaults")<{ readonly message: string }> {}
export class AppointmentNotFound extends Data.TaggedError("AppointmentNotFound")<{ readonly confirmationNumber: string }> {}
export class InvalidAccountSpec extends Data.TaggedError("InvalidAccountSpec")<{ readonly message: string }> {}

const validateSpec = (spec: AccountSpec): string | undefined => {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(spec.username)) return "username: 1-64 letters, digits or ._@-"
  if (spec.password.length === 0) return "password: must not be empty"
  if (spec.captchaMode !== undefined && !CAPTCHA_MODES.includes(spec.captchaMode)) return "captchaMode: trusted | audio | token"
  const count = spec.containerCount
  if (count !== undefined && (!Number.isInteger(count) || count < 0 || count > 20_000)) return "containerCount: 0..20000"
  const every = spec.placeholderEvery
  if (every !== undefined && (!Number.isInteger(every) || every < 0)) return "placeholderEvery: a non-negative integer"
  const appts = spec.appointmentCount
  if (appts !== undefined && (!Number.isInteger(appts) || appts < 0 || appts > 5_000)) return "appointmentCount: 0..5000"
  if (spec.truckingCompanies !== undefined && spec.truckingCompanies.length === 0) return "truckingCompanies: at least one"
  return undefined
}

export const createAccountOp = Effect.fn("Simulator.createAccount")(function*(env: SimEnv, spec: AccountSpec) {
  const invalid = validateSpec(spec)
  if (invalid !== undefined) return yield* new InvalidAccountSpec({ message: invalid })
  const at = yield* now(env)
  const account = addAccount(env.state, spec, at)
  if (account === undefined) return yield* new AccountAlreadyExists({ username: spec.username })
  seedAppointments(env.state, spec.username, spec.appointmentCount ?? 0, at)
  return accountSnapshot(env.state, account, at)
})

export const setFaultsOp = (env: SimEnv, patch: FaultsPatch): Effect.Effect<Faults, InvalidFaults> =>
  Effect.suspend(() => {
    const next = applyFaults(env.state.faults, patch)
    if ("invalid" in next) return Effect.fail(new InvalidFaults({ message: next.invalid }))
    env.state.faults = next
    return Effect.succeed(next)
  })

export const resetFaultsOp = (env: SimEnv): Effect.Effect<void> =>
  Effect.sync(() => {
    env.state.faults = NO_FAULTS
  })

export const expireSessionsOp = (env: SimEnv, username: string): Effect.Effect<number> =>
  Effect.sync(() => endSessionsOf(env.state, username, "expired"))

/** The account's password changes (as a user would on the portal); live sessions stay valid. */
export const changePasswordOp = (env: SimEnv, username: string, password: string): Effect.Effect<void, AccountNotFound> =>
  Effect.suspend(() => {
    const account = env.state.accounts.get(username)
    if (account === undefined) return Effect.fail(new AccountNotFound({ username }))
    env.state.accounts.set(username, { ...account, data: { ...account.data, password } })
    return Effect.void
  })

export const advanceClockOp = (env: SimEnv, by: Duration.Input): Effect.Effect<void> =>
  Effect.sync(() => {
    env.state.clockOffsetMillis += Math.max(0, Duration.toMillis(Duration.fromInputUnsafe(by)))
  })

export const containersOp = (env: SimEnv, username: string): Effect.Effect<ReadonlyArray<ContainerRow>, AccountNotFound> =>
  Effect.suspend(() => {
    const account = env.state.accounts.get(username)
    return account === undefined ? Effect.fail(new AccountNotFound({ username })) : Effect.succeed(account.data.rows)
  })

/**
 * Cancels an appointment, as its trucker would on the portal: it stays in My Appointments with the
 * status CANCELLED and its slot is open again.
 */
export const cancelAppointmentOp = (env: SimEnv, confirmationNumber: string): Effect.Effect<AppointmentSnapshot, AppointmentNotFound> =>
  Effect.suspend(() => {
    const state = env.state
    const i = state.appointments.findIndex((a) => a.confirmationNumber === confirmationNumber)
    if (i < 0) return Effect.fail(new AppointmentNotFound({ confirmationNumber }))
    const cancelled: Appointment = { ...state.appointments[i]!, status: "CANCELLED" }
    state.appointments[i] = cancelled
    state.takenSlots.delete(cancelled.slotId)
    return Effect.succeed(appointmentSnapshot(cancelled))
  })

const AccountSpecJson = Schema.Struct({
  username: Schema.String,
  password: Schema.String,
  captchaMode: Schema.optionalKey(Schema.Literals(["trusted", "audio", "token"])),
  containerCount: Schema.optionalKey(Schema.Number),
  placeholderEvery: Schema.optionalKey(Schema.Number),
  appointmentCount: Schema.optionalKey(Schema.Number),
  truckingCompanies: Schema.optionalKey(Schema.Array(Schema.String))
})

const ExpireJson = Schema.Struct({ username: Schema.String })
const ClockJson = Schema.Struct({ advance: Schema.Union([Schema.Number, Schema.String]) })

const bad = (message: string) => json({ error: message }, 400)

export const handleControl = Effect.fn("Simulator.control")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  if (!isLoopback(req.remoteAddress)) return json({ error: "the control API answers loopback peers only" }, 403)
  const route = `${req.method} ${req.path}`
  if (route === "GET /__sim/state") return json(snapshot(env.state, yield* now(env)))
  if (route === "POST /__sim/reset") {
    yield* resetFaultsOp(env)
    return json({ faults: faultsToJson(env.state.faults) })
  }
  if (route === "POST /__sim/faults") {
    const patch = Schema.decodeUnknownOption(FaultsPatchJson)(yield* readJson(req))
    if (Option.isNone(patch)) return bad("faults: expected a JSON object of fault switches")
    const result = yield* Effect.result(setFaultsOp(env, patch.value))
    return result._tag === "Failure" ? bad(result.failure.message) : json({ faults: faultsToJson(result.success) })
  }
  if (route === "POST /__sim/accounts") {
    const spec = Schema.decodeUnknownOption(AccountSpecJson)(yield* readJson(req))
    if (Option.isNone(spec)) return bad("account: expected {username, password, captchaMode?, containerCount?, …}")
    const result = yield* Effect.result(createAccountOp(env, spec.value))
    if (result._tag === "Success") return json(result.success satisfies AccountSnapshot, 201)
    return result.failure._tag === "AccountAlreadyExists"
      ? json({ error: `account ${result.failure.username} already exists` }, 409)
      : bad(result.failure.message)
  }
  if (route === "POST /__sim/expire") {
    const body = Schema.decodeUnknownOption(ExpireJson)(yield* readJson(req))
    if (Option.isNone(body)) return bad("expire: expected {username}")
    return json({ expired: yield* expireSessionsOp(env, body.value.username) })
  }
  if (route === "POST /__sim/clock") {
    const body = Schema.decodeUnknownOption(ClockJson)(yield* readJson(req))
    const advance = Option.flatMap(body, (b) => Duration.fromInput(b.advance as Duration.Input))
    if (Option.isNone(advance)) return bad("clock: expected {advance: <duration>}")
    yield* advanceClockOp(env, advance.value)
    return json({ now: new Date(yield* now(env)).toISOString(), clockOffsetMillis: env.state.clockOffsetMillis })
  }
  const cancel = /^\/__sim\/appointments\/([^/]+)\/cancel$/.exec(req.path)
  if (req.method === "POST" && cancel !== null) {
    const result = yield* Effect.result(cancelAppointmentOp(env, decodeURIComponent(cancel[1] ?? "")))
    return result._tag === "Success"
      ? json(result.success)
      : json({ error: `no appointment ${result.failure.confirmationNumber}` }, 404)
  }
  const m = /^\/__sim\/accounts\/([^/]+)\/containers$/.exec(req.path)
  if (req.method === "GET" && m !== null) {
    const result = yield* Effect.result(containersOp(env, decodeURIComponent(m[1] ?? "")))
    return result._tag === "Success"
      ? json(result.success.map(rowJson))
      : json({ error: `no account ${result.failure.username}` }, 404)
  }
  return json({ error: "not found" }, 404)
})
