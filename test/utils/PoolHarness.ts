/**
 * Layers for unit tests of the session actor and the pool: the real SessionPool (with its parts) and BrowserSession
 * over a fake Browser (no Chrome) and a fake portal, configured from plain env records; waits that
 * yield (no clock) until the actor or the pool gets somewhere, and the pool's usernames.
 */
import { Effect, Layer, Redacted } from "effect"
import { Credentials } from "../../src/domain/Credentials.ts"
import * as Browser from "../../src/services/Browser.ts"
import type { BrowserSession } from "../../src/services/BrowserSession.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { FakePortal, PortalDriver } from "../../src/services/PortalDriver.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { PoolMetrics } from "../../src/services/pool/PoolMetrics.ts"
import { SessionPoolLayer, StoreLayerTest } from "../../src/runtime/PortalLayer.ts"
import { SessionSnapshots } from "../../src/services/SessionSnapshots.ts"

export const poolLayer = (env: Record<string, string> = {}) =>
  SessionPoolLayer.pipe(
    Layer.provideMerge(Layer.mergeAll(Browser.layerTest, PortalDriver.layerTest, SessionSnapshots.layer)),
    Layer.provideMerge(StoreLayerTest),
    Layer.provideMerge(PortalConfig.layerTest({ DATA_DIR: "/nonexistent-test-data-dir", ...env })),
    Layer.provideMerge(PoolMetrics.registryLayer)
  )

export const creds = (username: string, password = "pw") =>
  new Credentials({ username, password: Redacted.make(password), captchaApiKey: Redacted.make("solver-key") })

/** Yields (no clock) until `check` holds; dies naming `what` if it never does. */
const yieldUntil = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if (yield* check) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error(`gave up waiting for ${what}`))
  })

/** Waits (yielding, no clock) until the session reports `state`. */
export const untilState = (session: BrowserSession, state: string) =>
  yieldUntil(`the session to reach state ${state}`, Effect.map(session.state, (s) => s === state))

/** Waits (yielding, no clock) until the session's summary shows `n` queued messages. */
export const untilQueued = (session: BrowserSession, n: number) =>
  yieldUntil(`the session to have ${n} queued`, Effect.map(session.summary, (s) => s.queued === n))

/** Waits (yielding, no clock) until the fake portal has begun `n` logins. */
export const untilLoginsStarted = (n: number) =>
  Effect.gen(function*() {
    const fake = yield* FakePortal
    yield* yieldUntil(`the fake portal to begin ${n} logins`, Effect.map(fake.state, (s) => s.loginsStarted >= n))
  })

/** Waits (yielding, no clock) until the pool lists no session. */
export const untilPoolEmpty = Effect.gen(function*() {
  const pool = yield* SessionPool
  yield* yieldUntil("the pool to empty", Effect.map(pool.list, (l) => l.length === 0))
})

/** The usernames of the pool's sessions, sorted. */
export const sessionUsernames = Effect.gen(function*() {
  return (yield* (yield* SessionPool).list).map((s) => s.username).sort()
})
