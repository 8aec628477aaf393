/**
 * What the service tells its operator besides its answers, wired from the configuration: the log
 * lines (LOG_FORMAT at LOG_LEVEL, see Logging.ts) and, with OTEL_EXPORTER_OTLP_ENDPOINT set, spans
 * and log records exported over OTLP/HTTP (effect/observability's exporters, protobuf or JSON per
 * OTEL_EXPORTER_OTLP_PROTOCOL). Part of every PortalLayer, under every service, so an embedding
 * program gets the same lines and traces as the server; provide another `Logger.layer` on top to
 * replace the lines.
 *
 * Exported log records carry the same scrubbed, flat record as the lines (body), never a raw
 * cause; spans are named by route templates, operations and portal phases, never by ids.
 */
import { Cause, Duration, Effect, Layer, Logger, Option, Redacted, References, Tracer } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpExporter, OtlpLogger, OtlpSerialization, OtlpTracer } from "effect/observability"
import { SERVICE_VERSION } from "../domain/Operations.ts"
import { PortalConfig, type PortalConfigShape } from "../services/PortalConfig.ts"
import * as Logging from "./Logging.ts"

/** How often batched spans and log records are sent. */
const EXPORT_INTERVAL = Duration.seconds(2)

/** An OTLP logger that sends the scrubbed record (as the log line has it) as the record's body. */
const scrubbed = (otlp: Logger.Logger<unknown, void>): Logger.Logger<unknown, void> =>
  Logger.make((options) => {
    const { timestamp: _timestamp, level: _level, fiber: _fiber, ...body } = Logging.recordOf(options)
    otlp.log({ ...options, message: body, cause: Cause.empty })
  })

/** The OTLP exporters (tracer and logger, one flusher) for `endpoint`. */
const otlpLayer = (config: PortalConfigShape, endpoint: URL) => {
  const base = endpoint.href.replace(/\/+$/, "")
  const common = {
    resource: { serviceName: config.otelServiceName, serviceVersion: SERVICE_VERSION },
    headers: Option.getOrUndefined(Option.map(config.otlpHeaders, Redacted.value)),
    exportInterval: EXPORT_INTERVAL
  }
  return Layer.mergeAll(
    Layer.effect(Tracer.Tracer, OtlpTracer.make({ url: `${base}/v1/traces`, ...common })),
    Logger.layer([
      Logging.consoleLogger(config.logFormat),
      Effect.map(OtlpLogger.make({ url: `${base}/v1/logs`, ...common }), scrubbed)
    ])
  ).pipe(
    Layer.provideMerge(OtlpExporter.layerFlusher),
    Layer.provide(config.otlpProtocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer)
  )
}

/** The service's observability; its `Flusher` sends what is batched now (the exporters also flush at shutdown). */
export const ObservabilityLayer: Layer.Layer<OtlpExporter.Flusher, never, PortalConfig> = Layer.unwrap(Effect.gen(function*() {
  const config = yield* PortalConfig
  const level = Layer.succeed(References.MinimumLogLevel, config.logLevel)
  return Option.match(config.otlpEndpoint, {
    onNone: (): Layer.Layer<OtlpExporter.Flusher> =>
      Layer.mergeAll(Logger.layer([Logging.consoleLogger(config.logFormat)]), level, OtlpExporter.layerFlusher),
    onSome: (endpoint): Layer.Layer<OtlpExporter.Flusher> => Layer.mergeAll(otlpLayer(config, endpoint), level)
  })
}))
