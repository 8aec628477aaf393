/**
 * The portal simulator as tests run it: an ephemeral port, a fixed seed, and latencies small
 * enough to keep the suite fast but non-zero, so readiness signals are exercised.
 */
import { Simulator, type SimulatorOptions } from "../../src/runtime/simulator/Simulator.ts"

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
