import { describe, it, assert } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { PoolMetricDefinitions } from "../../../src/services/pool/PoolMetrics.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { creds, poolLayer } from "../../utils/PoolHarness.ts"

describe("PoolMetrics", () => {
  it.effect("the pool's counters (per account) and gauges (by tier and state) are Effect Metrics in the service's registry; /health's stats read them", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const a = yield* pool.acquire({ credentials: creds("a") })
      yield* pool.acquire({ credentials: creds("alice"), neverTerminate: true })
      yield* pool.close(a.session.id)
      const stats = yield* pool.stats
      assert.strictEqual(stats.loginsTotal, 2)
      assert.strictEqual((yield* Metric.value(Metric.withAttributes(PoolMetricDefinitions.logins, { account: "alice" }))).count, 1)
      const text = yield* PrometheusMetrics.format()
      assert.match(text, /^emodal_logins_total\{account="a"\} 1$/m)
      assert.match(text, /^emodal_logins_total\{account="alice"\} 1$/m)
      assert.match(text, /^emodal_sessions\{tier="hot",state="idle"\} 1$/m)
      assert.match(text, /^emodal_sessions\{tier="hot",state="busy"\} 0$/m)
      assert.match(text, /^emodal_sessions_pinned\{tier="hot"\} 1$/m)
      assert.notMatch(text, /sess_/, "labels never carry session ids")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("with METRICS_ACCOUNT_LABEL=off no label names an account", () =>
    Effect.gen(function*() {
      const pool = yield* SessionPool
      yield* pool.acquire({ credentials: creds("alice") })
      yield* pool.stats
      const text = yield* PrometheusMetrics.format()
      assert.match(text, /^emodal_logins_total 1$/m)
      assert.notInclude(text, "alice")
    }).pipe(Effect.provide(poolLayer({ METRICS_ACCOUNT_LABEL: "off" }))))

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
