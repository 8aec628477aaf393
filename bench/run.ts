/**
 * `npm run bench`: measurements against the bundled simulator, printed as a table and written to
 * bench/results.json. Speed and memory targets live here, never in timed tests.
 *
 * Session acquisition: cold (Chrome launch + login, instant solver), restore from a snapshot after a
 * restart (Chrome launch + cookies + keep-alive check, no login), and warm (an existing session by
 * id), plus the overhead of one trivial message on a session.
 */
import { Effect, Layer, Logger, References } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Simulator } from "../src/runtime/simulator/Simulator.ts"
import { SessionPool } from "../src/services/SessionPool.ts"
import { coreLayer, credentials } from "../test/utils/ProductHarness.ts"

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 8)
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 300)
const RESTORE_RUNS = Number(process.env.BENCH_RESTORE_RUNS ?? 8)
const SNAPSHOT_KEY = "bench-snapshot-key-0123456789"

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

const time = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - started }
  })

interface Row {
  readonly metric: string
  readonly runs: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly unit: string
}

const row = (metric: string, samples: ReadonlyArray<number>, unit = "ms"): Row => ({
  metric,
  runs: samples.length,
  p50: Math.round(percentile(samples, 50) * 100) / 100,
  p95: Math.round(percentile(samples, 95) * 100) / 100,
  p99: Math.round(percentile(samples, 99) * 100) / 100,
  unit
})

const program = Effect.gen(function*() {
  const sim = yield* Simulator
  const rows: Array<Row> = []
  const dataDir = mkdtempSync(join(tmpdir(), "emodal-bench-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dataDir, { recursive: true, force: true })))

  yield* Effect.gen(function*() {
    const pool = yield* SessionPool
    const cold: Array<number> = []
    let keep: string | undefined
    for (let i = 0; i < COLD_RUNS; i++) {
      const username = `bench-cold-${i}`
      yield* sim.createAccount({ username, password: "pw", captchaMode: "token", containerCount: 5 })
      const { value, ms } = yield* time(pool.acquire({ credentials: credentials(username, "pw") }))
      cold.push(ms)
      if (keep === undefined) keep = value.session.id
      else yield* pool.close(value.session.id)
    }
    rows.push(row("cold session: Chrome launch + login (token, instant solver)", cold))

    const warm: Array<number> = []
    for (let i = 0; i < WARM_RUNS; i++) warm.push((yield* time(pool.acquire({ sessionId: keep! }))).ms)
    rows.push(row("warm acquire by session_id", warm))

    const session = yield* pool.get(keep!)
    const message: Array<number> = []
    for (let i = 0; i < WARM_RUNS; i++) {
      message.push((yield* time(session.run({ name: "noop", run: (page) => page.evaluate(() => 1) }))).ms)
    }
    rows.push(row("warm message: logged-in check + one page evaluate", message))
  }).pipe(Effect.provide(coreLayer({ MAX_SESSIONS: "4" }, dataDir)))

  // Restore: a service restart on the same DATA_DIR, then the old session id (no login).
  const restoreDir = mkdtempSync(join(tmpdir(), "emodal-bench-restore-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(restoreDir, { recursive: true, force: true })))
  yield* sim.createAccount({ username: "bench-restore", password: "pw", captchaMode: "token", containerCount: 5 })
  const env = { SNAPSHOT_KEY, MAX_SESSIONS: "2" }
  const restoredId = yield* Effect.gen(function*() {
    const pool = yield* SessionPool
    return (yield* pool.acquire({ credentials: credentials("bench-restore", "pw") })).session.id
  }).pipe(Effect.provide(coreLayer(env, restoreDir)))
  const restores: Array<number> = []
  for (let i = 0; i < RESTORE_RUNS; i++) {
    const ms = yield* Effect.gen(function*() {
      const pool = yield* SessionPool
      const { value, ms } = yield* time(pool.acquire({ sessionId: restoredId }))
      if (value.isNew) return yield* Effect.die(new Error("the restore fell back to a login"))
      return ms
    }).pipe(Effect.provide(coreLayer(env, restoreDir)))
    restores.push(ms)
  }
  rows.splice(1, 0, row("restore after restart: Chrome launch + snapshot + keep-alive check (no login)", restores))

  console.log("\nE-Modal Business API benchmarks (simulator, real Chromium)\n")
  console.table(rows.map((r) => ({ metric: r.metric, runs: r.runs, p50: r.p50, p95: r.p95, p99: r.p99, unit: r.unit })))
  const results = {
    generated_at: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    rows
  }
  writeFileSync(new URL("./results.json", import.meta.url), JSON.stringify(results, null, 2) + "\n")
  console.log("written to bench/results.json")
}).pipe(
  Effect.scoped,
  Effect.provide(Simulator.layer({ port: 0, solveDelay: 0, pageLatency: 0, batchLatency: 0 })),
  Effect.provide(Layer.mergeAll(Logger.layer([]), Layer.succeed(References.MinimumLogLevel, "Error")))
)

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
