import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Logger, Redacted } from "effect"
import {
  type AppointmentFailureReason,
  AppointmentPhaseFailed,
  BrowserCrashed,
  OperationTimedOut,
  SessionNotFound,
  toSeedBody
} from "../../../src/domain/Errors.ts"
import {
  afterSubmit,
  fingerprintBody,
  submitNotDone,
  missingFields,
  parseContainerType,
  phaseFieldsOf,
  wizardFields
} from "../../../src/services/operations/Appointments.ts"

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

describe("after Submit (guards trust #2: only final outcomes, never a double booking)", () => {
  const context = { sessionId: "sess_abc", appointmentSessionId: "appt_abc", currentPhase: 3 }
  const atSubmit = (reason: AppointmentFailureReason) =>
    new AppointmentPhaseFailed({ ...context, phase: 3, step: "Submit", reason, detail: "d" })
  // The defect's error line is expected here: keep it out of the test output.
  const settle = (cause: Cause.Cause<unknown>) => Effect.runSync(Effect.flip(afterSubmit(cause)).pipe(Effect.provide(Logger.layer([]))))

  it("a Submit the portal answered with an error or refused to send is 'not done' (the key is released)", () => {
    assert.isTrue(submitNotDone(atSubmit("portal_error")))
    assert.isTrue(submitNotDone(atSubmit("not_advanced")))
    for (const reason of ["not_confirmed", "slot_unavailable", "rejected", "field_not_found"] as const) assert.isFalse(submitNotDone(atSubmit(reason)), reason)
    assert.isFalse(submitNotDone(new AppointmentPhaseFailed({ phase: 2, step: "Next button", reason: "portal_error", detail: "d" })))
    assert.isFalse(submitNotDone(new OperationTimedOut({ operation: "make_appointment", phase: "appointment:submit", timeoutMillis: 1 })))
  })

  it("the Submit step's own verdicts stay as they are", () => {
    for (const reason of ["portal_error", "not_advanced", "slot_unavailable", "rejected", "not_confirmed"] as const) {
      assert.deepStrictEqual(settle(Cause.fail(atSubmit(reason))), atSubmit(reason))
    }
  })

  it("an unknown outcome (timeout, crash, lost session, defect, interruption) becomes not_confirmed, final and with its context", () => {
    for (const cause of [
      Cause.fail(new OperationTimedOut({ ...context, operation: "make_appointment", phase: "appointment:submit", timeoutMillis: 1000 })),
      Cause.fail(new BrowserCrashed({ ...context })),
      Cause.fail(new SessionNotFound({ ...context })),
      Cause.die(new Error("boom")),
      Cause.interrupt()
    ] as ReadonlyArray<Cause.Cause<unknown>>) {
      const e = settle(cause)
      assert.strictEqual(e._tag, "AppointmentPhaseFailed")
      const body = toSeedBody(e)
      assert.strictEqual(body.error_type, "not_confirmed")
      assert.isFalse(body.retryable)
      assert.include(body.error, "check My Appointments before trying again")
      if (Cause.hasFails(cause)) assert.strictEqual(body.session_id, "sess_abc")
    }
  })
})
