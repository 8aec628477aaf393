import { assert, describe, it } from "@effect/vitest"
import { selectionOf } from "../../../src/services/operations/MyAppointments.ts"
import { findRow, normalizeAppointmentId, spreadsheetFormat, wantedRows } from "../../../src/services/portal/MyAppointments.ts"

describe("My Appointments helpers", () => {
  it("normalises appointment ids: no whitespace, upper-case", () => {
    assert.strictEqual(normalizeAppointmentId("  em 1234 5678 "), "EM12345678")
  })

  it("finds a row by any of its ids, ignoring case and spaces; -1 when absent or blank", () => {
    const rows = [["EM10000001", "row-a"], ["EM10000002"], [], ["EM10000004", "42"]]
    assert.strictEqual(findRow(rows, "em10000002"), 1)
    assert.strictEqual(findRow(rows, " EM1000 0004 "), 3)
    assert.strictEqual(findRow(rows, "42"), 3)
    assert.strictEqual(findRow(rows, "EM99999999"), -1)
    assert.strictEqual(findRow(rows, "   "), -1)
    assert.strictEqual(findRow([], "EM10000001"), -1)
  })

  it("wants every row, the first N (at most what is listed), or the matched row", () => {
    assert.deepStrictEqual(wantedRows({ _tag: "all" }, 3, -1), [0, 1, 2])
    assert.deepStrictEqual(wantedRows({ _tag: "count", count: 2 }, 5, -1), [0, 1])
    assert.deepStrictEqual(wantedRows({ _tag: "count", count: 9 }, 4, -1), [0, 1, 2, 3])
    assert.deepStrictEqual(wantedRows({ _tag: "id", appointmentId: "x" }, 5, 3), [3])
    assert.deepStrictEqual(wantedRows({ _tag: "id", appointmentId: "x" }, 5, -1), [])
  })

  it("tells an xlsx (zip) and an xls (OLE2) from an error page", () => {
    assert.strictEqual(spreadsheetFormat(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14])), "xlsx")
    assert.strictEqual(spreadsheetFormat(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1])), "xls")
    assert.strictEqual(spreadsheetFormat(new TextEncoder().encode("<html>")), null)
    assert.strictEqual(spreadsheetFormat(new TextEncoder().encode("{\"error\":1}")), null)
    assert.strictEqual(spreadsheetFormat(new Uint8Array(0)), null)
  })

  it("picks the seed's mode: appointment id, then count, then all (a blank id counts as absent)", () => {
    assert.deepStrictEqual(selectionOf({}), { _tag: "all" })
    assert.deepStrictEqual(selectionOf({ infinite_scrolling: false }), { _tag: "all" })
    assert.deepStrictEqual(selectionOf({ target_count: 5 }), { _tag: "count", count: 5 })
    assert.deepStrictEqual(selectionOf({ target_count: 5, target_appointment_id: " EM1 " }), { _tag: "id", appointmentId: "EM1" })
    assert.deepStrictEqual(selectionOf({ target_count: 5, target_appointment_id: "  " }), { _tag: "count", count: 5 })
  })
})
