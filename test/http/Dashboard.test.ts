/**
 * The dashboard's routes over the fake pool: the page is served open (it holds no data) as one
 * self-contained document under a strict Content-Security-Policy; its data and peeks need the
 * token; the data matches /sessions and lists the last failed operations with their request ids.
 * (The page itself, in Chromium against the simulator: test/e2e/http/Dashboard.test.ts.)
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, fakeServer } from "../utils/HttpHarness.ts"

const TOKEN = "dashboard-token-0123456789abcdef"
const AUTH = { authorization: `Bearer ${TOKEN}` }

layer(fakeServer({ API_TOKEN: TOKEN }), { excludeTestServices: true })("the dashboard's routes", (it) => {
  it.effect("GET /dashboard: one self-contained page, open, under a nonce CSP that allows nothing from elsewhere", () =>
    Effect.gen(function*() {
      const page = yield* call("GET", "/dashboard")
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers.get("content-type"), "text/html; charset=utf-8")
      const csp = page.headers.get("content-security-policy") ?? ""
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1]
      assert.isString(nonce, csp)
      assert.include(csp, "default-src 'none'")
      assert.include(csp, "connect-src 'self'")
      assert.include(page.text, `<script nonce="${nonce}">`)
      assert.notMatch(page.text, /\b(src|href)=["']?https?:/i, "nothing loaded from another origin")
      assert.notInclude(page.text, TOKEN)
      const again = yield* call("GET", "/dashboard")
      assert.notInclude(again.headers.get("content-security-policy") ?? "", nonce!, "a fresh nonce per response")
    }))

  it.effect("GET /dashboard/state needs the token; it matches /sessions and lists failed operations with their request ids", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* call("GET", "/dashboard/state")).status, 401)
      const alice = yield* call("POST", "/get_session", { username: "alice", password: "pw", captcha_api_key: "k", never_terminate: true }, AUTH)
      const bob = yield* call("POST", "/get_session", { username: "bob", password: "pw", captcha_api_key: "k" }, AUTH)
      const failed = yield* call("POST", "/get_booking_number", { session_id: bob.body.session_id, container_id: "MSDU1234567" }, { ...AUTH, "x-request-id": "req-dash-fail" })
      assert.isFalse(failed.body.success)
      const unknown = yield* call("POST", "/get_booking_number", { session_id: "sess_unknown", container_id: "MSDU1234567" }, { ...AUTH, "x-request-id": "req-dash-404" })
      assert.strictEqual(unknown.status, 404)

      const state = (yield* call("GET", "/dashboard/state", undefined, AUTH)).body
      const listed = (yield* call("GET", "/sessions", undefined, AUTH)).body.sessions as Array<any>
      assert.deepStrictEqual(
        state.sessions.map((s: any) => [s.session_id, s.username, s.state, s.pinned, s.keep_alive]).sort(),
        listed.map((s) => [s.session_id, s.username, s.state, s.never_terminate, s.keep_alive]).sort()
      )
      const a = state.sessions.find((s: any) => s.session_id === alice.body.session_id)
      assert.deepInclude(a, { tier: "hot", operation: null, phase: null, pinned: true })
      assert.deepInclude(a.health, { error_score: 0, logins: 1, memory_mb: null })
      assert.deepInclude(state.pool, { status: "ok", active: 2, max_sessions: 10, pinned: 1, waiting_for_slot: 0 })
      assert.strictEqual(state.readiness, "ready")
      // Newest first, with the request ids the callers got back.
      assert.deepInclude(state.errors[0], { request_id: "req-dash-404", endpoint: "get_booking_number", error_type: "session_not_found", account: null, session: null })
      assert.deepInclude(state.errors[1], { request_id: "req-dash-fail", endpoint: "get_booking_number", error_type: failed.body.error_type, error: failed.body.error, account: "bob" })
      assert.strictEqual(state.errors[1].session, (bob.body.session_id as string).slice(0, 12))
    }))

  it.effect("a peek needs the token and names an unknown session as 404", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* call("GET", "/dashboard/sessions/sess_x/peek")).status, 401)
      const unknown = yield* call("GET", "/dashboard/sessions/sess_unknown_0123456789/peek", undefined, AUTH)
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(unknown.body.error_type, "session_not_found")
    }))
})
