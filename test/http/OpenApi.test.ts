/**
 * The OpenAPI 3.1 document generated from the REST contract, checked as an API tool would check
 * it: Redocly's recommended rules (0 errors, 0 warnings), every example valid against its schema,
 * a description on every request and response field, no string-typed Infinity/NaN in numbers,
 * servers and a license, every route of the contract, and the conditional rules of the requests
 * (credentials or session_id, the wizard's fields) stated in the schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Endpoints, openApiDocument } from "../../src/http/PortalApi.ts"

const doc = openApiDocument()

type Json = Record<string, any>

const operations = (): ReadonlyArray<{ readonly path: string; readonly method: string; readonly op: Json }> =>
  Object.entries<Json>(doc.paths).flatMap(([path, item]) => Object.entries<Json>(item).map(([method, op]) => ({ path, method, op })))

const pointer = (...parts: ReadonlyArray<string>) => "openapi#/" + parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")

/** An Ajv that knows the whole document, so `#/components/...` references resolve. */
const ajv = () => {
  const a = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  a.addSchema(JSON.parse(JSON.stringify(doc).replaceAll("\"#/components/", "\"openapi#/components/")), "openapi")
  return a
}

/** Resolves a `$ref` to a component (one level). */
const deref = (schema: Json): Json =>
  typeof schema.$ref === "string" ? doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")] : schema

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with 0 errors and 0 warnings", () => {
    const dir = mkdtempSync(join(tmpdir(), "emodal-openapi-"))
    try {
      const file = join(dir, "openapi.json")
      writeFileSync(file, JSON.stringify(doc))
      let out: string
      try {
        out = execFileSync("node_modules/.bin/redocly", ["lint", file, "--format=json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      } catch (e) {
        out = String((e as { stdout?: string }).stdout)
      }
      const report = JSON.parse(out)
      const problems = (report.problems as ReadonlyArray<Json>).map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`)
      assert.deepStrictEqual(problems, [])
      assert.deepInclude(report.totals, { errors: 0, warnings: 0 })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("names its servers and license, and declares every route of the contract", () => {
    assert.strictEqual(doc.openapi, "3.1.0")
    assert.isAbove(doc.servers.length, 0)
    assert.strictEqual(doc.info.license.name, "MIT")
    for (const e of Endpoints) {
      const path = e.path.replace(/:([a-z_]+)/g, "{$1}")
      assert.property(doc.paths[path] ?? {}, e.method.toLowerCase(), `${e.method} ${path}`)
    }
    assert.strictEqual(operations().length, Endpoints.length)
  })

  it("every example validates against its schema", () => {
    const a = ajv()
    let checked = 0
    for (const { path, method, op } of operations()) {
      const media = [
        ...Object.entries<Json>(op.requestBody?.content ?? {}).map(([type, m]) => ({ where: ["paths", path, method, "requestBody", "content", type], m })),
        ...Object.entries<Json>(op.responses).flatMap(([status, r]) =>
          Object.entries<Json>(r.content ?? {}).map(([type, m]) => ({ where: ["paths", path, method, "responses", status, "content", type], m }))
        )
      ]
      for (const { where, m } of media) {
        const examples = [...(m.example !== undefined ? [m.example] : []), ...Object.values<Json>(m.examples ?? {}).map((e) => e.value)]
        for (const example of examples) {
          const ok = a.validate({ $ref: pointer(...where, "schema") }, example)
          assert.isTrue(ok, `${method.toUpperCase()} ${path} ${where.slice(4).join(" ")}: ${a.errorsText(a.errors)}`)
          checked++
        }
      }
    }
    const bodies = Endpoints.filter((e) => e.body !== undefined).length
    assert.isAtLeast(checked, bodies + Endpoints.length - 1, "an example per request body and per success answer (files has none)")
  })

  it("describes every request and response field", () => {
    const missing: Array<string> = []
    const seen = new Set<Json>()
    const visit = (schema: Json | undefined, where: string) => {
      if (schema === undefined || typeof schema !== "object") return
      const s = deref(schema)
      if (seen.has(s)) return
      seen.add(s)
      for (const [name, property] of Object.entries<Json>(s.properties ?? {})) {
        const p = deref(property)
        if (typeof (property.description ?? p.description) !== "string") missing.push(`${where}.${name}`)
        visit(p, `${where}.${name}`)
        if (p.items !== undefined) visit(p.items, `${where}.${name}[]`)
        for (const alt of p.anyOf ?? []) visit(alt, `${where}.${name}`)
      }
      for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) visit(alt, where)
    }
    for (const { path, method, op } of operations()) {
      for (const [type, m] of Object.entries<Json>(op.requestBody?.content ?? {})) visit(m.schema, `${method} ${path} request ${type}`)
      for (const [status, r] of Object.entries<Json>(op.responses)) {
        for (const [type, m] of Object.entries<Json>(r.content ?? {})) visit(m.schema, `${method} ${path} ${status} ${type}`)
      }
      for (const p of op.parameters ?? []) if (typeof p.description !== "string" && typeof p.schema?.description !== "string") missing.push(`${method} ${path} parameter ${p.name}`)
    }
    assert.deepStrictEqual([...new Set(missing)], [])
  })

  it("types numbers as numbers: no string-typed Infinity or NaN", () => {
    const text = JSON.stringify(doc)
    for (const word of ["\"Infinity\"", "\"-Infinity\"", "\"NaN\""]) assert.notInclude(text, word)
  })

  it("states the conditional rules the operations layer enforces", () => {
    const a = ajv()
    const valid = (id: string, body: unknown) => {
      const e = Endpoints.find((x) => x.id === id)!
      const path = e.path.replace(/:([a-z_]+)/g, "{$1}")
      return a.validate({ $ref: pointer("paths", path, e.method.toLowerCase(), "requestBody", "content", "application/json", "schema") }, body)
    }
    const creds = { username: "demo", password: "demo", captcha_api_key: "demo" }
    // Credentials or session_id.
    assert.isFalse(valid("get_container_timeline", { container_id: "MSDU1234567" }))
    assert.isFalse(valid("get_container_timeline", { username: "demo", container_id: "MSDU1234567" }))
    assert.isTrue(valid("get_container_timeline", { ...creds, container_id: "MSDU1234567" }))
    assert.isTrue(valid("get_container_timeline", { session_id: "sess_x", container: "MSDU1234567" }))
    assert.isFalse(valid("get_container_timeline", { session_id: "sess_x", container_id: "  ", container: "MSDU1234567" }), "a blank container_id wins over its alias")
    // The wizard: a new workflow needs its fields, a resume only its id; an export's time names its date.
    const wizard = { container_type: "import", trucking_company: "K", terminal: "T", move_type: "PICK FULL", container_id: "MSDU1234567", truck_plate: "" }
    assert.isTrue(valid("check_appointments", { ...creds, ...wizard }))
    assert.isFalse(valid("check_appointments", { ...creds, ...wizard, container_type: undefined }))
    assert.isFalse(valid("check_appointments", { ...creds, ...wizard, truck_plate: undefined }))
    assert.isTrue(valid("check_appointments", { ...creds, ...wizard, container_id: undefined, line: "MAEU", equip_size: "40HC" }))
    assert.isFalse(valid("check_appointments", { ...creds, ...wizard, container_type: "export" }), "an export needs its booking number")
    assert.isTrue(valid("check_appointments", { appointment_session_id: "appt_x", truck_plate: "ABC123" }))
    assert.isFalse(valid("make_appointment", { appointment_session_id: "appt_x" }), "make_appointment always needs the time")
    assert.isTrue(valid("make_appointment", { appointment_session_id: "appt_x", appointment_time: "Monday 11/23/2026 08:00 - 09:00" }))
    assert.isTrue(valid("make_appointment", { ...creds, ...wizard, container_type: undefined, appointment_time: "08:00" }), "a new booking defaults to import")
    const exportBooking = { ...creds, ...wizard, container_type: "export", container_id: undefined, booking_number: "RIC1" }
    assert.isFalse(valid("make_appointment", { ...exportBooking, appointment_time: "08:00 - 09:00" }))
    assert.isTrue(valid("make_appointment", { ...exportBooking, appointment_time: "Friday 10/24/2025 18:30 - 19:30" }))
    // Bulk: at least one container; prototype keys never.
    assert.isFalse(valid("get_info_bulk", { ...creds, import_containers: [], export_containers: [] }))
    assert.isTrue(valid("get_info_bulk", { ...creds, export_containers: ["HMMU9048448"] }))
    assert.isFalse(valid("get_session", JSON.parse('{"username":"a","password":"b","__proto__":{"x":1}}')))
    assert.isTrue(valid("get_session", { ...creds, keep_browser_alive: true }), "unknown fields are accepted, as the server ignores them")
  })
})
