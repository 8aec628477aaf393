/**
 * The simulator's mutable world: accounts and their login counters, identity and app sessions,
 * authorization codes, captcha contexts and challenges, used token nonces, solver tasks, taken
 * slots and booked appointments, plus the fault switches and the clock offset.
 *
 * It is plain data mutated synchronously by the host handlers. JavaScript runs one handler step
 * at a time and no mutation spans a suspension point, so a read-modify-write here is atomic; the
 * handlers take the time from the Effect clock and pass it in.
 */
import { Duration } from "effect"
import { type AccountData, type AccountSpec, generateAccount } from "./Dataset.ts"
import { NO_FAULTS, type Faults } from "./Faults.ts"
import { type AppHost, type SimUrls, urlsFor } from "./Hosts.ts"
import type { ResolvedOptions } from "./Options.ts"
import { makePrng } from "./Prng.ts"
import type { CaptchaMode, MoveType, TradeType } from "./Reference.ts"
import { type WallTime } from "./WallClock.ts"

export type EndReason = "idle" | "expired" | "replaced"

export interface SessionRecord {
  readonly id: string
  readonly kind: "identity" | AppHost
  readonly username: string
  /** App sessions: the identity session that signed them in. */
  readonly identityId: string | null
  readonly createdAt: number
  lastSeen: number
  ended: EndReason | null
  /** Identity sessions: the session a later login in the same browser replaced this one with. */
  successor: string | null
  firstRunDismissed: boolean
}

export interface Account {
  readonly data: AccountData
  readonly createdAt: number
  logins: number
}

export interface AuthCode {
  readonly identityId: string
  readonly client: AppHost
  readonly redirectUri: string
  readonly expiresAt: number
}

export interface CaptchaContext {
  readonly mode: CaptchaMode
  readonly createdAt: number
}

export interface AudioChallenge {
  readonly cid: string
  readonly answer: string
  readonly createdAt: number
  used: boolean
}

export type SolverTaskKind = "recaptcha" | "audio"

export interface SolverTask {
  readonly id: string
  readonly key: string
  readonly kind: SolverTaskKind
  readonly googlekey: string
  readonly audio: Uint8Array | null
  readonly createdAt: number
  readonly readyAt: number
  /** The answer, once decided: the token or text, or why it is unsolvable. */
  result: { readonly ok: string } | { readonly error: "ERROR_CAPTCHA_UNSOLVABLE" } | null
}

export interface Appointment {
  readonly confirmationNumber: string
  readonly username: string
  readonly tradeType: TradeType
  readonly truckingCompany: string
  readonly terminal: string
  readonly moveType: MoveType
  readonly containers: ReadonlyArray<string>
  readonly booking: string | null
  readonly line: string | null
  readonly equipSize: string | null
  readonly quantity: number
  readonly truckPlate: string
  readonly ownChassis: boolean
  readonly pin: string | null
  readonly unitNumber: string | null
  readonly seals: ReadonlyArray<string>
  readonly slotId: string
  /** `Friday 10/24/2025 18:30 - 19:30` */
  readonly slot: string
  readonly slotStart: WallTime
  readonly createdAt: number
  readonly status: "SCHEDULED" | "COMPLETED" | "CANCELLED"
}

export interface SimState {
  readonly options: ResolvedOptions
  readonly secret: Buffer
  readonly startedAt: number
  readonly startDay: WallTime
  urls: SimUrls
  faults: Faults
  clockOffsetMillis: number
  readonly accounts: Map<string, Account>
  readonly sessions: Map<string, SessionRecord>
  readonly codes: Map<string, AuthCode>
  readonly captchaContexts: Map<string, CaptchaContext>
  readonly audioChallenges: Map<string, AudioChallenge>
  readonly usedNonces: Set<string>
  readonly solverTasks: Map<string, SolverTask>
  readonly takenSlots: Set<string>
  readonly appointments: Array<Appointment>
  readonly confirmationNumbers: Set<string>
  confirmationSeq: number
  solverSeq: number
  /** Submit answers held by the `holdSubmitAnswer` fault right now (their bookings are made). */
  heldSubmits: number
  /** Portal page and API traffic (not the solver or control API), for benchmarks. */
  readonly traffic: { requests: number; handlerMillis: number }
}

export const makeState = (options: ResolvedOptions, secret: Buffer, startedAt: number, startDay: WallTime): SimState => ({
  options,
  secret,
  startedAt,
  startDay,
  urls: urlsFor(options.port),
  faults: NO_FAULTS,
  clockOffsetMillis: 0,
  heldSubmits: 0,
  traffic: { requests: 0, handlerMillis: 0 },
  accounts: new Map(),
  sessions: new Map(),
  codes: new Map(),
  captchaContexts: new Map(),
  audioChallenges: new Map(),
  usedNonces: new Set(),
  solverTasks: new Map(),
  takenSlots: new Set(),
  appointments: [],
  confirmationNumbers: new Set(),
  confirmationSeq: 0,
  solverSeq: 0
})

const STALE_MILLIS = 15 * 60_000

/**
 * Forgets captcha contexts, audio challenges and solver tasks older than 15 minutes, so a
 * long-running simulator does not grow without bound (none of them is valid that long).
 */
export const pruneStale = (state: SimState, at: number): void => {
  for (const [id, c] of state.captchaContexts) if (at - c.createdAt > STALE_MILLIS) state.captchaContexts.delete(id)
  for (const [id, c] of state.audioChallenges) if (at - c.createdAt > STALE_MILLIS) state.audioChallenges.delete(id)
  for (const [id, t] of state.solverTasks) if (at - t.createdAt > STALE_MILLIS) state.solverTasks.delete(id)
  for (const [code, c] of state.codes) if (c.expiresAt <= at) state.codes.delete(code)
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** Adds an account with its generated dataset; undefined when the username is taken. */
export const addAccount = (state: SimState, spec: AccountSpec, now: number): Account | undefined => {
  if (state.accounts.has(spec.username)) return undefined
  const account: Account = { data: generateAccount(state.options.seed, spec, state.startDay), createdAt: now, logins: 0 }
  state.accounts.set(spec.username, account)
  return account
}

export const nextConfirmationNumber = (state: SimState): string => {
  const rng = makePrng(state.options.seed, `confirmation:${state.confirmationSeq++}`)
  let n = `EM${rng.int(1, 9)}${rng.digits(7)}`
  while (state.confirmationNumbers.has(n)) n = `EM${rng.int(1, 9)}${rng.digits(7)}`
  state.confirmationNumbers.add(n)
  return n
}

// ---------------------------------------------------------------------------------------------
// Sessions

const idleMillis = (state: SimState): number => Duration.toMillis(state.options.idleLogoutAfter)

/** Whether the session is live at `now`; ends it for idleness as a side effect. */
export const isLive = (state: SimState, s: SessionRecord, now: number): boolean => {
  if (s.ended !== null) return false
  if (now - s.lastSeen >= idleMillis(state)) {
    s.ended = "idle"
    return false
  }
  return true
}

export const touch = (state: SimState, s: SessionRecord, now: number): void => {
  s.lastSeen = now
  if (s.identityId !== null) {
    const identity = state.sessions.get(s.identityId)
    if (identity !== undefined && identity.ended === null) identity.lastSeen = now
  }
}

const newSession = (
  state: SimState,
  id: string,
  kind: SessionRecord["kind"],
  username: string,
  identityId: string | null,
  now: number
): SessionRecord => {
  const s: SessionRecord = {
    id,
    kind,
    username,
    identityId,
    createdAt: now,
    lastSeen: now,
    ended: null,
    successor: null,
    firstRunDismissed: false
  }
  state.sessions.set(id, s)
  return s
}

/**
 * A successful login: a new identity session, the login counter, and (with oneLoginPerAccount)
 * the end of every other session of the account. `previousId` is the identity session the same
 * browser held before, which this one succeeds.
 */
export const recordLogin = (
  state: SimState,
  id: string,
  username: string,
  previousId: string | undefined,
  now: number
): SessionRecord => {
  if (state.options.oneLoginPerAccount) endSessionsOf(state, username, "replaced")
  const session = newSession(state, id, "identity", username, null, now)
  const previous = previousId === undefined ? undefined : state.sessions.get(previousId)
  if (previous !== undefined && previous.kind === "identity") {
    previous.successor = id
    if (previous.ended === null) previous.ended = "replaced"
  }
  const account = state.accounts.get(username)
  if (account !== undefined) account.logins++
  return session
}

export const createAppSession = (
  state: SimState,
  id: string,
  host: AppHost,
  identity: SessionRecord,
  now: number
): SessionRecord => newSession(state, id, host, identity.username, identity.id, now)

/** The live identity session that (transitively) replaced this one in the same browser. */
export const liveSuccessor = (state: SimState, identityId: string | null, now: number): SessionRecord | undefined => {
  let current = identityId === null ? undefined : state.sessions.get(identityId)
  for (let hops = 0; current !== undefined && hops < 100; hops++) {
    if (isLive(state, current, now)) return current
    current = current.successor === null ? undefined : state.sessions.get(current.successor)
  }
  return undefined
}

/** Ends every not yet ended session of `username` for `reason`; returns how many ended. */
export const endSessionsOf = (state: SimState, username: string, reason: EndReason): number => {
  let n = 0
  for (const s of state.sessions.values()) {
    if (s.username === username && s.ended === null) {
      s.ended = reason
      n++
    }
  }
  return n
}
