/**
 * Snapshot files exactly as versions before the SQL store wrote them (DATA_DIR/snapshots/*.snap:
 * AES-256-GCM under the key derived from SNAPSHOT_KEY, the file name — an HMAC of the session id
 * under SERVER_SECRET — authenticated), so the import of an upgrade can be tested. And a look at
 * the store's snapshot rows from outside the service (another process's view of the SQLite file).
 */
import { createHmac } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { keyFromPassphrase, seal } from "../../src/services/Sealing.ts"
import type { SnapshotData } from "../../src/services/SessionSnapshots.ts"
import { SNAPSHOT_FILE_FORMAT } from "../../src/services/store/SnapshotImport.ts"
import { SNAPSHOT_KEY_SALT } from "../../src/services/store/SnapshotStore.ts"

/** Writes `data` as an earlier version's snapshot file; returns its path. */
export const writeLegacySnapshot = (dataDir: string, snapshotKey: string, serverSecret: string, data: SnapshotData): string => {
  const dir = join(dataDir, "snapshots")
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = createHmac("sha256", serverSecret).update(`snapshot:${data.sessionId}`).digest("hex").slice(0, 40) + ".snap"
  const key = keyFromPassphrase(snapshotKey, SNAPSHOT_KEY_SALT)
  writeFileSync(join(dir, file), seal(key, SNAPSHOT_FILE_FORMAT, file, Buffer.from(JSON.stringify(data), "utf8")), { mode: 0o600 })
  return join(dir, file)
}

/** The snapshot files left in DATA_DIR/snapshots (an import deletes those it took). */
export const snapshotFiles = (dataDir: string): ReadonlyArray<string> => {
  const dir = join(dataDir, "snapshots")
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".snap")).map((f) => join(dir, f)) : []
}

/** Runs `f` on the SQLite store of `dataDir` (DATA_DIR/emodal.db), opened read-write from outside the service. */
export const withDatabase = <A>(dataDir: string, f: (db: DatabaseSync) => A): A => {
  const db = new DatabaseSync(join(dataDir, "emodal.db"), { timeout: 5000 })
  try {
    return f(db)
  } finally {
    db.close()
  }
}

/** Snapshot rows in the SQLite store of `dataDir` (0 before the store exists). */
export const snapshotRows = (dataDir: string): number => {
  if (!existsSync(join(dataDir, "emodal.db"))) return 0
  return withDatabase(dataDir, (db) => {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'session_snapshots'").get()
    return table === undefined ? 0 : Number((db.prepare("SELECT count(*) AS n FROM session_snapshots").get() as { n: number }).n)
  })
}
