import { describe, it, assert } from "@effect/vitest"
import { Schema } from "effect"
import * as E from "../../src/domain/Errors.ts"
import * as Specs from "../../src/domain/ErrorSpecs.ts"
import { SessionId } from "../../src/domain/Ids.ts"

/** One sample of every error a caller can see; the test fails if a new tag is not covered. */
const samples: ReadonlyArray<E.PortalError> = [
  new E.InvalidOperationInput({ detail: "Invalid field 'target_count': Expected an integer", field: "target_count" }),
  new E.SessionNotFound({ sessionId: "sess_x" }),
  new E.FileNotFound({}),
  new E.ContainerNotFound({ containerId: "MSDU1234567", sessionId: "sess_x" }),
  new E.IdempotencyConflict({}),
  new E.WorkflowExpired({ appointmentSessionId: "appt_x" }),
  new E.AppointmentFieldsMissing({ phase: 2, missing: ["truck_plate"], sessionId: "sess_x", isNewSession: false, appointmentSessionId: "appt_x", currentPhase: 2 }),
  new E.LoginFailed({ reason: "invalid_credentials", detail: "Invalid username or password" }),
  new E.CaptchaFailed({ reason: "zero_balance", detail: "ERROR_ZERO_BALANCE" }),
  new E.PoolExhausted({ reason: "pool_full", retryAfterSeconds: 7, maxSessions: 10 }),
  new E.SessionExpired({ sessionId: "sess_x" }),
  new E.BrowserCrashed({ sessionId: "sess_x" }),
  new E.PortalChanged({ selector: "div#searchres", phase: "containers:scroll" }),
  new E.PortalUnavailable({ detail: "HTTP 500 on /trucker/web/addvisit", httpStatus: 500 }),
  new E.PortalRejected({ reason: "no_pregate_milestone", detail: "Container MSDU1234567 is an export: its timeline has no Pregate milestone" }),
  new E.OperationTimedOut({ operation: "get_containers", phase: "scroll", timeoutMillis: 1000 }),
  new E.AppointmentPhaseFailed({ phase: 1, step: "Terminal", reason: "option_not_found", detail: "Option 'X' not found in Terminal", availableOptions: ["A", "B"] }),
  new E.TruckPlateNotOffered({ plate: "XYZ789", offered: ["9E43369", "7X82346"], offeredCount: 2, appointmentSessionId: "appt_x", currentPhase: 2 }),
  new E.BookingOutcomeUnknown({ check: "an appointment for MSDU1234567 at Friday 10/24/2025 18:30 - 19:30 with truck plate 7X82346", appointmentSessionId: "appt_x" }),
  new E.StorageFailed({ detail: "EACCES" }),
  new E.StorageUnavailable({ operation: "IdempotencyStore.claim", detail: "ConnectionError" }),
  new E.InternalError({ requestId: "r1" })
]

describe("Errors", () => {
  it("has a sample for every declared error", () => {
    assert.deepStrictEqual(
      new Set(samples.map((s) => s._tag)),
      new Set(Object.keys(Specs.ErrorSpecs))
    )
  })

  for (const e of samples) {
    it(`renders ${e._tag} to the seed body`, () => {
      const body = Specs.toSeedBody(e)
      assert.strictEqual(body.success, false)
      assert.isString(body.error)
      assert.isAbove(body.error.length, 3)
      assert.match(body.error_type, /^[a-z_]+$/)
      assert.isBoolean(body.retryable)
      const status = Specs.statusOf(e)
      assert.isTrue(status >= 400 && status <= 599, `${e._tag} → ${status}`)
      // No internals: no tag, no stack, no class names, JSON-serialisable as is.
      const json = JSON.stringify(body)
      assert.notInclude(json, "_tag")
      assert.notInclude(json, "stack")
      assert.notInclude(json, "    at ")
      assert.deepStrictEqual(JSON.parse(json), body)
      // Every error survives the schema round trip RPC uses.
      const codec = Schema.toCodecJson(E.PortalError)
      const back = Schema.decodeUnknownSync(codec)(JSON.parse(JSON.stringify(Schema.encodeSync(codec)(e))))
      assert.strictEqual(back._tag, e._tag)
      assert.deepStrictEqual(Specs.toSeedBody(back), body)
    })
  }

  it("maps statuses as declared once", () => {
    const byTag = new Map(samples.map((s) => [s._tag, Specs.statusOf(s)]))
    assert.strictEqual(byTag.get("InvalidOperationInput"), 400)
    assert.strictEqual(byTag.get("LoginFailed"), 401)
    assert.strictEqual(byTag.get("SessionNotFound"), 404)
    assert.strictEqual(byTag.get("PortalRejected"), 422)
    assert.strictEqual(byTag.get("PoolExhausted"), 503)
    assert.strictEqual(byTag.get("PortalUnavailable"), 502)
    assert.strictEqual(byTag.get("OperationTimedOut"), 504)
    assert.strictEqual(byTag.get("InternalError"), 500)
    assert.strictEqual(byTag.get("BookingOutcomeUnknown"), 409)
    assert.strictEqual(byTag.get("StorageUnavailable"), 503)
  })

  it("keeps the seed's wording for appointment phase errors", () => {
    const one = Specs.toSeedBody(new E.AppointmentFieldsMissing({ phase: 2, missing: ["truck_plate"], currentPhase: 2, appointmentSessionId: "appt_1", sessionId: "sess_1", isNewSession: false }))
    assert.strictEqual(one.error, "Missing required field for Phase 2: truck_plate")
    assert.strictEqual(one.message, "Please provide truck_plate and retry with appointment_session_id")
    assert.strictEqual(one.current_phase, 2)
    assert.strictEqual(one.appointment_session_id, "appt_1")
    assert.strictEqual(one.session_id, "sess_1")
    assert.strictEqual(one.is_new_session, false)
    const two = Specs.toSeedBody(new E.AppointmentFieldsMissing({ phase: 1, missing: ["terminal", "move_type"] }))
    assert.strictEqual(two.error, "Missing required fields for Phase 1: terminal, move_type")
    const failed = Specs.toSeedBody(new E.AppointmentPhaseFailed({ phase: 1, step: "Terminal", reason: "option_not_found", detail: "Option 'X' not found in Terminal", availableOptions: ["A", "B"] }))
    assert.strictEqual(failed.error, "Phase 1 failed - Terminal: Option 'X' not found in Terminal")
    assert.deepStrictEqual(failed.available_options, ["A", "B"])
  })

  it("guards trust #7: a plate the portal does not offer is a 422 naming it and listing the offered plates", () => {
    const e = new E.TruckPlateNotOffered({ plate: "XYZ789", offered: ["9E43369", "7X82346"], offeredCount: 2, sessionId: "sess_1", appointmentSessionId: "appt_1", currentPhase: 2 })
    assert.strictEqual(Specs.statusOf(e), 422)
    const body = Specs.toSeedBody(e)
    assert.strictEqual(body.error, "Phase 2 failed - Truck plate: 'XYZ789' is not one of the 2 truck plates the portal offers for this trucking company")
    assert.strictEqual(body.error_type, "truck_plate_not_offered")
    assert.isFalse(body.retryable)
    assert.strictEqual(body.field, "truck_plate")
    assert.deepStrictEqual(body.available_options, ["9E43369", "7X82346"])
    assert.strictEqual(body.appointment_session_id, "appt_1")
    assert.strictEqual(body.current_phase, 2)
    assert.strictEqual(body.session_id, "sess_1")
  })

  it("renders login failures with the seed's kinds and a plain details value", () => {
    const body = Specs.toSeedBody(new E.LoginFailed({ reason: "vpn_required", detail: "" }))
    assert.strictEqual(body.error, "Authentication failed")
    assert.strictEqual(body.error_type, "vpn_required")
    assert.strictEqual(body.details, "vpn_required")
    assert.strictEqual(body.message, "Geographic restriction detected. VPN to US required.")
    assert.isFalse(body.retryable)
    assert.isTrue(Specs.toSeedBody(new E.LoginFailed({ reason: "network_error", detail: "x" })).retryable)
  })

  it("guards trust #8: only rejected credentials or captchas are 401; a portal outage at login is 502 portal_unavailable", () => {
    const status = (reason: E.LoginErrorKind) => Specs.statusOf(new E.LoginFailed({ reason, detail: "x" }))
    assert.strictEqual(status("invalid_credentials"), 401)
    assert.strictEqual(status("recaptcha_failed"), 401)
    assert.strictEqual(status("vpn_required"), 403)
    for (const reason of ["network_error", "unknown_error", "login_button_not_found", "page_load_error"] as const) {
      assert.strictEqual(status(reason), 502, reason)
    }
    assert.deepStrictEqual(Specs.possibleStatuses("LoginFailed"), [401, 403, 502])
    const outage = new E.PortalUnavailable({ detail: "the portal's identity host answered HTTP 503 at login", phase: "login", httpStatus: 503 })
    const body = Specs.toSeedBody(outage)
    assert.strictEqual(Specs.statusOf(outage), 502)
    assert.strictEqual(body.error_type, "portal_unavailable")
    assert.isTrue(body.retryable)
    assert.strictEqual(body.error, "Portal unavailable: the portal's identity host answered HTTP 503 at login")
    // The solver being down is not "bad credentials" either; a wrong solver key is.
    assert.strictEqual(Specs.statusOf(new E.CaptchaFailed({ reason: "unavailable", detail: "solver unreachable" })), 502)
    assert.strictEqual(Specs.statusOf(new E.CaptchaFailed({ reason: "timeout", detail: "x" })), 504)
    assert.strictEqual(Specs.statusOf(new E.CaptchaFailed({ reason: "wrong_key", detail: "x" })), 401)
  })

  it("carries retry-after on PoolExhausted", () => {
    const body = Specs.toSeedBody(new E.PoolExhausted({ reason: "pool_full", retryAfterSeconds: 12, maxSessions: 2 }))
    assert.strictEqual(body.retry_after, 12)
    assert.isTrue(body.retryable)
  })

  it("fills missing context without overriding what the inner layer set", () => {
    const inner = new E.OperationTimedOut({ operation: "x", phase: "scroll", timeoutMillis: 5, sessionId: "sess_inner" })
    const outerId = SessionId.make("sess_OUTER0000000000000000000")
    const outer = E.withContext(inner, { sessionId: outerId, isNewSession: true, currentPhase: 3 })
    assert.strictEqual(outer._tag, "OperationTimedOut")
    assert.instanceOf(outer, E.OperationTimedOut)
    assert.strictEqual(outer.sessionId, "sess_inner")
    assert.strictEqual(outer.isNewSession, true)
    assert.strictEqual(outer.currentPhase, 3)
    assert.strictEqual(outer.phase, "scroll")
    const complete = new E.SessionNotFound({ sessionId: "sess_a" })
    assert.strictEqual(E.withContext(complete, { sessionId: outerId }), complete, "nothing to fill: the same error")
  })
})
