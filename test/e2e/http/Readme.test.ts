/**
 * The README's shell examples for the API (the usage patterns, progress events, the RPC wire
 * format) run as pasted, in order, in bash against the demo: the simulator with the demo's data
 * (seed 1, account demo/demo) and the service on an ephemeral port in place of 127.0.0.1:5010.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { baseUrl, realServer } from "../../utils/HttpHarness.ts"
import { README_BASE, readmeBlocks } from "../../utils/Readme.ts"
import { testSimulatorLayer } from "@emodal/simulator/testing"

const run = promisify(execFile)

layer(testSimulatorLayer({ seed: 1 }), { excludeTestServices: true, timeout: "300 seconds" })("README", (it) => {
  it.layer(realServer(), { timeout: "120 seconds" })("the demo", (it) => {
    it.effect("the API section's curl examples run as pasted", () =>
      Effect.gen(function*() {
        const blocks = readmeBlocks("Using it", "sh")
        assert.isAtLeast(blocks.length, 3, "usage patterns, progress, RPC")
        const script = blocks.join("\n").replaceAll(README_BASE, yield* baseUrl)
        const { stdout } = yield* Effect.promise(() => run("bash", ["-e", "-o", "pipefail", "-c", script], { maxBuffer: 16 * 1024 * 1024 }))
        // 1. Auto-session.
        assert.match(stdout, /"total_containers":\d+/)
        // 2. The explicit session, reused by id: the demo's sample import passed Pregate.
        assert.match(stdout, /"is_new_session":false,"container_id":"YMLU5004297","passed_pregate":true/)
        // 3. Credential-based reuse: the booking number of the demo's sample export.
        assert.include(stdout, "\"booking_number\":\"ZMKHLA418878\"")
        // 4. The resumed workflow lists the open times.
        assert.match(stdout, /"current_phase":3[^\n]*"available_times":\["/)
        // Progress events, then the result.
        assert.match(stdout, /event: progress\ndata: \{"rows_loaded":\d+,"scroll_cycles":\d+\}/)
        assert.match(stdout, /event: result\ndata: \{"success":true/)
        // The RPC frame.
        assert.match(stdout, /\{"_tag":"Exit","requestId":"1","exit":\{"_tag":"Success","value":\{"success":true/)
        assert.notInclude(stdout, "\"success\":false")
      }))
  })
})
