/**
 * A session's health record, as pure functions of the record: what each message does to it (uses,
 * last use, consecutive browser-level failures), when a session that keeps failing retires itself,
 * and the summary `/sessions` shows. Refreshes and upkeep never count as use: the LRU order and
 * `last_used` follow callers, as in the seed.
 */
import type { SessionSummary } from "../../domain/Operations.ts"
import type { OperationKind, SessionHealth, SessionSettings, SessionState } from "./SessionProtocol.ts"

/** A session that fails this many operations in a row for browser-level reasons retires itself. */
export const RETIRE_AFTER_CONSECUTIVE_ERRORS = 5

export const initial = (createdAt: number, now: number): SessionHealth => ({
  createdAt,
  lastUsed: now,
  lastRefresh: now,
  uses: 0,
  consecutiveErrors: 0,
  logins: 0,
  recycles: 0
})

/** How a message ended: `failed_badly` is a failure that says the session is in trouble. */
export type MessageOutcome = "succeeded" | "failed" | "failed_badly"

/** The record after a message of `kind` ended with `outcome` at `now`. */
export const afterMessage = (h: SessionHealth, kind: OperationKind, outcome: MessageOutcome, now: number): SessionHealth => ({
  ...h,
  ...(kind === "operation" ? { uses: h.uses + 1, lastUsed: now } : {}),
  ...(kind === "refresh" && outcome === "succeeded" ? { lastRefresh: now } : {}),
  consecutiveErrors: outcome === "failed_badly" ? h.consecutiveErrors + 1 : outcome === "succeeded" ? 0 : h.consecutiveErrors
})

export const afterLogin = (h: SessionHealth, now: number): SessionHealth => ({ ...h, logins: h.logins + 1, lastRefresh: now })

export const touched = (h: SessionHealth, now: number): SessionHealth => ({ ...h, lastUsed: now })

export const shouldRetire = (h: SessionHealth): boolean => h.consecutiveErrors >= RETIRE_AFTER_CONSECUTIVE_ERRORS

/** Origin and path of a page URL: no query string (it may hold tokens); null for about: pages. */
export const originAndPath = (url: string): string | null => {
  if (!URL.canParse(url)) return null
  const u = new URL(url)
  return u.protocol === "about:" ? null : `${u.origin}${u.pathname}`
}

export interface SummaryFacts {
  readonly sessionId: string
  readonly username: string
  readonly health: SessionHealth
  readonly settings: SessionSettings
  readonly state: SessionState
  readonly queued: number
  readonly now: number
  readonly url: string
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The session as `/sessions` lists it. */
export const summaryOf = (f: SummaryFacts): SessionSummary => ({
  session_id: f.sessionId,
  username: f.username,
  created_at: iso(f.health.createdAt),
  last_used: iso(f.health.lastUsed),
  last_refresh: f.health.lastRefresh === null ? null : iso(f.health.lastRefresh),
  keep_alive: f.settings.keepAlive,
  never_terminate: f.settings.neverTerminate,
  busy: f.state === "busy" || f.state === "logging_in" || f.state === "refreshing",
  queued: f.queued,
  uses: f.health.uses,
  consecutive_errors: f.health.consecutiveErrors,
  age_seconds: Math.max(0, Math.floor((f.now - f.health.createdAt) / 1000)),
  current_url: originAndPath(f.url),
  state: f.state
})
