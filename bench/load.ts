/**
 * `npm run load`: a bounded load test on loopback. The service runs as its own process (as in
 * production) against the in-process simulator; autocannon drives it. It measures /health and a
 * warm timeline operation over 10 sessions (p50/p99), overloads one session's mailbox on purpose
 * (503 + Retry-After expected), and checks the service's RSS and its Chrome process count stay flat
 * from start to end. Results go to bench/load-results.json; the exit code is 1 if a check fails.
 */
import autocannon from "autocannon"
import { Effect, Layer, Logger, References } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Simulator } from "@emodal/simulator"
import * as Processes from "../src/services/Processes.ts"
import { freePort } from "../test/utils/ChildProcesses.ts"
import { eventually } from "../test/utils/ProductHarness.ts"

const SESSIONS = 10
const HEALTH_REQUESTS = Number(process.env.LOAD_HEALTH_REQUESTS ?? 5000)
const TIMELINE_REQUESTS = Number(process.env.LOAD_TIMELINE_REQUESTS ?? 200)
const WATCHDOG_MS = 5 * 60_000

const MAIN = fileURLToPath(new URL("../src/runtime/main.ts", import.meta.url))

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? 0 : Math.round(Number(m[1]) / 1024)
}

const program = Effect.gen(function*() {
  const sim = yield* Simulator
  const dataDir = mkdtempSync(join(tmpdir(), "emodal-load-"))
  const port = yield* freePort
  const base = `http://127.0.0.1:${port}`
  const chromeMarker = `--user-data-dir=${join(dataDir, "chrome")}/`
  const chromes = () => Processes.processesWithMarker(chromeMarker).length

  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "Error",
      DRAIN_DELAY: "0 seconds",
      MAX_SESSIONS: String(SESSIONS),
      SESSION_QUEUE_LIMIT: "4",
      ACQUIRE_TIMEOUT: "5 seconds",
      EMODAL_IDENTITY_URL: sim.urls.identity,
      EMODAL_ECP2_URL: sim.urls.ecp2,
      EMODAL_TERMOPS_URL: sim.urls.termops,
      EMODAL_TRUCKERPORTAL_URL: sim.urls.truckerportal,
      CAPTCHA_API_URL: sim.urls.solver,
      CAPTCHA_POLL_INTERVAL: "50 millis"
    },
    stdio: ["ignore", "ignore", "inherit"]
  })
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      child.kill("SIGTERM")
      rmSync(dataDir, { recursive: true, force: true })
    }))
  const watchdog = setTimeout(() => {
    console.error("load test exceeded its time budget")
    child.kill("SIGKILL")
    process.exit(1)
  }, WATCHDOG_MS)
  yield* Effect.addFinalizer(() => Effect.sync(() => clearTimeout(watchdog)))

  const post = (path: string, body: unknown) =>
    Effect.promise(async () => {
      const r = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      return { status: r.status, retryAfter: r.headers.get("retry-after"), body: await r.json() as any }
    })

  // Up (or the run fails here, saying so), then 10 logged-in sessions.
  yield* eventually(
    "the service's /health",
    Effect.promise(() => fetch(`${base}/health`).then((r) => r.ok).catch(() => false)),
    (ok) => ok,
    30_000
  )
  const sessions: Array<{ id: string; container: string }> = []
  yield* Effect.forEach(Array.from({ length: SESSIONS }, (_, i) => i), (i) =>
    Effect.gen(function*() {
      const username = `load-${i}`
      const account = yield* sim.createAccount({ username, password: "pw", captchaMode: "trusted", containerCount: 40 })
      const r = yield* post("/get_session", { username, password: "pw", captcha_api_key: "demo" })
      if (r.status !== 200) return yield* Effect.die(new Error(`session ${i}: ${JSON.stringify(r.body)}`))
      sessions.push({ id: r.body.session_id, container: account.samples.importPassedPregate! })
    }), { concurrency: 5, discard: true })

  // Warm each session once so the start figures include a used Chrome.
  yield* Effect.forEach(sessions, (s) => post("/get_container_timeline", { session_id: s.id, container_id: s.container }), { concurrency: SESSIONS })
  const start = { rssMb: rssMb(child.pid!), chrome: chromes() }

  const health = yield* Effect.promise(() => autocannon({ url: `${base}/health`, connections: 20, amount: HEALTH_REQUESTS, timeout: 10 }))
  // One connection per session, all ten sessions at once: what ten busy dispatchers look like.
  // (One autocannon run over all sessions would send every connection to the same session first.)
  const perSession = yield* Effect.forEach(sessions, (s) =>
    Effect.promise(() =>
      autocannon({
        url: `${base}/get_container_timeline`,
        connections: 1,
        amount: Math.max(1, Math.round(TIMELINE_REQUESTS / SESSIONS)),
        timeout: 60,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session_id: s.id, container_id: s.container })
      })), { concurrency: "unbounded" })
  const sorted = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)
  const timeline = {
    requests: { total: perSession.reduce((n, r) => n + r.requests.total, 0), average: perSession.reduce((n, r) => n + r.requests.average, 0) },
    // The median session's median, and the worst session's p99: conservative aggregates.
    latency: { p50: sorted(perSession.map((r) => r.latency.p50))[Math.floor(SESSIONS / 2)]!, p99: Math.max(...perSession.map((r) => r.latency.p99)) },
    non2xx: perSession.reduce((n, r) => n + r.non2xx, 0),
    errors: perSession.reduce((n, r) => n + r.errors + r.timeouts, 0)
  }

  // Overflow one session's mailbox (limit 4): the surplus must be refused at once with 503.
  const target = sessions[0]!
  const burst = yield* Effect.forEach(Array.from({ length: 16 }), () =>
    post("/get_container_timeline", { session_id: target.id, container_id: target.container }), { concurrency: "unbounded" })
  const refused = burst.filter((r) => r.status === 503)
  const end = { rssMb: rssMb(child.pid!), chrome: chromes() }

  const checks = {
    health_all_2xx: health.non2xx === 0 && health.errors === 0,
    timeline_all_2xx: timeline.non2xx === 0 && timeline.errors === 0,
    overflow_answered_503: refused.length > 0,
    overflow_has_retry_after: refused.length > 0 && refused.every((r) => r.retryAfter !== null && Number(r.retryAfter) > 0),
    overflow_others_ok: burst.every((r) => r.status === 200 || r.status === 503),
    chrome_processes_flat: end.chrome === start.chrome,
    rss_flat: end.rssMb <= start.rssMb * 1.25 + 20
  }
  const results = {
    generated_at: new Date().toISOString(),
    sessions: SESSIONS,
    health: { requests: health.requests.total, p50_ms: health.latency.p50, p99_ms: health.latency.p99, rps: health.requests.average },
    timeline: { requests: timeline.requests.total, p50_ms: timeline.latency.p50, p99_ms: timeline.latency.p99, rps: timeline.requests.average },
    overflow: { sent: burst.length, refused_503: refused.length, retry_after: refused[0]?.retryAfter ?? null },
    start,
    end,
    checks
  }
  console.log("\nE-Modal Business API load test (loopback, 10 sessions)\n")
  console.table({
    "/health": { requests: results.health.requests, p50_ms: results.health.p50_ms, p99_ms: results.health.p99_ms, rps: results.health.rps },
    "timeline (warm)": { requests: results.timeline.requests, p50_ms: results.timeline.p50_ms, p99_ms: results.timeline.p99_ms, rps: results.timeline.rps }
  })
  console.table({ start, end })
  console.log("overflow:", results.overflow)
  console.log("checks:", checks)
  writeFileSync(new URL("./load-results.json", import.meta.url), JSON.stringify(results, null, 2) + "\n")
  if (Object.values(checks).some((ok) => !ok)) process.exitCode = 1
}).pipe(
  Effect.scoped,
  Effect.provide(Simulator.layer({ port: 0, solveDelay: 0, pageLatency: 0, batchLatency: "20 millis" })),
  Effect.provide(Layer.mergeAll(Logger.layer([]), Layer.succeed(References.MinimumLogLevel, "Error")))
)

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
