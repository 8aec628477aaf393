import { assert, describe, it } from "@effect/vitest"
import { Exit, Schema } from "effect"
import { GetContainersRequest, GetSessionRequest } from "../../src/domain/Operations.ts"
import { MakeAppointmentRequest } from "../../src/domain/AppointmentWizard.ts"

const decode = (schema: Schema.Top, body: unknown) =>
  Schema.decodeUnknownExit(Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>))(body, { errors: "all" })

/** The paths and messages of a rejected body. */
const problems = (schema: Schema.Top, body: unknown) => {
  const exit = decode(schema, body)
  assert.isTrue(Exit.isFailure(exit), `expected ${JSON.stringify(body)} to be refused`)
  const error = Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error: Schema.SchemaError }).error : undefined!
  return error.message
}

describe("request schemas", () => {
  it("guards trust #4: control characters in username, password or captcha key are refused, naming the field", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, string>]> = [
      ["username", { username: "de\u0000mo", password: "pw" }],
      ["username", { username: "demo\u007f", password: "pw" }],
      ["password", { username: "demo", password: "p\u0009w" }],
      ["password", { username: "demo", password: "pw\u001f" }],
      ["captcha_api_key", { username: "demo", password: "pw", captcha_api_key: "k\u000ay" }]
    ]
    for (const [field, body] of cases) {
      for (const schema of [GetSessionRequest, GetContainersRequest, MakeAppointmentRequest]) {
        const message = problems(schema, body)
        assert.include(message, `["${field}"]`, JSON.stringify(body))
        assert.include(message, "must not contain control characters")
        // The refused value itself is never echoed (it may be a password).
        assert.notInclude(message, body[field]!)
      }
    }
  })

  it("credentials with ordinary punctuation, spaces and non-ASCII letters still decode", () => {
    for (const body of [{ username: "jöhn.o'neil+ops@example.com", password: "p@ss wörd \u00a0!#" }, { username: "用户", password: "пароль" }]) {
      assert.isTrue(Exit.isSuccess(decode(GetSessionRequest, body)), JSON.stringify(body))
      assert.isTrue(Exit.isSuccess(decode(GetContainersRequest, body)), JSON.stringify(body))
    }
  })
})
