import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IdempotencyStore } from "../../../src/services/store/IdempotencyStore.ts"
import { SessionRegistry } from "../../../src/services/store/SessionRegistry.ts"
import { SnapshotStore } from "../../../src/services/store/SnapshotStore.ts"
import { safeLocation, SqlStore, type StoreTarget } from "../../../src/services/store/SqlStore.ts"
import { MIGRATIONS_TABLE } from "../../../src/services/store/StoreMigrations.ts"
import { storeOperation } from "../../../src/services/store/StoreFailure.ts"
import { backends, describeStore, quiet, storeLayer } from "../../utils/StoreBackends.ts"

const TABLES = ["appointment_workflows", "idempotency_records", "result_files", "session_snapshots", "sessions"]

const buildStore = (target: StoreTarget) => Effect.map(Layer.build(storeLayer(target)), (ctx) => Context.get(ctx, SqlStore))

describeStore("SqlStore", (backend) => {
  it.effect("migrates a new database once: a second start, or two at once, change nothing", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      const [a, b] = yield* Effect.all([buildStore(target), buildStore(target)], { concurrency: "unbounded" })
      // Exactly one of the two concurrent starts ran the migrations.
      assert.deepStrictEqual([a.migrated.length, b.migrated.length].sort(), [0, 5])
      const again = yield* buildStore(target)
      assert.deepStrictEqual(again.migrated, [])
      assert.strictEqual(again.backend, backend.name)
      assert.notStrictEqual(a.instanceId, b.instanceId)
      yield* again.ping
      const ctx = yield* Layer.build(storeLayer(target))
      const sql = Context.get(ctx, SqlClient)
      const applied = yield* sql<{ readonly migration_id: unknown }>`SELECT migration_id FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`
      assert.deepStrictEqual(applied.map((r) => Number(r.migration_id)), [1, 2, 3, 4, 5])
      for (const table of TABLES) {
        const rows = yield* sql`SELECT count(*) AS n FROM ${sql(table)}`
        assert.strictEqual(Number(rows[0]!.n), 0, table)
      }
    }))

  it.effect("a write that fails half-way leaves nothing half-written", () =>
    Effect.gen(function*() {
      const target = yield* backend.fresh
      const ctx = yield* Layer.build(
        Layer.mergeAll(SessionRegistry.layer, SnapshotStore.layerWith("snapshot-passphrase-0123")).pipe(Layer.provideMerge(storeLayer(target)))
      )
      const sql = Context.get(ctx, SqlClient)
      const registry = Context.get(ctx, SessionRegistry)
      const snapshots = Context.get(ctx, SnapshotStore)
      yield* registry.register({ sessionId: "sess_a", fingerprint: "fp", username: "u" })
      yield* snapshots.save("sess_a", "snapshot", 1)
      // The second statement of `remove` (sessions) fails; the first (its snapshot) must not stay done.
      yield* sql.onDialectOrElse({
        pg: () =>
          Effect.andThen(
            sql.unsafe(`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$ LANGUAGE plpgsql`),
            sql.unsafe(`CREATE TRIGGER refuse_delete BEFORE DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse()`)
          ),
        orElse: () => sql.unsafe(`CREATE TRIGGER refuse_delete BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`)
      })
      const failed = yield* Effect.flip(registry.remove("sess_a"))
      assert.strictEqual(failed._tag, "StorageUnavailable")
      assert.strictEqual(failed.operation, "SessionRegistry.remove")
      assert.isTrue(Option.isSome(yield* registry.get("sess_a")))
      assert.deepStrictEqual((yield* snapshots.load("sess_a")).pipe(Option.map((s) => s.plaintext)), Option.some("snapshot"))
    }))
})

describe.runIf(backends().some((b) => b.name === "postgres"))("StoreFailure (postgres)", () => {
  it.effect("SQL the database rejects as malformed is a defect (a bug), never a retryable StorageUnavailable", () =>
    Effect.gen(function*() {
      const backend = backends().find((b) => b.name === "postgres")!
      const ctx = yield* Layer.build(storeLayer(yield* backend.fresh))
      const sql = Context.get(ctx, SqlClient)
      const malformed = yield* Effect.exit(storeOperation("test.malformed")(sql`SELEC 1`))
      assert.isTrue(Exit.hasDies(malformed))
      const outage = yield* Effect.flip(storeOperation("test.refused")(sql.unsafe(`DO $$ BEGIN RAISE EXCEPTION 'refused'; END $$`)))
      assert.strictEqual(outage._tag, "StorageUnavailable")
      assert.strictEqual(outage.operation, "test.refused")
    }))
})

describe("SqlStore (sqlite file)", () => {
  const tempDir = Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "emodal-sqlite-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

  it.effect("creates the file on first start with mode 0600, in WAL mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "data", "emodal.db")
      const ctx = yield* Layer.build(storeLayer({ backend: "sqlite", file }))
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(statSync(join(dir, "data")).mode & 0o777, 0o700)
      const sql = Context.get(ctx, SqlClient)
      const [mode] = yield* sql<{ readonly journal_mode: string }>`PRAGMA journal_mode`
      assert.strictEqual(mode!.journal_mode, "wal")
      yield* sql`INSERT INTO result_files (path, session_folder, bytes, created_at) VALUES ('a', 'f', 1, 1)`
      for (const extra of ["-wal", "-shm"]) {
        if (existsSync(file + extra)) assert.strictEqual(statSync(file + extra).mode & 0o777, 0o600, extra)
      }
    }))

  it.effect("a file that cannot be opened is StorageUnavailable at boot, naming it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "not-a-dir"), "")
      const exit = yield* Effect.exit(buildStore({ backend: "sqlite", file: join(dir, "not-a-dir", "emodal.db") }))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag, "Fail")
      const failure = (error as { readonly error: { readonly _tag: string; readonly operation: string; readonly detail: string } }).error
      assert.strictEqual(failure._tag, "StorageUnavailable")
      assert.strictEqual(failure.operation, "SqlStore.open")
      assert.include(failure.detail, join(dir, "not-a-dir", "emodal.db"))
    }))

  it.effect("writes refused by SQLite (read-only) fail typed while reads go on, and work again once it accepts them", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const ctx = yield* Layer.build(IdempotencyStore.layerWith({ lease: Duration.minutes(6) }).pipe(Layer.provideMerge(storeLayer({ backend: "sqlite", file: join(dir, "emodal.db") }))))
      const sql = Context.get(ctx, SqlClient)
      const store = Context.get(ctx, IdempotencyStore)
      const first = yield* store.claim("k1", ["owner"], "fp")
      assert.strictEqual(first._tag, "Run")
      // What SQLite answers for a database file it cannot write: SQLITE_READONLY on every write.
      yield* sql`PRAGMA query_only = ON`
      const refused = yield* Effect.flip(store.claim("k2", ["owner"], "fp"))
      assert.strictEqual(refused._tag, "StorageUnavailable")
      assert.strictEqual(refused.operation, "IdempotencyStore.claim")
      assert.include(refused.detail, "readonly")
      // Reads still answer (a claim is a write: it is refused too).
      assert.strictEqual(yield* store.count, 1)
      yield* sql`PRAGMA query_only = OFF`
      assert.strictEqual((yield* store.claim("k2", ["owner"], "fp"))._tag, "Run")
    }).pipe(Effect.provide(quiet)))
})

describe("SqlStore (postgres location)", () => {
  it("never shows the user or password of DATABASE_URL", () => {
    assert.strictEqual(safeLocation("postgres://emodal:s3cr3t@db.internal:5432/emodal?sslmode=require"), "postgres://db.internal:5432/emodal")
    assert.strictEqual(safeLocation("postgresql://u:p@[::1]/x"), "postgres://[::1]/x")
  })

  it.live("a Postgres that cannot be reached at boot is StorageUnavailable, without the password", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(buildStore({ backend: "postgres", url: Redacted.make("postgres://emodal:pg-s3cr3t@127.0.0.1:1/emodal") }))
      assert.isTrue(Exit.isFailure(exit))
      const text = JSON.stringify(exit) + String(exit)
      assert.include(text, "StorageUnavailable")
      assert.include(text, "postgres://127.0.0.1:1/emodal")
      assert.notInclude(text, "pg-s3cr3t")
    }).pipe(Effect.scoped))
})
