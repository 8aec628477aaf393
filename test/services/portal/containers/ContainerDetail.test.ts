import { assert, it } from "@effect/vitest"
import { bookingValue, buildTimeline, dividerStatus, type RawMilestone } from "../../../../src/services/portal/containers/ContainerDetail.ts"

it("dividerStatus: exact class tokens (the seed's dividerflowcolor2 bug is not repeated)", () => {
  assert.strictEqual(dividerStatus(["timeline-divider", "dividerflowcolor"]), "completed")
  assert.strictEqual(dividerStatus(["timeline-divider", "horizontalconflow"]), "pending")
  assert.strictEqual(dividerStatus(["timeline-divider", "dividerflowcolor", "horizontalconflow"]), "pending")
  assert.strictEqual(dividerStatus(["timeline-divider", "dividerflowcolor2"]), "ambiguous")
  assert.strictEqual(dividerStatus(["timeline-divider", "dividerflowcolor3"]), "ambiguous")
  assert.strictEqual(dividerStatus(["timeline-divider"]), "ambiguous")
  assert.strictEqual(dividerStatus(null), "ambiguous")
})

const m = (name: string, date: string, divider: ReadonlyArray<string> | null): RawMilestone => ({ name, date, divider })

it("buildTimeline: newest first; an ambiguous Pregate takes the image verdict, other ambiguous ones are pending", () => {
  const raw = [
    m("Discharged", "11/02/2026 11:28", ["dividerflowcolor"]),
    m("Pregate", "11/05/2026", ["dividerflowcolor3"]),
    m("Departed Terminal", "", null),
    m("Empty Received", "N/A", ["horizontalconflow"])
  ]
  assert.deepStrictEqual(buildTimeline(raw, true), [
    { milestone: "Empty Received", date: "N/A", status: "pending" },
    { milestone: "Departed Terminal", date: "N/A", status: "pending" },
    { milestone: "Pregate", date: "11/05/2026", status: "completed" },
    { milestone: "Discharged", date: "11/02/2026 11:28", status: "completed" }
  ])
  assert.strictEqual(buildTimeline(raw, false)[2]!.status, "pending")
  assert.strictEqual(buildTimeline(raw)[2]!.status, "pending")
  assert.deepStrictEqual(buildTimeline([]), [])
})

it("bookingValue: N/A, empty and absent are null", () => {
  assert.strictEqual(bookingValue({ label: true, value: "RICFEM857500" }), "RICFEM857500")
  assert.strictEqual(bookingValue({ label: true, value: " 510476551 " }), "510476551")
  assert.isNull(bookingValue({ label: true, value: "N/A" }))
  assert.isNull(bookingValue({ label: true, value: " " }))
  assert.isNull(bookingValue({ label: true, value: null }))
})
