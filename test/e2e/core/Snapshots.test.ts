/**
 * Sessions that survive restarts, evictions, crashes and Chrome recycling without a new login, with
 * real Chromium against the simulator and its login counter as the witness.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import type { PageHandle } from "../../../src/services/Browser.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { openApp } from "../../../src/services/portal/PageState.ts"
import { snapshotRows, withDatabase } from "../../utils/LegacySnapshotFiles.ts"
import { coreLayer, credentials, eventually, logins, tempDataDir } from "../../utils/ProductHarness.ts"

const KEY = "e2e-snapshot-key-0123456789"

/** A token-captcha account with 5 containers; its username. */
const account = (prefix: string) => Effect.map(newAccount(prefix, { captchaMode: "token", containerCount: 5 }), (a) => a.username)

/** An operation that only succeeds logged in: it opens the containers page (a 401 would raise LoggedOut). */
const useContainers = Effect.gen(function*() {
  const config = yield* PortalConfig
  return (page: PageHandle) =>
    openApp(page, new URL("/containers", config.portal.ecp2).href, config.portal, { timeout: Duration.seconds(20), what: "containers page" }).pipe(
      Effect.map(() => page.url())
    )
})

layer(testSimulatorLayer(), { excludeTestServices: true })("Sessions that survive (real Chromium)", (it) => {
  it.effect("after a restart the old session_id works, with zero new logins", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("restart")
      const dir = yield* tempDataDir
      const env = { SNAPSHOT_KEY: KEY }
      const id = yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const use = yield* useContainers
        const acquired = yield* pool.acquire({ credentials: credentials(username, "pw") })
        yield* acquired.session.run({ name: "use", run: use })
        return acquired.session.id
      }).pipe(Effect.provide(coreLayer(env, dir)))
      assert.strictEqual(yield* logins(sim, username), 1)
      assert.strictEqual(snapshotRows(dir), 1, "written at shutdown")

      // A new service on the same DATA_DIR: the id the client holds still works.
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const use = yield* useContainers
        const again = yield* pool.acquire({ sessionId: id })
        assert.strictEqual(again.session.id, id)
        assert.isFalse(again.isNew)
        assert.include(yield* again.session.run({ name: "use", run: use }), "/containers")
        assert.strictEqual((yield* pool.stats).restoresTotal, 1)
        assert.strictEqual((yield* pool.stats).loginsTotal, 0)
      }).pipe(Effect.provide(coreLayer(env, dir)))
      assert.strictEqual(yield* logins(sim, username), 1, "the simulator saw no new login")
    }), { timeout: 120_000 })

  it.effect("a pinned session is restored at boot, before any request", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("pinned-boot")
      const dir = yield* tempDataDir
      const env = { SNAPSHOT_KEY: KEY }
      const id = yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        return (yield* pool.acquire({ credentials: credentials(username, "pw"), neverTerminate: true })).session.id
      }).pipe(Effect.provide(coreLayer(env, dir)))
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const listed = yield* eventually("pinned session back", pool.list, (l) => l.some((s) => s.session_id === id && s.state === "ready"), 30_000)
        const summary = listed.find((s) => s.session_id === id)!
        assert.isTrue(summary.never_terminate)
        assert.strictEqual((yield* pool.stats).restoresTotal, 1)
      }).pipe(Effect.provide(coreLayer(env, dir)))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 120_000 })

  it.effect("an evicted session comes back by restore: zero new logins", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const a = yield* account("evict-a")
      const b = yield* account("evict-b")
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const use = yield* useContainers
        const first = yield* pool.acquire({ credentials: credentials(a, "pw") })
        yield* pool.acquire({ credentials: credentials(b, "pw") }) // evicts a (after a snapshot)
        assert.deepStrictEqual((yield* pool.list).map((s) => s.username), [b])
        const back = yield* pool.acquire({ credentials: credentials(a, "pw") }) // evicts b, restores a
        assert.strictEqual(back.session.id, first.session.id, "same session id")
        assert.isFalse(back.isNew)
        yield* back.session.run({ name: "use", run: use })
        const byId = yield* pool.acquire({ sessionId: first.session.id })
        assert.strictEqual(byId.session.id, first.session.id)
      }).pipe(Effect.provide(coreLayer({ SNAPSHOT_KEY: KEY, MAX_SESSIONS: "1" })))
      assert.strictEqual(yield* logins(sim, a), 1)
      assert.strictEqual(yield* logins(sim, b), 1)
    }), { timeout: 120_000 })

  it.effect("recycles Chrome after N uses: a new process, zero new logins, no failed request", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("recycle")
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const use = yield* useContainers
        const { session } = yield* pool.acquire({ credentials: credentials(username, "pw") })
        const firstPid = session.lease.pid
        // More requests than the threshold, all in flight together, across the swap.
        const results = yield* Effect.all(
          Array.from({ length: 7 }, (_, i) => session.run({ name: `use${i}`, run: use })),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.length, 7)
        for (const url of results) assert.include(url, "/containers")
        yield* eventually("recycled", session.health, (h) => h.recycles >= 1, 30_000)
        assert.notStrictEqual(session.lease.pid, firstPid, "a new Chrome process")
        assert.isTrue(session.lease.isConnected())
        yield* session.run({ name: "after", run: use })
      }).pipe(Effect.provide(coreLayer({ SNAPSHOT_KEY: KEY, RECYCLE_AFTER_USES: "3" })))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 120_000 })

  /** Changes the one stored snapshot's sealed bytes (base64 text) as `f` says. */
  const alter = (dir: string, f: (bytes: Buffer) => Buffer) =>
    withDatabase(dir, (db) => {
      const row = db.prepare("SELECT session_ref, sealed FROM session_snapshots").get() as { session_ref: string; sealed: string }
      db.prepare("UPDATE session_snapshots SET sealed = ? WHERE session_ref = ?").run(f(Buffer.from(row.sealed, "base64")).toString("base64"), row.session_ref)
    })
  const damages: ReadonlyArray<readonly [string, (dir: string) => void, string]> = [
    ["tampered", (dir) => alter(dir, (bytes) => {
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01
      return bytes
    }), KEY],
    ["truncated", (dir) => alter(dir, (bytes) => bytes.subarray(0, 30)), KEY],
    ["wrong-key", () => undefined, "a-different-key-0123456789"]
  ]
  for (const [what, damage, key] of damages) {
    it.effect(`a ${what} snapshot means a normal login, not a crash`, () =>
      Effect.gen(function*() {
        const sim = yield* Simulator
        const username = yield* account(`bad-${what}`)
        const dir = yield* tempDataDir
        const id = yield* Effect.gen(function*() {
          const pool = yield* SessionPool
          return (yield* pool.acquire({ credentials: credentials(username, "pw") })).session.id
        }).pipe(Effect.provide(coreLayer({ SNAPSHOT_KEY: KEY }, dir)))
        damage(dir)
        yield* Effect.gen(function*() {
          const pool = yield* SessionPool
          const byId = yield* pool.acquire({ sessionId: id }).pipe(Effect.flip)
          assert.strictEqual(byId._tag, "SessionNotFound", "no trustworthy snapshot: the id is unknown")
          const fresh = yield* pool.acquire({ credentials: credentials(username, "pw") })
          assert.isTrue(fresh.isNew)
        }).pipe(Effect.provide(coreLayer({ SNAPSHOT_KEY: key }, dir)))
        assert.strictEqual(yield* logins(sim, username), 2)
        assert.strictEqual(snapshotRows(dir), 1, "the bad row was deleted; the new session's was written at shutdown")
      }), { timeout: 120_000 })
  }

  it.effect("a SIGKILLed Chrome comes back from its snapshot under the same id", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("crash-restore")
      const dir = yield* tempDataDir
      yield* Effect.gen(function*() {
        const pool = yield* SessionPool
        const use = yield* useContainers
        const { session } = yield* pool.acquire({ credentials: credentials(username, "pw") })
        yield* eventually("snapshot written", Effect.sync(() => snapshotRows(dir)), (n) => n === 1)
        process.kill(session.lease.pid!, "SIGKILL")
        assert.strictEqual(yield* session.ended, "crashed")
        const back = yield* pool.acquire({ sessionId: session.id })
        assert.strictEqual(back.session.id, session.id)
        assert.isFalse(back.isNew)
        yield* back.session.run({ name: "use", run: use })
      }).pipe(Effect.provide(coreLayer({ SNAPSHOT_KEY: KEY }, dir)))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 120_000 })
})
