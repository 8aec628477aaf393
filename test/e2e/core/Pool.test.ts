import { assert, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Ref } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import type { PoolExhausted } from "../../../src/domain/Errors.ts"
import type { BrowserSession } from "../../../src/services/BrowserSession.ts"
import type { PageHandle } from "../../../src/services/Browser.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import { openApp } from "../../../src/services/portal/PageState.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { coreLayer, credentials, eventually, leftovers, logins, tempDataDir } from "../../utils/ProductHarness.ts"
import { sessionUsernames } from "../../utils/PoolHarness.ts"

/** A trusted-captcha account with 3 containers; its username. */
const account = (prefix: string) => Effect.map(newAccount(prefix, { captchaMode: "trusted", containerCount: 3 }), (a) => a.username)

/** Holds a session busy with real page work until released. */
const holdBusy = (session: BrowserSession) =>
  Effect.gen(function*() {
    const started = yield* Deferred.make<void>()
    const latch = yield* Deferred.make<void>()
    const fiber = yield* session.run({
      name: "hold",
      run: (page) =>
        page.evaluate(() => document.title).pipe(
          Effect.andThen(Deferred.succeed(started, undefined)),
          Effect.andThen(Deferred.await(latch))
        )
    }).pipe(Effect.forkChild)
    yield* Deferred.await(started)
    return Deferred.succeed(latch, undefined).pipe(Effect.andThen(Fiber.join(fiber)))
  })

layer(testSimulatorLayer(), { excludeTestServices: true })("SessionPool with real Chromium", (it) => {
  it.effect("MAX_SESSIONS=2: evicts the LRU idle session, never a busy or pinned one, then PoolExhausted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const [a, b, c, d] = yield* Effect.all([account("lru-a"), account("lru-b"), account("lru-c"), account("lru-d")])
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const sa = (yield* pool.acquire({ credentials: credentials(a!, "pw") })).session
        const sb = (yield* pool.acquire({ credentials: credentials(b!, "pw") })).session
        yield* pool.acquire({ sessionId: sa.id }) // a is now the most recently used
        yield* pool.acquire({ credentials: credentials(c!, "pw") })
        assert.deepStrictEqual(yield* sessionUsernames, [a, c].sort(), "b, the LRU idle session, was evicted")
        assert.strictEqual((yield* pool.acquire({ sessionId: sb.id }).pipe(Effect.flip))._tag, "SessionNotFound")
        assert.deepStrictEqual(leftovers(dir).dirs, 2, "the evicted Chrome's directory is gone")

        // a is the LRU session now, but busy: c goes instead.
        const releaseA = yield* holdBusy(sa)
        const sd = (yield* pool.acquire({ credentials: credentials(d!, "pw"), neverTerminate: true })).session
        assert.deepStrictEqual(yield* sessionUsernames, [a, d].sort(), "the busy session survived")

        // a busy, d pinned: nothing can go, so the next login queues for a slot, waits
        // ACQUIRE_TIMEOUT and gives up ("pool_full": timed out in the queue, not refused by it).
        const waiting = yield* pool.acquire({ credentials: credentials(b!, "pw") }).pipe(Effect.flip, Effect.forkChild)
        yield* eventually("the login queued for a slot", pool.stats, (s) => s.waitingForSlot === 1)
        const exhausted = yield* Fiber.join(waiting)
        assert.strictEqual(exhausted._tag, "PoolExhausted")
        assert.strictEqual((exhausted as PoolExhausted).reason, "pool_full")
        assert.strictEqual((exhausted as PoolExhausted).retryAfterSeconds, 2)
        assert.strictEqual((yield* pool.stats).waitingForSlot, 0, "it left the queue")
        assert.deepStrictEqual(yield* sessionUsernames, [a, d].sort())

        // Once a is idle again it is the one evicted (d stays pinned).
        yield* releaseA
        yield* pool.acquire({ credentials: credentials(b!, "pw") })
        assert.deepStrictEqual(yield* sessionUsernames, [b, d].sort())
        assert.strictEqual((yield* pool.acquire({ sessionId: sd.id })).session.id, sd.id)
      }).pipe(Effect.provide(coreLayer({ MAX_SESSIONS: "2", ACQUIRE_TIMEOUT: "2 seconds" }, dir)))
      assert.deepStrictEqual(leftovers(dir), { processes: 0, dirs: 0 }, "shutdown closed every Chrome")
      assert.strictEqual(yield* logins(sim, b!), 2, "b logged in again after its eviction")
    }), { timeout: 120_000 })

  it.effect("10 concurrent acquires of new credentials log in exactly once", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("single")
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const results = yield* Effect.all(
          Array.from({ length: 10 }, () => pool.acquire({ credentials: credentials(username, "pw") })),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(new Set(results.map((r) => r.session.id)).size, 1)
        assert.strictEqual((yield* pool.stats).active, 1)
        // A different password is never the same session: first a separate attempt (rejected)…
        const other = yield* pool.acquire({ credentials: credentials(username, "another-password") }).pipe(Effect.flip)
        assert.strictEqual(other._tag, "LoginFailed")
        assert.strictEqual((yield* pool.stats).active, 1)
        // …and once the user changed it on the portal, a second, separate session.
        yield* sim.changePassword(username, "another-password")
        const second = yield* pool.acquire({ credentials: credentials(username, "another-password") })
        assert.isTrue(second.isNew)
        assert.notStrictEqual(second.session.id, results[0]!.session.id)
        assert.strictEqual((yield* pool.stats).active, 2)
        assert.strictEqual((yield* pool.acquire({ credentials: credentials(username, "pw") })).session.id, results[0]!.session.id)
      }).pipe(Effect.provide(coreLayer()))
      assert.strictEqual(yield* logins(sim, username), 2)
    }), { timeout: 90_000 })

  it.effect("runs concurrent operations on one session one at a time and frees it on every exit", () =>
    Effect.gen(function*() {
      const username = yield* account("serial")
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const session = (yield* pool.acquire({ credentials: credentials(username, "pw") })).session
        const inFlight = yield* Ref.make(0)
        const peak = yield* Ref.make(0)
        const order = yield* Ref.make<ReadonlyArray<number>>([])
        const op = (n: number) =>
          session.run({
            name: `op${n}`,
            run: (page) =>
              Effect.gen(function*() {
                const now = yield* Ref.updateAndGet(inFlight, (x) => x + 1)
                yield* Ref.update(peak, (p) => Math.max(p, now))
                yield* Ref.update(order, (o) => [...o, n])
                // Real page work that takes a little while.
                yield* page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r(document.querySelectorAll("*").length))))
                yield* Ref.update(inFlight, (x) => x - 1)
                return n
              })
          })
        const fibers: Array<Fiber.Fiber<number, unknown>> = []
        for (let n = 0; n < 6; n++) fibers.push(yield* Effect.forkChild(op(n)))
        assert.deepStrictEqual(yield* Effect.forEach(fibers, Fiber.join), [0, 1, 2, 3, 4, 5])
        assert.strictEqual(yield* Ref.get(peak), 1)
        assert.deepStrictEqual(yield* Ref.get(order), [0, 1, 2, 3, 4, 5])
        assert.strictEqual(yield* session.state, "ready")

        const failed = yield* session.run({ name: "fails", run: (page) => page.evaluate(() => (null as unknown as { x: number }).x) }).pipe(Effect.flip)
        assert.strictEqual(failed._tag, "PortalUnavailable")
        assert.strictEqual(yield* session.state, "ready")

        const timedOut = yield* session.run({ name: "hangs", run: () => Effect.never }).pipe(Effect.flip)
        assert.strictEqual(timedOut._tag, "OperationTimedOut")
        assert.strictEqual(yield* session.state, "ready")

        const abandoned = yield* session.run({ name: "abandoned", run: () => Effect.never }).pipe(Effect.forkChild)
        yield* eventually("busy", session.state, (s) => s === "busy")
        yield* Fiber.interrupt(abandoned)
        yield* eventually("ready", session.state, (s) => s === "ready")
        assert.strictEqual(yield* session.run({ name: "after", run: (page) => page.evaluate(() => 7) }), 7)
      }).pipe(Effect.provide(coreLayer({ OPERATION_TIMEOUT: "3 seconds" })))
    }), { timeout: 90_000 })

  it.effect("a SIGKILLed Chrome ends its session with BrowserCrashed and leaves nothing behind", () =>
    Effect.gen(function*() {
      const username = yield* account("crash")
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const session = (yield* pool.acquire({ credentials: credentials(username, "pw") })).session
        assert.isNumber(session.lease.pid)
        assert.strictEqual(leftovers(dir).dirs, 1)
        process.kill(session.lease.pid!, "SIGKILL")
        assert.strictEqual(yield* session.ended, "crashed")
        const next = yield* pool.acquire({ sessionId: session.id }).pipe(Effect.flip)
        assert.strictEqual(next._tag, "BrowserCrashed")
        yield* eventually("crashed Chrome cleaned up", Effect.sync(() => leftovers(dir)), (l) => l.processes === 0 && l.dirs === 0)
        assert.strictEqual((yield* pool.stats).crashesTotal, 1)
        assert.strictEqual((yield* pool.stats).active, 0)
      }).pipe(Effect.provide(coreLayer({}, dir)))
    }), { timeout: 90_000 })
})

layer(testSimulatorLayer({ idleLogoutAfter: "3 seconds" }), { excludeTestServices: true })("Refresher against the portal's idle logout", (it) => {
  it.effect("keeps a pinned session logged in; an unrefreshed one is logged out and re-logs in on use", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const pinnedUser = yield* account("pinned")
      const idleUser = yield* account("idle")
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const pinned = (yield* pool.acquire({ credentials: credentials(pinnedUser, "pw"), neverTerminate: true })).session
        const idle = (yield* pool.acquire({ credentials: credentials(idleUser, "pw"), keepAlive: false })).session
        // Long enough for the portal to log out anything idle for 3 s: several refreshes must run.
        yield* eventually("refreshes", pool.stats, (s) => s.refreshesTotal >= 8, 30_000)
        const live = (yield* sim.state()).sessions.filter((s) => s.live).map((s) => s.username)
        assert.include(live, pinnedUser)
        assert.notInclude(live, idleUser)
        assert.strictEqual(yield* logins(sim, pinnedUser), 1, "the pinned session never needed a new login")
        // Using the pinned session just works; using the idle one costs exactly one re-login.
        const config = yield* PortalConfig
        const openContainers = (page: PageHandle) =>
          openApp(page, new URL("/containers", config.portal.ecp2).href, config.portal, { timeout: Duration.seconds(20), what: "containers page" })
        yield* pinned.run({ name: "use", run: openContainers })
        yield* idle.run({ name: "use", run: openContainers })
        assert.strictEqual(yield* logins(sim, pinnedUser), 1)
        assert.strictEqual(yield* logins(sim, idleUser), 2)
      }).pipe(Effect.provide(coreLayer({
        REFRESH_CHECK_INTERVAL: "250 millis",
        SESSION_REFRESH_AFTER: "1 second"
      })))
    }), { timeout: 90_000 })
})
