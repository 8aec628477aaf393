/**
 * `@emodal/simulator/testing`: the portal simulator as tests run it: an ephemeral port, a fixed
 * seed, and latencies small enough to keep the suite fast but non-zero, so readiness signals are
 * exercised. Also fresh accounts under unique usernames, the simulator's login counter, and the
 * format of the slot labels the simulated portal shows (as the real one does).
 */
import { Effect } from "effect"
import type { AccountSpec } from "./Dataset.ts"
import type { SimulatorOptions } from "./Options.ts"
import { Simulator, type SimulatorShape } from "./Simulator.ts"

export const testSimulatorLayer = (options: SimulatorOptions = {}) =>
  Simulator.layer({
    port: 0,
    seed: "e2e",
    solveDelay: "50 millis",
    pageLatency: "20 millis",
    batchLatency: "20 millis",
    ...options
  })

/** A username no other test uses. */
let counter = 0
export const uniqueUsername = (prefix: string): string => `${prefix}${process.pid}x${++counter}`

/** An account's spec without its username; the password is "pw" unless given. */
export type NewAccountSpec = Omit<AccountSpec, "username" | "password"> & { readonly password?: string }

/**
 * Creates an account in the simulator in context under a username no other test uses (from
 * `prefix`); the simulator's defaults for everything `spec` leaves out, password "pw". Answers the
 * account's snapshot (its `username`, companies, samples, …).
 */
export const newAccount = (prefix: string, spec: NewAccountSpec = {}) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    return yield* Effect.orDie(sim.createAccount({ password: "pw", ...spec, username: uniqueUsername(prefix) }))
  })

/** Successful portal logins of `username` so far; dies if the simulator has no such account. */
export const logins = (sim: SimulatorShape, username: string) =>
  Effect.flatMap(sim.state(), (s) => {
    const account = s.accounts.find((a) => a.username === username)
    return account === undefined ? Effect.die(new Error(`the simulator has no account ${username}`)) : Effect.succeed(account.logins)
  })

/** A slot label as the wizard and the service's answers show it: `Friday 10/24/2025 18:30 - 19:30`. */
export const SLOT_FORMAT = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} - \d{2}:\d{2}$/
