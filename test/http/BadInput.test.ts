/**
 * A generated table of malformed requests for every endpoint — non-JSON bodies, wrong types for
 * each field, missing required fields, oversized strings, odd unicode, prototype-polluting keys,
 * bad session ids, traversal in file paths, bad tokens — each of which must get a 4xx JSON error
 * that names the problem. Afterwards the service must still be healthy and a session created
 * before the barrage must be untouched.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { PortalError } from "../../src/domain/Errors.ts"
import { statusOf, toSeedBody } from "../../src/domain/ErrorSpecs.ts"
import { Endpoints, type EndpointSpec } from "../../src/http/PortalApi.ts"
import { FakePortal } from "../../src/services/PortalDriver.ts"
import { call, fakeServer, rawGet } from "../utils/HttpHarness.ts"

interface Case {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** A word the error must mention (the field, the key…); undefined: any 4xx JSON error. */
  readonly mentions?: string
}

interface JsonSchemaNode {
  readonly type?: string | ReadonlyArray<string>
  readonly properties?: Record<string, JsonSchemaNode>
  readonly required?: ReadonlyArray<string>
  readonly maxLength?: number
  readonly anyOf?: ReadonlyArray<JsonSchemaNode>
  readonly enum?: ReadonlyArray<unknown>
}

const schemaOf = (spec: EndpointSpec): JsonSchemaNode =>
  Schema.toJsonSchemaDocument(Schema.toCodecJson(spec.body as Schema.Codec<unknown, unknown>)).schema as JsonSchemaNode

const typesOf = (node: JsonSchemaNode): ReadonlyArray<string> => {
  if (node.anyOf !== undefined) return node.anyOf.flatMap(typesOf)
  if (node.type === undefined) return []
  return typeof node.type === "string" ? [node.type] : node.type
}

/** Values of the wrong JSON type for a property that accepts `types`. */
const wrongValues = (types: ReadonlyArray<string>): ReadonlyArray<unknown> => {
  const candidates: ReadonlyArray<readonly [string, unknown]> = [
    ["string", 12345],
    ["string", { nested: true }],
    ["boolean", "yes"],
    ["boolean", 1],
    ["integer", "5"],
    ["integer", 1.5],
    ["number", "ten"],
    ["array", "not-a-list"],
    ["array", { a: 1 }],
    ["null", [1, 2]]
  ]
  return candidates
    .filter(([kind, value]) =>
      !types.includes(kind === "integer" && types.includes("number") ? "number" : kind) &&
      !(typeof value === "string" && types.includes("string")) &&
      !(typeof value === "number" && Number.isInteger(value) && (types.includes("integer") || types.includes("number"))) &&
      !(typeof value === "number" && types.includes("number")) &&
      !(typeof value === "boolean" && types.includes("boolean")) &&
      !(Array.isArray(value) && types.includes("array")) &&
      !(value !== null && typeof value === "object" && !Array.isArray(value) && types.includes("object"))
    )
    .map(([, value]) => value)
    .slice(0, 3)
}

const NON_JSON = ["", "not json", "{", "[1,2,3]", "null", "42", "\"just a string\"", "<xml/>", "{\"a\":}", "\u0000"]

const cases: Array<Case> = []
for (const spec of Endpoints) {
  if (spec.method !== "POST" || spec.body === undefined) continue
  const path = spec.path.replace(":session_id", "sess_AAAAAAAAAAAAAAAAAAAAAAAA")
  for (const raw of NON_JSON) {
    if (raw === "" && spec.emptyBodyIsObject === true) continue
    cases.push({ name: `${spec.id}: non-JSON ${JSON.stringify(raw).slice(0, 12)}`, method: "POST", path, body: raw })
  }
  const schema = schemaOf(spec)
  for (const [field, node] of Object.entries(schema.properties ?? {})) {
    for (const value of wrongValues(typesOf(node))) {
      cases.push({ name: `${spec.id}: ${field} = ${JSON.stringify(value)}`, method: "POST", path, body: { [field]: value }, mentions: field })
    }
    if (node.maxLength !== undefined) {
      cases.push({ name: `${spec.id}: ${field} too long`, method: "POST", path, body: { [field]: "x".repeat(node.maxLength + 1) }, mentions: field })
    }
    if (["username", "password", "captcha_api_key"].includes(field)) {
      for (const value of ["de\u0000mo", "demo\u007f", "de\u001bmo"]) {
        cases.push({ name: `${spec.id}: ${field} with a control character`, method: "POST", path, body: { [field]: value }, mentions: field })
      }
    }
    if (node.enum !== undefined) {
      cases.push({ name: `${spec.id}: ${field} unknown value`, method: "POST", path, body: { [field]: "definitely-not-allowed" }, mentions: field })
    }
  }
  if ((schema.required ?? []).length > 0) {
    cases.push({ name: `${spec.id}: every required field missing`, method: "POST", path, body: {}, mentions: schema.required![0]! })
  }
  for (const key of ["__proto__", "constructor", "prototype"]) {
    cases.push({ name: `${spec.id}: ${key} key`, method: "POST", path, body: `{"${key}":{"polluted":true},"session_id":"x"}`, mentions: key })
    cases.push({ name: `${spec.id}: nested ${key}`, method: "POST", path, body: `{"import_containers":[{"${key}":1}]}`, mentions: key })
  }
  cases.push({ name: `${spec.id}: 1.1 MB body`, method: "POST", path, body: JSON.stringify({ pad: "y".repeat(1_150_000) }) })
}

// Bad session ids and odd unicode, on every business route (no credentials: 404 or 400).
const business = Endpoints.filter((e) =>
  e.method === "POST" && e.body !== undefined && e.id !== "get_session" && "username" in (schemaOf(e).properties ?? {})
)
const oddIds = ["x", "../../etc/passwd", "sess_" + "A".repeat(23) + "\u202e", "sess_💥💥💥💥💥💥💥💥💥💥💥💥", "session_1696789012_-4213337", "\u0000\u0001", "SELECT * FROM sessions", "sess_" + "B".repeat(180)]
for (const spec of business) {
  for (const id of oddIds) {
    cases.push({ name: `${spec.id}: session_id ${JSON.stringify(id).slice(0, 16)}`, method: "POST", path: spec.path, body: { session_id: id, container_id: "MSDU1234567" } })
  }
  // The documented example, with the credentials cut down to a username: only that is wrong.
  const example = { ...(spec.example?.request as Record<string, unknown> | undefined) }
  delete example.session_id
  delete example.password
  delete example.captcha_api_key
  cases.push({ name: `${spec.id}: credentials half given`, method: "POST", path: spec.path, body: { ...example, username: "alice" }, mentions: "password" })
  cases.push({ name: `${spec.id}: emoji container id without a session`, method: "POST", path: spec.path, body: { container_id: "💥💥💥", target_container_id: "\u202eABC" } })
}
for (const m of ["GET", "PUT", "PATCH"]) cases.push({ name: `${m} on a POST route`, method: m, path: "/get_containers", body: m === "GET" ? undefined : {} })
for (const p of ["/nope", "/get_session/extra", "/sessions/x/y", "/%00", "/files"]) cases.push({ name: `unknown route ${p}`, method: "GET", path: p })

const traversal = [
  "/files/../../etc/passwd",
  "/files/..%2f..%2f..%2fetc%2fpasswd",
  "/files/%2e%2e/%2e%2e/server-secret",
  "/files/AAAAAAAAAAAAAAAAAAAAAAAA/../../server-secret",
  "/files/AAAAAAAAAAAAAAAAAAAAAAAA/%2e%2e%2fchrome",
  "/files/AAAAAAAAAAAAAAAAAAAAAAAA/.hidden.tmp",
  "/files//etc/passwd",
  "/files/AAAAAAAAAAAAAAAAAAAAAAAA/a%00b.xlsx",
  "/files/AAAAAAAAAAAAAAAAAAAAAAAA/x/../../../y",
  "/files/" + "A".repeat(300) + "/x.xlsx"
]

const expect4xx = (c: Case, r: { status: number; body: any }) => {
  assert.isTrue(r.status >= 400 && r.status < 500, `${c.name}: status ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
  assert.strictEqual(r.body?.success, false, `${c.name}: JSON error body`)
  assert.isString(r.body.error, c.name)
  assert.isAbove(r.body.error.length, 3, c.name)
  assert.isString(r.body.error_type, c.name)
  if (c.mentions !== undefined) {
    assert.include(`${r.body.error} ${r.body.field ?? ""} ${(r.body.missing_fields ?? []).join(" ")}`, c.mentions, c.name)
  }
}

/** The RPC that runs the same operation as a REST route (REST path → RPC tag). */
const rpcOf: Readonly<Record<string, string>> = {
  "/get_session": "GetSession",
  "/close_session": "CloseSession",
  "/ping_session": "PingSession",
  "/cleanup": "Cleanup",
  "/get_containers": "GetContainers",
  "/get_container_timeline": "GetContainerTimeline",
  "/get_booking_number": "GetBookingNumber",
  "/get_appointments": "GetAppointments",
  "/check_appointments": "CheckAppointments",
  "/make_appointment": "MakeAppointment",
  "/get_info_bulk": "GetInfoBulk"
}

/** A case's body as JSON text, when it is a JSON object (the only payloads both transports carry). */
const objectText = (c: Case): string | undefined => {
  const text = typeof c.body === "string" ? c.body : c.body === undefined ? undefined : JSON.stringify(c.body)
  if (text === undefined || text.length > 100_000) return undefined
  try {
    const parsed = JSON.parse(text)
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? text : undefined
  } catch {
    return undefined
  }
}

const decodeError = Schema.decodeUnknownSync(Schema.toCodecJson(PortalError))

/** Sends one RPC over /rpc (ndjson) with the payload as raw JSON text; its Exit as sent. */
const rpc = (tag: string, payloadText: string) =>
  Effect.gen(function*() {
    const frame = `{"_tag":"Request","id":"1","tag":"${tag}","payload":${payloadText},"headers":[]}\n`
    const r = yield* call("POST", "/rpc", frame, { "content-type": "application/ndjson" })
    const exit = r.text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)).find((m) => m._tag === "Exit")
    return exit?.exit as { _tag: "Success" | "Failure"; cause?: ReadonlyArray<{ _tag: string; error?: unknown; defect?: unknown }> } | undefined
  })

describe("Bad input", () => {
  layer(fakeServer(), { excludeTestServices: true })("every endpoint", (it) => {
    it.effect(`answers ${cases.length} malformed requests with 4xx JSON, and nothing is harmed`, () =>
      Effect.gen(function*() {
        assert.isAtLeast(cases.length + traversal.length, 200)
        const before = yield* call("POST", "/get_session", { username: "survivor", password: "pw", captcha_api_key: "k" })
        assert.strictEqual(before.status, 200)
        for (const c of cases) expect4xx(c, yield* call(c.method, c.path, c.body, c.headers))
        for (const p of traversal) {
          const r = yield* rawGet(p)
          expect4xx({ name: p, method: "GET", path: p }, r)
        }
        const health = yield* call("GET", "/health")
        assert.strictEqual(health.status, 200)
        assert.strictEqual(health.body.status, "healthy")
        const after = yield* call("POST", `/ping_session/${before.body.session_id}`)
        assert.strictEqual(after.status, 200)
        const again = yield* call("POST", "/get_session", { username: "survivor", password: "pw", captcha_api_key: "k" })
        assert.strictEqual(again.body.session_id, before.body.session_id)
        assert.strictEqual((yield* (yield* FakePortal).state).logins.survivor, 1)
      }), { timeout: 120_000 })
  })

  layer(fakeServer(), { excludeTestServices: true })("RPC", (it) => {
    it.effect("guards trust #13: RPC refuses every malformed payload exactly as REST does (typed InvalidOperationInput, never a defect)", () =>
      Effect.gen(function*() {
        let compared = 0
        for (const c of cases) {
          const tag = rpcOf[c.path]
          const text = objectText(c)
          if (tag === undefined || text === undefined || c.method !== "POST") continue
          const rest = yield* call("POST", c.path, text)
          const exit = yield* rpc(tag, text)
          assert.strictEqual(exit?._tag, "Failure", `${c.name}: RPC accepted what REST answered ${rest.status}`)
          const reason = exit!.cause![0]!
          assert.strictEqual(reason._tag, "Fail", `${c.name}: ${JSON.stringify(reason).slice(0, 200)}`)
          const error = decodeError(reason.error)
          assert.strictEqual(statusOf(error), rest.status, c.name)
          assert.strictEqual(toSeedBody(error).error, rest.body.error, c.name)
          assert.strictEqual(toSeedBody(error).field, rest.body.field, c.name)
          compared++
        }
        assert.isAtLeast(compared, 150)
        // The examples, by name.
        const typed = yield* rpc("GetSession", `{"username":5,"password":"pw"}`)
        assert.strictEqual((typed!.cause![0]!.error as { _tag: string; field: string }).field, "username")
        const long = yield* rpc("GetContainerTimeline", JSON.stringify({ session_id: "sess_AAAAAAAAAAAAAAAAAAAAAAAA", container_id: "X".repeat(65) }))
        assert.strictEqual((long!.cause![0]!.error as { _tag: string })._tag, "InvalidOperationInput")
        const proto = yield* rpc("GetSession", `{"username":"a","password":"b","captcha_api_key":"k","__proto__":{"admin":true}}`)
        assert.include((proto!.cause![0]!.error as { detail: string }).detail, "__proto__")
        assert.deepStrictEqual((yield* (yield* FakePortal).state).logins, {}, "nothing reached the portal")
      }), { timeout: 120_000 })
  })

  layer(fakeServer({ API_TOKEN: "the-right-token-0123456789" }), { excludeTestServices: true })("bad tokens", (it) => {
    it.effect("are 401 JSON on every route but /health", () =>
      Effect.gen(function*() {
        const tokens = ["", "Bearer", "Bearer ", "Bearer wrong", "bearer the-right-token-012345678", "Token the-right-token-0123456789", "Bearer the-right-token-0123456789x", "Bearer \u00a0the-right-token-0123456789", "Bearer the-right-token-0123456789 extra"]
        let n = 0
        for (const spec of Endpoints) {
          if (spec.public === true) continue
          const path = spec.path.replace(":session_id", "sess_AAAAAAAAAAAAAAAAAAAAAAAA").replace("*", "x/y")
          for (const token of tokens) {
            const r = yield* call(spec.method, path, spec.method === "POST" ? {} : undefined, token === "" ? {} : { authorization: token })
            expect4xx({ name: `${spec.id} with ${JSON.stringify(token)}`, method: spec.method, path }, r)
            assert.strictEqual(r.status, 401)
            n++
          }
        }
        assert.isAtLeast(n, 100)
        assert.strictEqual((yield* call("GET", "/health")).status, 200)
      }), { timeout: 120_000 })
  })
})
