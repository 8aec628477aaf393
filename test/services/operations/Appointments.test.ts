import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Logger } from "effect"
import { type AppointmentFailureReason, AppointmentPhaseFailed, BrowserCrashed, OperationTimedOut, SessionNotFound } from "../../../src/domain/Errors.ts"
import { toSeedBody } from "../../../src/domain/ErrorSpecs.ts"
import { afterSubmit, submitNotDone } from "../../../src/services/operations/Appointments.ts"

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
