import { assert, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql/SqlClient"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSessionId } from "../../../src/domain/Ids.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import type { SnapshotData } from "../../../src/services/SessionSnapshots.ts"
import { importSnapshotFiles } from "../../../src/services/store/SnapshotImport.ts"
import { SnapshotStore } from "../../../src/services/store/SnapshotStore.ts"
import { StoreCrypto } from "../../../src/services/store/StoreCrypto.ts"
import { snapshotFiles, writeLegacySnapshot } from "../../utils/LegacySnapshotFiles.ts"
import { type Backend, describeStore, quiet, storeLayer } from "../../utils/StoreBackends.ts"

const KEY = "snapshot-passphrase-0123456789"

const sample = (overrides: Partial<SnapshotData> = {}): SnapshotData => ({
  version: 1,
  sessionId: makeSessionId(),
  fingerprint: "f".repeat(64),
  username: "alice",
  password: "very-secret-password",
  captchaApiKey: "captcha-key-secret",
  neverTerminate: false,
  keepAlive: true,
  createdAt: 1_000,
  savedAt: 2_000,
  cookies: [{ name: ".AspNetCore.Cookies", value: "cookie-value-secret", domain: "ecp2.localhost", path: "/", expires: -1, httpOnly: true, secure: false, session: true }],
  storage: {},
  ...overrides
})

const dump = (rows: unknown) => JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v))

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-snapimport-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** SnapshotStore (+ PortalConfig for DATA_DIR and SNAPSHOT_KEY) on a fresh database of `backend`. */
const configured = (backend: Backend, env: Record<string, string>) =>
  Effect.map(backend.fresh, (target) =>
    SnapshotStore.layer.pipe(
      Layer.provideMerge(storeLayer(target)),
      Layer.provideMerge(PortalConfig.layerTest(env))
    ))

describeStore("SnapshotStore", (backend) => {
  const withStore = <A, E>(effect: Effect.Effect<A, E, SnapshotStore | SqlClient | StoreCrypto>) =>
    Effect.flatMap(backend.fresh, (target) => Effect.provide(effect, SnapshotStore.layerWith(KEY).pipe(Layer.provideMerge(storeLayer(target)))))

  it.effect("stores a snapshot sealed and gives it back; nothing of it in clear", () =>
    withStore(Effect.gen(function*() {
      const store = yield* SnapshotStore
      const sql = yield* SqlClient
      const data = sample()
      yield* store.save(data.sessionId, JSON.stringify(data), data.savedAt)
      const back = yield* store.load(data.sessionId)
      assert.deepStrictEqual(back.pipe(Option.map((s) => JSON.parse(s.plaintext))), Option.some(data))
      assert.deepStrictEqual(back.pipe(Option.map((s) => s.savedAt)), Option.some(2_000))
      const raw = dump(yield* sql`SELECT * FROM session_snapshots`)
      for (const secret of ["very-secret-password", "captcha-key-secret", "cookie-value-secret", "alice", data.sessionId]) assert.notInclude(raw, secret)
      assert.strictEqual(yield* store.count, 1)
    })))

  it.effect("an older snapshot never replaces a newer one", () =>
    withStore(Effect.gen(function*() {
      const store = yield* SnapshotStore
      yield* store.save("sess_a", "newer", 5_000)
      yield* store.save("sess_a", "older", 4_000)
      assert.deepStrictEqual((yield* store.load("sess_a")).pipe(Option.map((s) => s.plaintext)), Option.some("newer"))
      yield* store.save("sess_a", "newest", 6_000)
      assert.deepStrictEqual((yield* store.load("sess_a")).pipe(Option.map((s) => s.plaintext)), Option.some("newest"))
    })))

  it.effect("a row that was altered or moved to another session does not open: deleted and absent", () =>
    withStore(Effect.gen(function*() {
      const store = yield* SnapshotStore
      const sql = yield* SqlClient
      const crypto = yield* StoreCrypto
      yield* store.save("sess_victim", "victim's cookies", 1)
      yield* store.save("sess_mine", "mine", 1)
      yield* store.save("sess_flipped", "x".repeat(100), 1)
      const [victim] = yield* sql<{ readonly sealed: string }>`SELECT sealed FROM session_snapshots WHERE session_ref = ${crypto.ref("session", "sess_victim")}`
      yield* sql`UPDATE session_snapshots SET sealed = ${victim!.sealed} WHERE session_ref = ${crypto.ref("session", "sess_mine")}`
      const [flip] = yield* sql<{ readonly sealed: string }>`SELECT sealed FROM session_snapshots WHERE session_ref = ${crypto.ref("session", "sess_flipped")}`
      const bytes = Buffer.from(flip!.sealed, "base64")
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01
      yield* sql`UPDATE session_snapshots SET sealed = ${bytes.toString("base64")} WHERE session_ref = ${crypto.ref("session", "sess_flipped")}`
      assert.isTrue(Option.isNone(yield* store.load("sess_mine")))
      assert.isTrue(Option.isNone(yield* store.load("sess_flipped")))
      assert.deepStrictEqual((yield* store.load("sess_victim")).pipe(Option.map((s) => s.plaintext)), Option.some("victim's cookies"))
      assert.strictEqual(yield* store.count, 1)
    }).pipe(Effect.provide(quiet))))

  it.effect("loadAll returns the snapshots younger than the max age, newest first, and deletes the rest", () =>
    withStore(Effect.gen(function*() {
      const store = yield* SnapshotStore
      yield* TestClock.adjust("13 hours")
      const now = Duration.toMillis(Duration.hours(13))
      yield* store.save("sess_old", "old", now - Duration.toMillis(Duration.hours(12)) - 1)
      yield* store.save("sess_a", "a", now - 2_000)
      yield* store.save("sess_b", "b", now - 1_000)
      assert.deepStrictEqual((yield* store.loadAll(Duration.hours(12))).map((s) => s.plaintext), ["b", "a"])
      assert.strictEqual(yield* store.count, 2)
    })))

  it.effect("is off without SNAPSHOT_KEY", () =>
    Effect.gen(function*() {
      const layer = yield* configured(backend, {})
      yield* Effect.gen(function*() {
        const store = yield* SnapshotStore
        assert.isFalse(store.enabled)
        yield* store.save("sess_a", "x", 1)
        assert.isTrue(Option.isNone(yield* store.load("sess_a")))
        assert.strictEqual(yield* store.count, 0)
      }).pipe(Effect.provide(layer))
    }))

  it.effect("imports the snapshot files of earlier versions once, and moves broken ones aside", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const secret = "server-secret-0123456789abcdef-0123456789"
      const env = { DATA_DIR: dataDir, SNAPSHOT_KEY: KEY, SERVER_SECRET: secret }
      const a = sample()
      const b = sample({ username: "bob" })
      // Written exactly as the file-based snapshots of earlier versions were.
      writeLegacySnapshot(dataDir, KEY, secret, a)
      writeLegacySnapshot(dataDir, KEY, secret, b)
      assert.strictEqual(snapshotFiles(dataDir).length, 2)
      writeFileSync(join(dataDir, "snapshots", "0".repeat(40) + ".snap"), "garbage, not a snapshot")
      writeFileSync(join(dataDir, "snapshots", ".leftover.tmp"), "half a write")

      const layer = yield* configured(backend, env)
      yield* Effect.gen(function*() {
        const store = yield* SnapshotStore
        assert.deepStrictEqual(yield* importSnapshotFiles, { imported: 2, corrupt: 1, leftInPlace: 0 })
        assert.deepStrictEqual(snapshotFiles(dataDir), [])
        assert.deepStrictEqual(readdirSync(join(dataDir, "snapshots")).sort(), ["corrupt"])
        assert.strictEqual(readdirSync(join(dataDir, "snapshots", "corrupt")).length, 1)
        for (const s of [a, b]) {
          assert.deepStrictEqual((yield* store.load(s.sessionId)).pipe(Option.map((x) => JSON.parse(x.plaintext))), Option.some(s))
        }
        // The next start finds nothing to import.
        assert.deepStrictEqual(yield* importSnapshotFiles, { imported: 0, corrupt: 0, leftInPlace: 0 })
      }).pipe(Effect.provide(layer), Effect.provide(quiet))
    }))

  it.effect("leaves snapshot files in place when SNAPSHOT_KEY is not set", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      mkdirSync(join(dataDir, "snapshots"), { recursive: true })
      writeFileSync(join(dataDir, "snapshots", "a".repeat(40) + ".snap"), "sealed bytes")
      const layer = yield* configured(backend, { DATA_DIR: dataDir })
      const report = yield* importSnapshotFiles.pipe(Effect.provide(layer), Effect.provide(quiet))
      assert.deepStrictEqual(report, { imported: 0, corrupt: 0, leftInPlace: 1 })
      assert.isTrue(existsSync(join(dataDir, "snapshots", "a".repeat(40) + ".snap")))
    }))
})
