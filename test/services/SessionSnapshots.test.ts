import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSessionId } from "../../src/domain/Ids.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { SessionSnapshots, snapshotFiles, type SnapshotData } from "../../src/services/SessionSnapshots.ts"
import * as Logging from "../../src/runtime/Logging.ts"

const KEY = "snapshot-key-0123456789abcdef"

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

/** Runs `f` with a store over `dir` (real clock: savedAt uses wall time). */
const withStore = <A, E>(dir: string, f: (s: typeof SessionSnapshots.Service) => Effect.Effect<A, E>, env: Record<string, string> = {}, lines?: Array<string>) =>
  Effect.gen(function*() {
    const store = yield* SessionSnapshots
    return yield* f(store)
  }).pipe(
    Effect.provide(SessionSnapshots.layer.pipe(Layer.provide(PortalConfig.layerTest({ DATA_DIR: dir, SNAPSHOT_KEY: KEY, ...env })))),
    Effect.provide(lines === undefined ? Layer.empty : Logging.captureLayer(lines))
  )

const tempDir = () => mkdtempSync(join(tmpdir(), "emodal-snap-"))

describe("SessionSnapshots", () => {
  it.live("writes an encrypted file under an opaque name and reads it back", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      try {
        const data = sample()
        const back = yield* withStore(dir, (s) => s.save(data).pipe(Effect.andThen(s.load(data.sessionId))))
        assert.deepStrictEqual(Option.getOrThrow(back), data)
        const files = snapshotFiles(dir)
        assert.strictEqual(files.length, 1)
        const name = files[0]!.split("/").pop()!
        assert.notInclude(name, data.sessionId)
        assert.notInclude(name, data.sessionId.slice(5))
        const bytes = readFileSync(files[0]!)
        for (const secret of ["very-secret-password", "captcha-key-secret", "cookie-value-secret", "alice", data.sessionId]) {
          assert.isFalse(bytes.includes(Buffer.from(secret)), `${secret} is not on disk in clear`)
        }
        assert.deepStrictEqual(readdirSync(join(dir, "snapshots")).filter((f) => f.endsWith(".tmp")), [])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))

  const corruptions: ReadonlyArray<readonly [string, (file: string) => void, Record<string, string>]> = [
    ["a flipped byte", (file) => {
      const b = readFileSync(file)
      b[b.length - 5] = b[b.length - 5]! ^ 0xff
      writeFileSync(file, b)
    }, {}],
    ["a truncated file", (file) => truncateSync(file, 20), {}],
    ["an empty file", (file) => writeFileSync(file, ""), {}],
    ["garbage", (file) => writeFileSync(file, "not a snapshot at all, just text"), {}],
    ["the wrong key", () => undefined, { SNAPSHOT_KEY: "another-key-0123456789abcdef" }]
  ]
  for (const [what, damage, env] of corruptions) {
    it.live(`treats ${what} as SnapshotCorrupt: logged, moved aside, absent`, () =>
      Effect.gen(function*() {
        const dir = tempDir()
        try {
          const data = sample()
          yield* withStore(dir, (s) => s.save(data))
          damage(snapshotFiles(dir)[0]!)
          const lines: Array<string> = []
          const loaded = yield* withStore(dir, (s) => Effect.all([s.loadAll, s.load(data.sessionId)]), env, lines)
          assert.deepStrictEqual(loaded[0], [])
          assert.isTrue(Option.isNone(loaded[1]))
          assert.strictEqual(snapshotFiles(dir).length, 0, "moved out of the way")
          assert.strictEqual(readdirSync(join(dir, "snapshots", "corrupt")).length, 1, "kept for inspection")
          assert.isTrue(lines.some((l) => l.includes("SnapshotCorrupt")), "logged as SnapshotCorrupt")
          for (const l of lines) assert.notInclude(l, "very-secret-password")
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }))
  }

  it.live("discards snapshots older than SNAPSHOT_MAX_AGE at load", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      try {
        const old = sample({ savedAt: Date.now() - 3 * 3_600_000 })
        const fresh = sample()
        const all = yield* withStore(dir, (s) => s.save(old).pipe(Effect.andThen(s.save(fresh)), Effect.andThen(s.loadAll)), { SNAPSHOT_MAX_AGE: "1 hour" })
        assert.deepStrictEqual(all.map((d) => d.sessionId), [fresh.sessionId])
        assert.strictEqual(snapshotFiles(dir).length, 1)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))

  it.live("is off without SNAPSHOT_KEY: nothing is written", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      try {
        const enabled = yield* withStore(dir, (s) => s.save(sample()).pipe(Effect.as(s.enabled)), { SNAPSHOT_KEY: "" })
        assert.isFalse(enabled)
        assert.isFalse(existsSync(join(dir, "snapshots")))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))
})
