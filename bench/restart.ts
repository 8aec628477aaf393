/**
 * Two sections of `npm run bench` that run the real service process (src/runtime/main.ts) against
 * the bench's simulator and kill it (ISSUE-14's measures):
 *
 * - `restart` (BENCH_ONLY=restart): 10 live sessions, each with an appointment workflow mid-way
 *   (phase 2), then SIGTERM or SIGKILL and a new process on the same DATA_DIR: the time from the
 *   new process's start to the first successful resumed operation, the time until all 10 workflows
 *   answered, and the portal logins the simulator counted meanwhile (target 0).
 * - `killtest` (BENCH_ONLY=killtest): BENCH_KILL_RUNS (default 50) make_appointment runs, each with
 *   its own idempotency key, the service SIGKILLed at a random point of each run and restarted, the
 *   run retried with its key until it has a final answer. The simulator's bookings must never
 *   exceed the distinct keys (no double booking); the rows say how many keys booked, how many
 *   answers were reconciled after a lost Submit and how many were booking_outcome_unknown.
 */
import { Effect, Fiber } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Simulator } from "@emodal/simulator"
import { newAccount } from "@emodal/simulator/testing"
import { freePort } from "../test/utils/ChildProcesses.ts"
import { logins, simulatorEnv } from "../test/utils/ProductHarness.ts"
import { request, serviceUp, startService, stop } from "../test/utils/ServiceProcess.ts"

type Stats = (section: string, metric: string, samples: ReadonlyArray<number>, options?: { readonly note?: string }) => unknown
type Count = (section: string, metric: string, value: number, options: { readonly unit: string; readonly target?: string; readonly met?: boolean; readonly note?: string }) => void

const RESTART_RUNS = Number(process.env.BENCH_RESTART_RUNS ?? 3)
const KILL_RUNS = Number(process.env.BENCH_KILL_RUNS ?? 50)
const SNAPSHOT_KEY = "bench-restart-snapshot-key-0123"

const freshDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** The environment of a service process on `port` and `dir`, against the simulator in context. */
const serviceEnv = (port: number, dir: string) =>
  Effect.map(Simulator, (sim) => ({
    ...simulatorEnv(sim, dir),
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "Error",
    SNAPSHOT_KEY,
    SHUTDOWN_GRACE: "5 seconds",
    MAX_SESSIONS: "10"
  }))

const post = (port: number, path: string, body: unknown, key?: string) =>
  request(port, "POST", path, body, key === undefined ? {} : { "idempotency-key": key })

export const restartSection = (stats: Stats, count: Count) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    const dir = yield* freshDir("emodal-bench-restart-")
    const port = yield* freePort
    const env = yield* serviceEnv(port, dir)
    const accounts = yield* Effect.forEach(Array.from({ length: 10 }), () => newAccount("bench-restart-", { captchaMode: "trusted", containerCount: 40 }))
    const workflows: Array<{ readonly id: string; readonly plate: string }> = []
    let service = yield* startService(env)
    yield* serviceUp(port)
    for (const a of accounts) {
      const company = a.companies[0]!
      const waiting = yield* post(port, "/check_appointments", {
        username: a.username,
        password: "pw",
        captcha_api_key: "demo",
        container_type: "import",
        trucking_company: company.name,
        terminal: "ITS Long Beach",
        move_type: "PICK FULL",
        container_id: a.samples.importPassedPregate
      })
      if (waiting.status !== 400 || typeof waiting.body?.appointment_session_id !== "string") {
        return yield* Effect.die(new Error(`workflow not started: ${waiting.status} ${JSON.stringify(waiting.body)}`))
      }
      workflows.push({ id: waiting.body.appointment_session_id, plate: company.plates[0]! })
    }
    const loginsOf = Effect.map(Effect.forEach(accounts, (a) => logins(sim, a.username)), (n) => n.reduce((x, y) => x + y, 0))
    const resume = (w: { readonly id: string; readonly plate: string }) =>
      post(port, "/check_appointments", { appointment_session_id: w.id, truck_plate: w.plate })

    const fresh = () => ({ up: [] as Array<number>, first: [] as Array<number>, all: [] as Array<number>, logins: 0 })
    const results = { SIGTERM: fresh(), SIGKILL: fresh() }
    for (let run = 0; run < RESTART_RUNS; run++) {
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        const before = yield* loginsOf
        yield* stop(service, signal)
        const started = performance.now()
        service = yield* startService(env)
        yield* serviceUp(port)
        results[signal].up.push(performance.now() - started)
        // The first resumed operation (the process answers by now).
        let first = yield* resume(workflows[0]!)
        while (first.status !== 200) {
          if (first.status !== 0) return yield* Effect.die(new Error(`resume failed: ${first.status} ${JSON.stringify(first.body)}`))
          yield* Effect.sleep("50 millis")
          first = yield* resume(workflows[0]!)
        }
        results[signal].first.push(performance.now() - started)
        const rest = yield* Effect.forEach(workflows.slice(1), resume, { concurrency: "unbounded" })
        if (rest.some((r) => r.status !== 200)) return yield* Effect.die(new Error(`resume failed: ${JSON.stringify(rest.map((r) => r.status))}`))
        results[signal].all.push(performance.now() - started)
        results[signal].logins += (yield* loginsOf) - before
      }
    }
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const r = results[signal]
      stats("restart", `${signal} with 10 live sessions and 10 workflows mid-way: process start → /health answers`, r.up)
      stats("restart", `${signal}: process start → first resumed operation answered`, r.first, {
        note: "the boot, then the workflow's session restored from its snapshot (a Chrome launch) and the wizard re-driven to its phase"
      })
      stats("restart", `${signal}: process start → all 10 workflows resumed`, r.all)
      count("restart", `${signal}: portal logins during ${RESTART_RUNS} restarts`, r.logins, { unit: "logins", target: "0", met: r.logins === 0 })
    }
  }).pipe(Effect.scoped)

/** What one keyed run finally answered. */
type Final = "booked" | "reconciled" | "unknown" | "refused"

export const killSection = (count: Count) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    const dir = yield* freshDir("emodal-bench-kill-")
    const port = yield* freePort
    const env = yield* serviceEnv(port, dir)
    // Slots are shared by everyone booking a terminal: four terminals give room for 50+ bookings.
    const terminals = ["ITS Long Beach", "Total Terminals International - Long Beach", "Pacific Container Terminal - Long Beach", "Pier A - Long Beach"]
    const accounts = yield* Effect.forEach(terminals, () => newAccount("bench-kill-", { captchaMode: "trusted", containerCount: 40 }))
    let service = yield* startService(env)
    yield* serviceUp(port)
    const finals: Array<Final> = []
    let interrupted = 0
    for (let run = 0; run < KILL_RUNS; run++) {
      const a = accounts[run % accounts.length]!
      const company = a.companies[0]!
      const fields = {
        username: a.username,
        password: "pw",
        captcha_api_key: "demo",
        container_type: "import",
        trucking_company: company.name,
        terminal: terminals[run % terminals.length]!,
        move_type: "PICK FULL",
        container_id: a.samples.importPassedPregate,
        truck_plate: company.plates[0]
      }
      const times = yield* post(port, "/check_appointments", fields)
      if (times.status !== 200 || times.body.available_times.length === 0) return yield* Effect.die(new Error(`no times: ${JSON.stringify(times.body)}`))
      const booking = { ...fields, appointment_time: times.body.available_times[0] }
      const key = `bench-kill-${run}`
      const pending = yield* post(port, "/make_appointment", booking, key).pipe(Effect.forkChild)
      // A random point of the run: before, during or after the wizard and its Submit.
      yield* Effect.sleep(`${Math.floor(Math.random() * 2500)} millis`)
      yield* stop(service, "SIGKILL")
      const first = yield* Fiber.await(pending)
      if (first._tag === "Success" && first.value.status === 0) interrupted++
      service = yield* startService(env)
      yield* serviceUp(port)
      // Retried with its key until it has a final answer.
      let answer = yield* post(port, "/make_appointment", booking, key)
      for (let attempt = 0; (answer.status === 0 || answer.status >= 500) && attempt < 20; attempt++) {
        yield* Effect.sleep("250 millis")
        answer = yield* post(port, "/make_appointment", booking, key)
      }
      finals.push(
        answer.status === 200
          ? answer.body.reconciled === true ? "reconciled" : "booked"
          : answer.body?.error_type === "booking_outcome_unknown"
          ? "unknown"
          : "refused"
      )
    }
    const bookings = (yield* Effect.forEach(accounts, (a) => sim.appointments(a.username))).reduce((n, list) => n + list.length, 0)
    const confirmed = finals.filter((f) => f === "booked" || f === "reconciled").length
    const tally = (f: Final) => finals.filter((x) => x === f).length
    count("killtest", `${KILL_RUNS} keyed make_appointment runs, SIGKILL at a random point of each: bookings at the portal`, bookings, {
      unit: "bookings",
      target: `≤ ${KILL_RUNS} distinct keys, = confirmed answers`,
      met: bookings <= KILL_RUNS && bookings === confirmed,
      note: `${confirmed} confirmed (${tally("reconciled")} reconciled after a lost Submit), ${tally("unknown")} booking_outcome_unknown, ${tally("refused")} refused; ${interrupted} runs lost their answer to the kill`
    })
    yield* stop(service, "SIGTERM")
  }).pipe(Effect.scoped)
