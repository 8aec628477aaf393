/**
 * A session closed over HTTP while an operation runs on it: the operation's caller gets a typed
 * answer at once. Over real HTTP, real Chromium and the simulator.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { call, type HttpResult, realServer } from "../../utils/HttpHarness.ts"
import { eventually, leftovers, tempDataDir } from "../../utils/ProductHarness.ts"

/** Waits for `request` to answer, at most `within`: a hang fails the test with `what`. */
const answeredWithin = (request: Fiber.Fiber<HttpResult>, within: `${number} seconds`, what: string) =>
  Fiber.join(request).pipe(
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`${what}: no answer within ${within}`)) })
  )

/**
 * A session with a long containers export running on it, asked for by `session_id` or (`byCredentials`)
 * by the credentials alone.
 */
const exportUnderway = (byCredentials = false) => Effect.gen(function*() {
  const pool = yield* SessionPool
  const username = (yield* newAccount("close-busy", { captchaMode: "token", containerCount: 1200 })).username
  const creds = { username, password: "pw", captcha_api_key: "demo" }
  const session = yield* call("POST", "/get_session", creds)
  assert.strictEqual(session.status, 200, JSON.stringify(session.body))
  const id = session.body.session_id as string
  const running = yield* call("POST", "/get_containers", { ...(byCredentials ? creds : { session_id: id }), return_url: true }).pipe(Effect.forkChild)
  const live = yield* pool.get(id)
  yield* eventually("the export running", live.state, (s) => s === "busy")
  return { id, running }
})

// A long containers export: 1,200 rows in batches of 40, 100 ms apart.
layer(testSimulatorLayer({ batchLatency: "100 millis" }), { excludeTestServices: true })("Closing a busy session", (it) => {
  it.effect("guards trust #6: DELETE /sessions/:id and POST /close_session during get_containers answer its caller with a typed error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const byDelete = yield* exportUnderway()
        const closed = yield* call("DELETE", `/sessions/${byDelete.id}`)
        assert.strictEqual(closed.status, 200, JSON.stringify(closed.body))
        // Before the fix the caller never heard back.
        const r = yield* answeredWithin(byDelete.running, "10 seconds", "get_containers on the deleted session")
        assert.strictEqual(r.status, 404, JSON.stringify(r.body))
        assert.strictEqual(r.body.error_type, "session_not_found")
        assert.strictEqual(r.body.session_id, byDelete.id)
        assert.isString(r.headers.get("x-request-id"))

        const byPost = yield* exportUnderway()
        const posted = yield* call("POST", "/close_session", { session_id: byPost.id })
        assert.strictEqual(posted.status, 200, JSON.stringify(posted.body))
        const r2 = yield* answeredWithin(byPost.running, "10 seconds", "get_containers on the closed session")
        assert.strictEqual(r2.status, 404, JSON.stringify(r2.body))
        assert.strictEqual(r2.body.error_type, "session_not_found")

        // A caller that came with credentials hears the same: the close is not undone by a new login.
        const byCredentials = yield* exportUnderway(true)
        assert.strictEqual((yield* call("DELETE", `/sessions/${byCredentials.id}`)).status, 200)
        const r3 = yield* answeredWithin(byCredentials.running, "10 seconds", "get_containers by credentials on the deleted session")
        assert.strictEqual(r3.status, 404, JSON.stringify(r3.body))
        assert.strictEqual(r3.body.error_type, "session_not_found")

        assert.strictEqual((yield* call("GET", "/sessions")).body.active_sessions, 0)
      }).pipe(Effect.provide(realServer({}, dir)))
      yield* eventually("nothing left", Effect.sync(() => leftovers(dir)), (l) => l.processes === 0 && l.dirs === 0)
    }), { timeout: 120_000 })
})
