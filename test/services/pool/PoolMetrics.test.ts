import { describe, it, assert } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { PoolMetricDefinitions } from "../../../src/services/pool/PoolMetrics.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { creds, poolLayer } from "../../utils/PoolHarness.ts"

describe("PoolMetrics", () => {
  it.effect("the pool's counters and gauges are Effect Metrics in the service's registry, and /health's stats read them", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.acquire({ credentials: creds("alice"), neverTerminate: true })
      yield* pool.close(a.session.id)
      const stats = yield* pool.stats
      assert.strictEqual(stats.loginsTotal, 2)
      assert.strictEqual((yield* Metric.value(PoolMetricDefinitions.logins)).count, 2)
      const text = yield* PrometheusMetrics.format()
      assert.match(text, /^emodal_logins_total 2$/m)
      assert.match(text, /^emodal_sessions\{state="idle"\} 1$/m)
      assert.match(text, /^emodal_sessions\{state="busy"\} 0$/m)
      assert.match(text, /^emodal_sessions_pinned 1$/m)
      assert.notMatch(text, /alice|sess_/, "labels never carry usernames or session ids")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("each service instance counts on its own (a fresh registry per layer)", () =>
    Effect.gen(function*() {
      const logins = Effect.gen(function*() {
        const pool = yield* SessionPool
        yield* pool.acquire({ credentials: creds("a") })
        return (yield* pool.stats).loginsTotal
      })
      assert.strictEqual(yield* logins.pipe(Effect.provide(poolLayer())), 1)
      assert.strictEqual(yield* logins.pipe(Effect.provide(poolLayer())), 1)
    }))
})
