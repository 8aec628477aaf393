/**
 * Options of a simulator instance, each with its meaning and default. Tests pass small latencies
 * and an ephemeral port; `npm run simulator` reads SIMULATOR_PORT.
 */
import { Duration } from "effect"
import { type AccountSpec, DEFAULT_ACCOUNTS } from "./Dataset.ts"

export interface SolverKey {
  /** 0 → ERROR_ZERO_BALANCE. Balances are not decremented (the simulator does not bill). */
  readonly balance: number
}

/** Each solver key's balance. */
export const solverBalances = (keys: Readonly<Record<string, SolverKey>>): Readonly<Record<string, number>> =>
  Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.balance]))

export interface SimulatorOptions {
  /** TCP port; 0 picks an ephemeral one. Default 0. */
  readonly port?: number | undefined
  /** Address to bind. Default 127.0.0.1 (Chromium resolves *.localhost to loopback). */
  readonly host?: string | undefined
  /** Seed of the deterministic dataset. Default 1. */
  readonly seed?: string | number | undefined
  /** Time the solver takes before a captcha is ready. Default 200 millis; 0 = instant. */
  readonly solveDelay?: Duration.Input | undefined
  /** Latency of HTML pages and wizard validation calls. Default 0. */
  readonly pageLatency?: Duration.Input | undefined
  /** Latency of each containers batch / My Appointments page. Default 100 millis. */
  readonly batchLatency?: Duration.Input | undefined
  /** Rows per containers batch. Default 40. */
  readonly batchSize?: number | undefined
  /** Rows per My Appointments page. Default 25. */
  readonly appointmentsPageSize?: number | undefined
  /** Portal sessions idle this long are logged out (401). Default 30 minutes. */
  readonly idleLogoutAfter?: Duration.Input | undefined
  /** A new login ends the account's other sessions. Default false. */
  readonly oneLoginPerAccount?: boolean | undefined
  /** Accounts created at start. Default: demo, bigfleet, audio, trusted. */
  readonly accounts?: ReadonlyArray<AccountSpec> | undefined
  /** Solver API keys. Default { demo: { balance: 100 }, broke: { balance: 0 } }. */
  readonly solverKeys?: Readonly<Record<string, SolverKey>> | undefined
  /** The reCAPTCHA site key of the login page. Default a fixed 40-character key. */
  readonly siteKey?: string | undefined
  /** Zone of the portal's wall clock (slots, dates). Default America/Los_Angeles. */
  readonly timeZone?: string | undefined
  /** Validity of reCAPTCHA tokens. Default 2 minutes. */
  readonly tokenTtl?: Duration.Input | undefined
}

export interface ResolvedOptions {
  readonly port: number
  readonly host: string
  readonly seed: string | number
  readonly solveDelay: Duration.Duration
  readonly pageLatency: Duration.Duration
  readonly batchLatency: Duration.Duration
  readonly batchSize: number
  readonly appointmentsPageSize: number
  readonly idleLogoutAfter: Duration.Duration
  readonly oneLoginPerAccount: boolean
  readonly accounts: ReadonlyArray<AccountSpec>
  readonly solverKeys: Readonly<Record<string, SolverKey>>
  readonly siteKey: string
  readonly timeZone: string
  readonly tokenTtl: Duration.Duration
}

export const DEFAULT_SITE_KEY = "6LfSimuLAtorKeyEmodalPortal0000000000000"

export const resolveOptions = (o: SimulatorOptions = {}): ResolvedOptions => ({
  port: o.port ?? 0,
  host: o.host ?? "127.0.0.1",
  seed: o.seed ?? 1,
  solveDelay: Duration.fromInputUnsafe(o.solveDelay ?? "200 millis"),
  pageLatency: Duration.fromInputUnsafe(o.pageLatency ?? 0),
  batchLatency: Duration.fromInputUnsafe(o.batchLatency ?? "100 millis"),
  batchSize: Math.max(1, o.batchSize ?? 40),
  appointmentsPageSize: Math.max(1, o.appointmentsPageSize ?? 25),
  idleLogoutAfter: Duration.fromInputUnsafe(o.idleLogoutAfter ?? "30 minutes"),
  oneLoginPerAccount: o.oneLoginPerAccount ?? false,
  accounts: o.accounts ?? DEFAULT_ACCOUNTS,
  solverKeys: o.solverKeys ?? { demo: { balance: 100 }, broke: { balance: 0 } },
  siteKey: o.siteKey ?? DEFAULT_SITE_KEY,
  timeZone: o.timeZone ?? "America/Los_Angeles",
  tokenTtl: Duration.fromInputUnsafe(o.tokenTtl ?? "2 minutes")
})
