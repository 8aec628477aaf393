/**
 * The checks /health reports beside the portal's contacts, as pure functions of what the service
 * knows: the captcha solver (from its latest exchange — it is never probed, a probe would cost the
 * operator's solver account) and the pool's pressure (whether a new session gets a slot now). The
 * store's check is a contributor of its own (StoreCheck). `verdict` puts them together: the reasons
 * the service is degraded, one sentence per failing check.
 */
import type { PoolCheckReport, PortalHealthReport, SolverCheckReport, StoreCheckReport } from "../../domain/Health.ts"
import type { PoolStats } from "../SessionPool.ts"

/** The solver's check, from the portal report's `captcha_solver` target. */
export const solverCheck = (portal: PortalHealthReport, serverKeyConfigured: boolean): SolverCheckReport => {
  const solver = portal.hosts.captcha_solver
  const base = { server_key_configured: serverKeyConfigured, last_contact_at: solver.last_contact_at }
  if (solver.last_outcome === null) return { status: "unknown", detail: "no exchange with the solver since start", ...base }
  if (solver.failing) {
    const what = solver.last_error_kind === "http_5xx" && solver.last_http_status !== null ? `HTTP ${solver.last_http_status}` : solver.last_error_kind ?? "failed"
    return { status: "failing", detail: `the latest exchange failed: ${what}`, ...base }
  }
  return {
    status: "ok",
    detail: solver.last_outcome === "ok" ? "the latest exchange worked" : "the latest failure is older than the recent window",
    ...base
  }
}

/** The pool's pressure: saturated while requests wait for a slot, full when a new one would wait. */
export const poolCheck = (s: PoolStats): PoolCheckReport => {
  const free = Math.max(0, s.maxSessions - s.active - s.pendingLogins)
  const figures = {
    active: s.active,
    max_sessions: s.maxSessions,
    free_slots: free,
    evictable: s.evictable,
    waiting_for_slot: s.waitingForSlot,
    queued_messages: s.queued
  }
  if (s.waitingForSlot > 0) {
    return { status: "saturated", detail: `${s.waitingForSlot} request(s) waiting for a session slot (MAX_SESSIONS=${s.maxSessions})`, ...figures }
  }
  if (free === 0 && s.evictable === 0) {
    return { status: "full", detail: "every slot is held by a busy or pinned session: a new session would wait", ...figures }
  }
  return { status: "ok", detail: `${free} free slot(s), ${s.evictable} evictable session(s)`, ...figures }
}

/** Why the service is degraded (empty: healthy). */
export const reasonsOf = (checks: {
  readonly portal: PortalHealthReport
  readonly store: StoreCheckReport
  readonly solver: SolverCheckReport
  readonly pool: PoolCheckReport
}): ReadonlyArray<string> => [
  // The portal's reasons include the solver's (it is one of its targets).
  ...checks.portal.reasons,
  ...(checks.store.status === "failing" ? [`store: ${checks.store.detail}`] : []),
  ...(checks.pool.status === "saturated" ? [`pool: ${checks.pool.detail}`] : [])
]
