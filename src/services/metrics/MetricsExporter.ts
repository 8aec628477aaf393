/**
 * MetricsExporter renders the service's metrics in the Prometheus text format, through
 * effect/observability's Prometheus exporter, for GET /metrics. Gauges are current at scrape time:
 * each scrape first samples the pool (sessions by tier and state, pinned, queued) and the memory
 * (PSS) of the service's Chromes, then formats the registry of the PortalLayer it was built in.
 */
import { Context, Effect, Layer, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import * as Processes from "../Processes.ts"
import { SessionPool } from "../SessionPool.ts"
import { inRegistry, Metrics } from "./MetricCatalog.ts"

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export interface MetricsExporterShape {
  /** Every metric in the Prometheus text format, sampled gauges refreshed first. */
  readonly scrape: Effect.Effect<string>
}

export class MetricsExporter extends Context.Service<MetricsExporter, MetricsExporterShape>()("emodal-api/services/metrics/MetricsExporter") {
  static readonly layer: Layer.Layer<MetricsExporter, never, SessionPool> = Layer.effect(
    MetricsExporter,
    Effect.gen(function*() {
      const pool = yield* SessionPool
      const record = inRegistry(yield* Metric.MetricRegistry)

      /** The Chromes behind the live sessions (one shared Chrome counts once), and their PSS. */
      const sampleChromes = Effect.gen(function*() {
        const pids = new Set<number>()
        for (const session of yield* pool.sessions) {
          const pid = session.lease.pid
          if (pid !== undefined) pids.add(pid)
        }
        const kb = Processes.treesPssKb([...pids])
        yield* record(Effect.all([
          Metric.update(Metrics.chromes, pids.size),
          Metric.update(Metrics.chromePss, kb * 1024)
        ], { discard: true }))
      })

      const scrape = Effect.gen(function*() {
        yield* pool.stats
        yield* sampleChromes
        return yield* record(PrometheusMetrics.format())
      }).pipe(Effect.withSpan("MetricsExporter.scrape"))

      return MetricsExporter.of({ scrape })
    })
  )
}
