/**
 * SqliteClient is an `effect/sql` SqlClient over Node's built-in SQLite (`node:sqlite`), the driver
 * of the embedded store. It exists because no release of `@effect/sql-sqlite-node` runs on effect
 * 4.1: the registry's 4.x releases are betas that import `effect/unstable/*`, which 4.1 no longer
 * has. When a 4.x release is published, it replaces this file. Everything above the driver is the
 * library's: the statement compiler, transactions, and the sharing of the one connection through a
 * semaphore (`SqlClient.makeSqliteAcquirers`), so a transaction never interleaves with another
 * fiber's statements. SQLite's errors are classified by `effect/sql` (busy, read-only, constraint…).
 *
 * A file database is created with mode 0600 (its -wal and -shm files inherit it), runs in WAL mode
 * with `synchronous = FULL`: a committed idempotency record survives a power loss, not only a crash.
 */
import { Effect, Layer, Scope, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import * as Client from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import { classifySqliteError, SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs"
import { dirname } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"

export interface SqliteClientConfig {
  /** A file path, or ":memory:" (tests). */
  readonly filename: string
  /** How long a statement waits for a lock held by another process (default 5 s). */
  readonly busyTimeoutMillis?: number
}

/** Prepared statements kept per connection (the store uses a few dozen). */
const STATEMENT_CACHE = 256

const sqlError = (cause: unknown, message: string, operation: string) => {
  // node:sqlite reports SQLite's result code as `errcode`; effect/sql reads `errno`.
  if (cause !== null && typeof cause === "object" && "errcode" in cause && !("errno" in cause)) {
    Object.assign(cause, { errno: (cause as { errcode: unknown }).errcode })
  }
  return new SqlError({ reason: classifySqliteError(cause, { message, operation }) })
}

/** SQLite binds numbers, bigints, strings, null and bytes; the rest is mapped onto those. */
const bindable = (value: unknown): null | number | bigint | string | Uint8Array => {
  if (value === undefined || value === null) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "string" || value instanceof Uint8Array) return value
  return JSON.stringify(value)
}

const openDatabase = (config: SqliteClientConfig) =>
  Effect.try({
    try: () => {
      if (config.filename !== ":memory:" && !existsSync(config.filename)) {
        mkdirSync(dirname(config.filename), { recursive: true, mode: 0o700 })
        // Created here with 0600 so SQLite never creates it with the process umask.
        closeSync(openSync(config.filename, "a", 0o600))
      }
      const db = new DatabaseSync(config.filename, { timeout: config.busyTimeoutMillis ?? 5000 })
      try {
        if (config.filename !== ":memory:") db.exec("PRAGMA journal_mode = WAL")
        db.exec("PRAGMA synchronous = FULL")
        db.exec("PRAGMA foreign_keys = ON")
      } catch (cause) {
        db.close()
        throw cause
      }
      return db
    },
    catch: (cause) => sqlError(cause, "Failed to open the SQLite database", "open")
  })

const makeConnection = (db: DatabaseSync): Connection => {
  const cache = new Map<string, StatementSync>()
  const arrays = new Map<string, StatementSync>()
  const prepared = (pool: Map<string, StatementSync>, sql: string, asArrays: boolean) => {
    let statement = pool.get(sql)
    if (statement === undefined) {
      if (pool.size >= STATEMENT_CACHE) pool.clear()
      statement = db.prepare(sql)
      if (asArrays) statement.setReturnArrays(true)
      pool.set(sql, statement)
    }
    return statement
  }
  const run = <A>(operation: string, f: () => A) =>
    Effect.try({ try: f, catch: (cause) => sqlError(cause, "Failed to execute statement", operation) })
  const rows = (statement: StatementSync, params: ReadonlyArray<unknown>) =>
    statement.all(...params.map(bindable)) as ReadonlyArray<any>
  const transformed = (
    result: ReadonlyArray<any>,
    transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) => (transformRows === undefined ? result : transformRows(result))

  const execute: Connection["execute"] = (sql, params, transformRows) =>
    run("execute", () => transformed(rows(prepared(cache, sql, false), params), transformRows))

  return {
    execute,
    executeRaw: (sql, params) =>
      run("executeRaw", () => {
        const statement = prepared(cache, sql, false)
        return statement.columns().length > 0 ? rows(statement, params) : statement.run(...params.map(bindable))
      }),
    executeStream: (sql, params, transformRows) => Stream.unwrap(Effect.map(execute(sql, params, transformRows), Stream.fromIterable)),
    executeValues: (sql, params) => run("executeValues", () => rows(prepared(arrays, sql, true), params)),
    executeValuesUnprepared: (sql, params) =>
      run("executeValuesUnprepared", () => {
        const statement = db.prepare(sql)
        statement.setReturnArrays(true)
        return rows(statement, params)
      }),
    executeUnprepared: (sql, params, transformRows) =>
      run("executeUnprepared", () => transformed(rows(db.prepare(sql), params), transformRows))
  }
}

/** A SqlClient on one SQLite connection, closed with the scope. */
export const make = (config: SqliteClientConfig): Effect.Effect<Client.SqlClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(openDatabase(config), (db) => Effect.sync(() => db.isOpen && db.close()))
    const connection = makeConnection(db)
    const acquirers = Client.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      isTransaction: () => db.isTransaction
    })
    return yield* Client.make({
      ...acquirers,
      compiler: Statement.makeCompilerSqlite(),
      driver: "sqlite-node",
      spanAttributes: [["db.system.name", "sqlite"]],
      // Take the write lock at BEGIN: a transaction never fails half-way on a lock upgrade.
      beginTransaction: "BEGIN IMMEDIATE"
    })
  })

export const layer = (config: SqliteClientConfig): Layer.Layer<SqlClient, SqlError> =>
  Layer.effect(SqlClient, make(config)).pipe(Layer.provide(Reactivity.layer))
