/**
 * ArtifactStore owns every file the service produces: result spreadsheets, portal downloads,
 * screenshots and debug bundles, under DATA_DIR/files/<folder>/ where each session gets a folder
 * with a random name (never its session id: ids are bearer secrets and names leak into logs and
 * URLs). It serves only what it produced — a path must resolve, after symlinks, inside the files
 * root, and name only plain files — and deletes files older than FILE_RETENTION every hour and at
 * boot. A write that fails (disk full, directory not writable) is a typed StorageFailed, never a
 * defect.
 */
import { Clock, Context, Duration, Effect, Layer, Ref, Schedule } from "effect"
import { ZipArchive } from "archiver"
import { createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs"
import { basename, join, relative, sep } from "node:path"
import { FileNotFound, StorageFailed } from "../domain/Errors.ts"
import { makeOpaqueToken } from "../domain/Ids.ts"
import { PortalConfig } from "./PortalConfig.ts"

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
  /** Writes a file into the owner's folder. */
  readonly save: (owner: string, name: string, data: Uint8Array | string) => Effect.Effect<StoredFile, StorageFailed>
  /** Moves a file produced elsewhere (a browser download) into the owner's folder under `name`. */
  readonly adopt: (owner: string, source: string, name: string) => Effect.Effect<StoredFile, StorageFailed>
  /** Zips `entries` into the owner's folder as `name`. */
  readonly zip: (owner: string, name: string, entries: ReadonlyArray<BundleEntry>) => Effect.Effect<StoredFile, StorageFailed>
  /** Resolves a /files/… path to a file this service produced. */
  readonly resolve: (urlPath: string) => Effect.Effect<StoredFile, FileNotFound>
  /** Deletes files older than `maxAge` (default FILE_RETENTION) and empty folders. */
  readonly cleanup: (maxAge?: Duration.Duration) => Effect.Effect<CleanupReport, StorageFailed>
  /** A directory for a browser download in progress (inside the files root, removed by cleanup). */
  readonly scratch: (owner: string) => Effect.Effect<string, StorageFailed>
}

/** File names we write: letters, digits, dot, dash, underscore; no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/
const SAFE_FOLDER = /^[A-Za-z0-9_-]{16,64}$/

export const safeName = (name: string): string => {
  const cleaned = basename(name).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 200)
  return cleaned === "" ? "file" : cleaned
}

const storageError = (what: string) => (cause: unknown) =>
  new StorageFailed({ detail: `${what}: ${(cause as NodeJS.ErrnoException)?.code ?? "error"}` })

const walk = (dir: string, out: Array<{ path: string; bytes: number; mtimeMs: number }>) => {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = lstatSync(p)
    if (st.isDirectory()) walk(p, out)
    else if (st.isFile()) out.push({ path: p, bytes: st.size, mtimeMs: st.mtimeMs })
  }
}

const removeEmptyDirs = (dir: string, keepRoot: boolean) => {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (lstatSync(p).isDirectory()) removeEmptyDirs(p, false)
  }
  if (!keepRoot && readdirSync(dir).length === 0) rmdirSync(dir)
}

const isScreenshotLike = (path: string) => /\.(png|jpe?g|zip|html)$/i.test(path)

export class ArtifactStore extends Context.Service<ArtifactStore, ArtifactStoreShape>()("emodal-api/services/ArtifactStore") {
  static readonly layer: Layer.Layer<ArtifactStore, StorageFailed, PortalConfig> = Layer.effect(
    ArtifactStore,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const root = join(config.dataDir, "files")
      yield* Effect.try({ try: () => mkdirSync(root, { recursive: true, mode: 0o700 }), catch: storageError("create files directory") })
      const folders = yield* Ref.make(new Map<string, string>())

      const folder = (owner: string) =>
        Effect.gen(function*() {
          const name = yield* Ref.modify(folders, (m) => {
            const existing = m.get(owner)
            if (existing !== undefined) return [existing, m]
            const token = makeOpaqueToken()
            return [token, new Map(m).set(owner, token)]
          })
          const dir = join(root, name)
          yield* Effect.try({ try: () => mkdirSync(dir, { recursive: true, mode: 0o700 }), catch: storageError("create folder") })
          return dir
        })

      const stored = (dir: string, name: string): StoredFile => {
        const path = join(dir, name)
        return { path, name, bytes: statSync(path).size, urlPath: `/files/${basename(dir)}/${encodeURIComponent(name)}` }
      }

      const save = (owner: string, name: string, data: Uint8Array | string) =>
        Effect.gen(function*() {
          const dir = yield* folder(owner)
          const file = safeName(name)
          const tmp = join(dir, `.${file}.${makeOpaqueToken()}.tmp`)
          // Write then rename: a reader never sees half a file.
          yield* Effect.try({
            try: () => {
              writeFileSync(tmp, data, { mode: 0o600 })
              renameSync(tmp, join(dir, file))
            },
            catch: (cause) => {
              try {
                unlinkSync(tmp)
              } catch {
                // nothing written
              }
              return storageError(`write ${file}`)(cause)
            }
          })
          return stored(dir, file)
        })

      const adopt = (owner: string, source: string, name: string) =>
        Effect.gen(function*() {
          const dir = yield* folder(owner)
          const file = safeName(name)
          yield* Effect.try({ try: () => renameSync(source, join(dir, file)), catch: storageError(`store ${file}`) })
          return stored(dir, file)
        })

      const zip = (owner: string, name: string, entries: ReadonlyArray<BundleEntry>) =>
        Effect.gen(function*() {
          const dir = yield* folder(owner)
          const file = safeName(name)
          const target = join(dir, file)
          yield* Effect.callback<void, StorageFailed>((resume) => {
            const output = createWriteStream(target, { mode: 0o600 })
            const archive = new ZipArchive({ zlib: { level: 6 } })
            output.on("close", () => resume(Effect.void))
            output.on("error", (e) => resume(Effect.fail(storageError(`write ${file}`)(e))))
            archive.on("error", (e: Error) => resume(Effect.fail(storageError(`zip ${file}`)(e))))
            archive.pipe(output)
            for (const entry of entries) {
              archive.append(typeof entry.data === "string" ? entry.data : Buffer.from(entry.data), { name: entry.name })
            }
            void archive.finalize()
          })
          return stored(dir, file)
        })

      const resolve = (urlPath: string) =>
        Effect.gen(function*() {
          const notFound = new FileNotFound({})
          const rest = urlPath.replace(/^\/files\//, "")
          const parts = rest.split("/").map((p) => {
            try {
              return decodeURIComponent(p)
            } catch {
              return "\u0000"
            }
          })
          if (parts.length !== 2) return yield* Effect.fail(notFound)
          const [dirName, fileName] = parts as [string, string]
          if (!SAFE_FOLDER.test(dirName) || !SAFE_NAME.test(fileName)) return yield* Effect.fail(notFound)
          const candidate = join(root, dirName, fileName)
          const real = yield* Effect.try({ try: () => realpathSync(candidate), catch: () => notFound })
          const realRoot = realpathSync(root)
          const rel = relative(realRoot, real)
          if (rel.startsWith("..") || rel.includes(`..${sep}`) || rel === "" || !lstatSync(real).isFile()) {
            return yield* Effect.fail(notFound)
          }
          return { path: real, name: fileName, bytes: statSync(real).size, urlPath } satisfies StoredFile
        })

      const cleanup = (maxAge?: Duration.Duration) =>
        Effect.gen(function*() {
          const age = maxAge ?? config.fileRetention
          const now = yield* Clock.currentTimeMillis
          const cutoff = now - Duration.toMillis(age)
          return yield* Effect.try({
            try: () => {
              const files: Array<{ path: string; bytes: number; mtimeMs: number }> = []
              walk(root, files)
              let filesDeleted = 0
              let bytesFreed = 0
              for (const f of files) {
                if (f.mtimeMs <= cutoff) {
                  unlinkSync(f.path)
                  filesDeleted++
                  bytesFreed += f.bytes
                }
              }
              removeEmptyDirs(root, true)
              const left: Array<{ path: string; bytes: number; mtimeMs: number }> = []
              walk(root, left)
              const screenshotsBytes = left.filter((f) => isScreenshotLike(f.path)).reduce((s, f) => s + f.bytes, 0)
              const currentBytes = left.reduce((s, f) => s + f.bytes, 0)
              return { filesDeleted, bytesFreed, currentBytes, screenshotsBytes, downloadsBytes: currentBytes - screenshotsBytes }
            },
            catch: storageError("cleanup")
          })
        }).pipe(Effect.tap((r) => (r.filesDeleted > 0 ? Effect.logInfo("old files removed", r) : Effect.void)))

      const scratch = (owner: string) =>
        Effect.gen(function*() {
          const dir = join(yield* folder(owner), `.download-${makeOpaqueToken()}`)
          yield* Effect.try({ try: () => mkdirSync(dir, { recursive: true, mode: 0o700 }), catch: storageError("create download directory") })
          return dir
        })

      // Retention: once at boot, then every hour, for the life of the service.
      yield* cleanup().pipe(
        Effect.catchCause((cause) => Effect.logError("file retention pass failed", cause)),
        Effect.repeat(Schedule.spaced(Duration.hours(1))),
        Effect.forkScoped
      )

      return ArtifactStore.of({ folder, save, adopt, zip, resolve, cleanup, scratch })
    })
  )
}

/** An absolute URL for a stored file: PUBLIC_BASE_URL when set, else the request's own origin. */
export const fileUrl = (base: string, file: Pick<StoredFile, "urlPath">): string => `${base.replace(/\/+$/, "")}${file.urlPath}`

export const isStoredFileName = (name: string) => SAFE_NAME.test(name)
