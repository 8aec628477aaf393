/**
 * The file-system primitives of the ArtifactStore: safe names, placing a complete file under a
 * free name without ever replacing one (a hard link, else a checked rename), and walking a tree
 * without following symlinks.
 */
import { existsSync, linkSync, lstatSync, readdirSync, renameSync, unlinkSync } from "node:fs"
import { basename, join } from "node:path"
import { StorageFailed } from "../../domain/Errors.ts"

/** Sanitised names stay short enough for a `-NNN` suffix to keep them valid. */
export const MAX_NAME = 180

export const safeName = (name: string): string => {
  const cleaned = basename(name).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "").slice(0, MAX_NAME)
  return cleaned === "" ? "file" : cleaned
}

export const errnoOf = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code

export const storageError = (what: string) => (cause: unknown) => new StorageFailed({ detail: `${what}: ${errnoOf(cause) ?? "error"}` })

export const removeQuietly = (path: string) => {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

/** `name`, then `stem-2.ext`, `stem-3.ext`… */
export const candidates = function*(file: string): Generator<string> {
  yield file
  const dot = file.lastIndexOf(".")
  const stem = dot > 0 ? file.slice(0, dot) : file
  const ext = dot > 0 ? file.slice(dot) : ""
  for (let n = 2; n < 1000; n++) yield `${stem}-${n}${ext}`
}

/**
 * Puts the complete file `source` into `dir` under the first free candidate of `file` and removes
 * `source`. A hard link is atomic and never replaces an existing name; where links are not
 * supported (some mounted volumes) a checked rename is the fallback. `source` must be on the same
 * file system as `dir`.
 */
export const place = (source: string, dir: string, file: string): string => {
  for (const name of candidates(file)) {
    const target = join(dir, name)
    try {
      linkSync(source, target)
      removeQuietly(source)
      return name
    } catch (cause) {
      const code = errnoOf(cause)
      if (code === "EEXIST") continue
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw cause
      if (existsSync(target)) continue
      renameSync(source, target)
      return name
    }
  }
  throw Object.assign(new Error("no free file name"), { code: "EEXIST" })
}

export interface WalkedFile {
  readonly path: string
  readonly bytes: number
  readonly mtimeMs: number
  readonly hidden: boolean
}

export interface WalkedDir {
  readonly path: string
  readonly mtimeMs: number
  readonly hidden: boolean
}

/** Every plain file and directory below `dir` (symlinks are neither followed nor touched). */
export const walk = (dir: string, hidden: boolean, files: Array<WalkedFile>, dirs: Array<WalkedDir>) => {
  let names: Array<string>
  try {
    names = readdirSync(dir)
  } catch (cause) {
    if (errnoOf(cause) === "ENOENT") return
    throw cause
  }
  for (const name of names) walkEntry(join(dir, name), hidden || name.startsWith("."), files, dirs)
}

/**
 * One entry: a plain file is listed, a directory is walked and then listed (post-order: children
 * before their parent, so empty folders are removed bottom-up), a symlink or anything else is left
 * alone, and an entry removed meanwhile (an adopt, a concurrent cleanup) is skipped.
 */
export const walkEntry = (path: string, hidden: boolean, files: Array<WalkedFile>, dirs: Array<WalkedDir>) => {
  let st
  try {
    st = lstatSync(path)
  } catch (cause) {
    if (errnoOf(cause) === "ENOENT") return
    throw cause
  }
  if (st.isDirectory()) {
    walk(path, hidden, files, dirs)
    dirs.push({ path, mtimeMs: st.mtimeMs, hidden })
  } else if (st.isFile()) {
    files.push({ path, bytes: st.size, mtimeMs: st.mtimeMs, hidden })
  }
}
