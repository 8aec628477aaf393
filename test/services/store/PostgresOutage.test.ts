/**
 * Postgres stopped and started again under a running store: operations fail fast with the typed
 * StorageUnavailable while it is down, and work again without a restart of the service once it is
 * back (the pool opens new connections). Runs on a private throw-away cluster, so stopping it never
 * disturbs the other test files.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { StoreCheck } from "../../../src/services/health/StoreCheck.ts"
import { IdempotencyStore } from "../../../src/services/store/IdempotencyStore.ts"
import { SessionRegistry } from "../../../src/services/store/SessionRegistry.ts"
import { WorkflowStore } from "../../../src/services/store/WorkflowStore.ts"
import { canStartPostgres, pgCluster, storeLayer } from "../../utils/StoreBackends.ts"

describe.runIf(canStartPostgres())("SqlStore on Postgres that stops and comes back", () => {
  it.live("fails typed and fast while Postgres is down, and recovers by itself when it returns", () =>
    Effect.gen(function*() {
      const cluster = yield* pgCluster
      const ctx = yield* Layer.build(
        Layer.mergeAll(
          IdempotencyStore.layerWith({ lease: Duration.minutes(6) }),
          SessionRegistry.layer,
          WorkflowStore.layerWith({ ttl: Duration.minutes(10), sweeper: false }),
          StoreCheck.layerSql
        ).pipe(
          Layer.provideMerge(storeLayer({ backend: "postgres", url: Redacted.make(cluster.url) }))
        )
      )
      const idempotency = Context.get(ctx, IdempotencyStore)
      const registry = Context.get(ctx, SessionRegistry)
      const workflows = Context.get(ctx, WorkflowStore)
      const storeCheck = Context.get(ctx, StoreCheck)
      assert.deepInclude(yield* storeCheck.check, { status: "ok", backend: "postgres" })
      assert.strictEqual((yield* idempotency.claim("before", ["owner"], "fp"))._tag, "Run")
      yield* registry.register({ sessionId: "sess_a", fingerprint: "fp", username: "u" })
      const workflow = yield* workflows.create({ sessionId: "sess_a", containerType: "import", phaseData: { container_id: "MSDU1234567" } })

      yield* cluster.stop
      // /health's store check says so, without the location.
      const down = yield* storeCheck.check
      assert.deepInclude(down, { status: "failing", backend: "postgres", latency_ms: null })
      assert.notInclude(down.detail, "127.0.0.1")
      for (const key of ["down-1", "down-2"]) {
        const started = Date.now()
        const error = yield* Effect.flip(idempotency.claim(key, ["owner"], "fp"))
        assert.strictEqual(error._tag, "StorageUnavailable")
        assert.strictEqual(error.operation, "IdempotencyStore.claim")
        assert.isBelow(Date.now() - started, 10_000, "fails within the store deadline, never hangs")
      }
      assert.strictEqual((yield* Effect.flip(registry.touch("sess_a")))._tag, "StorageUnavailable")
      // A transaction (read, sealed write) fails whole.
      assert.strictEqual((yield* Effect.flip(workflows.markSubmitting(workflow.id, "Friday 10/24/2025 18:30 - 19:30")))._tag, "StorageUnavailable")

      yield* cluster.start
      assert.strictEqual((yield* storeCheck.check).status, "ok", "the check recovers with the store")
      // The same layer, no restart: the pool reconnects on the next operation.
      assert.strictEqual((yield* idempotency.claim("after", ["owner"], "fp"))._tag, "Run")
      assert.strictEqual((yield* idempotency.claim("before", ["owner"], "fp"))._tag, "InFlight")
      assert.strictEqual((yield* idempotency.claim("down-1", ["owner"], "fp"))._tag, "Run")
      assert.deepStrictEqual((yield* registry.list).map((e) => e.sessionId), ["sess_a"])
      assert.deepStrictEqual((yield* workflows.use(workflow.id)).booking, { state: "none" }, "nothing half-written")
    }).pipe(Effect.scoped), 60_000)
})
