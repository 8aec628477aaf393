/**
 * GET /metrics over the real routes and the fake pool: behind API_TOKEN, in the Prometheus text
 * format as a parser of that format reads it (`parse-prometheus-text-format`: strict about lines), every family declared in the catalogue with its type and
 * help, gauges current at scrape time, and labels that never carry secrets, session ids or request
 * ids — the account label per METRICS_ACCOUNT_LABEL.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeBrowser } from "../../src/services/Browser.ts"
import { FakePortal } from "../../src/services/PortalDriver.ts"
import { MetricList } from "../../src/services/metrics/MetricCatalog.ts"
import { PoolMetrics } from "../../src/services/pool/PoolMetrics.ts"
import { SessionRefresher } from "../../src/services/pool/SessionRefresher.ts"
import { contactFailed, PortalHealth } from "../../src/services/PortalHealth.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { call, fakeServer } from "../utils/HttpHarness.ts"
import { families, type ParsedFamily, valueOf } from "../utils/Prometheus.ts"
import { eventually } from "../utils/ProductHarness.ts"

const TOKEN = "metrics-token-0123456789abcdef"
const AUTH = { authorization: `Bearer ${TOKEN}` }
const PASSWORD = "pw-never-in-metrics"

const login = (username: string, extra: Record<string, unknown> = {}) =>
  call("POST", "/get_session", { username, password: PASSWORD, captcha_api_key: "k", ...extra }, { ...AUTH, "x-request-id": `req-login-${username}` })

const scrape = Effect.gen(function*() {
  const r = yield* call("GET", "/metrics", undefined, { ...AUTH, "x-request-id": "req-scrape" })
  assert.strictEqual(r.status, 200, r.text)
  return { text: r.text, parsed: families(r.text), contentType: r.headers.get("content-type") }
})

/** Every label value of every sample. */
const labelValues = (parsed: ReadonlyMap<string, ParsedFamily>) =>
  [...parsed.values()].flatMap((f) => f.metrics.flatMap((m) => Object.entries(m.labels ?? {})))

layer(fakeServer({ API_TOKEN: TOKEN, MAX_SESSIONS: "2", SESSION_REFRESH_AFTER: "100 millis" }), { excludeTestServices: true })("GET /metrics", (it) => {
  it.effect("is Prometheus text that a parser reads: every family from the catalogue with its type and help; gauges current; no secret in a label", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* call("GET", "/metrics")).status, 401, "behind API_TOKEN like every route but /health and /ready")

      // Real events: logins, keep-alive visits and failed ones (a pinned session logs in again, an
      // unpinned one expires), a failed operation, an eviction, a crash, a portal error.
      const alice = yield* login("alice", { never_terminate: true })
      assert.strictEqual(alice.status, 200, alice.text)
      assert.strictEqual((yield* login("bob")).status, 200)
      const refresher = yield* SessionRefresher
      const fake = yield* FakePortal
      let refreshed = 0
      yield* eventually("a keep-alive visit to each", Effect.map(refresher.refreshDue, (r) => (refreshed += r.refreshed)), (n) => n >= 2, 5_000)
      yield* fake.update((s) => ({ ...s, refreshFails: true }))
      // Passes until both sessions were due once: bob expired, alice logged in again.
      const seen = { closed: 0, relogged: 0 }
      yield* eventually("failed keep-alive visits", Effect.map(refresher.refreshDue, (r) => {
        seen.closed += r.closed
        seen.relogged += r.relogged
        return seen
      }), (s) => s.closed > 0 && s.relogged > 0, 5_000)
      yield* fake.update((s) => ({ ...s, refreshFails: false }))
      const op = yield* call("POST", "/get_booking_number", { session_id: alice.body.session_id, container_id: "MSDU1234567" }, AUTH)
      assert.isFalse(op.body.success, "the fake browser has no page: the operation fails, and is counted with its error_type")
      assert.strictEqual((yield* login("carol")).status, 200)
      assert.strictEqual((yield* login("dave")).status, 200) // MAX_SESSIONS=2: evicts carol (idle, unpinned)
      const pool = yield* SessionPool
      const dave = (yield* pool.sessions).find((s) => s.username === "dave")!
      yield* (yield* FakeBrowser).crash(dave.lease.token)
      yield* eventually("the crash to be swept", pool.list, (l) => l.every((s) => s.username !== "dave"))
      yield* (yield* PortalHealth).report("ecp2", contactFailed("http_5xx", 503))
      yield* (yield* PoolMetrics).count("restores", "alice") // a restore needs snapshots: recorded as the pool does

      const { text, parsed, contentType } = yield* scrape
      assert.strictEqual(contentType, "text/plain; version=0.0.4; charset=utf-8")

      // Names, types and help lines: each family is the catalogue's.
      const catalogue = new Map(MetricList.map((m) => [m.name, m]))
      for (const family of parsed.values()) {
        const declared = catalogue.get(family.name)
        assert.isDefined(declared, `${family.name} is declared in MetricCatalog`)
        assert.strictEqual(family.type, declared!.type.toUpperCase(), `${family.name}'s TYPE`)
        assert.strictEqual(family.help, declared!.help, `${family.name}'s HELP`)
      }
      // Every family the events above produce is there (captcha solves need the solver: e2e).
      for (const m of MetricList.filter((m) => m.name !== "emodal_captcha_solves_total")) {
        assert.isTrue(parsed.has(m.name), `${m.name} is exported`)
      }

      // Values, per account by username (the default).
      assert.strictEqual(valueOf(parsed.get("emodal_logins_total"), { account: "alice" }), 2, "the login, and the one after the failed keep-alive")
      assert.isAtLeast(valueOf(parsed.get("emodal_session_refreshes_total"), { account: "alice" })!, 1)
      assert.strictEqual(valueOf(parsed.get("emodal_session_refresh_failures_total"), { account: "bob" }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_session_evictions_total"), { account: "carol" }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_session_crashes_total"), { account: "dave" }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_portal_errors_total"), { target: "ecp2", kind: "http_5xx" }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_operations_total"), { endpoint: "get_booking_number", account: "alice", outcome: op.body.error_type }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_operations_total"), { endpoint: "get_session", account: "alice", outcome: "ok" }), 1)
      // Histograms (the parser folds labelled histograms together: their series are read from the text).
      assert.match(text, /^emodal_operation_duration_seconds_count\{endpoint="get_session",outcome="ok"\} 4$/m)
      assert.match(text, /^emodal_operation_duration_seconds_bucket\{endpoint="get_session",outcome="ok",le="\+Inf"\} 4$/m)
      assert.match(text, /^emodal_login_duration_seconds_count\{outcome="ok"\} 5$/m, "four logins and one re-login")
      assert.match(text, /^emodal_session_slot_wait_seconds_count\{outcome="admitted"\} 4$/m)
      assert.match(text, /^emodal_session_mailbox_wait_seconds_count\{kind="operation"\} 1$/m)
      assert.strictEqual(valueOf(parsed.get("emodal_session_slots")), 2)

      // Gauges are current at scrape time (nothing read /health in between).
      assert.strictEqual(valueOf(parsed.get("emodal_sessions"), { tier: "hot", state: "idle" }), 1)
      assert.strictEqual(valueOf(parsed.get("emodal_sessions"), { tier: "hot", state: "busy" }), 0)
      const closed = yield* call("DELETE", `/sessions/${alice.body.session_id}`, undefined, AUTH)
      assert.strictEqual(closed.status, 200)
      assert.strictEqual(valueOf((yield* scrape).parsed.get("emodal_sessions"), { tier: "hot", state: "idle" }), 0)

      // Labels: bounded values, never a secret, a session id or a request id.
      for (const [name, value] of labelValues(parsed)) {
        assert.notMatch(value, /^sess_|^req[-_]/, `label ${name}="${value}"`)
      }
      assert.notInclude(text, PASSWORD)
      assert.notInclude(text, alice.body.session_id)
      assert.notInclude(text, TOKEN)
    }))
})

layer(fakeServer({ METRICS_ACCOUNT_LABEL: "hash" }), { excludeTestServices: true })("METRICS_ACCOUNT_LABEL=hash", (it) => {
  it.effect("names accounts by a stable keyed hash, never by username", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* call("POST", "/get_session", { username: "alice", password: PASSWORD, captcha_api_key: "k" })).status, 200)
      const text = (yield* call("GET", "/metrics")).text
      const accounts = labelValues(families(text)).filter(([k]) => k === "account").map(([, v]) => v)
      assert.isAbove(accounts.length, 0)
      for (const a of accounts) assert.match(a, /^[0-9a-f]{12}$/)
      assert.strictEqual(new Set(accounts).size, 1, "one account, one hash")
      assert.notInclude(text, "alice")
    }))
})

layer(fakeServer({ METRICS_ACCOUNT_LABEL: "off" }), { excludeTestServices: true })("METRICS_ACCOUNT_LABEL=off", (it) => {
  it.effect("has no account label at all", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* call("POST", "/get_session", { username: "alice", password: PASSWORD, captcha_api_key: "k" })).status, 200)
      const parsed = families((yield* call("GET", "/metrics")).text)
      assert.strictEqual(valueOf(parsed.get("emodal_logins_total")), 1)
      assert.deepStrictEqual(labelValues(parsed).filter(([k]) => k === "account"), [])
    }))
})
