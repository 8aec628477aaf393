/**
 * The HTTP form of every error: the schema HttpApi encodes an error with gives exactly the seed
 * body the service has always sent (the one `toSeedBody` renders) and the error's status, and the
 * REST client's decoding of that body renders the same body again.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as E from "../../src/domain/Errors.ts"
import * as Specs from "../../src/domain/ErrorSpecs.ts"
import { decodeErrorBody } from "../../src/http/ApiErrors.ts"
import { edgeSeedBody, edgeStatusOf, PayloadTooLarge, RouteNotFound, Unauthorized } from "../../src/http/EdgeErrors.ts"
import { openApiDocument } from "../../src/http/PortalApi.ts"

const samples: ReadonlyArray<E.PortalError> = [
  new E.InvalidOperationInput({ detail: "Missing required fields: username, password", missingFields: ["username", "password"] }),
  new E.InvalidOperationInput({ detail: "Invalid field 'target_count': Expected an integer", field: "target_count", sessionId: "sess_x" }),
  new E.SessionNotFound({ sessionId: "sess_x" }),
  new E.FileNotFound({}),
  new E.ContainerNotFound({ containerId: "MSDU1234567", sessionId: "sess_x", isNewSession: false }),
  new E.IdempotencyConflict({}),
  new E.WorkflowExpired({ appointmentSessionId: "appt_x" }),
  new E.AppointmentFieldsMissing({ phase: 2, missing: ["truck_plate"], sessionId: "sess_x", isNewSession: true, appointmentSessionId: "appt_x", currentPhase: 2 }),
  ...E.LoginErrorKind.literals.map((reason) => new E.LoginFailed({ reason, detail: "" })),
  ...E.CaptchaFailureReason.literals.map((reason) => new E.CaptchaFailed({ reason, detail: "ERROR_X" })),
  new E.PoolExhausted({ reason: "pool_full", retryAfterSeconds: 7, maxSessions: 10 }),
  new E.PoolExhausted({ reason: "session_queue_full", retryAfterSeconds: 3, maxSessions: 10 }),
  new E.SessionExpired({ sessionId: "sess_x", detail: "relogin failed" }),
  new E.BrowserCrashed({ sessionId: "sess_x" }),
  new E.PortalChanged({ selector: "div#searchres", phase: "containers:scroll" }),
  new E.PortalUnavailable({ detail: "HTTP 500 on /trucker/web/addvisit" }),
  new E.PortalRejected({ reason: "no_pregate_milestone", detail: "An export has no Pregate milestone" }),
  new E.OperationTimedOut({ operation: "get_containers", phase: "scroll", timeoutMillis: 1000 }),
  ...E.AppointmentFailureReason.literals.map((reason) =>
    new E.AppointmentPhaseFailed({ phase: 1, step: "Terminal", reason, detail: "Option 'X' not found", availableOptions: ["A", "B"], appointmentSessionId: "appt_x" })
  ),
  new E.TruckPlateNotOffered({
    plate: "XYZ789",
    offered: ["7X82346", "ABC1234"],
    offeredCount: 2,
    sessionId: "sess_x",
    appointmentSessionId: "appt_x",
    currentPhase: 2
  }),
  new E.BookingOutcomeUnknown({ check: "an appointment for MSDU1234567 at Friday 10/24/2025 18:30 - 19:30", sessionId: "sess_x", appointmentSessionId: "appt_x" }),
  new E.StorageFailed({ detail: "The result file could not be stored on the server" }),
  new E.StorageUnavailable({ operation: "", detail: "The service's database is unavailable; nothing was changed" }),
  new E.InternalError({})
]

describe("ApiErrors", () => {
  it("covers every domain error", () => {
    assert.deepStrictEqual(new Set(samples.map((s) => s._tag)), new Set(Object.keys(Specs.ErrorSpecs)))
  })

  for (const e of samples) {
    it(`${e._tag} (${Specs.errorTypeOf(e)}): the seed body and status, and back`, () => {
      const status = Specs.statusOf(e)
      const body = Specs.toSeedBody(e)
      const back = decodeErrorBody(status, JSON.parse(JSON.stringify(body)))
      assert.strictEqual(back._tag, e._tag)
      assert.deepStrictEqual(Specs.toSeedBody(back as E.PortalError), body)
    })
  }

  it("the edge's errors too", () => {
    for (const e of [new Unauthorized({}), new RouteNotFound({ method: "GET", path: "/nope" }), new PayloadTooLarge({ limitBytes: 1_048_576 })]) {
      const back = decodeErrorBody(edgeStatusOf(e), edgeSeedBody(e))
      assert.strictEqual(back._tag, e._tag)
      assert.deepStrictEqual(edgeSeedBody(back as typeof e), edgeSeedBody(e))
    }
  })

  it("the document's error bodies accept the bodies the service sends", () => {
    const doc = openApiDocument()
    const components = doc.components.schemas as Record<string, { properties: Record<string, { enum?: ReadonlyArray<string>; const?: string }> }>
    for (const e of samples) {
      const type = Specs.errorTypeOf(e)
      const declaring = Object.entries(components).filter(([name, c]) =>
        name.endsWith("Error") && c.properties?.error_type !== undefined &&
        (c.properties.error_type.enum === undefined || c.properties.error_type.enum.includes(type))
      )
      assert.isAbove(declaring.length, 0, `${e._tag} ${type}`)
    }
    assert.isTrue(Schema.is(Schema.String)(doc.paths["/get_session"].post.responses["503"].headers["Retry-After"].description))
  })
})
