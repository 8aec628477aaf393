/**
 * The store suite runs the same tests on both backends: `describeStore(name, body)` declares the
 * body once per backend — SQLite (a fresh file in a temp directory) always, Postgres when the
 * global setup provided one (a fresh schema per test, dropped afterwards, so test files can run
 * in parallel on one server). `pgCluster` starts a private throw-away Postgres for tests that stop
 * and restart the server.
 */
import { describe } from "@effect/vitest"
import { Effect, Layer, Logger, Redacted, type Scope } from "effect"
import { PgClient } from "@effect/sql-pg"
import * as Reactivity from "effect/reactivity/Reactivity"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inject } from "vitest"
import { SqlStore, type StoreTarget } from "../../src/services/store/SqlStore.ts"
import { StoreCrypto } from "../../src/services/store/StoreCrypto.ts"

export type BackendName = "sqlite" | "postgres"

export interface Backend {
  readonly name: BackendName
  /** A fresh, empty database for one test, removed when its scope closes. */
  readonly fresh: Effect.Effect<StoreTarget, never, Scope.Scope>
}

const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const sqlite: Backend = {
  name: "sqlite",
  fresh: Effect.map(tempDir("emodal-store-"), (dir): StoreTarget => ({ backend: "sqlite", file: join(dir, "emodal.db") }))
}

/** `url` with every connection's search_path set to `schema`. */
export const withSchema = (url: string, schema: string): string => {
  const u = new URL(url)
  u.searchParams.set("options", `-c search_path=${schema}`)
  return u.toString()
}

const admin = <A, E>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(url), maxConnections: 1 }), f)).pipe(
    Effect.provide(Reactivity.layer),
    Effect.orDie
  )

const postgres = (url: string): Backend => ({
  name: "postgres",
  fresh: Effect.acquireRelease(
    Effect.gen(function*() {
      const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`
      yield* admin(url, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`))
      return schema
    }),
    (schema) => admin(url, (sql) => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`))
  ).pipe(Effect.map((schema): StoreTarget => ({ backend: "postgres", url: Redacted.make(withSchema(url, schema)) })))
})

/** A fresh, empty schema on the Postgres server `url`, dropped with the scope: its connection URL. */
export const freshPostgresUrl = (url: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(postgres(url).fresh, (target) => (target.backend === "postgres" ? Redacted.value(target.url) : ""))

/** The backends this run covers. */
export const backends = (): ReadonlyArray<Backend> => {
  const url = inject("testDatabaseUrl")
  return url === "" ? [sqlite] : [sqlite, postgres(url)]
}

/** Declares `body` once per backend, as `name (sqlite)` and `name (postgres)`. */
export const describeStore = (name: string, body: (backend: Backend) => void) => {
  for (const backend of backends()) describe(`${name} (${backend.name})`, () => body(backend))
}

/** No log output (the store logs its migrations at Info). */
export const quiet = Logger.layer([])

/** SqlStore, SqlClient and StoreCrypto on `target`, quiet. */
export const storeLayer = (target: StoreTarget) =>
  Layer.mergeAll(SqlStore.layerFor(target), StoreCrypto.layerTest).pipe(Layer.provideMerge(quiet))

const pgClusterScript = new URL("../../scripts/pg-cluster.sh", import.meta.url).pathname

export interface PgCluster {
  readonly url: string
  /** Stops the server (fast shutdown: connections are cut). */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port. */
  readonly start: Effect.Effect<void>
}

const runScript = (args: ReadonlyArray<string>) =>
  Effect.sync(() => spawnSync("bash", [pgClusterScript, ...args], { encoding: "utf8" })).pipe(
    Effect.flatMap((r) => (r.status === 0 ? Effect.succeed(r.stdout) : Effect.die(new Error(`pg-cluster.sh ${args[0]} failed: ${r.stderr}`))))
  )

/** A private throw-away Postgres cluster (needs the server binaries), removed with the scope. */
export const pgCluster: Effect.Effect<PgCluster, never, Scope.Scope> = Effect.gen(function*() {
  const dir = yield* tempDir("emodal-pg-own-")
  const stop = Effect.asVoid(runScript(["stop", dir]))
  const out = yield* Effect.acquireRelease(runScript(["start", dir]), () => stop)
  const url = /^TEST_DATABASE_URL=(.*)$/m.exec(out)?.[1] ?? ""
  return { url, stop, start: Effect.asVoid(runScript(["start", dir])) }
})

/** Whether this run can start clusters of its own (scripts/pg-cluster.sh found the binaries). */
export const canStartPostgres = (): boolean => inject("testPgBinaries")
