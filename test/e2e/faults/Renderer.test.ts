/**
 * Renderer faults: the page of a session dies (its renderer SIGKILLed) or stops answering (its
 * renderer SIGSTOPped) while Chrome's main process lives, in the middle of a containers export.
 * Over real HTTP, real Chromium and the simulator, with snapshots on so a session can come back.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import * as Processes from "../../../src/services/Processes.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { snapshotRows } from "../../utils/LegacySnapshotFiles.ts"
import { call, type HttpResult, realServer } from "../../utils/HttpHarness.ts"
import { eventually, leftovers, tempDataDir } from "../../utils/ProductHarness.ts"

const creds = (username: string) => ({ username, password: "pw", captcha_api_key: "demo" })

/** The renderer processes of the Chrome whose main process is `chrome`. */
const renderersOf = (chrome: number) =>
  Processes.processTree(chrome).filter((p) => p.cmdline.includes("--type=renderer")).map((p) => p.pid)

/**
 * Waits for `request` to answer, at most `within`: a hang fails the test with `what` instead of
 * running into the test's timeout.
 */
const answeredWithin = (request: Fiber.Fiber<HttpResult>, within: `${number} seconds`, what: string) =>
  Fiber.join(request).pipe(
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`${what}: no answer within ${within}`)) })
  )

/**
 * A session for `username` (in `dir`) with a containers export running on it (its page busy
 * scrolling), once the session's snapshot is on disk.
 */
const exportUnderway = (username: string, dir: string) =>
  Effect.gen(function*() {
    const pool = yield* SessionPool
    const session = yield* call("POST", "/get_session", creds(username))
    assert.strictEqual(session.status, 200, JSON.stringify(session.body))
    const id = session.body.session_id as string
    const first = yield* call("POST", "/get_containers", { session_id: id, return_url: true })
    assert.strictEqual(first.status, 200, JSON.stringify(first.body))
    // Snapshots are written while the session is idle: wait for one before keeping it busy.
    yield* eventually("the session's snapshot written", Effect.sync(() => snapshotRows(dir)), (n) => n === 1)
    const live = yield* pool.get(id)
    const running = yield* call("POST", "/get_containers", { session_id: id, return_url: true }).pipe(Effect.forkChild)
    yield* eventually("the export running", live.state, (s) => s === "busy")
    const chrome = live.lease.pid!
    const renderers = yield* eventually("the page's renderer", Effect.sync(() => renderersOf(chrome)), (r) => r.length > 0)
    return { id, chrome, renderers, running }
  })

const SNAPSHOT_KEY = "renderer-faults-key-0123456789"

// A long containers export: 1,200 rows in batches of 40, 100 ms apart (about 3 s of scrolling).
layer(testSimulatorLayer({ batchLatency: "100 millis" }), { excludeTestServices: true })("Renderer faults", (it) => {
  it.effect("guards trust #5: a renderer SIGKILLed mid-operation answers browser_crashed at once, and the session comes back", () =>
    Effect.gen(function*() {
      const username = (yield* newAccount("renderer-kill", { captchaMode: "token", containerCount: 1200 })).username
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const { chrome, id, renderers, running } = yield* exportUnderway(username, dir)
        Processes.killAll(renderers, "SIGKILL")
        assert.isTrue(Processes.isAlive(chrome), "Chrome's main process lives on")
        // Before the fix the caller waited minutes (a 120 s protocol timeout, then a 502).
        const r = yield* answeredWithin(running, "10 seconds", "the request whose renderer crashed")
        assert.strictEqual(r.status, 503, JSON.stringify(r.body))
        assert.strictEqual(r.body.error_type, "browser_crashed")
        assert.strictEqual(r.body.session_id, id)
        assert.isTrue(r.body.retryable)
        // The next request on the same id restores the session from its snapshot in a new Chrome.
        const next = yield* answeredWithin(
          yield* call("POST", "/get_containers", { session_id: id, return_url: true }).pipe(Effect.forkChild),
          "60 seconds",
          "the request after the crash"
        )
        assert.strictEqual(next.status, 200, JSON.stringify(next.body))
        assert.strictEqual(next.body.session_id, id)
        assert.strictEqual(next.body.total_containers, 1200)
        yield* eventually("the crashed Chrome gone", Effect.sync(() => Processes.isAlive(chrome)), (alive) => !alive)
      }).pipe(Effect.provide(realServer({ SNAPSHOT_KEY }, dir)))
      yield* eventually("nothing left", Effect.sync(() => leftovers(dir)), (l) => l.processes === 0 && l.dirs === 0)
    }), { timeout: 120_000 })

  it.effect("guards trust #5: a SIGSTOPped renderer is bounded by OPERATION_TIMEOUT, and the hung page stops serving", () =>
    Effect.gen(function*() {
      const username = (yield* newAccount("renderer-stop", { captchaMode: "token", containerCount: 400 })).username
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const { chrome, id, renderers, running } = yield* exportUnderway(username, dir)
        Processes.killAll(renderers, "SIGSTOP")
        // Whatever happens, never leave stopped processes behind.
        yield* Effect.addFinalizer(() => Effect.sync(() => Processes.killAll(renderers, "SIGKILL")))
        // OPERATION_TIMEOUT is 20 s: the answer is due then, not after puppeteer's 120 s.
        const r = yield* answeredWithin(running, "35 seconds", "the request whose renderer stopped")
        assert.strictEqual(r.status, 504, JSON.stringify(r.body))
        assert.strictEqual(r.body.error_type, "operation_timed_out")
        assert.strictEqual(r.body.session_id, id)
        assert.isTrue(r.body.retryable)
        // The hung page does not serve the next request: the session comes back in a new Chrome.
        const next = yield* answeredWithin(
          yield* call("POST", "/get_containers", { session_id: id, return_url: true }).pipe(Effect.forkChild),
          "60 seconds",
          "the request after the hang"
        )
        assert.strictEqual(next.status, 200, JSON.stringify(next.body))
        assert.strictEqual(next.body.session_id, id)
        assert.strictEqual(next.body.total_containers, 400)
        yield* eventually("the hung Chrome gone", Effect.sync(() => Processes.isAlive(chrome)), (alive) => !alive)
      }).pipe(Effect.provide(realServer({ SNAPSHOT_KEY, OPERATION_TIMEOUT: "20 seconds" }, dir)), Effect.scoped)
      yield* eventually("nothing left", Effect.sync(() => leftovers(dir)), (l) => l.processes === 0 && l.dirs === 0)
    }), { timeout: 120_000 })
})
