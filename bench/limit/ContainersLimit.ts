/**
 * `limit` section, containers: get_containers for every row of a 2,000-container account through
 * the service, against the minimal puppeteer script that only scrolls the grid each time a batch
 * lands and reads the cells once (`./minimal/Containers.ts`), interleaved on the same simulator (its
 * own process, 20 ms per batch); both against the simulator's total batch latency (the time the
 * data needs to arrive). Then a 20,000-container account once, with the service's memory (PSS of
 * this Node process, sampled every 50 ms while it runs) beside the 2,000-row run's.
 */
import { Duration, Effect } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount } from "@emodal/simulator/testing"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import * as Processes from "../../src/services/Processes.ts"
import { BATCH_LATENCY, freshDir, load, median, minimalChrome, password, type Record_, round, serviceLayer, sessionCookies, timed } from "./Harness.ts"
import * as MinContainers from "./minimal/Containers.ts"
import { makeSpanLog } from "./Spans.ts"
import { interleave, recordPair } from "./WarmLimit.ts"

const ctx = { baseUrl: "http://127.0.0.1:5010", requestId: "bench-limit-c" }
const ID = /^[A-Z]{4}\d{6,7}[A-Z]?$/
const RUNS = Number(process.env.BENCH_LIMIT_CONTAINER_RUNS ?? 4)
const BIG = Number(process.env.BENCH_LIMIT_BIG ?? 20_000)
/** The 20,000-row run's budget (the default 5 minutes is too short for it on a busy 2-core machine). */
const BIG_TIMEOUT = process.env.BENCH_LIMIT_BIG_TIMEOUT ?? "25 minutes"

/** Runs `effect` while sampling this process's PSS; the peak above the level before, in MB. */
const withPeakPss = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = Processes.pssKb(process.pid) / 1024
    let peak = before
    const timer = setInterval(() => {
      peak = Math.max(peak, Processes.pssKb(process.pid) / 1024)
    }, 50)
    const value = yield* effect.pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
    peak = Math.max(peak, Processes.pssKb(process.pid) / 1024)
    return { value, before, peak, growth: peak - before }
  })

export const containersLimitSection = (record: Record_) =>
  Effect.gen(function*() {
    const dir = yield* freshDir("emodal-bench-lc-")
    const spans = makeSpanLog()
    yield* Effect.gen(function*() {
      const sim = yield* Simulator
      const ops = yield* PortalOperations
      const batchSize = (yield* sim.state()).options.batchSize
      const latency = Duration.toMillis(BATCH_LATENCY)
      const { username } = yield* newAccount("bench-lc-2000-", { captchaMode: "trusted", containerCount: 2000 })
      const session = yield* ops.getSession({ username, password })
      const sid = session.session_id
      const chrome = yield* minimalChrome(yield* sessionCookies(sid))
      const floor = Math.ceil(2000 / batchSize) * latency

      const measured = yield* interleave({
        name: "get_containers (2,000 rows)",
        runs: RUNS,
        service: Effect.map(ops.getContainers({ session_id: sid, return_url: true }, ctx), (r) => r.response.total_containers),
        // Rows with a container id (the grid also shows all-N/A placeholder rows, which the file skips).
        minimal: async () => (await MinContainers.loadAll(chrome.page, sim.urls.ecp2)).filter((cells) => ID.test(cells[0]?.trim() ?? "")).length,
        differs: (s: number, m: number) => (s === m ? undefined : `${s} rows vs ${m}`)
      }, spans, 1)
      recordPair(record, "limit", "get_containers, all 2,000 rows (xlsx written)", measured)
      const s50 = median(measured.service)
      const m50 = median(measured.minimal)
      record({
        section: "limit",
        metric: "get_containers, 2,000 rows: service ÷ the simulator's total batch latency",
        runs: measured.service.length,
        p50: round(s50 / floor, 2),
        unit: "×",
        target: "≤ 2",
        met: s50 / floor <= 2,
        limit: { minimal_p50: round(m50), ratio: round(s50 / floor, 2) },
        note: `${Math.ceil(2000 / batchSize)} batches × ${latency} ms = ${floor} ms of batch latency; service p50 ${round(s50)} ms (${round(2000 / (s50 / 1000), 0)} rows/s), minimal script ${round(m50)} ms (${round(m50 / floor, 2)}× the batch latency)`,
        load: load()
      })

      // The memory of a 2,000-row run, then of a 20,000-row run (same session, same process).
      const small = yield* withPeakPss(timed(ops.getContainers({ session_id: sid, return_url: true }, ctx)))
      const { username: bigUser } = yield* newAccount("bench-lc-big-", { captchaMode: "trusted", containerCount: BIG })
      const bigSession = yield* ops.getSession({ username: bigUser, password })
      const bigRun = yield* Effect.result(withPeakPss(timed(ops.getContainers({ session_id: bigSession.session_id, return_url: true }, ctx))))
      if (bigRun._tag === "Failure") {
        record({
          section: "limit",
          metric: `get_containers, all ${BIG} rows: time ÷ the 2,000-row time`,
          runs: 0,
          p50: Number.NaN,
          unit: "×",
          target: "≤ 10",
          met: false,
          note: `the run failed: ${bigRun.failure._tag} (OPERATION_TIMEOUT ${BIG_TIMEOUT})`,
          load: load()
        })
        return
      }
      const big = bigRun.success
      const rows = big.value.value.response.total_containers
      const ratio = big.value.ms / small.value.ms
      const bigFloor = Math.ceil(rows / batchSize) * latency
      record({
        section: "limit",
        metric: `get_containers, all ${rows} rows: time ÷ the 2,000-row time`,
        runs: 1,
        p50: round(ratio, 2),
        unit: "×",
        target: "≤ 10",
        met: ratio <= 10,
        note: `${round(big.value.ms)} ms vs ${round(small.value.ms)} ms; batch latency alone ${bigFloor} ms (${round(big.value.ms / bigFloor, 2)}×)`,
        load: load()
      })
      record({
        section: "limit",
        metric: `get_containers: the service's peak PSS growth during the run, ${rows} rows vs 2,000 rows`,
        runs: 1,
        p50: round(big.growth, 1),
        unit: "MB",
        target: "flat (≤ the 2,000-row growth + 10 MB)",
        met: big.growth <= small.growth + 10,
        note: `2,000 rows: +${round(small.growth, 1)} MB (from ${round(small.before, 0)} MB); ${rows} rows: +${round(big.growth, 1)} MB (from ${round(big.before, 0)} MB); Node process only, the simulator runs in its own process`,
        load: load()
      })
    }).pipe(Effect.provide(serviceLayer({ MAX_SESSIONS: "3", OPERATION_TIMEOUT: BIG_TIMEOUT }, dir, spans)))
  }).pipe(Effect.scoped)
