/**
 * Traces over OTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, the service sends spans (request →
 * operation → session message → portal phase) and log records over OTLP/HTTP. A collector stub
 * (node:http, OTLP JSON) receives them: the span tree is checked, and no secret — password, captcha
 * key, API token, session id — appears anywhere in what left the service.
 */
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { OtlpExporter } from "effect/observability"
import { createServer } from "node:http"
import { ObservabilityLayer } from "../../src/runtime/Observability.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { call, fakeServer } from "../utils/HttpHarness.ts"
import { eventually } from "../utils/ProductHarness.ts"

const TOKEN = "trace-token-0123456789abcdef"
const PASSWORD = "pw-never-in-a-trace"
const CAPTCHA_KEY = "captcha-key-never-in-a-trace"

interface Received {
  readonly path: string
  readonly body: string
}

/** An OTLP/HTTP collector on an ephemeral loopback port, keeping every request it receives. */
class Collector extends Context.Service<Collector, { readonly url: string; readonly received: Array<Received> }>()("test/Collector") {
  static readonly layer = Layer.effect(
    Collector,
    Effect.acquireRelease(
      Effect.callback<{ url: string; received: Array<Received>; close: () => void }>((resume) => {
        const received: Array<Received> = []
        const server = createServer((req, res) => {
          let body = ""
          req.setEncoding("utf8")
          req.on("data", (chunk: string) => (body += chunk))
          req.on("end", () => {
            received.push({ path: req.url ?? "", body })
            res.writeHead(200, { "content-type": "application/json" }).end("{}")
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, received, close: () => server.close() }))
        })
      }),
      (c) => Effect.sync(c.close)
    )
  )
}

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: Record<string, unknown> }>
}

const spansOf = (received: ReadonlyArray<Received>): Array<Span> =>
  received.filter((r) => r.path === "/v1/traces").flatMap((r) =>
    (JSON.parse(r.body).resourceSpans as Array<any>).flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans as Array<Span>)))

const logsOf = (received: ReadonlyArray<Received>): Array<any> =>
  received.filter((r) => r.path === "/v1/logs").flatMap((r) =>
    (JSON.parse(r.body).resourceLogs as Array<any>).flatMap((rl) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)))

/** The service over the fake pool, its observability exporting to the collector. */
const served = Layer.unwrap(Effect.gen(function*() {
  const collector = yield* Collector
  const env = { API_TOKEN: TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "emodal-api-test" }
  return fakeServer(env).pipe(Layer.provideMerge(ObservabilityLayer.pipe(Layer.provide(PortalConfig.layerTest(env)))))
})).pipe(Layer.provideMerge(Collector.layer))

layer(served, { excludeTestServices: true })("OTLP export", (it) => {
  it.effect("spans go request → operation → session message → portal phase, logs follow, and no secret leaves", () =>
    Effect.gen(function*() {
      const auth = { authorization: `Bearer ${TOKEN}` }
      const login = yield* call("POST", "/get_session", { username: "tracer", password: PASSWORD, captcha_api_key: CAPTCHA_KEY }, { ...auth, "x-request-id": "req-trace-1" })
      assert.strictEqual(login.status, 200, login.text)
      const sessionId = login.body.session_id as string
      yield* call("POST", "/get_booking_number", { session_id: sessionId, container_id: "MSDU1234567" }, auth)
      yield* call("GET", "/health")
      const flusher = yield* OtlpExporter.Flusher
      yield* flusher.flush
      const collector = yield* Collector
      yield* eventually("spans and logs at the collector", Effect.sync(() => collector.received.map((r) => r.path)), (p) =>
        p.includes("/v1/traces") && p.includes("/v1/logs"), 10_000)

      const spans = spansOf(collector.received)
      const byId = new Map(spans.map((s) => [s.spanId, s]))
      const parentOf = (s: Span) => (s.parentSpanId === undefined || s.parentSpanId === "" ? undefined : byId.get(s.parentSpanId))
      const ancestors = (s: Span): Array<string> => {
        const out: Array<string> = []
        for (let p = parentOf(s); p !== undefined; p = parentOf(p)) out.push(p.name)
        return out
      }

      // The request's server span, by route template, with its status and request id.
      const request = spans.find((s) => s.name === "POST /get_session")
      assert.isDefined(request, spans.map((s) => s.name).join(", "))
      assert.strictEqual(request!.kind, 2, "SERVER")
      const attribute = (s: Span, key: string) => s.attributes.find((a) => a.key === key)?.value
      assert.deepStrictEqual(attribute(request!, "http.response.status_code"), { intValue: 200 })
      assert.deepStrictEqual(attribute(request!, "emodal.request_id"), { stringValue: "req-trace-1" })
      // The operation under it, the session's login message under that, the portal phase under the message.
      const phase = spans.find((s) => s.name === "login:fake")
      assert.isDefined(phase, spans.map((s) => s.name).join(", "))
      const chain = ancestors(phase!)
      assert.strictEqual(chain[0], "BrowserSession.login", chain.join(" < "))
      assert.include(chain, "PortalOperations.get_session")
      assert.strictEqual(chain.at(-1), "POST /get_session")
      assert.isTrue(chain.indexOf("PortalOperations.get_session") < chain.indexOf("POST /get_session"))
      assert.strictEqual(phase!.traceId, request!.traceId, "one trace")
      // The second request: its own trace, its operation and its session message.
      const lookup = spans.find((s) => s.name === "POST /get_booking_number")!
      const operation = spans.find((s) => s.name === "PortalOperations.get_booking_number")!
      assert.include(ancestors(operation), "POST /get_booking_number")
      assert.notStrictEqual(lookup.traceId, request!.traceId)
      assert.isTrue(spans.some((s) => s.name.startsWith("BrowserSession.") && s.traceId === lookup.traceId && ancestors(s).includes("PortalOperations.get_booking_number")))
      // Probes are not traced, nor what they read.
      assert.isFalse(spans.some((s) => s.name.includes("/health") || s.name === "PortalOperations.health"))
      // The server's own request spans (full URLs) are off: every server span is named by a route.
      assert.deepStrictEqual(spans.filter((s) => s.kind === 2).map((s) => s.name).sort(), ["POST /get_booking_number", "POST /get_session"])

      // Log records: the flat record as body, with the trace they belong to.
      const logs = logsOf(collector.received)
      const created = logs.find((l) => JSON.stringify(l.body).includes("session created"))
      assert.isDefined(created, JSON.stringify(logs.map((l) => l.body)))
      assert.strictEqual(created.traceId, request!.traceId)

      // Nothing secret left the service.
      const everything = collector.received.map((r) => r.body).join("\n")
      for (const secret of [PASSWORD, CAPTCHA_KEY, TOKEN, sessionId]) assert.notInclude(everything, secret)
      assert.include(everything, "emodal-api-test", "service.name")
    }))
})
