/**
 * AppointmentWorkflows owns the appointment workflows (`appointment_session_id`) that let a client
 * resume the wizard after a missing or wrong field: which browser session a workflow runs on, its
 * container type, the phase to resume at and the fields given so far (never a password or key).
 * A workflow lives APPOINTMENT_SESSION_TTL measured from its last use; a scheduled sweeper removes
 * expired ones and a lookup never returns one past its deadline. Expiry frees the workflow record
 * only — never the browser session it ran on (the seed quit the shared browser here).
 */
import { Clock, Context, Duration, Effect, Layer, Ref, Schedule } from "effect"
import { WorkflowExpired } from "../domain/Errors.ts"
import { type AppointmentSessionId, isAppointmentSessionId, makeAppointmentSessionId, makeOpaqueToken } from "../domain/Ids.ts"
import { PortalConfig } from "./PortalConfig.ts"

export type ContainerType = "import" | "export"

/** The wizard fields a workflow remembers (the seed's `phase_data`), as the client gave them. */
export type PhaseData = Readonly<Record<string, unknown>>

export interface Workflow {
  readonly id: AppointmentSessionId
  /** The browser session the wizard page belongs to. */
  readonly sessionId: string
  readonly containerType: ContainerType
  /** The phase to run next (1-3); 3 once the times were read. */
  readonly currentPhase: number
  readonly phaseData: PhaseData
  /**
   * Marks the wizard page this workflow last drove. The page carries the same token while it is
   * still that document; a different token (or none) means the page was navigated meanwhile.
   */
  readonly pageToken: string | undefined
  /** The plate the wizard actually chose (wildcard or fallback), once phase 2 ran. */
  readonly selectedPlate: string | undefined
  readonly createdAt: number
  readonly lastUsed: number
  /** Requests working on it right now; a workflow in use never expires. */
  readonly active: number
}

export interface NewWorkflow {
  readonly sessionId: string
  readonly containerType: ContainerType
  readonly phaseData: PhaseData
}

export type WorkflowPatch = Partial<Pick<Workflow, "sessionId" | "containerType" | "currentPhase" | "phaseData" | "pageToken" | "selectedPlate">>

export interface AppointmentWorkflowsShape {
  /** Registers a new workflow at phase 1. */
  readonly create: (input: NewWorkflow) => Effect.Effect<Workflow>
  /** The live workflow with this id, marked used now; WorkflowExpired if unknown or past its TTL. */
  readonly use: (id: string) => Effect.Effect<Workflow, WorkflowExpired>
  /** The workflow without touching it (None-like: undefined when gone). */
  readonly peek: (id: string) => Effect.Effect<Workflow | undefined>
  /** Changes a live workflow and marks it used; WorkflowExpired if it is gone. */
  readonly update: (id: string, patch: WorkflowPatch) => Effect.Effect<Workflow, WorkflowExpired>
  /**
   * Runs `effect` with the workflow marked in use: it cannot expire meanwhile (a wizard walk may
   * take longer than a short TTL), and its idle time starts again when `effect` ends.
   */
  readonly inUse: <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WorkflowExpired, R>
  /** Ends a workflow (a successful booking); no-op when already gone. */
  readonly remove: (id: string) => Effect.Effect<void>
  /** Removes every workflow idle past the TTL; returns how many. Also run by the sweeper. */
  readonly sweep: Effect.Effect<number>
  /** Live workflows (for /health). */
  readonly count: Effect.Effect<number>
  /** A fresh page token for a workflow about to (re)open the wizard page. */
  readonly newPageToken: Effect.Effect<string>
  readonly ttl: Duration.Duration
}

/** How often the sweeper runs: a quarter of the TTL, between 1 second and 1 minute. */
export const sweepInterval = (ttl: Duration.Duration): Duration.Duration =>
  Duration.clamp(Duration.divideUnsafe(ttl, 4), { minimum: Duration.seconds(1), maximum: Duration.minutes(1) })

const make = (ttl: Duration.Duration) =>
  Effect.gen(function*() {
    const store = yield* Ref.make<ReadonlyMap<string, Workflow>>(new Map())
    const ttlMs = Duration.toMillis(ttl)
    const expired = (w: Workflow, now: number) => w.active === 0 && now - w.lastUsed >= ttlMs

    const without = (m: ReadonlyMap<string, Workflow>, id: string) => {
      const next = new Map(m)
      next.delete(id)
      return next
    }

    const create = Effect.fn("AppointmentWorkflows.create")(function*(input: NewWorkflow) {
      const now = yield* Clock.currentTimeMillis
      const workflow: Workflow = {
        id: makeAppointmentSessionId(),
        sessionId: input.sessionId,
        containerType: input.containerType,
        currentPhase: 1,
        phaseData: input.phaseData,
        pageToken: undefined,
        selectedPlate: undefined,
        createdAt: now,
        lastUsed: now,
        active: 0
      }
      yield* Ref.update(store, (m) => new Map(m).set(workflow.id, workflow))
      return workflow
    })

    /** Applies `f` to a live workflow atomically; an expired one is removed on the way. */
    const modify = (id: string, f: (w: Workflow, now: number) => Workflow) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const result = yield* Ref.modify(store, (m): [Workflow | undefined, ReadonlyMap<string, Workflow>] => {
          const w = isAppointmentSessionId(id) ? m.get(id) : undefined
          if (w === undefined) return [undefined, m]
          if (expired(w, now)) return [undefined, without(m, id)]
          const next = f(w, now)
          return [next, new Map(m).set(id, next)]
        })
        if (result === undefined) return yield* new WorkflowExpired({ appointmentSessionId: id })
        return result
      })

    const use = (id: string) => modify(id, (w, now) => ({ ...w, lastUsed: now })).pipe(Effect.withSpan("AppointmentWorkflows.use"))

    const update = (id: string, patch: WorkflowPatch) =>
      modify(id, (w, now) => ({ ...w, ...patch, lastUsed: now })).pipe(Effect.withSpan("AppointmentWorkflows.update"))

    const inUse = <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        modify(id, (w, now) => ({ ...w, active: w.active + 1, lastUsed: now })),
        () => effect,
        () =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Ref.update(store, (m) => {
              const w = m.get(id)
              return w === undefined ? m : new Map(m).set(id, { ...w, active: Math.max(0, w.active - 1), lastUsed: now })
            }))
      )

    const peek = (id: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const w = (yield* Ref.get(store)).get(id)
        return w === undefined || expired(w, now) ? undefined : w
      })

    const remove = (id: string) => Ref.update(store, (m) => (m.has(id) ? without(m, id) : m))

    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const removed = yield* Ref.modify(store, (m): [number, ReadonlyMap<string, Workflow>] => {
        const next = new Map([...m].filter(([, w]) => !expired(w, now)))
        return [m.size - next.size, next]
      })
      if (removed > 0) yield* Effect.logDebug("appointment workflows expired", { removed })
      return removed
    }).pipe(Effect.withSpan("AppointmentWorkflows.sweep"))

    // The sweeper frees memory; correctness does not depend on it (lookups check the deadline).
    yield* sweep.pipe(Effect.repeat(Schedule.spaced(sweepInterval(ttl))), Effect.forkScoped)

    const count = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      let n = 0
      for (const w of (yield* Ref.get(store)).values()) if (!expired(w, now)) n++
      return n
    })

    return AppointmentWorkflows.of({
      create,
      use,
      inUse,
      peek,
      update,
      remove,
      sweep,
      count,
      newPageToken: Effect.sync(makeOpaqueToken),
      ttl
    })
  })

export class AppointmentWorkflows extends Context.Service<AppointmentWorkflows, AppointmentWorkflowsShape>()(
  "emodal-api/services/AppointmentWorkflows"
) {
  /** TTL from APPOINTMENT_SESSION_TTL. */
  static readonly layer: Layer.Layer<AppointmentWorkflows, never, PortalConfig> = Layer.effect(
    AppointmentWorkflows,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      return yield* make(config.appointmentSessionTtl)
    })
  )

  /** In memory with a given TTL (default the seed's 10 minutes); needs nothing. */
  static readonly layerWith = (ttl: Duration.Input = "10 minutes"): Layer.Layer<AppointmentWorkflows> =>
    Layer.effect(AppointmentWorkflows, make(Duration.fromInputUnsafe(ttl)))

  static readonly layerTest: Layer.Layer<AppointmentWorkflows> = AppointmentWorkflows.layerWith()
}
