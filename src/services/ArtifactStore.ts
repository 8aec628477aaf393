/**
 * ArtifactStore owns every file the service produces: result spreadsheets, portal downloads,
 * screenshots and debug bundles, under DATA_DIR/files/<folder>/ where each session gets a folder
 * with a random name (never its session id: ids are bearer secrets and names leak into logs and
 * URLs). A file appears under its final name only once it is complete (written to a hidden
 * temporary, then hard-linked into place without ever replacing an existing file), it serves only
 * plain files it could have produced (no dot files, no symlinks, nothing outside the root), and it
 * deletes files older than FILE_RETENTION at boot and then every hour. A write that fails (disk
 * full, directory not writable) is a typed StorageFailed, never a defect.
 *
 * Retention reads the SQL store's ResultFileIndex (path, folder, size, creation time of every
 * file written), not the tree: the hourly pass deletes what the index says is past retention and
 * looks only at the hidden leftovers (temporaries, abandoned downloads) on disk. At boot the tree
 * is walked once to bring the index in line with the disk (files of earlier versions adopted with
 * their modification time, records of vanished files dropped). A file written while the store is
 * unavailable is still served; its record is written at the next pass.
 */
import { Clock, Context, Duration, Effect, Layer, Schedule } from "effect"
import { ZipArchive } from "archiver"
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync
} from "node:fs"
import { basename, dirname, join, relative, sep } from "node:path"
import { FileNotFound, StorageFailed, type StorageUnavailable } from "../domain/Errors.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { errnoOf, place, removeQuietly, safeName, storageError, walk, walkEntry, type WalkedDir, type WalkedFile } from "./artifacts/FileTree.ts"
import { type NewResultFile, ResultFileIndex } from "./store/ResultFileIndex.ts"

export interface StoredFile {
  /** Absolute path on disk. */
  readonly path: string
  /** The path under /files (e.g. `/files/<folder>/containers_scraped_20251024_101500.xlsx`). */
  readonly urlPath: string
  readonly name: string
  readonly bytes: number
}

export interface CleanupReport {
  readonly filesDeleted: number
  readonly bytesFreed: number
  /** Empty folders removed (session folders and abandoned download directories). */
  readonly foldersRemoved: number
  /** What is left, in bytes: everything, and split into screenshots (png/jpeg) and the rest. */
  readonly currentBytes: number
  readonly downloadsBytes: number
  readonly screenshotsBytes: number
}

export interface BundleEntry {
  readonly name: string
  readonly data: Uint8Array | string
}

export interface ArtifactStoreShape {
  /** The session's folder on disk (created on demand). */
  readonly folder: (owner: string) => Effect.Effect<string, StorageFailed>
  /**
   * Writes a file into the owner's folder. The name is sanitised; if it is taken, `-2`, `-3`…
   * is inserted before the extension (an existing file is never replaced).
   */
  readonly save: (owner: string, name: string, data: Uint8Array | string) => Effect.Effect<StoredFile, StorageFailed>
  /** Moves a file produced elsewhere (a browser download) into the owner's folder under `name`. */
  readonly adopt: (owner: string, source: string, name: string) => Effect.Effect<StoredFile, StorageFailed>
  /** Zips `entries` into the owner's folder as `name` (visible only once complete). */
  readonly zip: (owner: string, name: string, entries: ReadonlyArray<BundleEntry>) => Effect.Effect<StoredFile, StorageFailed>
  /** Resolves a /files/… path to a file this service produced. */
  readonly resolve: (urlPath: string) => Effect.Effect<StoredFile, FileNotFound>
  /**
   * Deletes files older than `maxAge` (default FILE_RETENTION), by the index, and empty folders;
   * StorageUnavailable when the index cannot be read.
   */
  readonly cleanup: (maxAge?: Duration.Duration) => Effect.Effect<CleanupReport, StorageFailed | StorageUnavailable>
  /**
   * A fresh, hidden directory for a browser download in progress, inside the owner's folder (so a
   * download can be adopted with a rename). Never served; remove it with `discardScratch`.
   */
  readonly scratch: (owner: string) => Effect.Effect<string, StorageFailed>
  /** Removes a directory made by `scratch` and whatever is still in it; other paths are ignored. */
  readonly discardScratch: (dir: string) => Effect.Effect<void>
}

/** File names we write: letters, digits, dot, dash, underscore; no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/
const SAFE_FOLDER = /^[A-Za-z0-9_-]{16,64}$/
const SCRATCH_PREFIX = ".download-"
/** Under the files root: zips being written (renamed into a folder once complete). */
const TMP_DIR = ".tmp"
/**
 * Hidden entries (temporaries, downloads in progress) are only deleted once they are at least this
 * old, whatever the retention asked for: `/cleanup` with `max_age_hours: 0` must not pull a file
 * from under a write or a download that is still running.
 */
const IN_PROGRESS_GRACE = Duration.hours(1)
/** At most this many files written during a store outage wait for their index record in memory. */
const MAX_UNINDEXED = 10_000
const isScreenshot = (path: string) => /\.(png|jpe?g)$/i.test(path)

export class ArtifactStore extends Context.Service<ArtifactStore, ArtifactStoreShape>()("emodal-api/services/ArtifactStore") {
  static readonly layer: Layer.Layer<ArtifactStore, StorageFailed, PortalConfig | ResultFileIndex> = Layer.effect(
    ArtifactStore,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const root = join(config.dataDir, "files")
      const tmpRoot = join(root, TMP_DIR)
      yield* Effect.try({
        try: () => {
          mkdirSync(root, { recursive: true, mode: 0o700 })
          mkdirSync(tmpRoot, { recursive: true, mode: 0o700 })
        },
        catch: storageError("create files directory")
      })
      const realRoot = yield* Effect.try({ try: () => realpathSync(root), catch: storageError("resolve files directory") })

      // Owner → folder name. Plain synchronous state on purpose: every change to a folder (create
      // it, write into it, remove it when empty) happens inside one synchronous block, so a
      // retention pass can never remove a folder between its creation and the write into it.
      const folders = new Map<string, string>()

      const index = yield* ResultFileIndex
      /** Files written while the index could not record them: recorded at the next retention pass. */
      const unindexed: Array<NewResultFile> = []

      /** Records a written file in the index; a store outage defers it to the next pass (never the write's failure). */
      const indexed = (file: StoredFile) =>
        Effect.gen(function*() {
          const entry = { path: relative(root, file.path).split(sep).join("/"), sessionFolder: basename(dirname(file.path)), bytes: file.bytes }
          const recorded = yield* Effect.result(index.record(entry))
          if (recorded._tag === "Failure") {
            if (unindexed.length < MAX_UNINDEXED) unindexed.push({ ...entry, createdAt: yield* Clock.currentTimeMillis })
            yield* Effect.logDebug("result file not indexed yet: store unavailable", { detail: recorded.failure.detail })
          }
          return file
        })

      const ensureFolder = (owner: string): string => {
        let name = folders.get(owner)
        if (name === undefined) {
          name = makeOpaqueToken()
          folders.set(owner, name)
        }
        const dir = join(root, name)
        mkdirSync(dir, { recursive: true, mode: 0o700 })
        return dir
      }

      const stored = (dir: string, name: string): StoredFile => {
        const path = join(dir, name)
        return { path, name, bytes: statSync(path).size, urlPath: `/files/${basename(dir)}/${encodeURIComponent(name)}` }
      }

      const folder = (owner: string) => Effect.try({ try: () => ensureFolder(owner), catch: storageError("create folder") })

      const save = (owner: string, name: string, data: Uint8Array | string) =>
        Effect.suspend(() => {
          const file = safeName(name)
          let tmp: string | undefined
          return Effect.try({
            try: () => {
              const dir = ensureFolder(owner)
              tmp = join(dir, `.${makeOpaqueToken()}.tmp`)
              writeFileSync(tmp, data, { mode: 0o600, flag: "wx" })
              return stored(dir, place(tmp, dir, file))
            },
            catch: (cause) => {
              if (tmp !== undefined) removeQuietly(tmp)
              return storageError(`write ${file}`)(cause)
            }
          })
        })

      const adopt = (owner: string, source: string, name: string) =>
        Effect.suspend(() => {
          const file = safeName(name)
          let copy: string | undefined
          return Effect.try({
            try: () => {
              const dir = ensureFolder(owner)
              try {
                return stored(dir, place(source, dir, file))
              } catch (cause) {
                if (errnoOf(cause) !== "EXDEV") throw cause
                // Another file system: copy next to the target first, so the move stays atomic.
                copy = join(dir, `.${makeOpaqueToken()}.tmp`)
                copyFileSync(source, copy)
                const placed = stored(dir, place(copy, dir, file))
                removeQuietly(source)
                return placed
              }
            },
            catch: (cause) => {
              if (copy !== undefined) removeQuietly(copy)
              return storageError(`store ${file}`)(cause)
            }
          })
        })

      /** Streams a zip of `entries` to `target`; interruption aborts it. */
      const writeZip = (target: string, entries: ReadonlyArray<BundleEntry>, file: string) =>
        Effect.callback<void, StorageFailed>((resume) => {
          let settled = false
          const settle = (effect: Effect.Effect<void, StorageFailed>) => {
            if (settled) return
            settled = true
            resume(effect)
          }
          const output = createWriteStream(target, { mode: 0o600, flags: "wx" })
          const archive = new ZipArchive({ zlib: { level: 6 } })
          const fail = (what: string) => (e: unknown) => {
            archive.abort()
            output.destroy()
            settle(Effect.fail(storageError(`${what} ${file}`)(e)))
          }
          output.on("close", () => settle(Effect.void))
          output.on("error", fail("write"))
          archive.on("error", fail("zip"))
          archive.pipe(output)
          for (const entry of entries) {
            archive.append(typeof entry.data === "string" ? entry.data : Buffer.from(entry.data), { name: entry.name })
          }
          // Failures also arrive as "error" events (handled above); the promise must not reject unhandled.
          archive.finalize().catch(() => undefined)
          return Effect.sync(() => {
            settled = true
            archive.abort()
            output.destroy()
          })
        })

      const zip = (owner: string, name: string, entries: ReadonlyArray<BundleEntry>) =>
        Effect.gen(function*() {
          const file = safeName(name)
          const tmp = join(tmpRoot, `${makeOpaqueToken()}.zip`)
          yield* Effect.try({ try: () => mkdirSync(tmpRoot, { recursive: true, mode: 0o700 }), catch: storageError(`write ${file}`) })
          return yield* writeZip(tmp, entries, file).pipe(
            Effect.andThen(Effect.try({
              try: () => {
                const dir = ensureFolder(owner)
                return stored(dir, place(tmp, dir, file))
              },
              catch: storageError(`store ${file}`)
            })),
            Effect.onExit(() => Effect.sync(() => removeQuietly(tmp)))
          )
        })

      const resolve = (urlPath: string) =>
        Effect.suspend(() => {
          const notFound = new FileNotFound({})
          if (!urlPath.startsWith("/files/")) return Effect.fail(notFound)
          const parts = urlPath.slice("/files/".length).split("/").map((p) => {
            try {
              return decodeURIComponent(p)
            } catch {
              return "\u0000"
            }
          })
          if (parts.length !== 2) return Effect.fail(notFound)
          const [dirName, fileName] = parts as [string, string]
          if (!SAFE_FOLDER.test(dirName) || !SAFE_NAME.test(fileName)) return Effect.fail(notFound)
          return Effect.try({
            try: (): StoredFile | undefined => {
              const dir = join(root, dirName)
              const candidate = join(dir, fileName)
              // Neither the folder nor the file may be a symlink: we never make one.
              if (!lstatSync(dir).isDirectory()) return undefined
              const st = lstatSync(candidate)
              if (!st.isFile()) return undefined
              const rel = relative(realRoot, realpathSync(candidate))
              if (rel !== `${dirName}${sep}${fileName}`) return undefined
              return { path: candidate, name: fileName, bytes: st.size, urlPath }
            },
            catch: () => notFound
          }).pipe(Effect.flatMap((f) => (f === undefined ? Effect.fail(notFound) : Effect.succeed(f))))
        })

      /**
       * Deletes what the index lists as past retention and the hidden leftovers on disk older
       * than the grace (temporaries, abandoned downloads, staged zips), then the folders left
       * empty. Returns the report and the index paths deleted (or found gone).
       */
      const sweep = (old: ReadonlyArray<{ readonly path: string; readonly bytes: number }>, now: number, age: Duration.Duration) => {
        const cutoff = now - Duration.toMillis(age)
        const hiddenCutoff = Math.min(cutoff, now - Duration.toMillis(IN_PROGRESS_GRACE))
        let filesDeleted = 0
        let bytesFreed = 0
        let hiddenBytes = 0
        let foldersRemoved = 0
        const touched = new Set<string>()
        const gone: Array<string> = []
        for (const f of old) {
          const path = join(root, f.path)
          try {
            unlinkSync(path)
            filesDeleted++
            bytesFreed += f.bytes
          } catch (cause) {
            if (errnoOf(cause) !== "ENOENT") throw cause
          }
          gone.push(f.path)
          touched.add(dirname(path))
        }
        // Hidden entries only: the zip staging area, and each folder's temporaries and downloads.
        const hidden: Array<WalkedFile> = []
        const hiddenDirs: Array<WalkedDir> = []
        walk(tmpRoot, true, hidden, hiddenDirs)
        const folderNames = readdirSync(root).filter((name) => name !== TMP_DIR)
        for (const name of folderNames) {
          const dir = join(root, name)
          if (!lstatSync(dir).isDirectory()) continue
          for (const entry of readdirSync(dir)) {
            if (!entry.startsWith(".")) continue
            walkEntry(join(dir, entry), true, hidden, hiddenDirs)
          }
        }
        for (const f of hidden) {
          if (f.mtimeMs > hiddenCutoff) {
            hiddenBytes += f.bytes
            continue
          }
          try {
            unlinkSync(f.path)
          } catch (cause) {
            if (errnoOf(cause) !== "ENOENT") throw cause
            continue
          }
          filesDeleted++
          bytesFreed += f.bytes
          touched.add(dirname(f.path))
        }
        // A directory goes when it is empty and either old itself or emptied by this pass
        // (children come before their parent, so nested ones go bottom-up).
        const removeIfEmpty = (path: string, old: boolean) => {
          if (!old && !touched.has(path)) return
          try {
            if (readdirSync(path).length > 0) return
            rmdirSync(path)
          } catch (cause) {
            if (errnoOf(cause) !== "ENOENT" && errnoOf(cause) !== "ENOTEMPTY") throw cause
            return
          }
          foldersRemoved++
          touched.add(dirname(path))
        }
        for (const d of hiddenDirs) removeIfEmpty(d.path, d.mtimeMs <= hiddenCutoff)
        for (const name of folderNames) {
          const dir = join(root, name)
          let st
          try {
            st = lstatSync(dir)
          } catch (cause) {
            if (errnoOf(cause) === "ENOENT") continue
            throw cause
          }
          if (st.isDirectory()) removeIfEmpty(dir, st.mtimeMs <= cutoff)
        }
        for (const [owner, name] of folders) {
          if (!existsSync(join(root, name))) folders.delete(owner)
        }
        return { gone, filesDeleted, bytesFreed, foldersRemoved, hiddenBytes }
      }

      /** Records the files written while the index could not (kept for the next pass if it still cannot). */
      const flushUnindexed = Effect.gen(function*() {
        if (unindexed.length === 0) return
        const batch = unindexed.splice(0)
        yield* index.adopt(batch).pipe(Effect.tapError(() => Effect.sync(() => unindexed.unshift(...batch))))
      })

      const cleanup = (maxAge?: Duration.Duration) =>
        Effect.gen(function*() {
          const age = maxAge ?? config.fileRetention
          yield* flushUnindexed
          const old = yield* index.olderThan(age)
          const now = yield* Clock.currentTimeMillis
          const swept = yield* Effect.try({ try: () => sweep(old, now, age), catch: storageError("cleanup") })
          yield* index.remove(swept.gone)
          const totals = yield* index.totals
          const currentBytes = totals.bytes + swept.hiddenBytes
          return {
            filesDeleted: swept.filesDeleted,
            bytesFreed: swept.bytesFreed,
            foldersRemoved: swept.foldersRemoved,
            currentBytes,
            screenshotsBytes: totals.screenshotBytes,
            downloadsBytes: currentBytes - totals.screenshotBytes
          } satisfies CleanupReport
        }).pipe(
          Effect.tap((r) => (r.filesDeleted > 0 || r.foldersRemoved > 0 ? Effect.logInfo("old files removed", r) : Effect.void)),
          Effect.withSpan("ArtifactStore.cleanup")
        )

      /**
       * At boot, the one walk of the tree: files the index does not know (written by an earlier
       * version, or lost with a store outage) are adopted with their modification time as their
       * creation time; records of files no longer on disk are dropped.
       */
      const reconcileIndex = Effect.gen(function*() {
        const files: Array<WalkedFile> = []
        yield* Effect.try({ try: () => walk(root, false, files, []), catch: storageError("index files") })
        const onDisk = new Map(files.filter((f) => !f.hidden).map((f) => [relative(root, f.path).split(sep).join("/"), f]))
        const known = yield* index.all
        yield* index.remove(known.filter((r) => !onDisk.has(r.path)).map((r) => r.path))
        const indexed = new Set(known.map((r) => r.path))
        const adopted = yield* index.adopt(
          [...onDisk].filter(([path]) => !indexed.has(path)).map(([path, f]): NewResultFile => ({
            path,
            sessionFolder: path.includes("/") ? path.slice(0, path.indexOf("/")) : "",
            bytes: f.bytes,
            createdAt: Math.floor(f.mtimeMs)
          }))
        )
        if (adopted > 0) yield* Effect.logInfo("result files indexed", { files: adopted })
      }).pipe(Effect.withSpan("ArtifactStore.reconcileIndex"))

      const scratch = (owner: string) =>
        Effect.try({
          try: () => {
            const dir = join(ensureFolder(owner), `${SCRATCH_PREFIX}${makeOpaqueToken()}`)
            mkdirSync(dir, { mode: 0o700 })
            return dir
          },
          catch: storageError("create download directory")
        })

      const discardScratch = (dir: string) =>
        Effect.sync(() => {
          const rel = relative(root, dir)
          const parts = rel.split(sep)
          if (parts.length !== 2 || !SAFE_FOLDER.test(parts[0]!) || !parts[1]!.startsWith(SCRATCH_PREFIX)) return
          rmSync(dir, { recursive: true, force: true })
        }).pipe(Effect.catchCause((cause) => Effect.logWarning("download directory not removed", cause)))

      // Retention: one pass at boot (before the service is handed out, so a restart after a long
      // pause starts clean), then every hour for the life of the service. A failed pass is logged,
      // never fatal.
      const retention = cleanup().pipe(Effect.catchCause((cause) => Effect.logError("file retention pass failed", cause)))
      yield* reconcileIndex.pipe(Effect.catchCause((cause) => Effect.logError("result files not indexed at boot", cause)))
      yield* retention
      yield* retention.pipe(Effect.repeat(Schedule.spaced(Duration.hours(1))), Effect.delay(Duration.hours(1)), Effect.forkScoped)

      return ArtifactStore.of({
        folder,
        save: (owner, name, data) => Effect.flatMap(save(owner, name, data), indexed),
        adopt: (owner, source, name) => Effect.flatMap(adopt(owner, source, name), indexed),
        zip: (owner, name, entries) => Effect.flatMap(zip(owner, name, entries), indexed),
        resolve,
        cleanup,
        scratch,
        discardScratch
      })
    })
  )
}

/** An absolute URL for a stored file: PUBLIC_BASE_URL when set, else the request's own origin. */
export const fileUrl = (base: string, file: Pick<StoredFile, "urlPath">): string => `${base.replace(/\/+$/, "")}${file.urlPath}`
