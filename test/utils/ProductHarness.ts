/**
 * The product (pool, actor, driver, solver client, real Chrome) wired to a running simulator, for
 * end-to-end tests. Each call builds a fresh pool with its own DATA_DIR (removed afterwards), so
 * tests never share sessions; the simulator is shared per file.
 */
import { Effect, Layer, Redacted } from "effect"
import { mkdtempSync, readdirSync, readlinkSync, rmSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Simulator, type SimulatorShape } from "@emodal/simulator"
import { Credentials } from "../../src/domain/Credentials.ts"
import { ArtifactStore } from "../../src/services/ArtifactStore.ts"
import { Browser } from "../../src/services/Browser.ts"
import { CaptchaSolver } from "../../src/services/CaptchaSolver.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { Idempotency } from "../../src/services/Idempotency.ts"
import { PortalDriver } from "../../src/services/PortalDriver.ts"
import { PortalHealth } from "../../src/services/PortalHealth.ts"
import { SessionPoolLayer, StoreLayer } from "../../src/runtime/PortalLayer.ts"
import { PoolMetrics } from "../../src/services/pool/PoolMetrics.ts"
import { SessionSnapshots } from "../../src/services/SessionSnapshots.ts"
import * as Processes from "../../src/services/Processes.ts"

/** Environment that points the product at the simulator. */
export const simulatorEnv = (sim: SimulatorShape, dataDir: string): Record<string, string> => ({
  EMODAL_IDENTITY_URL: sim.urls.identity,
  EMODAL_ECP2_URL: sim.urls.ecp2,
  EMODAL_TERMOPS_URL: sim.urls.termops,
  EMODAL_TRUCKERPORTAL_URL: sim.urls.truckerportal,
  CAPTCHA_API_URL: sim.urls.solver,
  CAPTCHA_POLL_INTERVAL: "100 millis",
  CAPTCHA_TIMEOUT: "30 seconds",
  OPERATION_TIMEOUT: "90 seconds",
  DATA_DIR: dataDir
})

/** Processes (Chromes) whose command line names a path inside `dir`. */
const processesUsing = (dir: string) => Processes.processesWithMarker(`${dir}/`).map((p) => p.pid)

/**
 * A temporary DATA_DIR for one test, removed (after the layers using it) when the scope closes.
 * The removal first waits (bounded) until no Chrome uses the directory any more: a Chrome still
 * shutting down writes its profile again after a removal, which left an `emodal-e2e-*` directory
 * behind after every run (ISSUE-11 #15). One still running at the deadline is killed and fails the
 * test: that is a leaked Chrome, not a slow one.
 */
export const tempDataDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-e2e-"))),
  (dir) =>
    eventually(`no Chrome left using ${dir}`, Effect.sync(() => processesUsing(dir)), (pids) => pids.length === 0, 10_000).pipe(
      Effect.ensuring(Effect.sync(() => {
        Processes.killAll(processesUsing(dir))
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
      }))
    )
)

/** The core services against the simulator in context: config, browser, portal health, solver, driver, pool, files. */
export const coreLayer = (env: Record<string, string> = {}, dataDir?: string) =>
  Layer.unwrap(Effect.gen(function*() {
    const sim = yield* Simulator
    const dir = dataDir ?? (yield* tempDataDir)
    const config = PortalConfig.layerTest({ ...simulatorEnv(sim, dir), ...env })
    return Layer.mergeAll(SessionPoolLayer, ArtifactStore.layer, Idempotency.layer).pipe(
      Layer.provideMerge(Layer.mergeAll(PortalDriver.layer, SessionSnapshots.layer)),
      Layer.provideMerge(StoreLayer),
      Layer.provideMerge(CaptchaSolver.layerFetch),
      Layer.provideMerge(PortalHealth.layer),
      Layer.provideMerge(Browser.layer),
      Layer.provideMerge(config),
      Layer.provideMerge(PoolMetrics.registryLayer)
    )
  }))

export const credentials = (username: string, password: string, key = "demo") =>
  new Credentials({ username, password: Redacted.make(password), captchaApiKey: Redacted.make(key) })

/** Chrome processes (and profile dirs) this DATA_DIR still has. */
export const leftovers = (dataDir: string) => {
  const chromeRoot = join(dataDir, "chrome")
  return {
    processes: Processes.processesWithMarker(`--user-data-dir=${chromeRoot}/`).length,
    dirs: existsSync(chromeRoot) ? readdirSync(chromeRoot).length : 0
  }
}

/** Open file descriptors of this process that point into `dir` (leaked handles). */
export const openHandlesUnder = (dir: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target.startsWith(dir)) out.push(target)
    } catch {
      // closed while listing
    }
  }
  return out
}

/** Waits (polling, bounded) until `check` holds; fails with `what` at the deadline. */
export const eventually = <A>(what: string, check: Effect.Effect<A>, ok: (a: A) => boolean, timeoutMs = 15_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    let last = yield* check
    while (!ok(last)) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`))
      yield* Effect.sleep("50 millis")
      last = yield* check
    }
    return last
  })

/** Re-exported so the product's e2e tests find it next to their other helpers. */
export { logins } from "@emodal/simulator/testing"
