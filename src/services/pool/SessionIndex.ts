/**
 * The pool's index, as pure data: the live sessions in least-recently-used order, the credential
 * fingerprint each was opened with (a different password never finds another's session), the
 * logins in flight by fingerprint (single flight), and tombstones saying why recent sessions ended
 * (so an ended id answers BrowserCrashed rather than a silent new session). Every change is a
 * function from index to index, so the pool applies each in one atomic Ref update.
 */
import type { CredentialFingerprint } from "../../domain/Credentials.ts"
import type { SessionId } from "../../domain/Ids.ts"
import type { EndReason } from "../session/SessionProtocol.ts"

/** What the index needs to know of a session. */
export interface Indexed {
  readonly fingerprint: CredentialFingerprint
}

export interface SessionIndex<S extends Indexed, P> {
  /** Map iteration order is the LRU order: oldest first; a touch moves an entry to the end. */
  readonly sessions: ReadonlyMap<SessionId, S>
  readonly byFingerprint: ReadonlyMap<CredentialFingerprint, SessionId>
  /** A login in flight per fingerprint: whoever asks for the same credentials meanwhile shares it. */
  readonly pending: ReadonlyMap<CredentialFingerprint, P>
  /** Why recent sessions ended, oldest first, at most TOMBSTONES_KEPT. */
  readonly tombstones: ReadonlyMap<SessionId, EndReason>
}

export const TOMBSTONES_KEPT = 1000

export const empty = <S extends Indexed, P>(): SessionIndex<S, P> => ({
  sessions: new Map(),
  byFingerprint: new Map(),
  pending: new Map(),
  tombstones: new Map()
})

/** The index with `id` as the most recently used session (unchanged if it is not live). */
export const touch = <S extends Indexed, P>(index: SessionIndex<S, P>, id: SessionId): SessionIndex<S, P> => {
  const session = index.sessions.get(id)
  if (session === undefined) return index
  const sessions = new Map(index.sessions)
  sessions.delete(id)
  sessions.set(id, session)
  return { ...index, sessions }
}

/** The index with `session` registered under `id`, most recently used, found by its fingerprint. */
export const add = <S extends Indexed, P>(index: SessionIndex<S, P>, id: SessionId, session: S): SessionIndex<S, P> => {
  const sessions = new Map(index.sessions)
  sessions.delete(id)
  sessions.set(id, session)
  const tombstones = new Map(index.tombstones)
  tombstones.delete(id)
  return { ...index, sessions, byFingerprint: new Map(index.byFingerprint).set(session.fingerprint, id), tombstones }
}

/**
 * Removes the session of `id` — only if `expected` accepts it (a restored session can reuse an
 * ended one's id: never remove the newer one by mistake) — leaving a tombstone saying why.
 */
export const remove = <S extends Indexed, P>(
  index: SessionIndex<S, P>,
  id: SessionId,
  reason: EndReason,
  expected: (session: S) => boolean = () => true
): readonly [S | undefined, SessionIndex<S, P>] => {
  const session = index.sessions.get(id)
  if (session === undefined || !expected(session)) return [undefined, index]
  const sessions = new Map(index.sessions)
  sessions.delete(id)
  const byFingerprint = new Map(index.byFingerprint)
  if (byFingerprint.get(session.fingerprint) === id) byFingerprint.delete(session.fingerprint)
  const tombstones = new Map(index.tombstones)
  tombstones.delete(id)
  tombstones.set(id, reason)
  for (const oldest of tombstones.keys()) {
    if (tombstones.size <= TOMBSTONES_KEPT) break
    tombstones.delete(oldest)
  }
  return [session, { ...index, sessions, byFingerprint, tombstones }]
}

/** Where the credentials of `fingerprint` lead: their live session, a login in flight, or a new login. */
export type Resolution<P> =
  | { readonly _tag: "existing"; readonly id: SessionId }
  | { readonly _tag: "wait"; readonly pending: P }
  | { readonly _tag: "create" }

/** Resolves `fingerprint`; when a new login is needed, `fresh` becomes its pending entry. */
export const resolve = <S extends Indexed, P>(
  index: SessionIndex<S, P>,
  fingerprint: CredentialFingerprint,
  fresh: P
): readonly [Resolution<P>, SessionIndex<S, P>] => {
  const existing = index.byFingerprint.get(fingerprint)
  if (existing !== undefined) return [{ _tag: "existing", id: existing }, index]
  const inFlight = index.pending.get(fingerprint)
  if (inFlight !== undefined) return [{ _tag: "wait", pending: inFlight }, index]
  return [{ _tag: "create" }, { ...index, pending: new Map(index.pending).set(fingerprint, fresh) }]
}

/** The login `p` for `fingerprint` is over (whatever its outcome): a retry starts afresh. */
export const settle = <S extends Indexed, P>(index: SessionIndex<S, P>, fingerprint: CredentialFingerprint, p: P): SessionIndex<S, P> => {
  if (index.pending.get(fingerprint) !== p) return index
  const pending = new Map(index.pending)
  pending.delete(fingerprint)
  return { ...index, pending }
}

/** The live sessions, least recently used first. */
export const leastRecentlyUsed = <S extends Indexed, P>(index: SessionIndex<S, P>): ReadonlyArray<readonly [SessionId, S]> => [
  ...index.sessions
]

/** Why the session of `id` ended, if the index still remembers. */
export const tombstone = <S extends Indexed, P>(index: SessionIndex<S, P>, id: SessionId): EndReason | undefined => index.tombstones.get(id)
