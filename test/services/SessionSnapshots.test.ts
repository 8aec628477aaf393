import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSessionId } from "../../src/domain/Ids.ts"
import { StoreLayerTest } from "../../src/runtime/PortalLayer.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { SessionSnapshots, type SnapshotData } from "../../src/services/SessionSnapshots.ts"
import { SnapshotStore } from "../../src/services/store/SnapshotStore.ts"
import * as Logging from "../../src/runtime/Logging.ts"
import { snapshotFiles, writeLegacySnapshot } from "../utils/LegacySnapshotFiles.ts"

const KEY = "snapshot-key-0123456789abcdef"
const SECRET = "server-secret-0123456789abcdef-0123456789"

const sample = (overrides: Partial<SnapshotData> = {}): SnapshotData => ({
  version: 1,
  sessionId: makeSessionId(),
  fingerprint: "f".repeat(64),
  username: "alice",
  password: "very-secret-password",
  captchaApiKey: "captcha-key-secret",
  neverTerminate: true,
  keepAlive: true,
  createdAt: 1_700_000_000_000,
  savedAt: Date.now(),
  cookies: [{ name: ".AspNetCore.Cookies", value: "cookie-value-secret", domain: "ecp2.localhost", path: "/", expires: -1, httpOnly: true, secure: false, session: true }],
  storage: { "http://ecp2.localhost:1": { local: { k: "v" }, session: { s: "t" } } },
  ...overrides
})

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-snap-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** SessionSnapshots on a private in-memory store (real clock: savedAt uses wall time), logs captured. */
const snapshotsLayer = (env: Record<string, string>, lines: Array<string> = []) =>
  SessionSnapshots.layer.pipe(
    Layer.provideMerge(StoreLayerTest),
    Layer.provideMerge(PortalConfig.layerTest({ SNAPSHOT_KEY: KEY, SERVER_SECRET: SECRET, ...env })),
    Layer.provideMerge(Logging.captureLayer(lines))
  )

describe("SessionSnapshots (in the store)", () => {
  it.live("stores a snapshot sealed and gives it back; nothing of it in clear in the database", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const data = sample()
      yield* Effect.gen(function*() {
        const snapshots = yield* SessionSnapshots
        yield* snapshots.save(data)
        assert.deepStrictEqual(yield* snapshots.load(data.sessionId), Option.some(data))
        const rows = JSON.stringify(yield* (yield* SqlClient)`SELECT * FROM session_snapshots`)
        for (const secret of ["very-secret-password", "captcha-key-secret", "cookie-value-secret", "alice", data.sessionId]) {
          assert.notInclude(rows, secret, `${secret} is not stored in clear`)
        }
      }).pipe(Effect.provide(snapshotsLayer({ DATA_DIR: dir })))
    }))

  it.live("content that is not a snapshot (or another session's) is SnapshotCorrupt: logged, deleted, absent", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        const snapshots = yield* SessionSnapshots
        const store = yield* SnapshotStore
        const a = makeSessionId()
        const b = sample()
        yield* store.save(a, "not a snapshot at all", Date.now())
        yield* store.save(makeSessionId(), JSON.stringify({ ...b, version: 2 }), Date.now())
        // A sealed row is bound to its session: a snapshot naming another session is not trusted either.
        yield* store.save(a.replace(/.$/, "x"), JSON.stringify(b), Date.now())
        assert.isTrue(Option.isNone(yield* snapshots.load(a)))
        assert.isTrue(Option.isNone(yield* snapshots.load(a.replace(/.$/, "x"))))
        assert.deepStrictEqual(yield* snapshots.loadAll, [])
        assert.strictEqual(yield* store.count, 1, "the loaded bad rows are deleted (the unnamed one is skipped)")
      }).pipe(Effect.provide(snapshotsLayer({ DATA_DIR: dir }, lines)))
      assert.isTrue(lines.some((l) => l.includes("SnapshotCorrupt")), "logged as SnapshotCorrupt")
      for (const l of lines) assert.notInclude(l, "very-secret-password")
    }))

  it.live("never restores a snapshot older than SNAPSHOT_MAX_AGE", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const snapshots = yield* SessionSnapshots
        const old = sample({ savedAt: Date.now() - 3 * 3_600_000 })
        const fresh = sample()
        yield* snapshots.save(old)
        yield* snapshots.save(fresh)
        assert.isTrue(Option.isNone(yield* snapshots.load(old.sessionId)))
        assert.deepStrictEqual((yield* snapshots.loadAll).map((d) => d.sessionId), [fresh.sessionId])
      }).pipe(Effect.provide(snapshotsLayer({ DATA_DIR: dir, SNAPSHOT_MAX_AGE: "1 hour" })))
    }))

  it.live("is off without SNAPSHOT_KEY: nothing is stored", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const snapshots = yield* SessionSnapshots
        assert.isFalse(snapshots.enabled)
        yield* snapshots.save(sample())
        assert.strictEqual(yield* (yield* SnapshotStore).count, 0)
      }).pipe(Effect.provide(snapshotsLayer({ DATA_DIR: dir, SNAPSHOT_KEY: "" })))
    }))

  it.live("imports the snapshot files of an earlier version when built", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const data = sample()
      writeLegacySnapshot(dir, KEY, SECRET, data)
      yield* Effect.gen(function*() {
        assert.deepStrictEqual(yield* (yield* SessionSnapshots).load(data.sessionId), Option.some(data))
        assert.deepStrictEqual(snapshotFiles(dir), [])
      }).pipe(Effect.provide(snapshotsLayer({ DATA_DIR: dir })))
    }))
})
