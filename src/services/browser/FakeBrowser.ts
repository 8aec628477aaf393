/**
 * A browser without Chrome, for unit tests of the session actor, the pool and the operations: its
 * leases have a page that answers nothing (every page call fails with a BrowserError, except the
 * harmless reads), and `FakeBrowser` can crash a lease as if its Chrome died.
 */
import { Context, Deferred, Effect, Ref } from "effect"
import { makeOpaqueToken } from "../../domain/Ids.ts"
import { BrowserError } from "./BrowserErrors.ts"
import type { BrowserLease, PageHandle } from "./Handles.ts"

export interface FakeBrowserShape {
  /** Leases opened so far and still open. */
  readonly open: Effect.Effect<ReadonlyArray<string>>
  /** Simulates Chrome dying under the lease with this token. */
  readonly crash: (token: string) => Effect.Effect<void>
}

export class FakeBrowser extends Context.Service<FakeBrowser, FakeBrowserShape>()("emodal-api/services/Browser/FakeBrowser") {}

const fakePage = (connected: () => boolean): PageHandle => {
  const unsupported = (operation: string) =>
    Effect.fail(new BrowserError({ operation, detail: "the fake browser has no page", disconnected: !connected() }))
  return {
    url: () => "about:blank",
    isOpen: connected,
    call: (name, ..._args) => unsupported(`call:${name}`),
    until: (what, _options, _name, ..._args) => unsupported(what),
    click: (what, _name, ..._args) => unsupported(`click:${what}`),
    type: (what, _text, _options, _name, ..._args) => unsupported(`type:${what}`),
    evaluate: () => unsupported("evaluate"),
    goto: () => unsupported("goto"),
    title: () => Effect.succeed(""),
    content: () => Effect.succeed(""),
    press: () => unsupported("press"),
    frames: () => Effect.succeed([]),
    screenshot: () => unsupported("screenshot"),
    cookies: () => Effect.succeed([]),
    setCookies: () => Effect.void,
    storage: () => Effect.succeed(null),
    addInitScript: () => Effect.void,
    download: () => unsupported("download")
  }
}

interface FakeLease {
  connected: boolean
  readonly crashed: Deferred.Deferred<string>
}

/** `open` for the fake browser, and the controls over what it opened. */
export const makeFakeBrowser = Effect.gen(function*() {
  const leases = yield* Ref.make(new Map<string, FakeLease>())
  const open = Effect.gen(function*() {
    const token = makeOpaqueToken()
    const record: FakeLease = { connected: true, crashed: yield* Deferred.make<string>() }
    yield* Effect.acquireRelease(
      Ref.update(leases, (m) => new Map(m).set(token, record)),
      () => Ref.update(leases, (m) => {
        const next = new Map(m)
        next.delete(token)
        return next
      })
    )
    return {
      token,
      page: fakePage(() => record.connected),
      pid: undefined,
      isConnected: () => record.connected,
      crashed: Deferred.await(record.crashed),
      memoryMb: () => 0
    } satisfies BrowserLease
  }).pipe(Effect.withSpan("Browser.open"))
  const controls: FakeBrowserShape = {
    open: Effect.map(Ref.get(leases), (m) => [...m.keys()]),
    crash: Effect.fn("FakeBrowser.crash")(function*(token: string) {
      const record = (yield* Ref.get(leases)).get(token)
      if (record === undefined) return
      record.connected = false
      yield* Deferred.succeed(record.crashed, "fake crash")
    })
  }
  return { open, controls }
})
