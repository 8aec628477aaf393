import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { ArtifactStore } from "../../../src/services/ArtifactStore.ts"
import { Idempotency } from "../../../src/services/Idempotency.ts"
import { controlCharacterField } from "../../../src/services/operations/Kit.ts"
import { PortalHealth } from "../../../src/services/PortalHealth.ts"
import { PortalOperations } from "../../../src/services/PortalOperations.ts"
import { FakePortal } from "../../../src/services/PortalDriver.ts"
import { poolLayer } from "../../utils/PoolHarness.ts"

const operations = PortalOperations.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(ArtifactStore.layer, Idempotency.layer, PortalHealth.layerTest)),
  Layer.provideMerge(poolLayer())
)

describe("Kit", () => {
  it("controlCharacterField names the first credential field with a control character", () => {
    assert.isUndefined(controlCharacterField({ username: "demo", password: Redacted.make("pw"), captcha_api_key: Redacted.make("k") }))
    assert.strictEqual(controlCharacterField({ username: "de\u0000mo" }), "username")
    assert.strictEqual(controlCharacterField({ username: "demo", password: Redacted.make("p\u007fw") }), "password")
    assert.strictEqual(controlCharacterField({ captcha_api_key: Redacted.make("k\n") }), "captcha_api_key")
  })

  it.effect("guards trust #4: an embedding caller (no transport schema) cannot log in with control characters either", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const e = yield* Effect.flip(ops.getSession({ username: "de\u0000mo", password: Redacted.make("pw"), captcha_api_key: Redacted.make("k") }))
      assert.strictEqual(e._tag, "InvalidOperationInput")
      assert.strictEqual(e._tag === "InvalidOperationInput" ? e.field : undefined, "username")
      assert.deepStrictEqual((yield* (yield* FakePortal).state).logins, {})
    }).pipe(Effect.provide(operations)))
})
