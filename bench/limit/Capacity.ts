/**
 * `limit` section, capacity: throughput with 1, 2, 5 and 10 sessions working at once (each running
 * get_booking_number back to back), with the CPU each operation costs in the service (this Node
 * process), in Chrome (every process of this DATA_DIR's Chromes) and in the simulator (its own
 * process); then the service's own memory (PSS of this Node process, apart from Chrome and the
 * simulator) with 0, 10 and 100 sessions open.
 *
 * No serialisation point outside each session's actor shows as throughput that grows with the
 * sessions until the machine's cores are busy: the row notes give the CPU use (all processes) as a
 * share of the cores while measuring.
 */
import { Duration, Effect } from "effect"
import { spawn } from "node:child_process"
import { cpus } from "node:os"
import { join } from "node:path"
import { newAccount } from "@emodal/simulator/testing"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import * as Processes from "../../src/services/Processes.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { credentials } from "../../test/utils/ProductHarness.ts"
import { freshDir, load, password, percentile, type Record_, round, serviceLayer } from "./Harness.ts"
import { remotePid } from "./RemoteSimulator.ts"

const ctx = { baseUrl: "http://127.0.0.1:5010", requestId: "bench-limit-p" }
const OPS_PER_SESSION = Number(process.env.BENCH_LIMIT_OPS ?? 6)
const MEMORY_COUNTS = (process.env.BENCH_LIMIT_MEMORY ?? "0,10,100").split(",").map(Number)

/** CPU ms so far: this process, the Chromes of `dir`, the simulator. */
const cpuNow = (dir: string) => {
  const table = Processes.listProcesses()
  const marker = `--user-data-dir=${join(dir, "chrome")}/`
  const ours = Processes.processesWithMarker(marker, table)
  const pids = new Set(ours.map((p) => p.pid))
  const roots = ours.filter((p) => !pids.has(p.ppid))
  const u = process.cpuUsage()
  return {
    service: (u.user + u.system) / 1000,
    chrome: roots.reduce((sum, p) => sum + Processes.treeCpuMs(p.pid, table), 0),
    simulator: remotePid === undefined ? 0 : Processes.treeCpuMs(remotePid, table)
  }
}

export const concurrencyLimitSection = (record: Record_) =>
  Effect.gen(function*() {
    const dir = yield* freshDir("emodal-bench-lp-")
    yield* Effect.gen(function*() {
      const ops = yield* PortalOperations
      const accounts = yield* Effect.forEach(Array.from({ length: 10 }), () => newAccount("bench-lp-", { captchaMode: "trusted", containerCount: 40 }))
      const sessions = yield* Effect.forEach(accounts, (a) => ops.getSession({ username: a.username, password }), { concurrency: 2 })
      const booking = (i: number) => ops.getBookingNumber({ session_id: sessions[i]!.session_id, container_id: accounts[i]!.samples.exportWithBooking! }, ctx)
      // Warm every session once.
      yield* Effect.forEach(sessions, (_, i) => booking(i), { concurrency: 2 })
      let single: number | undefined
      for (const n of [1, 2, 5, 10]) {
        const latencies: Array<number> = []
        const before = cpuNow(dir)
        const started = performance.now()
        yield* Effect.forEach(Array.from({ length: n }), (_, i) =>
          Effect.gen(function*() {
            for (let r = 0; r < OPS_PER_SESSION; r++) {
              const t = performance.now()
              yield* booking(i)
              latencies.push(performance.now() - t)
            }
          }), { concurrency: "unbounded" })
        const wall = performance.now() - started
        const after = cpuNow(dir)
        const opsCount = n * OPS_PER_SESSION
        const perSecond = opsCount / (wall / 1000)
        single ??= perSecond
        const cpu = {
          service: (after.service - before.service) / opsCount,
          chrome: (after.chrome - before.chrome) / opsCount,
          simulator: (after.simulator - before.simulator) / opsCount
        }
        const busy = ((cpu.service + cpu.chrome + cpu.simulator) * opsCount) / wall / cpus().length
        record({
          section: "limit",
          metric: `concurrency: ${n} session${n === 1 ? "" : "s"} × ${OPS_PER_SESSION} get_booking_number at once: operations/s`,
          runs: opsCount,
          p50: round(perSecond, 2),
          unit: "ops/s",
          note: `${round(perSecond / single, 2)}× one session; latency p50 ${round(percentile(latencies, 50))} ms, p95 ${round(percentile(latencies, 95))} ms; ` +
            `CPU per operation: service ${round(cpu.service)} ms, Chrome ${round(cpu.chrome)} ms, simulator ${round(cpu.simulator)} ms; ` +
            `all processes kept ${round(busy * 100, 0)} % of the ${cpus().length} cores busy`,
          load: load()
        })
        record({
          section: "limit",
          metric: `concurrency: ${n} session${n === 1 ? "" : "s"}: CPU ms per operation, service (Node) / Chrome`,
          runs: opsCount,
          p50: round(cpu.service, 1),
          unit: "ms",
          note: `service ${round(cpu.service, 1)} ms, Chrome ${round(cpu.chrome, 1)} ms, simulator ${round(cpu.simulator, 1)} ms per operation`,
          load: load()
        })
      }
    }).pipe(Effect.provide(serviceLayer({ MAX_SESSIONS: "10" }, dir)))
  }).pipe(Effect.scoped)

export const memoryLimitSection = (record: Record_) =>
  Effect.gen(function*() {
    const dir = yield* freshDir("emodal-bench-lm-")
    const max = Math.max(...MEMORY_COUNTS)
    yield* Effect.gen(function*() {
      const pool = yield* SessionPool
      const usernames = yield* Effect.forEach(
        Array.from({ length: max }),
        () => Effect.map(newAccount("bench-lm-", { captchaMode: "trusted", containerCount: 10 }), (a) => a.username)
      )
      let open = 0
      for (const n of [...MEMORY_COUNTS].sort((a, b) => a - b)) {
        const missing = Array.from({ length: n - open }, (_, i) => usernames[open + i]!)
        yield* Effect.forEach(missing, (u) => pool.acquire({ credentials: credentials(u, "pw") }), { concurrency: 4 })
        open = n
        // Let timers settle and the collector run before reading (a measurement, not a test wait).
        yield* Effect.sleep(Duration.seconds(2))
        globalThis.gc?.()
        const pss = Processes.pssKb(process.pid) / 1024
        const heap = process.memoryUsage()
        record({
          section: "limit",
          metric: `memory: the service's own PSS (Node process, without Chrome and the simulator) with ${n} sessions`,
          runs: 1,
          p50: round(pss, 1),
          unit: "MB",
          ...(n === 10 ? { target: "≤ 150 MB", met: pss <= 150 } : {}),
          note: `heap used ${round(heap.heapUsed / 2 ** 20, 1)} MB, external ${round(heap.external / 2 ** 20, 1)} MB, rss ${round(heap.rss / 2 ** 20, 1)} MB; context isolation (one Chrome), aggressive profile`,
          load: load()
        })
      }
    }).pipe(Effect.provide(serviceLayer({ MAX_SESSIONS: String(Math.max(1, max)), BROWSER_ISOLATION: "context", CHROME_PROFILE: "aggressive" }, dir)))
  }).pipe(Effect.scoped)

/** Runs `memoryLimitSection` in a fresh Node process (see `MemoryMain.ts`) and records its rows. */
export const memoryInChild = (record: Record_) =>
  Effect.promise(() =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [new URL("./MemoryMain.ts", import.meta.url).pathname], { stdio: ["ignore", "pipe", "inherit"] })
      let out = ""
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        let nl: number
        while ((nl = out.indexOf("\n")) >= 0) {
          const line = out.slice(0, nl)
          out = out.slice(nl + 1)
          if (line.startsWith("ROW ")) record(JSON.parse(line.slice(4)))
        }
      })
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the memory process exited with ${code}`))))
    })
  )
