/**
 * PortalOperations is the service's business surface, shared by REST, RPC and embedding programs:
 * every seed endpoint is one method taking the seed's request body (decoded) and returning the
 * seed's response body, or a typed error carrying the session id. Each business operation resolves
 * its session through the pool and runs as one message on that session's actor; the flows
 * themselves live in `./operations/` (one module per portal area) on top of the shared `Kit`.
 */
import { Clock, Context, Duration, Effect, Layer, Metric, Option, Ref } from "effect"
import type { BrowserCrashed, PortalError, SessionNotFound, StorageFailed, StorageUnavailable } from "../domain/Errors.ts"
import type { CloseSessionResponse, ContainerLookupRequest, GetAppointmentsRequest, GetAppointmentsResponse, GetContainersRequest, GetInfoBulkRequest, GetInfoBulkResponse, GetSessionRequest, GetSessionResponse, ListSessionsResponse, PingSessionRequest, PingSessionResponse, TimelineResponse, BookingNumberResponse } from "../domain/Operations.ts"
import type { CleanupRequest, CleanupResponse, HealthResponse } from "../domain/Health.ts"
import type { CheckAppointmentsRequest, CheckAppointmentsResponse, MakeAppointmentRequest, MakeAppointmentResponse } from "../domain/AppointmentWizard.ts"
import { SERVICE_NAME, SERVICE_VERSION } from "../domain/Operations.ts"
import { settingsPatch } from "./BrowserSession.ts"
import { ArtifactStore } from "./ArtifactStore.ts"
import { Idempotency } from "./Idempotency.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalDriver } from "./PortalDriver.ts"
import { PortalHealth } from "./PortalHealth.ts"
import { SessionPool } from "./SessionPool.ts"
import { SqlStore } from "./store/SqlStore.ts"
import { WorkflowStore } from "./store/WorkflowStore.ts"
import { makeOperationMetrics } from "./metrics/OperationMetrics.ts"
import { poolCheck, reasonsOf, solverCheck } from "./health/HealthChecks.ts"
import { PING_WITHIN, StoreCheck } from "./health/StoreCheck.ts"
import { RecentErrors } from "./operator/RecentErrors.ts"
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

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 100) / 100

export class PortalOperations extends Context.Service<PortalOperations, PortalOperationsShape>()("emodal-api/services/PortalOperations") {
  static readonly layer = Layer.effect(
    PortalOperations,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const pool = yield* SessionPool
      const artifacts = yield* ArtifactStore
      const portalHealth = yield* PortalHealth
      const store = yield* SqlStore
      // /health's store check: the one wired (PortalLayer: StoreCheck.layerSql), else the same ping of this store.
      const storeCheck = Option.getOrElse(yield* Effect.serviceOption(StoreCheck), () => StoreCheck.sqlCheck(store))
      const kit = makeKit(config, artifacts, pool, yield* PortalDriver)
      const workflows = yield* WorkflowStore
      const appointments = makeAppointmentOperations(kit, workflows, yield* Idempotency)
      const startedAt = yield* Clock.currentTimeMillis
      /** The last figure the store gave: /health answers it while the store is unavailable. */
      const lastWorkflowCount = yield* Ref.make(0)
      const { measure } = makeOperationMetrics(
        yield* Metric.MetricRegistry,
        config.metricsAccountLabel,
        config.serverSecret,
        Option.getOrUndefined(yield* Effect.serviceOption(RecentErrors))
      )

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

      /**
       * The workflows held, for /health: the store's figure when it answers within the store
       * check's deadline (a down Postgres must not slow /health), else the last one it gave. Whether
       * the store answers is the store check's to say (`checks.store`), not this figure's.
       */
      const workflowCount = workflows.count.pipe(
        Effect.timeoutOption(PING_WITHIN),
        Effect.map(Option.getOrUndefined),
        Effect.orElseSucceed(() => undefined),
        Effect.flatMap((n) => n === undefined ? Ref.get(lastWorkflowCount) : Effect.as(Ref.set(lastWorkflowCount, n), n))
      )

      const health = Effect.gen(function*() {
        const s = yield* pool.stats
        const portal = yield* portalHealth.status
        const [storeReport, appointmentWorkflows] = yield* Effect.all([storeCheck.check, workflowCount], { concurrency: 2 })
        const now = yield* Clock.currentTimeMillis
        const checks = {
          store: storeReport,
          solver: solverCheck(portal, Option.isSome(config.captchaApiKey)),
          pool: poolCheck(s)
        }
        const reasons = reasonsOf({ portal, ...checks })
        return {
          // Still 200 (the process serves); "degraded" says what fails now (`reasons`).
          status: reasons.length > 0 ? "degraded" as const : "healthy" as const,
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
          appointment_workflows: appointmentWorkflows,
          uptime_seconds: Math.floor((now - startedAt) / 1000),
          portal,
          reasons,
          checks
        }
      }).pipe(Effect.withSpan("PortalOperations.health"))

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

      // Business operations are measured by endpoint (the seed's route names) and outcome.
      return PortalOperations.of({
        getSession: (request) => measure("get_session")(getSession(request)),
        closeSession,
        pingSession,
        listSessions: listSessions.pipe(Effect.withSpan("PortalOperations.listSessions")),
        health: health.pipe(Effect.withSpan("PortalOperations.health")),
        cleanup,
        getContainers: (request, context, onProgress) =>
          measure("get_containers")(ContainerOperations.getContainers(kit, request, context, onProgress)),
        getContainerTimeline: (request, context) => measure("get_container_timeline")(ContainerOperations.getContainerTimeline(kit, request, context)),
        getBookingNumber: (request, context) => measure("get_booking_number")(ContainerOperations.getBookingNumber(kit, request, context)),
        getAppointments: (request, context, onProgress) =>
          measure("get_appointments")(getAppointmentsOperation(kit, request, context, onProgress)),
        checkAppointments: (request, context) => measure("check_appointments")(appointments.checkAppointments(request, context)),
        makeAppointment: (request, context) => measure("make_appointment")(appointments.makeAppointment(request, context)),
        getInfoBulk: (request, context, onProgress) => measure("get_info_bulk")(ContainerOperations.getInfoBulk(kit, request, context, onProgress))
      })
    })
  )
}

