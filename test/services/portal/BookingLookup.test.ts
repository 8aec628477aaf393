import { assert, describe, it } from "@effect/vitest"
import { type AppointmentTable, matchBooking } from "../../../src/services/portal/BookingLookup.ts"

/** My Appointments as the simulator renders it: a checkbox column first (no header text). */
const headers = ["", "Appointment #", "Appointment Time", "Terminal", "Move Type", "Container / Booking", "Truck Plate", "Trucking Company", "Status"]
const row = (id: string, time: string, unit: string, plate: string, status = "SCHEDULED") => ({
  cells: ["", id, time, "ITS Long Beach", "PICK FULL", unit, plate, "K & R TRANSPORTATION LLC", status],
  ids: [id]
})
const table: AppointmentTable = {
  headers,
  rows: [
    row("APPT-3", "Friday 10/24/2025 18:30 - 19:30", "MSDU7654321", "7X82346"),
    row("APPT-2", "Friday 10/24/2025 08:00 - 09:00", "MSDU1234567, TGHU0000001", "9E43369"),
    row("APPT-1", "Friday 10/24/2025 08:00 - 09:00", "MSDU1234567", "7X82346", "CANCELLED")
  ]
}

describe("BookingLookup.matchBooking", () => {
  it("finds the row with the submitted slot, the workflow's unit and its plate", () => {
    assert.deepStrictEqual(matchBooking(table, { time: "Friday 10/24/2025 18:30 - 19:30", units: ["msdu7654321"], plate: "7x82346" }), {
      confirmation: "APPT-3",
      time: "Friday 10/24/2025 18:30 - 19:30"
    })
    // Whitespace and case do not matter; every container of a multi-container booking must be named.
    assert.strictEqual(matchBooking(table, { time: "friday 10/24/2025  08:00 - 09:00", units: ["MSDU1234567", "TGHU0000001"], plate: undefined })?.confirmation, "APPT-2")
  })

  it("finds nothing when the time, the unit or the plate differs, or the row was cancelled", () => {
    assert.isUndefined(matchBooking(table, { time: "Friday 10/24/2025 19:30 - 20:30", units: ["MSDU7654321"], plate: "7X82346" }), "another time")
    assert.isUndefined(matchBooking(table, { time: "Friday 10/24/2025 18:30 - 19:30", units: ["MSDU0000000"], plate: "7X82346" }), "another unit")
    assert.isUndefined(matchBooking(table, { time: "Friday 10/24/2025 18:30 - 19:30", units: ["MSDU7654321"], plate: "9E43369" }), "another plate")
    assert.isUndefined(matchBooking(table, { time: "Friday 10/24/2025 08:00 - 09:00", units: ["MSDU1234567"], plate: "7X82346" }), "cancelled")
    assert.isUndefined(matchBooking({ headers: [], rows: [] }, { time: "x", units: [], plate: undefined }), "an empty list")
  })
})
