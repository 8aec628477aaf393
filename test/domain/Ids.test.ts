import { describe, it, assert } from "@effect/vitest"
import { Schema } from "effect"
import {
  AppointmentSessionId,
  isSessionId,
  makeAppointmentSessionId,
  makeSessionId
} from "../../src/domain/Ids.ts"

describe("Ids", () => {
  it("makes 10^5 session ids with no duplicates, the URL-safe alphabet and ≥128 bits", () => {
    const n = 100_000
    const seen = new Set<string>()
    const counts = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const id = makeSessionId()
      assert.match(id, /^sess_[A-Za-z0-9_-]{24}$/)
      seen.add(id)
      for (const ch of id.slice(5)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    }
    assert.strictEqual(seen.size, n)
    // 24 base64url characters carry 144 bits. Every one of the 64 symbols must show up, and none
    // may be far from the uniform share (a stuck or biased generator fails this by a wide margin).
    assert.strictEqual(counts.size, 64)
    const expected = (n * 24) / 64
    for (const [ch, c] of counts) {
      assert.isTrue(Math.abs(c - expected) / expected < 0.05, `symbol ${ch} appears ${c} times, expected ≈${expected}`)
    }
  })

  it("makes appointment workflow ids that decode with their schema and differ from session ids", () => {
    const a = makeAppointmentSessionId()
    assert.strictEqual(Schema.decodeUnknownSync(AppointmentSessionId)(a), a)
    assert.isFalse(isSessionId(a))
    assert.isTrue(isSessionId(makeSessionId()))
  })

  it("rejects the seed's guessable session id shape", () => {
    assert.isFalse(isSessionId("session_1696789012_-4213337"))
    assert.isFalse(isSessionId("sess_short"))
    assert.isFalse(isSessionId("sess_" + "a".repeat(23) + "!"))
  })
})
