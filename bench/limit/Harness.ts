/**
 * What the limit sections of the bench share: rows in the format of `bench/run.ts`, percentiles,
 * the service wired to the out-of-process simulator (with the span log as its tracer), a minimal
 * Chrome launched with the service's own executable, flags and viewport and the service session's
 * cookies, and the machine's load while measuring.
 */
import { Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { chromeArgs, resolveExecutable, WINDOW_SIZES } from "../../src/services/browser/Executable.ts"
import type { Cookie } from "../../src/services/browser/Handles.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { coreLayer } from "../../test/utils/ProductHarness.ts"
import { launchMinimal, type MinimalChrome } from "./minimal/Page.ts"
import type { SpanLog } from "./Spans.ts"

export interface Row {
  readonly section: string
  readonly metric: string
  readonly runs: number
  readonly p50: number
  readonly p95?: number
  readonly p99?: number
  readonly unit: string
  readonly target?: string
  readonly met?: boolean
  readonly seed?: string
  readonly note?: string
  /** The limit: the same result by a minimal puppeteer script, measured interleaved in the same run. */
  readonly limit?: {
    readonly minimal_p50: number
    /** median(service) ÷ median(minimal). */
    readonly ratio: number
    /** Where the service's time went: exclusive ms by span name, medians over the runs. */
    readonly phases?: Readonly<Record<string, number>>
  }
  /** For a missed target: why (what the figure is bound by). */
  readonly why_missed?: string
  /** Load average (1, 5, 15 min) while the row was measured. */
  readonly load?: readonly [number, number, number]
}

export type Record_ = (row: Row) => void

export const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}
export const median = (values: ReadonlyArray<number>) => percentile(values, 50)
export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
export const load = (): readonly [number, number, number] => {
  const [a, b, c] = loadavg()
  return [round(a ?? 0, 2), round(b ?? 0, 2), round(c ?? 0, 2)]
}

export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - started }
  })

export const timedPromise = <A>(f: () => Promise<A>) =>
  Effect.promise(async () => {
    const started = performance.now()
    const value = await f()
    return { value, ms: performance.now() - started }
  })

export const freshDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** The service (operations, pool, Chrome) against the simulator in context, tracing into `spans`. */
export const serviceLayer = (env: Record<string, string>, dir: string, spans?: SpanLog) => {
  const ops = PortalOperations.layer.pipe(Layer.provideMerge(coreLayer({ CAPTCHA_API_KEY: "demo", ...env }, dir)))
  return spans === undefined ? ops : Layer.provideMerge(ops, spans.layer)
}

export const password = Redacted.make("pw")

/** The cookies of a live session (the minimal scripts start from its login). */
export const sessionCookies = (sessionId: string) =>
  Effect.gen(function*() {
    const pool = yield* SessionPool
    const live = yield* pool.get(sessionId)
    return yield* live.run<ReadonlyArray<Cookie>, never>({ name: "bench:cookies", skipLoginCheck: true, run: (page) => page.cookies() })
  })

/** A Chrome for the minimal scripts: the service's executable, flags and viewport; closed with the scope. */
export const minimalChrome = (cookies: ReadonlyArray<Cookie>): Effect.Effect<MinimalChrome, unknown, PortalConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* PortalConfig
    const executable = yield* resolveExecutable(config)
    const dir = yield* freshDir("emodal-bench-min-")
    return yield* Effect.acquireRelease(
      Effect.promise(() =>
        launchMinimal({ executable, args: chromeArgs(config), viewport: WINDOW_SIZES[config.chromeProfile], userDataDir: dir, cookies })
      ),
      (m) => Effect.promise(() => m.browser.close().catch(() => undefined))
    )
  })

export const BATCH_LATENCY = Duration.millis(20)
