/**
 * The whole service without HTTP, wired once: configuration → the SQL store (SQLite file under
 * DATA_DIR, or Postgres with DATABASE_URL; migrated at boot) → Chrome, portal health, captcha
 * solver, portal driver, snapshots → session pool (with its restorer, refresher and metrics),
 * files → operations. Embedding programs provide `PortalLayer` (or `portalLayerFrom(config)`) and use
 * `PortalOperations` / `SessionPool` directly; the HTTP server is one more layer on top
 * (ServerLayer). Each build has a metric registry of its own, shared by everything above it, and
 * the service's logging (JSON lines by default, see Observability.ts), under which every service is
 * built. Closing the layer closes every Chrome.
 */
import { Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import { ArtifactStore } from "../services/ArtifactStore.ts"
import { Browser } from "../services/Browser.ts"
import { CaptchaSolver } from "../services/CaptchaSolver.ts"
import { PortalConfig } from "../services/PortalConfig.ts"
import { Idempotency } from "../services/Idempotency.ts"
import { PortalDriver } from "../services/PortalDriver.ts"
import { PortalHealth } from "../services/PortalHealth.ts"
import { PortalOperations } from "../services/PortalOperations.ts"
import { Readiness } from "../services/Readiness.ts"
import { SessionPool } from "../services/SessionPool.ts"
import { SessionSnapshots } from "../services/SessionSnapshots.ts"
import { StoreCheck } from "../services/health/StoreCheck.ts"
import { MetricsExporter } from "../services/metrics/MetricsExporter.ts"
import { Dashboard } from "../services/operator/Dashboard.ts"
import { RecentErrors } from "../services/operator/RecentErrors.ts"
import { PoolMetrics } from "../services/pool/PoolMetrics.ts"
import { SessionRefresher } from "../services/pool/SessionRefresher.ts"
import { SessionRestorer } from "../services/pool/SessionRestorer.ts"
import { IdempotencyStore } from "../services/store/IdempotencyStore.ts"
import { ResultFileIndex } from "../services/store/ResultFileIndex.ts"
import { SessionRegistry } from "../services/store/SessionRegistry.ts"
import { SnapshotStore } from "../services/store/SnapshotStore.ts"
import { SqlStore } from "../services/store/SqlStore.ts"
import { StoreCrypto } from "../services/store/StoreCrypto.ts"
import { WorkflowStore } from "../services/store/WorkflowStore.ts"
import { ObservabilityLayer } from "./Observability.ts"

/**
 * The session pool and its parts: the refresher over the pool over the restorer, the metrics and
 * the readiness (its boot work).
 * Needs configuration, Chrome, the portal driver, the snapshot store (and a metric registry).
 */
export const SessionPoolLayer = SessionRefresher.layer.pipe(
  Layer.provideMerge(SessionPool.layer),
  Layer.provideMerge(Layer.mergeAll(SessionRestorer.layer, PoolMetrics.layer, Readiness.layer))
)

/**
 * The store's repositories over a database layer (SqlStore.layer: the configured one; or
 * SqlStore.layerTest: a private in-memory SQLite). Needs configuration (SERVER_SECRET,
 * SNAPSHOT_KEY, the TTLs).
 */
export const storeLayerOver = <E, R>(database: Layer.Layer<SqlStore | SqlClient, E, R>) =>
  Layer.mergeAll(IdempotencyStore.layer, WorkflowStore.layer, SessionRegistry.layer, SnapshotStore.layer, ResultFileIndex.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(database, StoreCrypto.layer))
  )

/** The configured store (SQLite file by default, Postgres with DATABASE_URL). */
export const StoreLayer = storeLayerOver(SqlStore.layer)

/** The store on a private in-memory SQLite database, fresh per build (tests). */
export const StoreLayerTest = storeLayerOver(SqlStore.layerTest)

/** The service's layers over a given configuration layer. */
export const portalLayerFrom = <E, R>(config: Layer.Layer<PortalConfig, E, R>) =>
  PortalOperations.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(MetricsExporter.layer, Dashboard.layer)),
    // The store's /health check: a ping of the SQL store wired below.
    Layer.provideMerge(StoreCheck.layerSql),
    Layer.provideMerge(Layer.mergeAll(SessionPoolLayer, ArtifactStore.layer, Idempotency.layer, RecentErrors.layer)),
    Layer.provideMerge(Layer.mergeAll(PortalDriver.layer, SessionSnapshots.layer)),
    Layer.provideMerge(StoreLayer),
    Layer.provideMerge(CaptchaSolver.layerFetch),
    Layer.provideMerge(PortalHealth.layer),
    Layer.provideMerge(Browser.layer),
    Layer.provideMerge(ObservabilityLayer),
    Layer.provideMerge(config),
    Layer.provideMerge(PoolMetrics.registryLayer)
  )

/** The service's layers configured from the environment. */
export const PortalLayer = portalLayerFrom(PortalConfig.layer)
