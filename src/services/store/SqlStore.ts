/**
 * SqlStore opens the service's one database and brings its schema up to date before anything uses
 * it: the embedded SQLite file DATABASE_FILE (default DATA_DIR/emodal.db: WAL, mode 0600, created
 * on first start) unless DATABASE_URL names a Postgres server. It provides the `effect/sql`
 * SqlClient that every repository (IdempotencyStore, WorkflowStore, SessionRegistry, SnapshotStore,
 * ResultFileIndex) is built on, and this process's instance id, which marks the claims it holds.
 *
 * A database that cannot be opened or migrated at boot is a StorageUnavailable naming where it is
 * (never a password). Later outages surface per operation (see StoreFailure); Postgres' pool opens
 * new connections when the server is back, and SQLite needs nothing reopened.
 */
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { PgClient } from "@effect/sql-pg"
import * as Reactivity from "effect/reactivity/Reactivity"
import type { MigrationError } from "effect/sql/Migrator"
import { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { randomUUID } from "node:crypto"
import { StorageUnavailable } from "../../domain/Errors.ts"
import { PortalConfig } from "../PortalConfig.ts"
import * as SqliteClient from "./SqliteClient.ts"
import { describeSqlError, storeOperation } from "./StoreFailure.ts"
import { migrate } from "./StoreMigrations.ts"

export type StoreBackend = "sqlite" | "postgres"

export interface SqlStoreShape {
  readonly backend: StoreBackend
  /** Where the data lives, safe to log: the SQLite file, or `postgres://host:port/database` (no user, no password). */
  readonly location: string
  /** The migrations this start applied, `[id, name]`; empty when the schema was already current. */
  readonly migrated: ReadonlyArray<readonly [number, string]>
  /** Random per start: marks the idempotency claims this process holds. */
  readonly instanceId: string
  /** One round trip to the database; StorageUnavailable when it cannot answer. */
  readonly ping: Effect.Effect<void, StorageUnavailable>
}

export type StoreTarget =
  | { readonly backend: "sqlite"; readonly file: string }
  | { readonly backend: "postgres"; readonly url: Redacted.Redacted<string> }

/** `postgres://host:port/database` of a connection URL: what may appear in a log line. */
export const safeLocation = (url: string): string => {
  const u = URL.parse(url)
  if (u === null) return "postgres://<unparseable URL>"
  const host = u.hostname !== "" ? u.hostname : u.searchParams.get("host") ?? "localhost"
  return `postgres://${host}${u.port !== "" ? `:${u.port}` : ""}${u.pathname}`
}

const unavailable = (operation: string, location: string) => (error: SqlError | MigrationError) =>
  new StorageUnavailable({
    operation,
    detail: `${location}: ${error._tag === "SqlError" ? describeSqlError(error) : error.cause !== undefined && (error.cause as { _tag?: string })._tag === "SqlError" ? describeSqlError(error.cause as SqlError) : error.message}`
  })

const open = (target: StoreTarget) =>
  Effect.gen(function*() {
    const location = target.backend === "sqlite" ? target.file : safeLocation(Redacted.value(target.url))
    const client = target.backend === "sqlite"
      ? yield* SqliteClient.make({ filename: target.file })
      : yield* PgClient.make({
        url: target.url,
        applicationName: "emodal-api",
        connectTimeout: "5 seconds",
        maxConnections: 10,
        idleTimeout: "1 minute"
      })
    return { client, location }
  }).pipe(Effect.mapError(unavailable("SqlStore.open", target.backend === "sqlite" ? target.file : safeLocation(Redacted.value(target.url)))))

const make = (target: StoreTarget) =>
  Effect.gen(function*() {
    const { client, location } = yield* open(target)
    const migrated = yield* migrate.pipe(
      Effect.provideService(SqlClient, client),
      Effect.mapError(unavailable("SqlStore.migrate", location))
    )
    const store = SqlStore.of({
      backend: target.backend,
      location,
      migrated,
      instanceId: randomUUID(),
      ping: client`SELECT 1 AS ok`.pipe(Effect.asVoid, storeOperation("SqlStore.ping"))
    })
    if (migrated.length > 0) {
      yield* Effect.logInfo("store schema migrated", { backend: target.backend, location, migrations: migrated.map(([id, name]) => `${id}_${name}`) })
    }
    return Context.make(SqlStore, store).pipe(Context.add(SqlClient, client))
  })

export class SqlStore extends Context.Service<SqlStore, SqlStoreShape>()("emodal-api/services/store/SqlStore") {
  /** The database the configuration names: Postgres when DATABASE_URL is set, else the SQLite file. */
  static readonly layer: Layer.Layer<SqlStore | SqlClient, StorageUnavailable, PortalConfig> = Layer.unwrap(
    PortalConfig.useSync((config) =>
      SqlStore.layerFor(Option.match(config.databaseUrl, {
        onNone: (): StoreTarget => ({ backend: "sqlite", file: config.databaseFile }),
        onSome: (url): StoreTarget => ({ backend: "postgres", url })
      }))
    )
  )

  /** A given database (tests, tools). */
  static readonly layerFor = (target: StoreTarget): Layer.Layer<SqlStore | SqlClient, StorageUnavailable> =>
    Layer.effectContext(make(target)).pipe(Layer.provide(Reactivity.layer))

  /** A private in-memory SQLite database, migrated; needs nothing. */
  static readonly layerTest: Layer.Layer<SqlStore | SqlClient, StorageUnavailable> = Layer.suspend(() =>
    SqlStore.layerFor({ backend: "sqlite", file: ":memory:" })
  )
}
