/**
 * Capturing a logged-in page's state into a snapshot and putting it back into a fresh browser:
 * cookies through the DevTools protocol (session cookies included), and the portal origins'
 * localStorage/sessionStorage through a script that runs before the app's own scripts on each
 * origin (so no extra navigation is needed). Whether the restored login still holds is decided by
 * the caller with a keep-alive probe.
 */
import { Effect } from "effect"
import type { BrowserError, Cookie, PageHandle } from "../Browser.ts"
import type { OriginStorage } from "../SessionSnapshots.ts"

export interface CapturedState {
  readonly cookies: ReadonlyArray<Cookie>
  readonly storage: Record<string, OriginStorage>
}

/** The page's cookies, and its current origin's storage merged over what was captured before. */
export const capture = (
  page: PageHandle,
  known: Record<string, OriginStorage>
): Effect.Effect<CapturedState, BrowserError> =>
  Effect.gen(function*() {
    const cookies = yield* page.cookies()
    const here = yield* page.storage().pipe(Effect.orElseSucceed(() => null))
    const storage = here === null ? known : { ...known, [here.origin]: { local: here.local, session: here.session } }
    return { cookies, storage }
  })

const initScript = (storage: Record<string, OriginStorage>) =>
  `(() => { try {
  const all = ${JSON.stringify(storage)};
  const mine = all[location.origin];
  if (!mine) return;
  for (const [k, v] of Object.entries(mine.local)) if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
  for (const [k, v] of Object.entries(mine.session)) if (sessionStorage.getItem(k) === null) sessionStorage.setItem(k, v);
} catch (e) {} })();`

/** Puts captured cookies and storage into a fresh page (before it visits the portal). */
export const apply = (page: PageHandle, state: CapturedState): Effect.Effect<void, BrowserError> =>
  Effect.gen(function*() {
    if (state.cookies.length > 0) yield* page.setCookies(state.cookies)
    const hasStorage = Object.values(state.storage).some((s) => Object.keys(s.local).length + Object.keys(s.session).length > 0)
    if (hasStorage) yield* page.addInitScript(initScript(state.storage))
  })
