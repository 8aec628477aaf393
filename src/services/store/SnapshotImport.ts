/**
 * SnapshotImport moves the snapshot files of earlier versions (DATA_DIR/snapshots/*.snap) into the
 * SQL store on the first start that has one, so no logged-in session is lost by the upgrade. Each
 * file is opened with SNAPSHOT_KEY exactly as those versions wrote it (its name authenticated),
 * stored (a newer row is never replaced), and deleted only after the row is committed: a crash in
 * between imports it again on the next start, which changes nothing. A file that does not open is
 * moved to `snapshots/corrupt/` as before; without SNAPSHOT_KEY the files are left for a start that
 * has the key. Leftover temporary files of interrupted writes are removed.
 */
import { Clock, Effect, Option, Redacted, Result, Schema } from "effect"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { PortalConfig } from "../PortalConfig.ts"
import { keyFromPassphrase, open, type SealFormat } from "../Sealing.ts"
import { SNAPSHOT_KEY_SALT, SnapshotStore } from "./SnapshotStore.ts"

/** The framing of the snapshot files of earlier versions (see Sealing); the file name is the authenticated context. */
export const SNAPSHOT_FILE_FORMAT: SealFormat = { magic: "EMSS", version: 1 }

export interface SnapshotImportReport {
  readonly imported: number
  /** Files that did not open or parse, moved to snapshots/corrupt/. */
  readonly corrupt: number
  /** Files left in place (no SNAPSHOT_KEY to open them). */
  readonly leftInPlace: number
}

/** What the importer needs of a snapshot: whose it is and when it was taken. */
const SnapshotHeader = Schema.Struct({ sessionId: Schema.String, savedAt: Schema.Number })

const none: SnapshotImportReport = { imported: 0, corrupt: 0, leftInPlace: 0 }

/** Imports DATA_DIR/snapshots/*.snap into the SnapshotStore; run once at boot, before snapshots are read. */
export const importSnapshotFiles: Effect.Effect<SnapshotImportReport, StorageUnavailable, SnapshotStore | PortalConfig> = Effect.gen(function*() {
  const config = yield* PortalConfig
  const store = yield* SnapshotStore
  const dir = join(config.dataDir, "snapshots")
  if (!existsSync(dir)) return none
  const files = readdirSync(dir).filter((f) => f.endsWith(".snap"))
  for (const f of readdirSync(dir)) if (f.endsWith(".tmp")) rmSync(join(dir, f), { force: true })
  if (files.length === 0) return none
  if (Option.isNone(config.snapshotKey) || !store.enabled) {
    yield* Effect.logWarning("snapshot files found but SNAPSHOT_KEY is not set: left in place", { files: files.length })
    return { ...none, leftInPlace: files.length }
  }
  const key = keyFromPassphrase(Redacted.value(config.snapshotKey.value), SNAPSHOT_KEY_SALT)
  let imported = 0
  let corrupt = 0
  for (const file of files) {
    const path = join(dir, file)
    const opened = open(key, SNAPSHOT_FILE_FORMAT, file, readFileSync(path))
    const plaintext = Result.isSuccess(opened) ? opened.success.toString("utf8") : undefined
    const header = plaintext === undefined ? undefined : Schema.decodeUnknownOption(Schema.fromJsonString(SnapshotHeader))(plaintext)
    if (plaintext === undefined || header === undefined || Option.isNone(header)) {
      const at = yield* Clock.currentTimeMillis
      mkdirSync(join(dir, "corrupt"), { recursive: true, mode: 0o700 })
      renameSync(path, join(dir, "corrupt", `${file}.${at}`))
      corrupt++
      continue
    }
    yield* store.save(header.value.sessionId, plaintext, header.value.savedAt)
    // Only once the row is committed: a crash before this imports the file again next time.
    rmSync(path, { force: true })
    imported++
  }
  if (imported + corrupt > 0) yield* Effect.logInfo("snapshot files imported into the store", { imported, corrupt })
  return { imported, corrupt, leftInPlace: 0 }
}).pipe(Effect.withSpan("SnapshotImport.importSnapshotFiles"))
