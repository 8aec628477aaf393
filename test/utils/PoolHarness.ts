/**
 * Layers for unit tests of the session actor and the pool: the real SessionPool and BrowserSession
 * over a fake Browser (no Chrome) and a fake portal, configured from plain env records.
 */
import { Effect, Layer, Redacted } from "effect"
import { Credentials } from "../../src/domain/Credentials.ts"
import * as Browser from "../../src/services/Browser.ts"
import type { BrowserSession } from "../../src/services/BrowserSession.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { FakePortal, PortalDriver } from "../../src/services/PortalDriver.ts"
import { SessionPool } from "../../src/services/SessionPool.ts"
import { SessionSnapshots } from "../../src/services/SessionSnapshots.ts"

export const poolLayer = (env: Record<string, string> = {}) =>
  SessionPool.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(Browser.layerTest, PortalDriver.layerTest, SessionSnapshots.layer)),
    Layer.provideMerge(PortalConfig.layerTest({ DATA_DIR: "/nonexistent-test-data-dir", ...env }))
  )

export const creds = (username: string, password = "pw") =>
  new Credentials({ username, password: Redacted.make(password), captchaApiKey: Redacted.make("solver-key") })

/** Waits (yielding, no clock) until the session reports `state`. */
export const untilState = (session: BrowserSession, state: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if ((yield* session.state) === state) return
      yield* Effect.yieldNow
    }
    throw new Error(`session never reached state ${state}`)
  })

/** Waits (yielding, no clock) until the fake portal has begun `n` logins. */
export const untilLoginsStarted = (n: number) =>
  Effect.gen(function*() {
    const fake = yield* FakePortal
    for (let i = 0; i < 10_000; i++) {
      if ((yield* fake.state).loginsStarted >= n) return
      yield* Effect.yieldNow
    }
    throw new Error(`the fake portal never began ${n} logins`)
  })
