/**
 * BROWSER_ISOLATION=context: one shared Chrome, a BrowserContext (own cookies) per session.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { coreLayer, credentials, eventually, leftovers, logins, tempDataDir } from "../../utils/ProductHarness.ts"

layer(testSimulatorLayer(), { excludeTestServices: true })("Context isolation (real Chromium)", (it) => {
  it.effect("sessions share one Chrome but not their cookies; a crash of it ends them all and a new one starts", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { username: a } = yield* newAccount("ctx-a", { captchaMode: "token", containerCount: 3 })
      const { username: b } = yield* newAccount("ctx-b", { captchaMode: "token", containerCount: 3 })
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const sa = (yield* pool.acquire({ credentials: credentials(a, "pw") })).session
        const sb = (yield* pool.acquire({ credentials: credentials(b, "pw") })).session
        assert.strictEqual(sa.lease.pid, sb.lease.pid, "one shared Chrome")
        const cookiesA = yield* sa.run({ name: "cookies", run: (page) => page.cookies() })
        const cookiesB = yield* sb.run({ name: "cookies", run: (page) => page.cookies() })
        const appA = cookiesA.find((c) => c.name === ".AspNetCore.Cookies")?.value
        const appB = cookiesB.find((c) => c.name === ".AspNetCore.Cookies")?.value
        assert.isString(appA)
        assert.isString(appB)
        assert.notStrictEqual(appA, appB, "each context has its own login cookie")
        // Each context shows its own user.
        const userA = yield* sa.run({ name: "user", run: (page) => page.evaluate(() => document.querySelector("button.user")?.textContent ?? "") })
        const userB = yield* sb.run({ name: "user", run: (page) => page.evaluate(() => document.querySelector("button.user")?.textContent ?? "") })
        assert.include(userA, a)
        assert.include(userB, b)
        assert.strictEqual(leftovers(dir).dirs, 1, "one profile directory for the shared Chrome")

        process.kill(sa.lease.pid!, "SIGKILL")
        assert.strictEqual(yield* sa.ended, "crashed")
        assert.strictEqual(yield* sb.ended, "crashed")
        yield* eventually("pool emptied", pool.stats, (s) => s.active === 0)
        const again = yield* pool.acquire({ credentials: credentials(a, "pw") })
        assert.isTrue(again.isNew)
        assert.notStrictEqual(again.session.lease.pid, sa.lease.pid, "a new shared Chrome")
      }).pipe(Effect.provide(coreLayer({ BROWSER_ISOLATION: "context" }, dir)))
      assert.deepStrictEqual(leftovers(dir), { processes: 0, dirs: 0 })
      assert.strictEqual(yield* logins(sim, a), 2)
      assert.strictEqual(yield* logins(sim, b), 1)
    }), { timeout: 120_000 })
})
