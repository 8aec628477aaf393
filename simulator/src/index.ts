/**
 * `@emodal/simulator`: the portal simulator and its 2captcha-compatible solver, as the demo, the
 * tests and the bench import it. The service and its layer, the types its API speaks, and the
 * grid's column headers (the one piece of reference data callers compare against). Test helpers
 * live in the `@emodal/simulator/testing` entry.
 */
export { Simulator, type SimulatorShape } from "./Simulator.ts"
export { AccountAlreadyExists, AccountNotFound, AppointmentNotFound, InvalidAccountSpec, InvalidFaults } from "./Control.ts"
export type { ContainerRow } from "./ContainerRows.ts"
export type { AccountSpec, Samples } from "./Dataset.ts"
export { type CaptchaMode, GRID_COLUMNS } from "./Reference.ts"
export type { Faults, FaultsPatch } from "./Faults.ts"
export type { SimulatorOptions } from "./Options.ts"
export type { AccountSnapshot, AppointmentSnapshot, SimulatorSnapshot } from "./Snapshot.ts"
export type { SimUrls } from "./Hosts.ts"
