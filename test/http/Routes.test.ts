import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { request as httpRequest } from "node:http"
import { Endpoints } from "../../src/http/PortalApi.ts"
import * as Logging from "../../src/runtime/Logging.ts"
import { FakePortal } from "../../src/services/PortalDriver.ts"
import { baseUrl, call, fakeServer, rawGet } from "../utils/HttpHarness.ts"
import { eventually } from "../utils/ProductHarness.ts"
import { contactFailed, contactOk, PortalHealth } from "../../src/services/PortalHealth.ts"

const CREDS = { username: "alice", password: "pw-alice", captcha_api_key: "key" }
const TOKEN = "test-token-0123456789abcdef"

/** The access-log lines ("http") among captured log lines, parsed (flat records). */
const accessLines = (lines: ReadonlyArray<string>): Array<Record<string, unknown>> =>
  lines.map((l) => JSON.parse(l)).filter((l) => l.message === "http")

/** The fields of an access-log line: the record itself (fields are flat). */
const fieldsOf = (line: Record<string, unknown>): Record<string, unknown> => line

/** A POST with a Host header of our choosing (fetch would not send one); the parsed JSON answer. */
const postWithHost = (path: string, body: string, host: string, contentType = "application/json") =>
  Effect.gen(function*() {
    const url = new URL(yield* baseUrl)
    return yield* Effect.callback<string>((resume) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, method: "POST", headers: { host, "content-type": contentType } }, (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (text += chunk))
        res.on("end", () => resume(Effect.succeed(text)))
      })
      req.on("error", (e) => resume(Effect.die(e)))
      req.end(body)
    })
  })

/** Starts a POST whose client can be made to go away before the answer; `abandon` closes it. */
const startRequest = (path: string, body: unknown, headers: Record<string, string>) =>
  Effect.gen(function*() {
    const url = new URL(yield* baseUrl)
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: "POST", headers: { "content-type": "application/json", ...headers } })
    req.on("error", () => {})
    req.end(JSON.stringify(body))
    return { abandon: Effect.sync(() => req.destroy()) }
  })

describe("REST routes (fake pool, real HTTP)", () => {
  layer(fakeServer(), { excludeTestServices: true })("without API_TOKEN", (it) => {
    it.effect("GET /health answers the seed's fields plus pool figures", () =>
      Effect.gen(function*() {
        const r = yield* call("GET", "/health")
        assert.strictEqual(r.status, 200)
        assert.strictEqual(r.body.status, "healthy")
        assert.strictEqual(r.body.service, "E-Modal Business Operations API")
        assert.strictEqual(r.body.max_sessions, 10)
        assert.match(r.body.session_capacity, /^\d+\/10$/)
        for (const field of ["version", "active_sessions", "persistent_sessions", "timestamp", "pool", "uptime_seconds"]) {
          assert.property(r.body, field)
        }
        assert.match(r.headers.get("x-request-id") ?? "", /^req_/)
      }))

    it.effect("POST /get_session logs in once, then reuses; wrong password is a 401 with the login kind", () =>
      Effect.gen(function*() {
        const first = yield* call("POST", "/get_session", CREDS)
        assert.strictEqual(first.status, 200)
        assert.strictEqual(first.body.success, true)
        assert.strictEqual(first.body.is_new, true)
        assert.strictEqual(first.body.username, "alice")
        assert.strictEqual(first.body.expires_at, null)
        assert.strictEqual(first.body.message, "New persistent session created")
        assert.match(first.body.session_id, /^sess_[A-Za-z0-9_-]{24}$/)
        const again = yield* call("POST", "/get_session", CREDS)
        assert.strictEqual(again.body.is_new, false)
        assert.strictEqual(again.body.session_id, first.body.session_id)
        assert.strictEqual(again.body.message, "Using existing persistent session")
        assert.strictEqual((yield* (yield* FakePortal).state).logins.alice, 1)

        const wrong = yield* call("POST", "/get_session", { ...CREDS, username: "bob", password: "wrong" })
        assert.strictEqual(wrong.status, 401)
        assert.deepInclude(wrong.body, { success: false, error: "Authentication failed", error_type: "invalid_credentials", details: "invalid_credentials" })
        assert.notProperty(wrong.body, "session_id")
      }))

    it.effect("POST /get_session names missing fields (seed wording)", () =>
      Effect.gen(function*() {
        const r = yield* call("POST", "/get_session", { username: "x" })
        assert.strictEqual(r.status, 400)
        assert.strictEqual(r.body.error, "Missing required fields: password")
        assert.strictEqual(r.body.error_type, "invalid_input")
        const none = yield* call("POST", "/get_session", {})
        assert.strictEqual(none.body.error, "Missing required fields: username, password")
      }))

    it.effect("GET /sessions lists sessions without secrets or fingerprints", () =>
      Effect.gen(function*() {
        yield* call("POST", "/get_session", CREDS)
        const r = yield* call("GET", "/sessions")
        assert.strictEqual(r.status, 200)
        assert.isAtLeast(r.body.active_sessions, 1)
        const s = r.body.sessions.find((x: { username: string }) => x.username === "alice")
        for (const field of ["session_id", "username", "created_at", "last_used", "keep_alive", "never_terminate", "busy", "uses", "age_seconds", "state"]) {
          assert.property(s, field)
        }
        assert.notInclude(r.text, "pw-alice")
        assert.notInclude(r.text, "fingerprint")
        assert.notMatch(r.text, /[0-9a-f]{64}/)
      }))

    it.effect("ping, pin, close and delete sessions; unknown ids are 404 with the seed body", () =>
      Effect.gen(function*() {
        const created = yield* call("POST", "/get_session", { ...CREDS, username: "carol" })
        const id = created.body.session_id as string
        const ping = yield* call("POST", `/ping_session/${id}`)
        assert.strictEqual(ping.status, 200)
        assert.strictEqual(ping.body.session_id, id)
        assert.isString(ping.body.last_used)
        const pin = yield* call("POST", "/ping_session", { session_id: id, never_terminate: true })
        assert.strictEqual(pin.body.never_terminate, true)
        assert.strictEqual(pin.body.keep_alive, true)
        const unknown = yield* call("POST", "/ping_session/sess_AAAAAAAAAAAAAAAAAAAAAAAA")
        assert.strictEqual(unknown.status, 404)
        assert.deepInclude(unknown.body, { success: false, error: "Session not found", error_type: "session_not_found" })
        const closed = yield* call("DELETE", `/sessions/${id}`)
        assert.strictEqual(closed.status, 200)
        assert.strictEqual(closed.body.message, `Session ${id} closed`)
        assert.strictEqual((yield* call("DELETE", `/sessions/${id}`)).status, 404)
        const other = yield* call("POST", "/get_session", { ...CREDS, username: "dave" })
        const viaBody = yield* call("POST", "/close_session", { session_id: other.body.session_id })
        assert.strictEqual(viaBody.status, 200)
        assert.strictEqual((yield* call("POST", "/close_session", { session_id: other.body.session_id })).status, 404)
      }))

    it.effect("business routes: no session and no credentials is 400; an unknown session without credentials is 404", () =>
      Effect.gen(function*() {
        const missing = yield* call("POST", "/get_container_timeline", { container_id: "MSDU1234567" })
        assert.strictEqual(missing.status, 400)
        assert.strictEqual(missing.body.error, "Missing required fields: username, password, captcha_api_key (or valid session_id)")
        const unknown = yield* call("POST", "/get_container_timeline", { session_id: "sess_AAAAAAAAAAAAAAAAAAAAAAAA", container_id: "MSDU1234567" })
        assert.strictEqual(unknown.status, 404)
        assert.strictEqual(unknown.body.error_type, "session_not_found")
      }))

    it.effect("guards trust #4: control characters in credentials are a 400 naming the field, and never a second login", () =>
      Effect.gen(function*() {
        for (const [field, body] of [
          ["username", { ...CREDS, username: "al\u0000ice" }],
          ["username", { ...CREDS, username: "alice\u007f" }],
          ["password", { ...CREDS, password: "pw-al\u0001ice" }],
          ["captcha_api_key", { ...CREDS, captcha_api_key: "k\u001bey" }]
        ] as const) {
          for (const path of ["/get_session", "/get_containers", "/make_appointment"]) {
            const r = yield* call("POST", path, body)
            assert.strictEqual(r.status, 400, `${path} ${JSON.stringify(body)}`)
            assert.strictEqual(r.body.field, field)
            assert.include(r.body.error, "control characters")
            assert.notInclude(r.text, String(body[field]))
          }
        }
        const logins = (yield* (yield* FakePortal).state).logins
        assert.deepStrictEqual(Object.keys(logins).filter((u) => /[\u0000-\u001f\u007f]/.test(u)), [])
      }))

    it.effect("POST /cleanup works without a body and reports what it freed", () =>
      Effect.gen(function*() {
        const r = yield* call("POST", "/cleanup")
        assert.strictEqual(r.status, 200)
        for (const field of ["files_deleted", "space_freed_mb", "current_storage_mb", "downloads_mb", "screenshots_mb"]) {
          assert.property(r.body, field)
        }
        assert.strictEqual((yield* call("POST", "/cleanup", { max_age_hours: 0 })).status, 200)
      }))

    it.effect("GET /files serves nothing it did not produce", () =>
      Effect.gen(function*() {
        for (const path of [
          "/files/nope",
          "/files/AAAAAAAAAAAAAAAAAAAAAAAA/x.xlsx",
          "/files/..%2f..%2fetc/passwd",
          "/files/%2e%2e/%2e%2e/etc/passwd",
          "/files/../../etc/passwd",
          "/files/AAAAAAAAAAAAAAAAAAAAAAAA/..%2f..%2fserver-secret",
          "/files//etc/passwd",
          "/files/AAAAAAAAAAAAAAAAAAAAAAAA/%00.xlsx"
        ]) {
          const r = yield* rawGet(path)
          assert.strictEqual(r.status, 404, path)
          assert.strictEqual(r.body.error, "File not found")
        }
      }))

    it.effect("unknown routes are 404 JSON, wrong methods 400, bad JSON 400, oversized bodies 413", () =>
      Effect.gen(function*() {
        const nope = yield* call("GET", "/nope")
        assert.strictEqual(nope.status, 404)
        assert.strictEqual(nope.body.error_type, "not_found")
        const method = yield* call("GET", "/get_session")
        assert.strictEqual(method.status, 400)
        assert.include(method.body.error, "Method GET is not allowed")
        const bad = yield* call("POST", "/get_session", "{not json")
        assert.strictEqual(bad.status, 400)
        assert.strictEqual(bad.body.error, "Request must be JSON")
        const huge = yield* call("POST", "/get_session", JSON.stringify({ username: "x".repeat(1_100_000) }))
        assert.strictEqual(huge.status, 413)
        assert.strictEqual(huge.body.error_type, "payload_too_large")
        const proto = yield* call("POST", "/get_session", '{"username":"a","password":"b","__proto__":{"admin":true}}')
        assert.strictEqual(proto.status, 400)
        assert.include(proto.body.error, "__proto__")
      }))

    it.effect("serves OpenAPI 3.1 and a docs page describing every REST endpoint", () =>
      Effect.gen(function*() {
        const spec = yield* call("GET", "/openapi.json")
        assert.strictEqual(spec.status, 200)
        assert.strictEqual(spec.body.openapi, "3.1.0")
        for (const e of Endpoints) {
          const path = e.path.replace(/:([a-z_]+)/g, "{$1}").replace(/\*$/, "{path}")
          assert.property(spec.body.paths, path)
          assert.property(spec.body.paths[path], e.method.toLowerCase())
        }
        const docs = yield* call("GET", "/docs")
        assert.strictEqual(docs.status, 200)
        for (const e of Endpoints) assert.include(docs.text, e.path)
      }))

    it.effect("keeps a sane client request id and replaces an unsafe one", () =>
      Effect.gen(function*() {
        const kept = yield* call("GET", "/health", undefined, { "x-request-id": "client-42" })
        assert.strictEqual(kept.headers.get("x-request-id"), "client-42")
        const replaced = yield* call("GET", "/health", undefined, { "x-request-id": "bad id with spaces" })
        assert.match(replaced.headers.get("x-request-id") ?? "", /^req_/)
      }))
  })

  layer(fakeServer({ MAX_SESSIONS: "1", ACQUIRE_QUEUE_LIMIT: "0" }), { excludeTestServices: true })("a full pool", (it) => {
    it.effect("answers 503 with Retry-After when no session can be made", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* call("POST", "/get_session", { ...CREDS, never_terminate: true })).status, 200)
        const r = yield* call("POST", "/get_session", { ...CREDS, username: "someone-else" })
        assert.strictEqual(r.status, 503)
        assert.strictEqual(r.body.error_type, "pool_exhausted")
        assert.isTrue(r.body.retryable)
        assert.strictEqual(r.headers.get("retry-after"), String(r.body.retry_after))
      }))
  })

  const lines: Array<string> = []
  layer(fakeServer().pipe(Layer.provide(Logging.captureLayer(lines))), { excludeTestServices: true })("the edge", (it) => {
    it.effect("guards trust #11: a malformed path is a 400 and an oversized RPC body a 413, both JSON with x-request-id", () =>
      Effect.gen(function*() {
        for (const path of ["/files/%ZZ", "/files/AAAAAAAAAAAAAAAAAAAAAAAA/%E0%A4%A", "/get_session%ZZ"]) {
          const r = yield* call("GET", path)
          assert.strictEqual(r.status, 400, path)
          assert.strictEqual(r.headers.get("content-type"), "application/json")
          assert.match(r.headers.get("x-request-id") ?? "", /^req_/)
          assert.deepInclude(r.body, { success: false, error_type: "invalid_input", field: "path" })
        }
        const huge = yield* call("POST", "/rpc", "x".repeat(1_200_000), { "content-type": "application/ndjson", "x-request-id": "rpc-huge" })
        assert.strictEqual(huge.status, 413)
        assert.strictEqual(huge.headers.get("content-type"), "application/json")
        assert.strictEqual(huge.headers.get("x-request-id"), "rpc-huge")
        assert.deepInclude(huge.body, { success: false, error_type: "payload_too_large" })
        const logged = accessLines(lines).map(fieldsOf)
        assert.isTrue(logged.some((f) => f.path === "/files/%ZZ" && f.status === 400), "the refused path has its access-log line")
        assert.isTrue(logged.some((f) => f.path === "/rpc" && f.status === 413))
      }))

    it.effect("guards trust #12: a request whose client disconnects writes an access-log line: 499, duration, phase", () =>
      Effect.gen(function*() {
        const fake = yield* FakePortal
        yield* fake.update((s) => ({ ...s, loginLatency: Duration.seconds(30) }))
        const pending = yield* startRequest("/get_session", { username: "leaver", password: "pw", captcha_api_key: "k" }, { "x-request-id": "client-left" })
        yield* eventually("the login to begin", fake.state, (s) => s.loginsStarted >= 1)
        yield* pending.abandon
        const line = (yield* eventually(
          "the 499 access-log line",
          Effect.sync(() => accessLines(lines).find((l) => l.requestId === "client-left")),
          (l) => l !== undefined
        ))!
        assert.strictEqual(line.level, "INFO")
        assert.deepInclude(fieldsOf(line), { method: "POST", path: "/get_session", status: 499 })
        // Waiting for its session: the acquisition, or the login's own step once it has set one.
        assert.include(["session:acquire", "login:fake"], fieldsOf(line).phase)
        assert.isNumber(fieldsOf(line).ms)
        yield* fake.update((s) => ({ ...s, loginLatency: Duration.zero }))
      }))

    it.effect("guards trust #3: file links ignore a Host outside ALLOWED_HOSTS, on REST and RPC", () =>
      Effect.gen(function*() {
        const own = new URL(yield* baseUrl)
        // The fake browser fails every flow; with debug: true the failure still links its bundle.
        const body = { username: "linker", password: "pw", captcha_api_key: "k", container_id: "MSDU1234567", debug: true }
        const hostile = JSON.parse(yield* postWithHost("/get_container_timeline", JSON.stringify(body), "attacker.example"))
        assert.isTrue(hostile.debug_bundle_url.startsWith(`http://127.0.0.1:${own.port}/files/`), hostile.debug_bundle_url)
        const frame = JSON.stringify({ _tag: "Request", id: "1", tag: "GetContainerTimeline", payload: body, headers: [] }) + "\n"
        const rpc = JSON.parse((yield* postWithHost("/rpc", frame, "attacker.example", "application/ndjson")).split("\n")[0]!)
        const link = rpc.exit.cause[0].error.debugBundleUrl as string
        assert.isTrue(link.startsWith(`http://127.0.0.1:${own.port}/files/`), link)
        // An allowed Host is honoured: localhost on the bound port.
        const allowed = JSON.parse(yield* postWithHost("/get_container_timeline", JSON.stringify(body), `localhost:${own.port}`))
        assert.isTrue(allowed.debug_bundle_url.startsWith(`http://localhost:${own.port}/files/`), allowed.debug_bundle_url)
      }))

    it.effect("/health, /ready and /metrics polls log at debug level; other requests at info", () =>
      Effect.gen(function*() {
        yield* call("GET", "/health", undefined, { "x-request-id": "health-poll" })
        yield* call("GET", "/ready", undefined, { "x-request-id": "ready-poll" })
        yield* call("GET", "/metrics", undefined, { "x-request-id": "metrics-poll" })
        yield* call("GET", "/sessions", undefined, { "x-request-id": "list-call" })
        const of = (id: string) => accessLines(lines).find((l) => l.requestId === id)
        assert.strictEqual(of("health-poll")?.level, "DEBUG")
        assert.deepInclude(of("ready-poll"), { level: "DEBUG", status: 200 })
        assert.deepInclude(of("metrics-poll"), { level: "DEBUG", status: 200 })
        assert.strictEqual(of("list-call")?.level, "INFO")
      }))
  })

  layer(fakeServer({ API_TOKEN: TOKEN }), { excludeTestServices: true })("with API_TOKEN and the docs open (DOCS_PUBLIC default)", (it) => {
    it.effect("serves /docs and /openapi.json without the token, and nothing else", () =>
      Effect.gen(function*() {
        const docs = yield* call("GET", "/docs")
        assert.strictEqual(docs.status, 200)
        assert.include(docs.headers.get("content-type") ?? "", "text/html")
        const spec = yield* call("GET", "/openapi.json")
        assert.strictEqual(spec.status, 200)
        // The served document names this service as the request reached it (an allowed Host).
        assert.deepStrictEqual(spec.body.servers.map((s: { url: string }) => s.url), [yield* baseUrl])
        assert.strictEqual(spec.body.components.securitySchemes.bearer.type, "http")
        assert.strictEqual(spec.body.components.securitySchemes.bearer.scheme.toLowerCase(), "bearer")
        for (const [method, path] of [["GET", "/sessions"], ["POST", "/get_session"], ["POST", "/rpc"], ["GET", "/docs/x"], ["POST", "/docs"]] as const) {
          const r = yield* call(method, path, method === "POST" ? {} : undefined)
          assert.strictEqual(r.status, 401, `${method} ${path}`)
        }
      }))
  })

  layer(fakeServer({ API_TOKEN: TOKEN, DOCS_PUBLIC: "false" }), { excludeTestServices: true })("with API_TOKEN", (it) => {
    it.effect("requires the bearer token on every route but /health, RPC and files included", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* call("GET", "/health")).status, 200)
        for (const [method, path] of [["GET", "/sessions"], ["POST", "/get_session"], ["GET", "/docs"], ["GET", "/openapi.json"], ["POST", "/rpc"], ["GET", "/files/x/y"], ["GET", "/nope"]] as const) {
          const r = yield* call(method, path, method === "POST" ? {} : undefined)
          assert.strictEqual(r.status, 401, `${method} ${path}`)
          assert.strictEqual(r.body.error_type, "unauthorized")
          assert.strictEqual(r.headers.get("www-authenticate"), "Bearer")
        }
        const wrong = yield* call("GET", "/sessions", undefined, { authorization: `Bearer ${TOKEN}x` })
        assert.strictEqual(wrong.status, 401)
        const basic = yield* call("GET", "/sessions", undefined, { authorization: `Basic ${TOKEN}` })
        assert.strictEqual(basic.status, 401)
        const ok = yield* call("GET", "/sessions", undefined, { authorization: `Bearer ${TOKEN}` })
        assert.strictEqual(ok.status, 200)
      }))
  })

  layer(fakeServer(), { excludeTestServices: true })("/health and the portal", (it) => {
    it.effect("guards trust #9: GET /health stays 200 with the seed's fields and reports the failing portal host as degraded", () =>
      Effect.gen(function*() {
        const ok = yield* call("GET", "/health")
        assert.strictEqual(ok.body.status, "healthy")
        assert.strictEqual(ok.body.portal.status, "ok")
        assert.deepStrictEqual(Object.keys(ok.body.portal.hosts), ["identity", "ecp2", "termops", "truckerportal", "captcha_solver"])

        const health = yield* PortalHealth
        yield* health.report("termops", contactFailed("http_5xx", 503))
        const down = yield* call("GET", "/health")
        assert.strictEqual(down.status, 200)
        assert.strictEqual(down.body.status, "degraded")
        assert.strictEqual(down.body.service, "E-Modal Business Operations API")
        assert.property(down.body, "session_capacity")
        assert.strictEqual(down.body.portal.status, "degraded")
        assert.match(down.body.portal.reasons[0], /^termops: last contact failed \d+ s ago: HTTP 503$/)
        assert.strictEqual(down.body.portal.hosts.termops.last_http_status, 503)

        yield* health.report("termops", contactOk)
        const up = yield* call("GET", "/health")
        assert.strictEqual(up.body.status, "healthy")
        assert.deepStrictEqual(up.body.portal.reasons, [])
      }))
  })
})
