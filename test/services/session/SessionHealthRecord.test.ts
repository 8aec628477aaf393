import { describe, it, assert } from "@effect/vitest"
import * as Health from "../../../src/services/session/SessionHealthRecord.ts"

const fresh = Health.initial(1_000, 5_000)

describe("SessionHealthRecord", () => {
  it("operations count as use; refreshes and upkeep never do", () => {
    const used = Health.afterMessage(fresh, "operation", "succeeded", 9_000)
    assert.strictEqual(used.uses, 1)
    assert.strictEqual(used.lastUsed, 9_000)
    for (const kind of ["refresh", "snapshot", "upkeep", "login"] as const) {
      const other = Health.afterMessage(fresh, kind, "succeeded", 9_000)
      assert.strictEqual(other.uses, 0, kind)
      assert.strictEqual(other.lastUsed, 5_000, kind)
    }
    assert.strictEqual(Health.afterMessage(fresh, "refresh", "succeeded", 9_000).lastRefresh, 9_000)
    assert.strictEqual(Health.afterMessage(fresh, "refresh", "failed_badly", 9_000).lastRefresh, 5_000)
  })

  it(`retires after ${Health.RETIRE_AFTER_CONSECUTIVE_ERRORS} browser-level failures in a row; a success resets, a business failure does not count`, () => {
    let h = fresh
    for (let i = 0; i < Health.RETIRE_AFTER_CONSECUTIVE_ERRORS - 1; i++) h = Health.afterMessage(h, "operation", "failed_badly", 6_000)
    assert.isFalse(Health.shouldRetire(h))
    h = Health.afterMessage(h, "operation", "failed", 6_000)
    assert.isFalse(Health.shouldRetire(h), "a business failure neither counts nor resets")
    assert.isTrue(Health.shouldRetire(Health.afterMessage(h, "operation", "failed_badly", 6_000)))
    assert.strictEqual(Health.afterMessage(h, "operation", "succeeded", 6_000).consecutiveErrors, 0)
  })

  it("the summary shows no query string and no about: page, and busy for every holder", () => {
    const facts = { sessionId: "sess_x", username: "u", health: fresh, settings: { neverTerminate: false, keepAlive: true }, queued: 0, now: 62_000 }
    const s = Health.summaryOf({ ...facts, state: "refreshing", url: "https://portal.example/app/containers?token=secret" })
    assert.strictEqual(s.current_url, "https://portal.example/app/containers")
    assert.isTrue(s.busy)
    assert.strictEqual(s.age_seconds, 61)
    assert.strictEqual(s.created_at, "1970-01-01T00:00:01.000Z")
    assert.isNull(Health.summaryOf({ ...facts, state: "ready", url: "about:blank" }).current_url)
    assert.isFalse(Health.summaryOf({ ...facts, state: "ready", url: "not a url" }).busy)
  })
})
