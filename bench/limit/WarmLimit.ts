/**
 * `limit` section, warm operations: each operation through PortalOperations (the service) and the
 * same result by a minimal puppeteer script (`./minimal/`), on the same simulator (its own
 * process), alternating service and script run by run (ABBA) so that the machine's load hits both
 * alike. Both answers must agree (asserted on every run). Each row carries median(service) ÷
 * median(minimal) and the service's time by span (exclusive ms, medians over the runs).
 *
 * The timeline without its screenshot is get_info_bulk with the one import (the same page work,
 * no screenshot); the screenshot's cost is the difference of the two, on both sides.
 */
import { Effect, type Scope } from "effect"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Simulator } from "@emodal/simulator"
import { newAccount } from "@emodal/simulator/testing"
import type { PortalConfig } from "../../src/services/PortalConfig.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import type { SessionPool } from "../../src/services/SessionPool.ts"
import {
  freshDir,
  load,
  median,
  minimalChrome,
  password,
  percentile,
  type Record_,
  round,
  serviceLayer,
  sessionCookies,
  timed,
  timedPromise
} from "./Harness.ts"
import * as MinContainers from "./minimal/Containers.ts"
import * as MinMyAppointments from "./minimal/MyAppointments.ts"
import * as MinWizard from "./minimal/Wizard.ts"
import { makeSpanLog, type SpanLog } from "./Spans.ts"

const RUNS = Number(process.env.BENCH_LIMIT_RUNS ?? 20)
const ctx = { baseUrl: "http://127.0.0.1:5010", requestId: "bench-limit" }

interface Pair<A, B> {
  readonly name: string
  readonly service: Effect.Effect<A, unknown, PortalOperations>
  readonly minimal: () => Promise<B>
  /** Undefined when both answers agree, else what differs. */
  readonly differs: (service: A, minimal: B) => string | undefined
  /** Ratio target (≤), when the issue sets one. */
  readonly target?: number
  readonly runs?: number
}

export interface Measured {
  readonly service: ReadonlyArray<number>
  readonly minimal: ReadonlyArray<number>
  readonly phases: Readonly<Record<string, number>>
}

/** Runs a pair interleaved (ABBA), asserting agreement each time; returns the samples. */
export const interleave = <A, B>(pair: Pair<A, B>, spans: SpanLog | undefined, warmups = 2) =>
  Effect.gen(function*() {
    const check = (a: A, b: B) =>
      Effect.suspend(() => {
        const why = pair.differs(a, b)
        return why === undefined ? Effect.void : Effect.die(new Error(`${pair.name}: the service and the minimal script disagree: ${why}`))
      })
    for (let i = 0; i < warmups; i++) {
      const a = yield* pair.service
      const b = yield* Effect.promise(pair.minimal)
      yield* check(a, b)
    }
    const service: Array<number> = []
    const minimal: Array<number> = []
    const phaseRuns: Array<ReadonlyMap<string, number>> = []
    const runs = pair.runs ?? RUNS
    for (let i = 0; i < runs; i++) {
      const runService = Effect.gen(function*() {
        spans?.reset()
        const r = yield* timed(pair.service)
        if (spans !== undefined) phaseRuns.push(spans.selfTimes())
        service.push(r.ms)
        return r.value
      })
      const runMinimal = Effect.map(timedPromise(pair.minimal), (r) => {
        minimal.push(r.ms)
        return r.value
      })
      // ABBA: who goes first alternates every run.
      const [a, b] = i % 2 === 0
        ? [yield* runService, yield* runMinimal]
        : yield* Effect.map(Effect.zip(runMinimal, runService), ([b, a]) => [a, b] as const)
      yield* check(a, b)
    }
    const names = new Set(phaseRuns.flatMap((m) => [...m.keys()]))
    const phases: Record<string, number> = {}
    for (const n of names) {
      const v = median(phaseRuns.map((m) => m.get(n) ?? 0))
      if (v >= 0.5) phases[n] = round(v)
    }
    return { service, minimal, phases } satisfies Measured
  })

const topPhases = (phases: Readonly<Record<string, number>>, n = 8) =>
  Object.entries(phases).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${v}`).join(", ")

/** The rows of one pair: service, minimal, and the ratio (with the target when there is one). */
export const recordPair = (record: Record_, section: string, name: string, m: Measured, target?: number, note?: string) => {
  const s50 = round(median(m.service))
  const m50 = round(median(m.minimal))
  const ratio = round(median(m.service) / median(m.minimal), 2)
  const at = load()
  record({ section, metric: `${name}: service`, runs: m.service.length, p50: s50, p95: round(percentile(m.service, 95)), unit: "ms", load: at })
  record({ section, metric: `${name}: minimal script`, runs: m.minimal.length, p50: m50, p95: round(percentile(m.minimal, 95)), unit: "ms", load: at })
  record({
    section,
    metric: `${name}: service ÷ minimal`,
    runs: m.service.length,
    p50: ratio,
    unit: "×",
    ...(target !== undefined ? { target: `≤ ${target}`, met: ratio <= target } : {}),
    limit: { minimal_p50: m50, ratio, phases: m.phases },
    note: [note, `service p50 ${s50} ms vs minimal ${m50} ms; where the service's time goes (exclusive ms by span): ${topPhases(m.phases)}`].filter(Boolean).join("; "),
    load: at
  })
}

type Needs = PortalOperations | SessionPool | PortalConfig | Simulator | Scope.Scope

const warm = (record: Record_, spans: SpanLog): Effect.Effect<void, unknown, Needs> =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    const ops = yield* PortalOperations
    const account = yield* newAccount("bench-limit-", { captchaMode: "trusted", containerCount: 40, appointmentCount: 30 })
    const state = yield* sim.state()
    const company = account.companies[0]!
    const terminal = state.reference.terminals.find((t) => !t.alternativeImportMoves.includes("DROP EMPTY"))!.name
    const importId = account.samples.importPassedPregate!
    const exportId = account.samples.exportWithBooking!
    const checkId = account.samples.importNotPassedPregate ?? importId
    const session = yield* ops.getSession({ username: account.username, password })
    const sid = session.session_id
    const chrome = yield* minimalChrome(yield* sessionCookies(sid))
    const page = chrome.page
    const downloadDir = join(yield* freshDir("emodal-bench-dl-"), "min")
    mkdirSync(downloadDir, { recursive: true })
    const downloads = yield* Effect.acquireRelease(Effect.promise(() => MinMyAppointments.watchDownloads(page, downloadDir)), (d) => Effect.promise(() => d.close().catch(() => undefined)))

    const sameTimeline = (
      s: { readonly timeline: ReadonlyArray<unknown>; readonly passed: boolean | null },
      m: MinContainers.MinimalTimeline
    ) => (JSON.stringify(s.timeline) !== JSON.stringify(m.timeline) ? `timeline ${JSON.stringify(s.timeline)} vs ${JSON.stringify(m.timeline)}` : s.passed !== m.passed ? "passed_pregate" : undefined)

    const booking = yield* interleave({
      name: "get_booking_number",
      service: ops.getBookingNumber({ session_id: sid, container_id: exportId }, ctx),
      minimal: () => MinContainers.bookingNumber(page, sim.urls.ecp2, exportId),
      differs: (s, m) => (s.booking_number === m ? undefined : `${s.booking_number} vs ${m}`)
    }, spans)
    recordPair(record, "limit", "get_booking_number (warm)", booking, 1.15)

    const timelineBare = yield* interleave({
      name: "timeline without screenshot",
      service: Effect.map(ops.getInfoBulk({ session_id: sid, import_containers: [importId] }, ctx), (r) => {
        const item = r.results.import_results[0]!
        return { timeline: item.timeline, passed: item.pregate_status }
      }),
      minimal: () => MinContainers.timeline(page, sim.urls.ecp2, importId, false),
      differs: sameTimeline
    }, spans)
    recordPair(record, "limit", "container timeline without screenshot (warm, get_info_bulk of one import)", timelineBare, 1.15)

    const timelineShot = yield* interleave({
      name: "timeline with screenshot",
      service: Effect.map(ops.getContainerTimeline({ session_id: sid, container_id: importId }, ctx), (r) => ({
        timeline: r.timeline,
        passed: r.passed_pregate,
        screenshot: r.screenshot_url
      })),
      minimal: () => MinContainers.timeline(page, sim.urls.ecp2, importId, true),
      differs: (s: { readonly timeline: ReadonlyArray<unknown>; readonly passed: boolean | null; readonly screenshot: string | undefined }, m: MinContainers.MinimalTimeline) =>
        sameTimeline(s, m) ?? (s.screenshot === undefined || m.screenshot === undefined || m.screenshot.length === 0 ? "a screenshot is missing" : undefined)
    }, spans)
    recordPair(record, "limit", "get_container_timeline with its screenshot (warm)", timelineShot, 1.15)
    const shotService = median(timelineShot.service) - median(timelineBare.service)
    const shotMinimal = median(timelineShot.minimal) - median(timelineBare.minimal)
    record({
      section: "limit",
      metric: "timeline screenshot: what it adds, service vs one element screenshot of the timeline box (puppeteer)",
      runs: timelineShot.service.length,
      p50: round(shotService),
      unit: "ms",
      target: `≤ ${round(shotMinimal)} ms (the minimal script's element screenshot)`,
      met: shotService <= shotMinimal,
      note: "medians: (timeline with screenshot) − (timeline without), on each side",
      load: load()
    })

    const check = yield* interleave({
      name: "check_appointments",
      runs: Math.max(6, Math.round(RUNS / 2)),
      service: Effect.map(
        ops.checkAppointments({
          session_id: sid,
          container_type: "import",
          trucking_company: company.name,
          terminal,
          move_type: "DROP EMPTY",
          container_id: checkId,
          truck_plate: "ABC123",
          own_chassis: false
        }, ctx),
        (r) => r.available_times ?? []
      ),
      minimal: () => MinWizard.checkAppointments(page, sim.urls.termops, { company: company.name, terminal, moveType: "DROP EMPTY", containerId: checkId, pin: "1111" }),
      differs: (s: ReadonlyArray<string>, m: ReadonlyArray<string>) => (JSON.stringify(s) === JSON.stringify(m) ? undefined : `${s.length} times vs ${m.length}`)
    }, spans)
    recordPair(record, "limit", "check_appointments (import, phases 1-3, warm)", check, 1.15)

    const appointments = yield* interleave({
      name: "get_appointments",
      runs: Math.max(6, Math.round(RUNS / 2)),
      service: Effect.map(ops.getAppointments({ session_id: sid }, ctx), (r) => r.selected_count),
      minimal: async () => (await MinMyAppointments.exportAll(page, sim.urls.truckerportal, downloads)).selected,
      differs: (s, m) => (s === m ? undefined : `${s} selected vs ${m}`)
    }, spans)
    recordPair(record, "limit", "get_appointments (30 appointments, all, warm)", appointments)
  })

export const warmLimitSection = (record: Record_) =>
  Effect.gen(function*() {
    const dir = yield* freshDir("emodal-bench-l-")
    const spans = makeSpanLog()
    yield* warm(record, spans).pipe(Effect.provide(serviceLayer({ MAX_SESSIONS: "2" }, dir, spans)))
  }).pipe(Effect.scoped)
