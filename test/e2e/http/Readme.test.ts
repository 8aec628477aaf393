/**
 * The README's examples against the demo: the simulator with the demo's data (seed 1, account
 * demo/demo) and the service on an ephemeral port in place of 127.0.0.1:5010. The shell examples of
 * "Using it" (the usage patterns, a whole appointment workflow, progress events, the RPC wire
 * format) and of "Operating it" (metrics, health, readiness, the dashboard) run as pasted, in
 * order, in bash; the embedding example (`from "emodal-api"`) runs on Node against the same
 * simulator. (The client package's examples run in ClientPackage.test.ts; test/ReadmeExamples.test.ts
 * checks that no example is left out.)
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { Simulator } from "@emodal/simulator"
import { testSimulatorLayer } from "@emodal/simulator/testing"
import { baseUrl, realServer } from "../../utils/HttpHarness.ts"
import { simulatorEnv, tempDataDir } from "../../utils/ProductHarness.ts"
import { README_BASE, readmeBlocks } from "../../utils/Readme.ts"

const run = promisify(execFile)
const FIXTURES = resolve(import.meta.dirname, "fixtures")

layer(testSimulatorLayer({ seed: 1 }), { excludeTestServices: true, timeout: "300 seconds" })("README", (it) => {
  it.layer(realServer(), { timeout: "120 seconds" })("the demo", (it) => {
    it.effect("the curl examples of \"Using it\" and \"Operating it\" run as pasted", () =>
      Effect.gen(function*() {
        const using = readmeBlocks("Using it", "sh")
        assert.isAtLeast(using.length, 3, "usage patterns, progress, RPC")
        const operating = readmeBlocks("Operating it", "sh")
        assert.isAtLeast(operating.length, 1)
        const script = [...using, ...operating].join("\n").replaceAll(README_BASE, yield* baseUrl)
        const { stdout } = yield* Effect.promise(() => run("bash", ["-e", "-o", "pipefail", "-c", script], { maxBuffer: 16 * 1024 * 1024 }))
        // 1. Auto-session.
        assert.match(stdout, /"total_containers":\d+/)
        // 2. The explicit session, reused by id: the demo's sample import passed Pregate.
        assert.match(stdout, /"is_new_session":false,"container_id":"YMLU5004297","passed_pregate":true/)
        // 3. Credential-based reuse: the booking number of the demo's sample export.
        assert.include(stdout, "\"booking_number\":\"ZMKHLA418878\"")
        // 4. The workflow's first call stops at phase 2 for the truck plate; the resumed one lists the open times.
        const failures = stdout.split("\n").filter((l) => l.includes("\"success\":false"))
        assert.strictEqual(failures.length, 1, `only the workflow's first call fails:\n${failures.join("\n")}`)
        assert.match(failures[0]!, /"current_phase":2/)
        assert.match(failures[0]!, /"appointment_session_id":"appt_/)
        assert.match(stdout, /"current_phase":3[^\n]*"available_times":\["/)
        // 5. The booking.
        assert.match(stdout, /"appointment_confirmed":true,"confirmation_number":"[^"]+"/)
        // Progress events, then the result.
        assert.match(stdout, /event: progress\ndata: \{"rows_loaded":\d+,"scroll_cycles":\d+\}/)
        assert.match(stdout, /event: result\ndata: \{"success":true/)
        // The RPC frame.
        assert.match(stdout, /\{"_tag":"Exit","requestId":"1","exit":\{"_tag":"Success","value":\{"success":true/)
        // Operating it: metrics (the demo logged in once), health with its checks, readiness, the dashboard.
        assert.match(stdout, /^emodal_logins_total\{account="demo"\} 1$/m)
        assert.match(stdout, /^emodal_sessions\{tier="hot",state="idle"\} 1$/m)
        // The demo's state lives in its SQLite store since the durable-state issue (it said not_configured before).
        assert.match(stdout, /"checks":\{"store":\{"status":"ok"[^}]*"backend":"sqlite"/)
        assert.include(stdout, "ready: 200")
        assert.include(stdout, "<title>Sessions · E-Modal Business API</title>")
      }))
  })

  it.effect("the embedding example (PortalLayer, no HTTP) runs on Node against the demo", () =>
    Effect.gen(function*() {
      const [example, ...others] = readmeBlocks("Using it", "ts").filter((b) => b.includes("from \"emodal-api\""))
      assert.isDefined(example)
      assert.strictEqual(others.length, 0)
      // Inside the package, so `emodal-api` resolves to this repository (a package's self-reference).
      const file = join(FIXTURES, `readme-embedding-${process.pid}.ts`)
      yield* Effect.acquireRelease(Effect.sync(() => writeFileSync(file, example!)), () => Effect.sync(() => rmSync(file, { force: true })))
      const env = { ...process.env, ...simulatorEnv(yield* Simulator, yield* tempDataDir), LOG_LEVEL: "Warn" }
      const { stdout } = yield* Effect.promise(() => run(process.execPath, [file], { env, timeout: 90_000 }))
      assert.include(stdout, "YMLU5004297 passed Pregate: true")
    }), { timeout: 120_000 })
})
