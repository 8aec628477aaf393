import { describe, it, assert } from "@effect/vitest"
import { Console, Effect, Layer, Redacted, Schema } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Credentials, fingerprint } from "../../src/domain/Credentials.ts"
import { LoginFailed } from "../../src/domain/Errors.ts"
import { GetSessionRequest } from "../../src/domain/Operations.ts"
import * as Logging from "../../src/runtime/Logging.ts"
import { portalLayerFrom } from "../../src/runtime/PortalLayer.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"

const PASSWORD = "P@ssw0rd-never-logged"
const CAPTCHA_KEY = "2captcha-key-never-logged"
const TOKEN = "api-token-never-logged-123"

/**
 * A login-shaped flow as the service runs it: decode the seed's JSON body, build credentials,
 * fingerprint them, log progress with annotations, then fail or succeed. Everything it logs goes
 * through the production JSON logger.
 */
const loginShapedFlow = (succeed: boolean) =>
  Effect.gen(function*() {
    const body = yield* Schema.decodeUnknownEffect(Schema.toCodecJson(GetSessionRequest))({
      username: "alice",
      password: PASSWORD,
      captcha_api_key: CAPTCHA_KEY
    })
    yield* Effect.logInfo("request received", body)
    const creds = new Credentials({ username: body.username, password: body.password, captchaApiKey: body.captcha_api_key })
    yield* Effect.logDebug("credentials", creds, { headers: { authorization: `Bearer ${TOKEN}` } })
    yield* Effect.logInfo(`login for ${creds.username} with ${creds.password} and ${creds.captchaApiKey}`)
    const fp = fingerprint(Redacted.make("server-secret-0123456789abcdef0123"), creds)
    yield* Effect.logInfo("fingerprint computed").pipe(Effect.annotateLogs({ fp: fp.slice(0, 8) }))
    if (!succeed) {
      return yield* Effect.fail(new LoginFailed({ reason: "invalid_credentials", detail: "Invalid username or password" }))
    }
    yield* Effect.logInfo("login succeeded", { password: PASSWORD, captcha_api_key: CAPTCHA_KEY, cookie: "ASP.NET=abc" })
  }).pipe(
    Effect.tapCause((cause) => Effect.logError("login failed", cause)),
    Effect.annotateLogs({ requestId: "req-1", sessionId: "sess_test" })
  )

describe("Logging", () => {
  for (const succeed of [true, false]) {
    it.effect(`never writes the password, captcha key or token (${succeed ? "successful" : "failed"} login)`, () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        yield* loginShapedFlow(succeed).pipe(Effect.ignore, Effect.provide(Logging.captureLayer(lines)))
        assert.isAtLeast(lines.length, 4)
        for (const line of lines) {
          const parsed = JSON.parse(line)
          assert.isString(parsed.level)
          assert.strictEqual(parsed.requestId, "req-1")
          assert.strictEqual(parsed.sessionId, "sess_test")
          assert.notInclude(line, PASSWORD)
          assert.notInclude(line, CAPTCHA_KEY)
          assert.notInclude(line, TOKEN)
          assert.notInclude(line, "ASP.NET=abc")
        }
        assert.isTrue(lines.some((l) => l.includes("<redacted>")))
        assert.isTrue(lines.some((l) => l.includes("alice")), "the username itself is not a secret")
      }))
  }
})

/** Every value of a parsed line is a scalar: no arrays, no nested objects. */
const assertFlat = (parsed: Record<string, unknown>) => {
  for (const [key, value] of Object.entries(parsed)) {
    assert.isTrue(value === null || ["string", "number", "boolean"].includes(typeof value), `${key} is a scalar: ${JSON.stringify(value)}`)
  }
}

describe("Log lines one can read", () => {
  it.effect("every line has a string message and flat fields, whatever was logged", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        yield* Effect.logInfo("http", { method: "GET", path: "/sessions", status: 200, ms: 1.5 })
        yield* Effect.logWarning("captcha strategy failed", { attempt: { kind: "token", reason: "timeout" }, tried: ["token", "audio"] })
        yield* Effect.logError("request failed unexpectedly", new Error("boom"))
        yield* Effect.logInfo({ only: "an object" })
        yield* Effect.logDebug("two", "words", 3)
        yield* Effect.logError(Effect.runSync(Effect.exit(Effect.die("kaput"))).pipe((exit) => (exit._tag === "Failure" ? exit.cause : undefined))!)
      }).pipe(Effect.annotateLogs({ requestId: "req-flat", sessionId: "sess_abc" }), Effect.provide(Logging.captureLayer(lines)))
      assert.strictEqual(lines.length, 6)
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      for (const p of parsed) {
        assert.isString(p.message)
        assert.isString(p.timestamp)
        assert.strictEqual(p.requestId, "req-flat")
        assertFlat(p)
      }
      assert.deepInclude(parsed[0], { message: "http", method: "GET", path: "/sessions", status: 200, ms: 1.5, level: "INFO" })
      assert.deepInclude(parsed[1], { message: "captcha strategy failed", "attempt.kind": "token", "attempt.reason": "timeout", tried: "token, audio" })
      assert.deepInclude(parsed[2], { message: "request failed unexpectedly", error: "boom" })
      assert.deepInclude(parsed[3], { message: "", only: "an object" })
      assert.deepInclude(parsed[4], { message: "two words 3" })
      assert.include(parsed[5]!.message as string, "kaput")
      assert.include(parsed[5]!.cause as string, "kaput")
    }))

  it("LOG_FORMAT=pretty writes one readable line per record, the same fields, secrets scrubbed", () => {
    const record = {
      timestamp: "2026-11-22T10:00:01.234Z",
      level: "WARN",
      message: "captcha strategy failed",
      reason: "solver timed out",
      requestId: "req-1",
      fiber: "#7"
    } as Logging.LogRecord
    assert.strictEqual(Logging.prettyLine(record, false), `10:00:01.234 WARN  captcha strategy failed  reason="solver timed out" requestId=req-1`)
    assert.include(Logging.prettyLine({ ...record, cause: "Error: boom\n  at x" }, false), "\n    Error: boom\n      at x")
    assert.include(Logging.prettyLine(record, true), "\u001b[33mWARN")
  })

  it.effect("LOG_FORMAT is a setting: json (default) or pretty", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* PortalConfig).logFormat, "json")
      const pretty = yield* Effect.provide(Effect.service(PortalConfig), PortalConfig.layerTest({ LOG_FORMAT: "pretty" }))
      assert.strictEqual(pretty.logFormat, "pretty")
      const bad = yield* Effect.flip(Effect.provide(Effect.service(PortalConfig), PortalConfig.layerTest({ LOG_FORMAT: "xml" })))
      assert.include(bad.message, "LOG_FORMAT must be one of json | pretty")
    }).pipe(Effect.provide(PortalConfig.layerTest())))

  it.effect("an embedding program gets the same JSON lines from PortalLayer (no HTTP server)", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      const capture = { ...console, log: (...args: Array<unknown>) => void written.push(args.map(String).join(" ")) } as unknown as Console.Console
      const dir = mkdtempSync(join(tmpdir(), "emodal-embed-"))
      yield* Effect.logInfo("embedded program says hello", { job: "nightly" }).pipe(
        Effect.annotateLogs({ requestId: "job-1" }),
        Effect.provide(portalLayerFrom(PortalConfig.layerTest({ DATA_DIR: dir }))),
        Effect.provideService(Console.Console, capture),
        Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      )
      const line = written.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === "embedded program says hello")
      assert.isDefined(line, written.join("\n"))
      assert.deepInclude(line, { level: "INFO", job: "nightly", requestId: "job-1" })
      assertFlat(line!)
    }))
})
