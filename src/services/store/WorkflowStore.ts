/**
 * WorkflowStore keeps appointment workflows (`appointment_session_id`) in the SQL store, so a
 * workflow resumes after a restart where it left off: its browser session, container type, phase,
 * the fields given so far, its wizard page token and chosen plate, and its booking state for
 * reconciliation (none → submitting before Submit → booked with the confirmation).
 *
 * Invariants: a workflow lives APPOINTMENT_SESSION_TTL from its last use; lookups never return one
 * past its deadline (the sweeper only frees space). One in use (`inUse`) or whose booking passed
 * Submit is kept 24 hours, so it can be resumed or reconciled after a crash. The workflow id and
 * its session id are bearer secrets and the phase data holds the PIN (`pin_code`): the row is keyed
 * by a reference (StoreCrypto) and id, session id and phase data are sealed (AES-256-GCM, key
 * derived from SERVER_SECRET) — never stored in clear.
 */
import { Clock, Context, Duration, Effect, Layer, Option, Result, Schedule } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { type StorageUnavailable, WorkflowExpired } from "../../domain/Errors.ts"
import { isAppointmentSessionId, makeAppointmentSessionId, makeOpaqueToken } from "../../domain/Ids.ts"
import { PortalConfig } from "../PortalConfig.ts"
import { SqlStore } from "./SqlStore.ts"
import { StoreCrypto } from "./StoreCrypto.ts"
import { millis, optionalText, storeOperation } from "./StoreFailure.ts"

export type WorkflowContainerType = "import" | "export"

/** The wizard fields given so far (the seed's `phase_data`, `pin_code` included), as the client gave them. */
export type PhaseData = Readonly<Record<string, unknown>>

export type BookingState =
  | { readonly state: "none" }
  /** Submit is about to be or was clicked for the slot `time`; the outcome is not recorded yet. */
  | { readonly state: "submitting"; readonly since: number; readonly time: string }
  | { readonly state: "booked"; readonly confirmation: string; readonly at: number; readonly time: string }

export interface WorkflowRecord {
  readonly id: string
  readonly sessionId: string
  readonly containerType: WorkflowContainerType
  /** The phase to run next (1-3). */
  readonly currentPhase: number
  /** The wizard fields given so far (the seed's `phase_data`, `pin_code` included). */
  readonly phaseData: PhaseData
  /**
   * Marks the wizard page this workflow last drove. The page carries the same token while it is
   * still that document; a different token (or none) means the page was navigated meanwhile.
   */
  readonly pageToken: string | undefined
  readonly selectedPlate: string | undefined
  readonly booking: BookingState
  readonly createdAt: number
  readonly lastUsed: number
  readonly expiresAt: number
}

export interface NewWorkflowRecord {
  /** Default: a new `appt_…` id. */
  readonly id?: string
  readonly sessionId: string
  readonly containerType: WorkflowContainerType
  readonly phaseData: Readonly<Record<string, unknown>>
}

export type WorkflowRecordPatch = Partial<
  Pick<WorkflowRecord, "sessionId" | "containerType" | "currentPhase" | "phaseData" | "pageToken" | "selectedPlate">
>

export interface WorkflowStoreShape {
  /** Registers a new workflow at phase 1. */
  readonly create: (input: NewWorkflowRecord) => Effect.Effect<WorkflowRecord, StorageUnavailable>
  /** The live workflow, marked used now; WorkflowExpired if unknown or past its TTL. */
  readonly use: (id: string) => Effect.Effect<WorkflowRecord, WorkflowExpired | StorageUnavailable>
  /** The live workflow without touching it. */
  readonly peek: (id: string) => Effect.Effect<Option.Option<WorkflowRecord>, StorageUnavailable>
  /** Changes a live workflow and marks it used. */
  readonly update: (id: string, patch: WorkflowRecordPatch) => Effect.Effect<WorkflowRecord, WorkflowExpired | StorageUnavailable>
  /** Runs `effect` with the workflow held (kept 24 hours: a crash mid-walk leaves it resumable); its TTL restarts when `effect` ends. */
  readonly inUse: <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WorkflowExpired | StorageUnavailable, R>
  /** Records, before Submit, that the booking of the slot `time` is in flight (kept 24 hours for reconciliation). */
  readonly markSubmitting: (id: string, time: string) => Effect.Effect<WorkflowRecord, WorkflowExpired | StorageUnavailable>
  /** Records the booking's confirmation (the workflow is done; kept APPOINTMENT_SESSION_TTL to answer repeats). */
  readonly markBooked: (id: string, confirmation: string) => Effect.Effect<WorkflowRecord, WorkflowExpired | StorageUnavailable>
  /** The Submit in flight demonstrably booked nothing (the portal answered an error or refused): back to none. */
  readonly clearSubmitting: (id: string) => Effect.Effect<WorkflowRecord, WorkflowExpired | StorageUnavailable>
  /** Ends a workflow; no-op when already gone. */
  readonly remove: (id: string) => Effect.Effect<void, StorageUnavailable>
  /** The live workflows of a browser session. */
  readonly forSession: (sessionId: string) => Effect.Effect<ReadonlyArray<WorkflowRecord>, StorageUnavailable>
  /** Deletes workflows past their deadline; returns how many. Also run by the sweeper. */
  readonly sweep: Effect.Effect<number, StorageUnavailable>
  /** Live workflows. */
  readonly count: Effect.Effect<number, StorageUnavailable>
  /** A fresh page token for a workflow about to (re)open the wizard page. */
  readonly newPageToken: Effect.Effect<string>
  readonly ttl: Duration.Duration
}

/** How long a workflow in use or past Submit is kept. */
export const WORKFLOW_HOLD = Duration.hours(24)

/** How often the sweeper runs: a quarter of the TTL, between 1 second and 1 minute. */
const sweepInterval = (ttl: Duration.Duration): Duration.Duration =>
  Duration.clamp(Duration.divideUnsafe(ttl, 4), { minimum: Duration.seconds(1), maximum: Duration.minutes(1) })

interface Row {
  readonly workflow_ref: string
  readonly container_type: string
  readonly current_phase: unknown
  readonly fields: string
  readonly page_token: string | null
  readonly selected_plate: string | null
  readonly booking_state: string
  readonly confirmation: string | null
  readonly booking_at: unknown
  readonly created_at: unknown
  readonly last_used: unknown
  readonly expires_at: unknown
}

interface SealedFields {
  readonly id: string
  readonly sessionId: string
  readonly phaseData: PhaseData
  /** The slot of the Submit in flight or booked. */
  readonly bookingTime?: string | undefined
}

const COLUMNS = "workflow_ref, container_type, current_phase, fields, page_token, selected_plate, booking_state, confirmation, booking_at, created_at, last_used, expires_at"

export interface WorkflowStoreOptions {
  readonly ttl: Duration.Duration
  /** Run the background sweeper (default true; tests that jump the clock by hours turn it off). */
  readonly sweeper?: boolean
}

const make = ({ sweeper = true, ttl }: WorkflowStoreOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const crypto = yield* StoreCrypto
    const ttlMs = Duration.toMillis(ttl)
    const holdMs = Duration.toMillis(WORKFLOW_HOLD)
    const refOf = (id: string) => crypto.ref("workflow", id)
    const sealFields = (ref: string, fields: SealedFields) => crypto.seal("workflow.fields", ref, JSON.stringify(fields))
    // Postgres: lock the row for the read-modify-write of an update (SQLite's transaction holds the write lock).
    const forUpdate = sql.onDialectOrElse({ pg: () => sql.literal("FOR UPDATE"), orElse: () => sql.literal("") })

    const decode = (row: Row): Option.Option<WorkflowRecord> => {
      const opened = crypto.open("workflow.fields", row.workflow_ref, row.fields)
      if (Result.isFailure(opened)) return Option.none()
      const fields = JSON.parse(opened.success) as SealedFields
      const bookingAt = millis(row.booking_at)
      const time = fields.bookingTime ?? ""
      return Option.some({
        id: fields.id,
        sessionId: fields.sessionId,
        containerType: row.container_type as WorkflowContainerType,
        currentPhase: Number(row.current_phase),
        phaseData: fields.phaseData,
        pageToken: optionalText(row.page_token),
        selectedPlate: optionalText(row.selected_plate),
        booking: row.booking_state === "booked"
          ? { state: "booked", confirmation: row.confirmation ?? "", at: bookingAt, time }
          : row.booking_state === "submitting"
          ? { state: "submitting", since: bookingAt, time }
          : { state: "none" },
        createdAt: millis(row.created_at),
        lastUsed: millis(row.last_used),
        expiresAt: millis(row.expires_at)
      })
    }

    const live = (ref: string, now: number, lock: boolean) =>
      Effect.map(
        sql<Row>`SELECT ${sql.literal(COLUMNS)} FROM appointment_workflows WHERE workflow_ref = ${ref} AND expires_at > ${now} ${lock ? forUpdate : sql.literal("")}`,
        (rows) => (rows[0] === undefined ? Option.none() : decode(rows[0]))
      )

    /** Applies `f` to a live workflow in one transaction; WorkflowExpired when there is none. */
    const modify = (id: string, f: (w: WorkflowRecord, now: number) => WorkflowRecord) =>
      Effect.gen(function*() {
        if (!isAppointmentSessionId(id)) return yield* new WorkflowExpired({ appointmentSessionId: id })
        const ref = refOf(id)
        const now = yield* Clock.currentTimeMillis
        const current = yield* live(ref, now, true)
        if (Option.isNone(current)) return yield* new WorkflowExpired({ appointmentSessionId: id })
        const next = f(current.value, now)
        yield* sql`UPDATE appointment_workflows SET
            session_ref = ${crypto.ref("session", next.sessionId)},
            container_type = ${next.containerType},
            current_phase = ${next.currentPhase},
            fields = ${sealFields(ref, { id, sessionId: next.sessionId, phaseData: next.phaseData, bookingTime: next.booking.state === "none" ? undefined : next.booking.time })},
            page_token = ${next.pageToken ?? null},
            selected_plate = ${next.selectedPlate ?? null},
            booking_state = ${next.booking.state},
            confirmation = ${next.booking.state === "booked" ? next.booking.confirmation : null},
            booking_at = ${next.booking.state === "booked" ? next.booking.at : next.booking.state === "submitting" ? next.booking.since : null},
            last_used = ${next.lastUsed},
            expires_at = ${next.expiresAt}
          WHERE workflow_ref = ${ref}`
        return next
      }).pipe(sql.withTransaction)

    /** Used now: the TTL restarts, but a held deadline (in use, past Submit) is never shortened. */
    const touched = (w: WorkflowRecord, now: number): WorkflowRecord => ({ ...w, lastUsed: now, expiresAt: Math.max(w.expiresAt, now + ttlMs) })

    const create = Effect.fn("WorkflowStore.create")(function*(input: NewWorkflowRecord) {
      const now = yield* Clock.currentTimeMillis
      const id = input.id ?? makeAppointmentSessionId()
      const ref = refOf(id)
      yield* sql`INSERT INTO appointment_workflows (${sql.literal(COLUMNS)}, session_ref) VALUES (
        ${ref}, ${input.containerType}, 1, ${sealFields(ref, { id, sessionId: input.sessionId, phaseData: input.phaseData })},
        NULL, NULL, 'none', NULL, NULL, ${now}, ${now}, ${now + ttlMs}, ${crypto.ref("session", input.sessionId)})`
      return {
        id,
        sessionId: input.sessionId,
        containerType: input.containerType,
        currentPhase: 1,
        phaseData: input.phaseData,
        pageToken: undefined,
        selectedPlate: undefined,
        booking: { state: "none" },
        createdAt: now,
        lastUsed: now,
        expiresAt: now + ttlMs
      } satisfies WorkflowRecord
    }, storeOperation("WorkflowStore.create"))

    const use = Effect.fn("WorkflowStore.use")(function*(id: string) {
      return yield* modify(id, touched)
    }, storeOperation("WorkflowStore.use"))

    const peek = Effect.fn("WorkflowStore.peek")(function*(id: string) {
      if (!isAppointmentSessionId(id)) return Option.none<WorkflowRecord>()
      return yield* live(refOf(id), yield* Clock.currentTimeMillis, false)
    }, storeOperation("WorkflowStore.peek"))

    const update = Effect.fn("WorkflowStore.update")(function*(id: string, patch: WorkflowRecordPatch) {
      return yield* modify(id, (w, now) => touched({ ...w, ...patch }, now))
    }, storeOperation("WorkflowStore.update"))

    const markSubmitting = Effect.fn("WorkflowStore.markSubmitting")(function*(id: string, time: string) {
      return yield* modify(id, (w, now) => ({ ...touched(w, now), booking: { state: "submitting", since: now, time }, expiresAt: Math.max(w.expiresAt, now + holdMs) }))
    }, storeOperation("WorkflowStore.markSubmitting"))

    const markBooked = Effect.fn("WorkflowStore.markBooked")(function*(id: string, confirmation: string) {
      return yield* modify(id, (w, now) => ({
        ...w,
        lastUsed: now,
        // Done: answered for repeats for a TTL from now, never held any longer.
        expiresAt: now + ttlMs,
        booking: { state: "booked", confirmation, at: now, time: w.booking.state === "none" ? "" : w.booking.time }
      }))
    }, storeOperation("WorkflowStore.markBooked"))

    const clearSubmitting = Effect.fn("WorkflowStore.clearSubmitting")(function*(id: string) {
      return yield* modify(id, (w, now) => (w.booking.state === "submitting" ? { ...touched(w, now), booking: { state: "none" } } : w))
    }, storeOperation("WorkflowStore.clearSubmitting"))

    const hold = (id: string) =>
      modify(id, (w, now) => ({ ...w, lastUsed: now, expiresAt: Math.max(w.expiresAt, now + holdMs) })).pipe(storeOperation("WorkflowStore.inUse"))

    /** Back to the TTL from now, unless the booking passed Submit (then it stays held). */
    const unhold = (id: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        yield* sql`UPDATE appointment_workflows SET last_used = ${now}, expires_at = ${now + ttlMs}
          WHERE workflow_ref = ${refOf(id)} AND booking_state <> 'submitting'`
      }).pipe(
        storeOperation("WorkflowStore.inUse"),
        // The workflow stays held (24 h) instead: harmless, so not the caller's failure.
        Effect.catchTag("StorageUnavailable", (e) => Effect.logDebug("workflow kept held: store unavailable", { detail: e.detail }))
      )

    const inUse = <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(hold(id), () => effect, () => unhold(id)).pipe(Effect.withSpan("WorkflowStore.inUse"))

    const remove = Effect.fn("WorkflowStore.remove")(function*(id: string) {
      yield* sql`DELETE FROM appointment_workflows WHERE workflow_ref = ${refOf(id)}`
    }, storeOperation("WorkflowStore.remove"))

    const forSession = Effect.fn("WorkflowStore.forSession")(function*(sessionId: string) {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<Row>`SELECT ${sql.literal(COLUMNS)} FROM appointment_workflows
        WHERE session_ref = ${crypto.ref("session", sessionId)} AND expires_at > ${now} ORDER BY created_at`
      return rows.flatMap((row) => Option.toArray(decode(row)))
    }, storeOperation("WorkflowStore.forSession"))

    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql`DELETE FROM appointment_workflows WHERE expires_at <= ${now} RETURNING workflow_ref`
      if (rows.length > 0) yield* Effect.logDebug("appointment workflows expired", { removed: rows.length })
      return rows.length
    }).pipe(storeOperation("WorkflowStore.sweep"), Effect.withSpan("WorkflowStore.sweep"))

    const count = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<{ readonly n: unknown }>`SELECT count(*) AS n FROM appointment_workflows WHERE expires_at > ${now}`
      return millis(rows[0]?.n ?? 0)
    }).pipe(storeOperation("WorkflowStore.count"))

    // Frees space; correctness does not depend on it (lookups check the deadline).
    if (sweeper) {
      yield* sweep.pipe(
        Effect.catchTag("StorageUnavailable", (e) => Effect.logDebug("workflow sweep skipped: store unavailable", { detail: e.detail })),
        Effect.repeat(Schedule.spaced(sweepInterval(ttl))),
        Effect.forkScoped
      )
    }

    return WorkflowStore.of({
      create,
      use,
      peek,
      update,
      inUse,
      markSubmitting,
      markBooked,
      clearSubmitting,
      remove,
      forSession,
      sweep,
      count,
      newPageToken: Effect.sync(makeOpaqueToken),
      ttl
    })
  })

export class WorkflowStore extends Context.Service<WorkflowStore, WorkflowStoreShape>()("emodal-api/services/store/WorkflowStore") {
  /** TTL from APPOINTMENT_SESSION_TTL. */
  static readonly layer: Layer.Layer<WorkflowStore, never, SqlClient | StoreCrypto | PortalConfig> = Layer.effect(
    WorkflowStore,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      return yield* make({ ttl: config.appointmentSessionTtl })
    })
  )

  static readonly layerWith = (options: WorkflowStoreOptions): Layer.Layer<WorkflowStore, never, SqlClient | StoreCrypto> =>
    Layer.effect(WorkflowStore, make(options))

  /** On a private in-memory SQLite database, TTL 10 minutes (the seed's). */
  static readonly layerTest: Layer.Layer<WorkflowStore, StorageUnavailable> = WorkflowStore.layerWith({ ttl: Duration.minutes(10) }).pipe(
    Layer.provide(Layer.merge(SqlStore.layerTest, StoreCrypto.layerTest))
  )
}
