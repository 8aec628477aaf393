/**
 * The real service process (`src/runtime/main.ts`) SIGKILLed and started again on the same
 * DATA_DIR: the new boot reaps the dead one's Chromes within 10 s and leaves no temporary
 * directory, and — snapshots being on — the old session id keeps working with zero new logins.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import * as Processes from "../../../src/services/Processes.ts"
import { snapshotRows } from "../../utils/LegacySnapshotFiles.ts"
import { exited, freePort } from "../../utils/ChildProcesses.ts"
import { request, startService } from "../../utils/ServiceProcess.ts"
import { eventually, logins, simulatorEnv, tempDataDir } from "../../utils/ProductHarness.ts"

layer(testSimulatorLayer(), { excludeTestServices: true })("SIGKILL of the whole service", (it) => {
  it.effect("the next boot reaps the orphans within 10 s, leaves no temp dirs, and restores the session", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { username } = yield* newAccount("svc-kill", { captchaMode: "token", containerCount: 5 })
      const dir = yield* tempDataDir
      const port = yield* freePort
      const env = { ...simulatorEnv(sim, dir), PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "Error", SNAPSHOT_KEY: "svc-kill-snapshot-key-0123", DRAIN_DELAY: "0 seconds" }
      const chromeRoot = join(dir, "chrome")
      const ours = () => Processes.processesWithMarker(`--user-data-dir=${chromeRoot}/`).length

      const first = yield* startService(env)
      yield* eventually("first service up", request(port, "GET", "/health"), (r) => r.status === 200, 30_000)
      const session = yield* request(port, "POST", "/get_session", { username, password: "pw", captcha_api_key: "demo" })
      assert.strictEqual(session.status, 200)
      yield* eventually("snapshot written", Effect.sync(() => snapshotRows(dir)), (n) => n === 1)
      assert.isAbove(ours(), 0, "its Chrome runs")
      const oldDirs = readdirSync(chromeRoot)

      first.kill("SIGKILL")
      yield* exited(first)

      // The acceptance point: the new boot has reaped them within 10 s of its start.
      yield* startService(env)
      yield* eventually("orphans reaped", Effect.sync(() => ({
        processes: ours(),
        oldDirs: oldDirs.filter((d) => existsSync(join(chromeRoot, d))).length
      })), (s) => s.processes === 0 && s.oldDirs === 0, 10_000)
      yield* eventually("second service up", request(port, "GET", "/health"), (r) => r.status === 200, 30_000)
      // No temporary file anywhere, no download scratch directory, the zip staging area empty.
      const entries = readdirSync(dir, { recursive: true }).map(String)
      const leftoverTemp = entries.filter((p) =>
        (p.endsWith(".tmp") && statSync(join(dir, p)).isFile()) || p.includes(".download-") || p.startsWith("files/.tmp/"))
      assert.deepStrictEqual(leftoverTemp, [])

      // The client still holds the old id: it works, restored from the snapshot, no new login.
      const reuse = yield* request(port, "POST", "/get_session", { username, password: "pw", captcha_api_key: "demo" })
      assert.strictEqual(reuse.status, 200)
      assert.strictEqual(reuse.body.session_id, session.body.session_id)
      assert.strictEqual(yield* logins(sim, username), 1)
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
