import { describe, it, assert } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { Credentials, fingerprint } from "../../src/domain/Credentials.ts"
import { LoginFailed } from "../../src/domain/Errors.ts"
import { GetSessionRequest } from "../../src/domain/Operations.ts"
import * as Logging from "../../src/runtime/Logging.ts"

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
          assert.strictEqual(parsed.annotations.requestId, "req-1")
          assert.strictEqual(parsed.annotations.sessionId, "sess_test")
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
