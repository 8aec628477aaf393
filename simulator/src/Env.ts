/**
 * What every host handler receives: the simulator state and the simulator clock (the Effect
 * clock plus the offset tests add with `advanceClock`), and the latency helpers that honour the
 * options and their fault overrides.
 */
import { Clock, Duration, Effect } from "effect"
import type { SimState } from "./State.ts"

export interface SimEnv {
  readonly state: SimState
}

/** The simulator's current time, epoch millis. */
export const now = (env: SimEnv): Effect.Effect<number> =>
  Effect.map(Clock.currentTimeMillis, (t) => t + env.state.clockOffsetMillis)

const sleepFor = (d: Duration.Duration): Effect.Effect<void> =>
  Duration.toMillis(d) > 0 ? Effect.sleep(d) : Effect.void

/** Latency of HTML pages and wizard validations. */
export const pageDelay = (env: SimEnv): Effect.Effect<void> =>
  Effect.suspend(() => sleepFor(env.state.faults.pageLatency ?? env.state.options.pageLatency))

/** Latency of a containers batch or a My Appointments page. */
export const batchDelay = (env: SimEnv): Effect.Effect<void> =>
  Effect.suspend(() => sleepFor(env.state.faults.batchLatency ?? env.state.options.batchLatency))
