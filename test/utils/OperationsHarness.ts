/**
 * PortalOperations over the fake portal (`PortalDriver.layerTest`) and the fake browser: the real
 * operations, pool and actor, no Chrome. DATA_DIR is a temporary directory removed with the layer.
 * `fault` sets one of the fake portal's fault switches.
 */
import { Effect, Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ArtifactStore } from "../../src/services/ArtifactStore.ts"
import { Idempotency } from "../../src/services/Idempotency.ts"
import type { RequestContext } from "../../src/services/operations/Kit.ts"
import { type FakeFaults, FakePortal, type FakePortalState } from "../../src/services/PortalDriver.ts"
import { PortalHealth } from "../../src/services/PortalHealth.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import { poolLayer } from "./PoolHarness.ts"

/** The operations over the fake pool and portal, with a DATA_DIR of their own. */
export const operationsLayer = (env: Record<string, string> = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-ops-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    return PortalOperations.layer.pipe(
      Layer.provideMerge(Layer.mergeAll(ArtifactStore.layer, Idempotency.layer, PortalHealth.layerTest)),
      Layer.provideMerge(poolLayer({ DATA_DIR: dir, ...env }))
    )
  }))

export const context: RequestContext = { baseUrl: "http://127.0.0.1:5010", requestId: "unit" }

/** A request's credentials for the fake portal ("wrong" as the password fails the login). */
export const login = (username: string, password = "pw") => ({
  username,
  password: Redacted.make(password),
  captcha_api_key: Redacted.make("solver-key")
})

/** Sets the fault switch of `flow`: it fails with `error` (every call, or the next `times`). */
export const fault = <K extends keyof FakeFaults>(flow: K, error: NonNullable<FakeFaults[K]>["error"], times?: number) =>
  portal((s) => ({ ...s, faults: { ...s.faults, [flow]: { error, times } } }))

/** Changes the fake portal's state. */
export const portal = (f: (s: FakePortalState) => FakePortalState) =>
  Effect.gen(function*() {
    yield* (yield* FakePortal).update(f)
  })

/** The fake portal's state now. */
export const portalState = Effect.gen(function*() {
  return yield* (yield* FakePortal).state
})
