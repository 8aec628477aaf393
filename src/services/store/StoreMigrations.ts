/**
 * The store's schema, as `effect/sql` Migrator records in code (no files to glob). Each migration
 * is written once for both dialects: only TEXT, INTEGER and BIGINT columns (times are epoch
 * milliseconds, flags 0/1, JSON and sealed values text), plain indexes, no dialect-specific
 * defaults. The migrator records what ran in `emodal_migrations` (Effect Cluster keeps its own
 * `cluster_migrations` beside it on a shared Postgres), runs pending ones in a transaction and is
 * a no-op when everything ran. Never edit a migration that shipped: add the next one.
 *
 * Secrets never sit in a column in clear: ids that are bearer tokens are stored as keyed
 * references (`*_ref`, see StoreCrypto), and columns that must give a secret back are sealed.
 */
import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import { SqlClient } from "effect/sql/SqlClient"

export const MIGRATIONS_TABLE = "emodal_migrations"

const statements = (...ddl: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    for (const statement of ddl) yield* sql.unsafe(statement)
  })

export const StoreMigrations: Migrator.Loader = Migrator.fromRecord({
  "1_idempotency_records": statements(
    `CREATE TABLE idempotency_records (
      key_ref TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      request_fp TEXT NOT NULL,
      state TEXT NOT NULL,
      ticket TEXT NOT NULL,
      holder TEXT NOT NULL,
      lease_until BIGINT NOT NULL,
      workflow TEXT,
      outcome TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
    `CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at)`
  ),
  "2_appointment_workflows": statements(
    `CREATE TABLE appointment_workflows (
      workflow_ref TEXT PRIMARY KEY,
      session_ref TEXT NOT NULL,
      container_type TEXT NOT NULL,
      current_phase INTEGER NOT NULL,
      fields TEXT NOT NULL,
      page_token TEXT,
      selected_plate TEXT,
      booking_state TEXT NOT NULL,
      confirmation TEXT,
      booking_at BIGINT,
      created_at BIGINT NOT NULL,
      last_used BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
    `CREATE INDEX appointment_workflows_expires_at ON appointment_workflows (expires_at)`,
    `CREATE INDEX appointment_workflows_session_ref ON appointment_workflows (session_ref)`
  ),
  "3_sessions": statements(
    `CREATE TABLE sessions (
      session_ref TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      account_key TEXT NOT NULL,
      username TEXT NOT NULL,
      pinned INTEGER NOT NULL,
      keep_alive INTEGER NOT NULL,
      tier TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_used BIGINT NOT NULL
    )`,
    `CREATE INDEX sessions_fingerprint ON sessions (fingerprint)`,
    `CREATE INDEX sessions_account_key ON sessions (account_key)`
  ),
  "4_session_snapshots": statements(
    `CREATE TABLE session_snapshots (
      session_ref TEXT PRIMARY KEY,
      sealed TEXT NOT NULL,
      saved_at BIGINT NOT NULL
    )`
  ),
  "5_result_files": statements(
    `CREATE TABLE result_files (
      path TEXT PRIMARY KEY,
      session_folder TEXT NOT NULL,
      bytes BIGINT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX result_files_created_at ON result_files (created_at)`,
    `CREATE INDEX result_files_session_folder ON result_files (session_folder)`
  )
})

/** Runs the pending migrations; returns those that ran now ([] when the schema is current). */
export const migrate = Migrator.make({})({ loader: StoreMigrations, table: MIGRATIONS_TABLE })
