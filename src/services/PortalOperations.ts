/**
 * PortalOperations is the service's business surface, shared by REST, RPC and embedding programs:
 * every seed endpoint is one method taking the seed's request body (decoded) and returning the
 * seed's response body, or a typed error carrying the session id. Each business operation resolves
 * its session through the pool and runs as one message on that session's actor; the flows
 * themselves live in `./operations/` (one module per portal area) on top of the shared `Kit`.
 */
import { Clock, Context, Duration, Effect, Layer, Ref } from "effect"
import type { BrowserCrashed, PortalError, SessionNotFound, StorageFailed, StorageUnavailable } from "../domain/Errors.ts"
import type {
  CheckAppointmentsRequest,
  CheckAppointmentsResponse,
  CleanupRequest,
  CleanupResponse,
  CloseSessionResponse,
  ContainerLookupRequest,
  GetAppointmentsRequest,
  GetAppointmentsResponse,
  GetContainersRequest,
  GetInfoBulkRequest,
  GetInfoBulkResponse,
  GetSessionRequest,
  GetSessionResponse,
  HealthResponse,
  ListSessionsResponse,
  MakeAppointmentRequest,
  MakeAppointmentResponse,
  PingSessionRequest,
  PingSessionResponse,
  TimelineResponse,
  BookingNumberResponse
} from "../domain/Operations.ts"
import { SERVICE_NAME, SERVICE_VERSION } from "../domain/Operations.ts"
import { settingsPatch } from "./BrowserSession.ts"
import { ArtifactStore } from "./ArtifactStore.ts"
import { Idempotency } from "./Idempotency.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalHealth } from "./PortalHealth.ts"
import { SessionPool } from "./SessionPool.ts"
import { SqlStore } from "./store/SqlStore.ts"
import { WorkflowStore } from "./store/WorkflowStore.ts"
import * as ContainerOperations from "./operations/Containers.ts"
import { makeAppointmentOperations } from "./operations/Appointments.ts"
import { makeKit, type RequestContext } from "./operations/Kit.ts"
import { getAppointments as getAppointmentsOperation, type RowsListener } from "./operations/MyAppointments.ts"

export type { RequestContext } from "./operations/Kit.ts"
export type { BulkListener, ContainersResult, ProgressListener } from "./operations/Containers.ts"
export type { RowsListener } from "./operations/MyAppointments.ts"

export interface PortalOperationsShape {
  /** Log in (or reuse the session of the same credentials) without doing anything else. */
  readonly getSession: (request: GetSessionRequest) => Effect.Effect<GetSessionResponse, PortalError>
  /** Closes a session and frees everything it held. */
  readonly closeSession: (sessionId: string) => Effect.Effect<CloseSessionResponse, SessionNotFound | StorageUnavailable>
  /** Marks a session used now; optionally pins or unpins it. */
  readonly pingSession: (request: PingSessionRequest) => Effect.Effect<PingSessionResponse, SessionNotFound | BrowserCrashed>
  readonly listSessions: Effect.Effect<ListSessionsResponse>
  readonly health: Effect.Effect<HealthResponse>
  /** Deletes result files older than `max_age_hours` (default FILE_RETENTION). */
  readonly cleanup: (request: CleanupRequest) => Effect.Effect<CleanupResponse, StorageFailed | StorageUnavailable>
  /** Containers to Excel; `onProgress` hears the rows loaded so far while scrolling. */
  readonly getContainers: (
    request: GetContainersRequest,
    context: RequestContext,
    onProgress?: ContainerOperations.ProgressListener
  ) => Effect.Effect<ContainerOperations.ContainersResult, PortalError>
  readonly getContainerTimeline: (request: ContainerLookupRequest, context: RequestContext) => Effect.Effect<TimelineResponse, PortalError>
  readonly getBookingNumber: (request: ContainerLookupRequest, context: RequestContext) => Effect.Effect<BookingNumberResponse, PortalError>
  /** My Appointments to Excel; `onProgress` hears the rows loaded so far while scrolling. */
  readonly getAppointments: (
    request: GetAppointmentsRequest,
    context: RequestContext,
    onProgress?: RowsListener
  ) => Effect.Effect<GetAppointmentsResponse, PortalError>
  readonly checkAppointments: (request: CheckAppointmentsRequest, context: RequestContext) => Effect.Effect<CheckAppointmentsResponse, PortalError>
  readonly makeAppointment: (request: MakeAppointmentRequest, context: RequestContext) => Effect.Effect<MakeAppointmentResponse, PortalError>
  /** Timelines and booking numbers; `onProgress` hears each finished item. */
  readonly getInfoBulk: (
    request: GetInfoBulkRequest,
    context: RequestContext,
    onProgress?: ContainerOperations.BulkListener
  ) => Effect.Effect<GetInfoBulkResponse, PortalError>
}

/** How long /health waits for the store before reporting it unavailable. */
const HEALTH_STORE_WITHIN = Duration.seconds(1)

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 100) / 100

export class PortalOperations extends Context.Service<PortalOperations, PortalOperationsShape>()("emodal-api/services/PortalOperations") {
  static readonly layer = Layer.effect(
    PortalOperations,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const pool = yield* SessionPool
      const artifacts = yield* ArtifactStore
      const portalHealth = yield* PortalHealth
      const kit = makeKit(config, artifacts, pool, portalHealth)
      const workflows = yield* WorkflowStore
      const appointments = makeAppointmentOperations(kit, workflows, yield* Idempotency)
      const startedAt = yield* Clock.currentTimeMillis
      const store = yield* SqlStore
      /** The last figure the store gave: /health answers it while the store is unavailable. */
      const lastWorkflowCount = yield* Ref.make(0)

      const getSession = Effect.fn("PortalOperations.getSession")(function*(request: GetSessionRequest) {
        return yield* kit.withSession(request, (acquired) =>
          Effect.gen(function*() {
            const summary = yield* acquired.session.summary
            return {
              success: true as const,
              session_id: acquired.session.id,
              is_new: acquired.isNew,
              username: acquired.session.username,
              created_at: summary.created_at,
              expires_at: null,
              message: acquired.isNew ? "New persistent session created" : "Using existing persistent session",
              never_terminate: summary.never_terminate,
              keep_alive: summary.keep_alive
            }
          }))
      })

      const closeSession = Effect.fn("PortalOperations.closeSession")(function*(sessionId: string) {
        yield* pool.close(sessionId)
        return { success: true as const, session_id: sessionId, message: `Session ${sessionId} closed` }
      })

      const pingSession = Effect.fn("PortalOperations.pingSession")(function*(request: PingSessionRequest) {
        const session = yield* pool.get(request.session_id)
        const lastUsed = yield* session.touch
        const settings = yield* session.updateSettings(settingsPatch(request.never_terminate, request.keep_alive))
        return {
          success: true as const,
          session_id: session.id,
          last_used: new Date(lastUsed).toISOString(),
          never_terminate: settings.neverTerminate,
          keep_alive: settings.keepAlive
        }
      })

      const listSessions = Effect.gen(function*() {
        const sessions = yield* pool.list
        return { active_sessions: sessions.length, sessions }
      })

      /** The store's state for /health: one bounded round trip (a down Postgres must not slow /health). */
      const storeStatus = Effect.gen(function*() {
        const counted = yield* workflows.count.pipe(
          Effect.timeoutOrElse({
            duration: HEALTH_STORE_WITHIN,
            orElse: () => Effect.fail({ _tag: "StorageUnavailable" as const, detail: `no answer within ${Duration.format(HEALTH_STORE_WITHIN)}` })
          }),
          Effect.result
        )
        if (counted._tag === "Success") yield* Ref.set(lastWorkflowCount, counted.success)
        return {
          workflows: yield* Ref.get(lastWorkflowCount),
          report: counted._tag === "Success"
            ? { backend: store.backend, status: "ok" as const }
            : { backend: store.backend, status: "unavailable" as const, detail: counted.failure.detail }
        }
      })

      const health = Effect.gen(function*() {
        const s = yield* pool.stats
        const portal = yield* portalHealth.status
        const stored = yield* storeStatus
        const now = yield* Clock.currentTimeMillis
        return {
          // Still 200 (the process serves); "degraded" says the portal, the solver or the store is failing now.
          status: portal.status === "degraded" || stored.report.status === "unavailable" ? "degraded" as const : "healthy" as const,
          service: SERVICE_NAME,
          version: SERVICE_VERSION,
          active_sessions: s.active,
          max_sessions: s.maxSessions,
          session_capacity: `${s.active}/${s.maxSessions}`,
          persistent_sessions: s.fingerprints,
          timestamp: new Date(now).toISOString(),
          pool: {
            busy: s.busy,
            idle: s.idle,
            pinned: s.pinned,
            logging_in: s.loggingIn,
            waiting_for_slot: s.waitingForSlot,
            logins_total: s.loginsTotal,
            evictions_total: s.evictionsTotal,
            refreshes_total: s.refreshesTotal,
            refresh_failures_total: s.refreshFailuresTotal,
            crashes_total: s.crashesTotal
          },
          appointment_workflows: stored.workflows,
          uptime_seconds: Math.floor((now - startedAt) / 1000),
          portal,
          store: stored.report
        }
      })

      const cleanup = Effect.fn("PortalOperations.cleanup")(function*(request: CleanupRequest) {
        const report = yield* artifacts.cleanup(
          request.max_age_hours === undefined ? undefined : Duration.millis(request.max_age_hours * 3_600_000)
        )
        return {
          success: true as const,
          message: "Cleanup completed",
          files_deleted: report.filesDeleted,
          space_freed_mb: mb(report.bytesFreed),
          current_storage_mb: mb(report.currentBytes),
          downloads_mb: mb(report.downloadsBytes),
          screenshots_mb: mb(report.screenshotsBytes)
        }
      })

      return PortalOperations.of({
        getSession,
        closeSession,
        pingSession,
        listSessions,
        health,
        cleanup,
        getContainers: (request, context, onProgress) => ContainerOperations.getContainers(kit, request, context, onProgress),
        getContainerTimeline: (request, context) => ContainerOperations.getContainerTimeline(kit, request, context),
        getBookingNumber: (request, context) => ContainerOperations.getBookingNumber(kit, request, context),
        getAppointments: (request, context, onProgress) => getAppointmentsOperation(kit, request, context, onProgress),
        checkAppointments: appointments.checkAppointments,
        makeAppointment: appointments.makeAppointment,
        getInfoBulk: (request, context, onProgress) => ContainerOperations.getInfoBulk(kit, request, context, onProgress)
      })
    })
  )
}

