/**
 * Public embedding entry. An Effect program provides `PortalLayer` (configured from the
 * environment) or `portalLayerFrom(configLayer)` and uses `PortalOperations` — every seed
 * operation, typed — or `SessionPool` directly, without HTTP. Contracts for REST (`PortalApi`, an
 * HttpApi, and its flat `Endpoints` table) and RPC (`PortalRpcs`), and the domain schemas, are
 * exported too; the typed clients are the `emodal-api-client` package.
 * The portal simulator and the Node HTTP server are deliberately not exported.
 */
export * from "./domain/Ids.ts"
export * from "./domain/Credentials.ts"
export * as Errors from "./domain/Errors.ts"
export * as Operations from "./domain/Operations.ts"
export { PortalLayer, portalLayerFrom } from "./runtime/PortalLayer.ts"
export { PortalConfig, type PortalConfigShape, ConfigInvalid, loadPortalConfig } from "./services/PortalConfig.ts"
export {
  PortalOperations,
  type PortalOperationsShape,
  type ContainersResult,
  type RequestContext
} from "./services/PortalOperations.ts"
export { SessionPool, type SessionPoolShape, type AcquireRequest, type Acquired, type PoolStats } from "./services/SessionPool.ts"
export type { BrowserSession, SessionHealth, SessionSettings } from "./services/BrowserSession.ts"
export { SessionRpcs } from "./services/session/SessionProtocol.ts"
export { SessionRefresher, type SessionRefresherShape, type RefreshReport } from "./services/pool/SessionRefresher.ts"
export { PoolMetrics, PoolMetricDefinitions } from "./services/pool/PoolMetrics.ts"
export { MetricList, Metrics } from "./services/metrics/MetricCatalog.ts"
export { MetricsExporter, type MetricsExporterShape } from "./services/metrics/MetricsExporter.ts"
export { Readiness, type ReadinessShape, type ReadinessState } from "./services/Readiness.ts"
export { StoreCheck, type StoreCheckShape } from "./services/health/StoreCheck.ts"
export { Dashboard, type DashboardShape, type DashboardState } from "./services/operator/Dashboard.ts"
export { ObservabilityLayer } from "./runtime/Observability.ts"
export { ArtifactStore, type ArtifactStoreShape } from "./services/ArtifactStore.ts"
export { Idempotency } from "./services/Idempotency.ts"
export { SessionSnapshots } from "./services/SessionSnapshots.ts"
export { SqlStore, type SqlStoreShape, type StoreBackend } from "./services/store/SqlStore.ts"
export { WorkflowStore, type WorkflowStoreShape } from "./services/store/WorkflowStore.ts"
export { CaptchaSolver, type CaptchaSolverShape } from "./services/CaptchaSolver.ts"
export { PortalHealth, type PortalHealthShape, RECENT_FAILURE_WINDOW } from "./services/PortalHealth.ts"
export { Endpoints, type EndpointSpec, openApiDocument, PortalApi } from "./http/PortalApi.ts"
export { PortalRpcs } from "./http/PortalRpcs.ts"
