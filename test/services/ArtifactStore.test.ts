import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Logger, Ref } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { randomBytes } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { StorageFailed } from "../../src/domain/Errors.ts"
import { ArtifactStore, type ArtifactStoreShape } from "../../src/services/ArtifactStore.ts"
import { safeName } from "../../src/services/artifacts/FileTree.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { SqlStore } from "../../src/services/store/SqlStore.ts"
import { ResultFileIndex } from "../../src/services/store/ResultFileIndex.ts"
import { entry, readZip } from "../utils/ZipReader.ts"

const OWNER = "sess_AAAAAAAAAAAAAAAAAAAAAAAA"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "artifacts-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** `fresh`: nested provides of the same layer would otherwise share one (memoised) instance. */
const storeLayer = (dataDir: string, env: Record<string, string> = {}) =>
  Layer.fresh(ArtifactStore.layer.pipe(Layer.provideMerge(ResultFileIndex.layerTest), Layer.provide(PortalConfig.layerTest({ DATA_DIR: dataDir, ...env }))))

/** Runs `f` against a fresh store in a fresh DATA_DIR (both gone afterwards). */
const withStore = <A, E>(
  f: (store: ArtifactStoreShape, dataDir: string) => Effect.Effect<A, E, ResultFileIndex>,
  env: Record<string, string> = {}
) =>
  Effect.gen(function*() {
    const dataDir = yield* tempDir
    return yield* Effect.gen(function*() {
      return yield* f(yield* ArtifactStore, dataDir)
    }).pipe(Effect.provide(storeLayer(dataDir, env)))
  })

const filesRoot = (dataDir: string) => join(dataDir, "files")
const folderOf = (path: string) => path.split("/").slice(-2)[0]!

/** Sets a file's (or directory's) mtime `ageMs` into the past. */
const age = (path: string, ageMs: number) => {
  const t = new Date(Date.now() - ageMs)
  utimesSync(path, t, t)
}

describe("ArtifactStore", () => {
  it.effect("folders have random names, never the owner id, stable per owner and not derived from it", () =>
    withStore((store, dataDir) =>
      Effect.gen(function*() {
        const a = yield* store.save(OWNER, "a.txt", "a")
        const b = yield* store.save(OWNER, "b.txt", "b")
        const other = yield* store.save("sess_BBBBBBBBBBBBBBBBBBBBBBBB", "a.txt", "c")
        const folder = folderOf(a.path)
        assert.match(folder, /^[A-Za-z0-9_-]{24}$/)
        assert.notInclude(folder, "AAAA")
        assert.strictEqual(folderOf(b.path), folder, "one folder per owner")
        assert.notStrictEqual(folderOf(other.path), folder)
        assert.strictEqual(a.urlPath, `/files/${folder}/a.txt`)
        assert.notInclude(readdirSync(filesRoot(dataDir)).join(","), "sess_")
        assert.strictEqual(yield* store.folder(OWNER), join(filesRoot(dataDir), folder))
        // Another store (a restart) gives the same owner a different, fresh name.
        const again = yield* Effect.gen(function*() {
          return yield* (yield* ArtifactStore).save(OWNER, "a.txt", "a")
        }).pipe(Effect.provide(storeLayer(dataDir)))
        assert.notStrictEqual(folderOf(again.path), folder)
      })
    ))

  it.effect("save writes the bytes under a sanitised name, leaves no temporary, and never replaces a file", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const bytes = new Uint8Array(randomBytes(70_000))
        const first = yield* store.save(OWNER, "report_20250101_101500.xlsx", bytes)
        assert.deepStrictEqual(new Uint8Array(readFileSync(first.path)), bytes)
        assert.strictEqual(first.bytes, bytes.length)
        assert.strictEqual(statSync(first.path).mode & 0o777, 0o600)
        const second = yield* store.save(OWNER, "report_20250101_101500.xlsx", "later")
        const third = yield* store.save(OWNER, "report_20250101_101500.xlsx", "latest")
        assert.strictEqual(second.name, "report_20250101_101500-2.xlsx")
        assert.strictEqual(third.name, "report_20250101_101500-3.xlsx")
        assert.deepStrictEqual(new Uint8Array(readFileSync(first.path)), bytes, "the first file is untouched")
        const dir = yield* store.folder(OWNER)
        assert.deepStrictEqual(readdirSync(dir).sort(), [first.name, second.name, third.name].sort(), "no temporary left")

        assert.strictEqual((yield* store.save(OWNER, "../../etc/passwd", "x")).name, "passwd")
        assert.strictEqual((yield* store.save(OWNER, ".hidden", "x")).name, "hidden")
        assert.strictEqual((yield* store.save(OWNER, "a b\u0000c.txt", "x")).name, "a_b_c.txt")
        assert.strictEqual(safeName("..."), "file")
        assert.isAtMost(safeName("x".repeat(500)).length, 180)
      })
    ))

  it.live("a zip becomes visible only once complete (observed while it is written)", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const dir = yield* store.folder(OWNER)
        const seen = yield* Ref.make<ReadonlyArray<{ name: string; bytes: number }>>([])
        const polls = yield* Ref.make(0)
        const watcher = yield* Effect.forkChild(Effect.forever(
          Effect.gen(function*() {
            const visible = readdirSync(dir).filter((n) => !n.startsWith("."))
            const sizes = visible.flatMap((name) => {
              try {
                return [{ name, bytes: statSync(join(dir, name)).size }]
              } catch {
                return []
              }
            })
            yield* Ref.update(seen, (s) => [...s, ...sizes])
            yield* Ref.update(polls, (n) => n + 1)
            yield* Effect.sleep("1 millis")
          })
        ))
        // Incompressible entries: the archive takes many event-loop turns to stream out.
        const entries = Array.from({ length: 6 }, (_, i) => ({ name: `blob${i}.bin`, data: new Uint8Array(randomBytes(1_500_000)) }))
        const zipped = yield* store.zip(OWNER, "bundle.zip", entries)
        yield* Fiber.interrupt(watcher)
        const observed = (yield* Ref.get(seen)).filter((s) => s.name === "bundle.zip")
        assert.isAbove(yield* Ref.get(polls), 3, "the folder was watched while the zip was written")
        assert.isTrue(observed.every((s) => s.bytes === zipped.bytes), "never a partial zip under its final name")
        assert.deepStrictEqual(readdirSync(dir), ["bundle.zip"])
      })
    ))

  it.effect("zip produces a valid archive with the given entries", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const png = new Uint8Array(randomBytes(5_000))
        const file = yield* store.zip(OWNER, "appointments_20250101_101500_DEBUG.zip", [
          { name: "steps.json", data: JSON.stringify([{ index: 1, name: "open" }]) },
          { name: "screenshots/01_open.png", data: png },
          { name: "html/01_open.html", data: "<html><body>é</body></html>" },
          { name: "error.txt", data: "Error: boom\n" }
        ])
        assert.strictEqual(file.name, "appointments_20250101_101500_DEBUG.zip")
        const entries = readZip(readFileSync(file.path))
        assert.deepStrictEqual(entries.map((e) => e.name), ["steps.json", "screenshots/01_open.png", "html/01_open.html", "error.txt"])
        assert.deepStrictEqual(JSON.parse(entry(entries, "steps.json").data.toString("utf8")), [{ index: 1, name: "open" }])
        assert.deepStrictEqual(new Uint8Array(entry(entries, "screenshots/01_open.png").data), png)
        assert.strictEqual(entry(entries, "html/01_open.html").data.toString("utf8"), "<html><body>é</body></html>")
        assert.strictEqual(file.bytes, statSync(file.path).size)
        assert.strictEqual(yield* store.resolve(file.urlPath).pipe(Effect.map((f) => f.path)), file.path)
      })
    ))

  it.effect("resolve serves produced files only: traversal, encodings, symlinks, directories, hidden files and NUL are 404", () =>
    withStore((store, dataDir) =>
      Effect.gen(function*() {
        const file = yield* store.save(OWNER, "result.xlsx", "data")
        const folder = folderOf(file.path)
        const dir = join(filesRoot(dataDir), folder)
        const resolved = yield* store.resolve(file.urlPath)
        assert.strictEqual(resolved.path, file.path)
        assert.strictEqual(resolved.bytes, 4)
        assert.strictEqual((yield* store.resolve(`/files/${folder}/result%2Exlsx`)).path, file.path, "plain percent-encoding is fine")

        const outside = join(dataDir, "secret.txt")
        writeFileSync(outside, "secret")
        writeFileSync(join(dataDir, "server-secret-copy"), "secret")
        symlinkSync(outside, join(dir, "link.txt"))
        symlinkSync(file.path, join(dir, "inside-link.xlsx"))
        const outsideDir = join(dataDir, "elsewhere")
        mkdirSync(outsideDir)
        writeFileSync(join(outsideDir, "x.txt"), "x")
        symlinkSync(outsideDir, join(filesRoot(dataDir), "AAAAAAAAAAAAAAAAAAAAAAAA"))
        mkdirSync(join(dir, "subdir"))
        writeFileSync(join(dir, ".pending.tmp"), "half")
        const scratch = yield* store.scratch(OWNER)
        writeFileSync(join(scratch, "download.xlsx"), "in progress")

        const rejected = [
          `/files/${folder}/../secret.txt`,
          `/files/${folder}/%2e%2e/secret.txt`,
          `/files/${folder}/%2e%2e%2fsecret.txt`,
          `/files/%2e%2e/secret.txt`,
          `/files/${folder}%2f..%2f..%2fsecret.txt/x`,
          `/files/${folder}/..%5csecret.txt`,
          `/files/${folder}/%252e%252e`,
          "/files//etc/passwd",
          "/files/%2Fetc%2Fpasswd/x",
          "/etc/passwd",
          `${dataDir}/secret.txt`,
          `/files/${folder}/link.txt`,
          `/files/${folder}/inside-link.xlsx`,
          "/files/AAAAAAAAAAAAAAAAAAAAAAAA/x.txt",
          `/files/${folder}/subdir`,
          `/files/${folder}`,
          `/files/${folder}/`,
          `/files/${folder}/.pending.tmp`,
          `/files/${folder}/${scratch.split("/").pop()}/download.xlsx`,
          `/files/${folder}/result.xlsx%00.png`,
          `/files/${folder}/result.xlsx\u0000`,
          `/files/${folder}/%E0%A4%A`,
          `/files/${folder}/unknown.xlsx`,
          "/files/BBBBBBBBBBBBBBBBBBBBBBBB/result.xlsx",
          `/files/.tmp/result.xlsx`,
          `/files/${folder}/result.xlsx/extra`
        ]
        for (const path of rejected) {
          const error = yield* store.resolve(path).pipe(Effect.flip)
          assert.strictEqual(error._tag, "FileNotFound", path)
        }
      })
    ))

  it.effect("adopt moves a finished download into the folder; discardScratch removes only scratch directories", () =>
    withStore((store, dataDir) =>
      Effect.gen(function*() {
        const scratch = yield* store.scratch(OWNER)
        assert.match(scratch.split("/").pop()!, /^\.download-/)
        const source = join(scratch, "0c5b2f0e-guid")
        writeFileSync(source, "xlsx bytes")
        const adopted = yield* store.adopt(OWNER, source, "appointments_20250101_101500.xlsx")
        assert.strictEqual(adopted.name, "appointments_20250101_101500.xlsx")
        assert.strictEqual(readFileSync(adopted.path, "utf8"), "xlsx bytes")
        assert.isFalse(existsSync(source))
        yield* store.discardScratch(scratch)
        assert.isFalse(existsSync(scratch))
        assert.deepStrictEqual(readdirSync(yield* store.folder(OWNER)), [adopted.name])

        // Anything that is not a scratch directory of the store is left alone.
        const folder = yield* store.folder(OWNER)
        for (const path of [folder, filesRoot(dataDir), dataDir, join(folder, "..", "..")]) {
          yield* store.discardScratch(path)
          assert.isTrue(existsSync(path), path)
        }
        assert.strictEqual((yield* store.adopt(OWNER, join(dataDir, "missing"), "x.xlsx").pipe(Effect.flip))._tag, "StorageFailed")
      })
    ))

  // ISSUE-11 #15: this test used to race real file times against the wall clock. Now "now" is a
  // fixed TestClock instant: the result files' creation times come from the index, written at the
  // TestClock instants they were saved at, and the hidden leftovers' mtimes are set explicitly.
  it.effect("cleanup with FILE_RETENTION=1 second deletes old files, keeps new ones, removes empty folders and reports it", () => {
    const now = Date.UTC(2025, 0, 1, 10, 0, 0)
    // Set before the store is built, so its hourly pass is scheduled from this instant too.
    return TestClock.setTime(now - 60_000).pipe(Effect.andThen(withStore((store, dataDir) =>
      Effect.gen(function*() {
        /** Sets `path`'s mtime to `ageMs` before the fixed `now` of this test. */
        const agedAt = (path: string, ageMs: number) => {
          const t = new Date(now - ageMs)
          utimesSync(path, t, t)
        }
        const oldOwner = "sess_old"
        // Written a minute before `now`…
        const old1 = yield* store.save(oldOwner, "old.xlsx", "0123456789")
        const old2 = yield* store.save(oldOwner, "old.png", "01234")
        const mixedOld = yield* store.save(OWNER, "mixed_old.zip", "0123456789012345")
        // …and half a second before.
        yield* TestClock.setTime(now - 500)
        const fresh = yield* store.save(OWNER, "fresh.png", "abc")
        const freshXlsx = yield* store.save(OWNER, "fresh.xlsx", "abcd")
        yield* TestClock.setTime(now)
        // In-progress entries: a minute-old temporary and download stay (grace), two-hour-old ones go.
        const dir = yield* store.folder(OWNER)
        const youngTmp = join(dir, ".young.tmp")
        const staleTmp = join(dir, ".stale.tmp")
        writeFileSync(youngTmp, "x")
        writeFileSync(staleTmp, "xy")
        agedAt(youngTmp, 60_000)
        agedAt(staleTmp, 2 * 3_600_000)
        const activeDownload = yield* store.scratch(OWNER)
        agedAt(activeDownload, 60_000)
        const abandoned = yield* store.scratch(OWNER)
        agedAt(abandoned, 2 * 3_600_000)
        // The files' own times do not matter: retention reads the index.
        for (const f of [old1, old2, mixedOld]) agedAt(f.path, 0)
        for (const f of [fresh, freshXlsx]) agedAt(f.path, 30 * 24 * 3_600_000)

        const report = yield* store.cleanup()
        assert.strictEqual(report.filesDeleted, 4)
        assert.strictEqual(report.bytesFreed, 10 + 5 + 16 + 2)
        assert.strictEqual(report.foldersRemoved, 2, "the emptied session folder and the abandoned download directory")
        assert.strictEqual(report.currentBytes, 3 + 4 + 1)
        assert.strictEqual(report.screenshotsBytes, 3)
        assert.strictEqual(report.downloadsBytes, 5)

        for (const f of [old1, old2, mixedOld]) assert.isFalse(existsSync(f.path), f.name)
        assert.isFalse(existsSync(join(filesRoot(dataDir), folderOf(old1.path))), "the emptied folder is gone")
        assert.isFalse(existsSync(staleTmp))
        assert.isFalse(existsSync(abandoned))
        assert.isTrue(existsSync(youngTmp))
        assert.isTrue(existsSync(activeDownload))
        assert.strictEqual((yield* store.resolve(fresh.urlPath)).bytes, 3)
        assert.strictEqual((yield* store.resolve(freshXlsx.urlPath)).bytes, 4)
        assert.strictEqual((yield* store.resolve(old1.urlPath).pipe(Effect.flip))._tag, "FileNotFound")
        assert.deepStrictEqual((yield* (yield* ResultFileIndex).all).map((f) => f.path.split("/")[1]).sort(), ["fresh.png", "fresh.xlsx"], "the index follows")

        // The owner whose folder went away simply gets a new one.
        const again = yield* store.save(oldOwner, "new.xlsx", "n")
        assert.isTrue(existsSync(again.path))

        // An explicit age overrides FILE_RETENTION (the /cleanup endpoint's max_age_hours).
        const nothing = yield* store.cleanup(Duration.hours(1))
        assert.strictEqual(nothing.filesDeleted, 0)
        const everything = yield* store.cleanup(Duration.zero)
        assert.strictEqual(everything.filesDeleted, 3, "visible files of any age; the young temporary stays")
        assert.isTrue(existsSync(youngTmp))
      }), { FILE_RETENTION: "1 second" })))
  })

  it.effect("a file written while the store is unavailable is served, indexed at the next pass, and deleted on time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2025, 0, 1, 10, 0, 0))
      const dataDir = yield* tempDir
      yield* Effect.gen(function*() {
        const store = yield* ArtifactStore
        const sql = yield* SqlClient
        yield* Effect.orDie(sql`PRAGMA query_only = ON`)
        const file = yield* store.save(OWNER, "written-during-outage.xlsx", "x")
        assert.strictEqual((yield* store.resolve(file.urlPath)).bytes, 1, "served")
        assert.strictEqual((yield* store.cleanup().pipe(Effect.flip))._tag, "StorageUnavailable", "retention needs the index")
        yield* Effect.orDie(sql`PRAGMA query_only = OFF`)
        yield* store.cleanup()
        assert.strictEqual((yield* (yield* ResultFileIndex).all).length, 1, "indexed by the pass")
        yield* TestClock.adjust("61 minutes")
        assert.isFalse(existsSync(file.path), "deleted an hour after it was written")
      }).pipe(Effect.provide(Layer.fresh(ArtifactStore.layer.pipe(
        Layer.provideMerge(ResultFileIndex.layer),
        Layer.provideMerge(SqlStore.layerTest),
        Layer.provide(PortalConfig.layerTest({ DATA_DIR: dataDir, FILE_RETENTION: "1 hour" })),
        Layer.provide(Logger.layer([]))
      ))))
    }))

  it.live("the retention pass runs at boot", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const folder = join(filesRoot(dataDir), "CCCCCCCCCCCCCCCCCCCCCCCC")
      mkdirSync(folder, { recursive: true })
      const stale = join(folder, "stale.xlsx")
      const kept = join(folder, "kept.xlsx")
      writeFileSync(stale, "old")
      writeFileSync(kept, "new")
      age(stale, 3 * 3_600_000)
      yield* Effect.provide(Effect.void, storeLayer(dataDir, { FILE_RETENTION: "1 hour" }))
      assert.isFalse(existsSync(stale))
      assert.isTrue(existsSync(kept))
    }))

  it.effect("the retention pass repeats every hour (TestClock)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const dataDir = yield* tempDir
      yield* Effect.gen(function*() {
        const store = yield* ArtifactStore
        yield* TestClock.adjust("30 minutes")
        // Written half an hour after boot: past FILE_RETENTION by the pass after the next one.
        const file = yield* store.save(OWNER, "result.xlsx", "x")
        yield* TestClock.adjust("29 minutes")
        assert.isTrue(existsSync(file.path), "no pass before the hour")
        yield* TestClock.adjust("2 minutes")
        assert.isTrue(existsSync(file.path), "the first pass: 31 minutes old, kept")
        yield* TestClock.adjust("1 hour")
        assert.isFalse(existsSync(file.path), "the next pass removed it")
        const next = yield* store.save(OWNER, "next.xlsx", "y")
        yield* TestClock.adjust("2 hours")
        assert.isFalse(existsSync(next.path), "and again later")
      }).pipe(Effect.provide(storeLayer(dataDir, { FILE_RETENTION: "1 hour" })))
    }))

  it.effect("an unusable files directory is a typed StorageFailed, at boot and on every write", () =>
    Effect.gen(function*() {
      // Tests run as root, where chmod does not stop writes: a plain file where a directory must be does.
      const dataDir = yield* tempDir
      const notADir = join(dataDir, "not-a-dir")
      writeFileSync(notADir, "")
      const boot = yield* Layer.build(storeLayer(notADir)).pipe(Effect.scoped, Effect.flip)
      assert.strictEqual(boot._tag, "StorageFailed")
      assert.match((boot as StorageFailed).detail, /create files directory: (ENOTDIR|EEXIST)/)

      yield* Effect.gen(function*() {
        const store = yield* ArtifactStore
        const scratch = yield* store.scratch(OWNER)
        writeFileSync(join(scratch, "dl"), "x")
        rmSync(filesRoot(dataDir), { recursive: true, force: true })
        writeFileSync(filesRoot(dataDir), "")
        const failures = [
          yield* store.save(OWNER, "a.xlsx", "x").pipe(Effect.flip),
          yield* store.save("sess_new", "a.xlsx", "x").pipe(Effect.flip),
          yield* store.zip(OWNER, "a.zip", [{ name: "a", data: "a" }]).pipe(Effect.flip),
          yield* store.adopt(OWNER, join(scratch, "dl"), "a.xlsx").pipe(Effect.flip),
          yield* store.scratch(OWNER).pipe(Effect.flip),
          yield* store.folder("sess_other").pipe(Effect.flip),
          yield* store.cleanup().pipe(Effect.flip)
        ]
        for (const f of failures) assert.strictEqual(f._tag, "StorageFailed", f.detail)
        assert.strictEqual((yield* store.resolve("/files/AAAAAAAAAAAAAAAAAAAAAAAA/a.xlsx").pipe(Effect.flip))._tag, "FileNotFound")
      }).pipe(Effect.provide(storeLayer(dataDir)))
    }))
})
