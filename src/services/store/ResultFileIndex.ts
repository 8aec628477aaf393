/**
 * ResultFileIndex records the result files the service writes (spreadsheets, downloads,
 * screenshots, debug bundles): path relative to DATA_DIR/files, session folder, size and creation
 * time, so retention (FILE_RETENTION) and disk accounting read the index instead of walking and
 * stat-ing the tree, and survive restarts. The files themselves stay on disk (ArtifactStore owns
 * them); session folders are random names, never session ids, so nothing here is a secret.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { StorageUnavailable } from "../../domain/Errors.ts"
import { SqlStore } from "./SqlStore.ts"
import { millis, storeOperation } from "./StoreFailure.ts"

export interface ResultFileRecord {
  /** Relative to DATA_DIR/files, e.g. `<folder>/containers_scraped_20251024_101500.xlsx`. */
  readonly path: string
  readonly sessionFolder: string
  readonly bytes: number
  readonly createdAt: number
}

export interface NewResultFile {
  readonly path: string
  readonly sessionFolder: string
  readonly bytes: number
  /** Default: now. */
  readonly createdAt?: number
}

export interface ResultFileIndexShape {
  /** Records a written file (a file written again under the same path replaces its record). */
  readonly record: (file: NewResultFile) => Effect.Effect<ResultFileRecord, StorageUnavailable>
  /** Files created longer than `retention` ago, oldest first: what retention deletes. */
  readonly olderThan: (retention: Duration.Duration) => Effect.Effect<ReadonlyArray<ResultFileRecord>, StorageUnavailable>
  readonly forFolder: (sessionFolder: string) => Effect.Effect<ReadonlyArray<ResultFileRecord>, StorageUnavailable>
  /** Forgets files (deleted from disk); returns how many records were removed. */
  readonly remove: (paths: ReadonlyArray<string>) => Effect.Effect<number, StorageUnavailable>
  /** Records files found on disk that the index does not know yet (a record already there is kept); returns how many were added. */
  readonly adopt: (files: ReadonlyArray<NewResultFile>) => Effect.Effect<number, StorageUnavailable>
  /** Every indexed file, oldest first. */
  readonly all: Effect.Effect<ReadonlyArray<ResultFileRecord>, StorageUnavailable>
  /** Files indexed, their bytes, and the bytes of the screenshots (png, jpeg) among them. */
  readonly totals: Effect.Effect<{ readonly files: number; readonly bytes: number; readonly screenshotBytes: number }, StorageUnavailable>
}

interface Row {
  readonly path: string
  readonly session_folder: string
  readonly bytes: unknown
  readonly created_at: unknown
}

const decode = (row: Row): ResultFileRecord => ({
  path: row.path,
  sessionFolder: row.session_folder,
  bytes: millis(row.bytes),
  createdAt: millis(row.created_at)
})

const make = Effect.gen(function*() {
  const sql = yield* SqlClient

  const record = Effect.fn("ResultFileIndex.record")(function*(file: NewResultFile) {
    const createdAt = file.createdAt ?? (yield* Clock.currentTimeMillis)
    yield* sql`INSERT INTO result_files (path, session_folder, bytes, created_at)
      VALUES (${file.path}, ${file.sessionFolder}, ${file.bytes}, ${createdAt})
      ON CONFLICT (path) DO UPDATE SET session_folder = excluded.session_folder, bytes = excluded.bytes, created_at = excluded.created_at`
    return { path: file.path, sessionFolder: file.sessionFolder, bytes: file.bytes, createdAt }
  }, storeOperation("ResultFileIndex.record"))

  const olderThan = Effect.fn("ResultFileIndex.olderThan")(function*(retention: Duration.Duration) {
    const cutoff = (yield* Clock.currentTimeMillis) - Duration.toMillis(retention)
    const rows = yield* sql<Row>`SELECT path, session_folder, bytes, created_at FROM result_files
      WHERE created_at <= ${cutoff} ORDER BY created_at, path`
    return rows.map(decode)
  }, storeOperation("ResultFileIndex.olderThan"))

  const forFolder = Effect.fn("ResultFileIndex.forFolder")(function*(sessionFolder: string) {
    const rows = yield* sql<Row>`SELECT path, session_folder, bytes, created_at FROM result_files
      WHERE session_folder = ${sessionFolder} ORDER BY created_at, path`
    return rows.map(decode)
  }, storeOperation("ResultFileIndex.forFolder"))

  const remove = Effect.fn("ResultFileIndex.remove")(function*(paths: ReadonlyArray<string>) {
    if (paths.length === 0) return 0
    const rows = yield* sql`DELETE FROM result_files WHERE path IN ${sql.in(paths)} RETURNING path`
    return rows.length
  }, storeOperation("ResultFileIndex.remove"))

  const adopt = Effect.fn("ResultFileIndex.adopt")(function*(files: ReadonlyArray<NewResultFile>) {
    if (files.length === 0) return 0
    const now = yield* Clock.currentTimeMillis
    let added = 0
    yield* sql.withTransaction(Effect.forEach(files, (file) =>
      Effect.map(
        sql`INSERT INTO result_files (path, session_folder, bytes, created_at)
          VALUES (${file.path}, ${file.sessionFolder}, ${file.bytes}, ${file.createdAt ?? now})
          ON CONFLICT (path) DO NOTHING RETURNING path`,
        (rows) => {
          added += rows.length
        }
      ), { discard: true }))
    return added
  }, storeOperation("ResultFileIndex.adopt"))

  const all = Effect.map(sql<Row>`SELECT path, session_folder, bytes, created_at FROM result_files ORDER BY created_at, path`, (rows) => rows.map(decode)).pipe(
    storeOperation("ResultFileIndex.all"),
    Effect.withSpan("ResultFileIndex.all")
  )

  const totals = Effect.map(
    sql<{ readonly files: unknown; readonly bytes: unknown; readonly screenshots: unknown }>`SELECT count(*) AS files,
      coalesce(sum(bytes), 0) AS bytes,
      coalesce(sum(CASE WHEN lower(path) LIKE '%.png' OR lower(path) LIKE '%.jpg' OR lower(path) LIKE '%.jpeg' THEN bytes ELSE 0 END), 0) AS screenshots
      FROM result_files`,
    (rows) => ({ files: millis(rows[0]?.files ?? 0), bytes: millis(rows[0]?.bytes ?? 0), screenshotBytes: millis(rows[0]?.screenshots ?? 0) })
  ).pipe(storeOperation("ResultFileIndex.totals"))

  return ResultFileIndex.of({ record, olderThan, forFolder, remove, adopt, all, totals })
})

export class ResultFileIndex extends Context.Service<ResultFileIndex, ResultFileIndexShape>()("emodal-api/services/store/ResultFileIndex") {
  static readonly layer: Layer.Layer<ResultFileIndex, never, SqlClient> = Layer.effect(ResultFileIndex, make)

  /** On a private in-memory SQLite database. */
  static readonly layerTest: Layer.Layer<ResultFileIndex, StorageUnavailable> = ResultFileIndex.layer.pipe(Layer.provide(SqlStore.layerTest))
}
