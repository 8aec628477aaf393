import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import {
  fingerprintBody,
  missingFields,
  parseContainerType,
  phaseFieldsOf,
  wizardFields
} from "../../../src/services/operations/AppointmentFields.ts"

describe("appointment request fields", () => {
  it("container_type is case-insensitive; anything else is invalid", () => {
    assert.strictEqual(parseContainerType("IMPORT"), "import")
    assert.strictEqual(parseContainerType(" Export "), "export")
    assert.strictEqual(parseContainerType("pickup"), "invalid")
    assert.isUndefined(parseContainerType(undefined))
  })

  it("phase 1: the selects, container_id for imports (or line + equip_size), booking_number for exports", () => {
    const base = { trucking_company: "K & R", terminal: "ITS Long Beach", move_type: "PICK FULL" }
    assert.deepStrictEqual(missingFields(1, "import", {}), ["trucking_company", "terminal", "move_type", "container_id"])
    assert.deepStrictEqual(missingFields(1, "import", { ...base, container_id: "MSDU1234567" }), [])
    assert.deepStrictEqual(missingFields(1, "import", { ...base, line: "MSCU", equip_size: "40GP" }), [], "alternative form: no container_id")
    assert.deepStrictEqual(missingFields(1, "import", { ...base, line: "MSCU" }), ["equip_size"])
    assert.deepStrictEqual(missingFields(1, "export", { ...base, container_id: "X" }), ["booking_number"])
    assert.deepStrictEqual(missingFields(1, "import", { ...base, terminal: "  ", container_id: "X" }), ["terminal"])
  })

  it("phase 2 needs truck_plate, but \"\" is the wildcard, not missing; phase 3 (booking) needs appointment_time", () => {
    assert.deepStrictEqual(missingFields(2, "import", {}), ["truck_plate"])
    assert.deepStrictEqual(missingFields(2, "import", { truck_plate: "" }), [])
    assert.deepStrictEqual(missingFields(3, "import", {}, " "), ["appointment_time"])
    assert.deepStrictEqual(missingFields(3, "import", {}, "Friday 10/24/2025 18:30 - 19:30"), [])
  })

  it("phase data keeps only the wizard's fields, never credentials", () => {
    const d = phaseFieldsOf({
      username: "u",
      password: Redacted.make("pw"),
      captcha_api_key: Redacted.make("k"),
      container_type: "IMPORT",
      terminal: "ITS Long Beach",
      truck_plate: "",
      own_chassis: "false",
      debug: true
    })
    assert.deepStrictEqual(d, { container_type: "import", terminal: "ITS Long Beach", truck_plate: "", own_chassis: "false" })
    const f = wizardFields("import", d)
    assert.strictEqual(f.ownChassis, "NO")
    assert.strictEqual(f.truckPlate, "")
  })

  it("the idempotency fingerprint leaves out secrets, the key, debug and the caller's identity, and defaults container_type", () => {
    const a = fingerprintBody({ username: "u", password: Redacted.make("a"), request_id: "r1", terminal: " T ", appointment_time: "x" })
    const b = fingerprintBody({ session_id: "sess_x", password: Redacted.make("b"), request_id: "r2", debug: true, terminal: "T", container_type: "Import", appointment_time: "x" })
    assert.deepStrictEqual(a, b, "who asks is the principals' business, not the body's")
    assert.notProperty(a, "password")
    assert.notProperty(a, "request_id")
    assert.notDeepEqual(fingerprintBody({ terminal: "T", appointment_time: "y" }), a)
    assert.notDeepEqual(fingerprintBody({ terminal: "T", appointment_time: "x", appointment_session_id: "appt_1" }), a)
  })
})
