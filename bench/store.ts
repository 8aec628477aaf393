/**
 * The `store` section of `npm run bench` (BENCH_ONLY=store): the SQL store's overhead per operation,
 * record + commit, p50/p95/p99, on the embedded SQLite file (WAL, synchronous FULL) and on Postgres
 * (fsync on). Postgres is BENCH_DATABASE_URL when set, else a throw-away cluster started with
 * scripts/pg-cluster.sh on a loopback port; without the server binaries its rows say "not run".
 * Each operation is timed alone, one after the other (no batching), as a request would see it.
 */
import { Context, Duration, Effect, Layer, Logger, Redacted, type Scope } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IdempotencyStore } from "../src/services/store/IdempotencyStore.ts"
import { SessionRegistry } from "../src/services/store/SessionRegistry.ts"
import { SnapshotStore } from "../src/services/store/SnapshotStore.ts"
import { SqlStore, type StoreTarget } from "../src/services/store/SqlStore.ts"
import { StoreCrypto } from "../src/services/store/StoreCrypto.ts"
import { WorkflowStore } from "../src/services/store/WorkflowStore.ts"

type Stats = (section: string, metric: string, samples: ReadonlyArray<number>, options?: { readonly note?: string }) => unknown
type NotRun = (section: string, metric: string, why: string) => void

const OPS = Number(process.env.BENCH_STORE_OPS ?? 400)
const script = new URL("../scripts/pg-cluster.sh", import.meta.url).pathname

const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** BENCH_DATABASE_URL, or a throw-away cluster with fsync on; undefined without the server binaries. */
const postgres: Effect.Effect<string | undefined, never, Scope.Scope> = Effect.gen(function*() {
  const given = process.env.BENCH_DATABASE_URL ?? ""
  if (given !== "") return given
  if (spawnSync("bash", [script, "probe"]).status !== 0) return undefined
  const dir = yield* tempDir("emodal-bench-pg-")
  const started = yield* Effect.acquireRelease(
    Effect.sync(() => spawnSync("bash", [script, "start", dir], { encoding: "utf8", env: { ...process.env, PG_FSYNC: "on" } })),
    () => Effect.sync(() => spawnSync("bash", [script, "stop", dir]))
  )
  return started.status === 0 ? /^TEST_DATABASE_URL=(.*)$/m.exec(started.stdout)?.[1] : undefined
})

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const started = performance.now()
    yield* effect
    return performance.now() - started
  })

/** A snapshot of realistic size: ~40 cookies and some storage (about 12 KB of JSON). */
const snapshotText = JSON.stringify({
  cookies: Array.from({ length: 40 }, (_, i) => ({ name: `cookie_${i}`, value: "v".repeat(200), domain: "ecp2.emodal.com", path: "/" })),
  storage: { "https://ecp2.emodal.com": { local: { token: "t".repeat(2000) }, session: {} } }
})

const measure = (stats: Stats, label: string, target: StoreTarget) =>
  Effect.gen(function*() {
    const ctx = yield* Layer.build(
      Layer.mergeAll(
        IdempotencyStore.layerWith({ lease: Duration.minutes(6) }),
        WorkflowStore.layerWith({ ttl: Duration.minutes(10), sweeper: false }),
        SessionRegistry.layer,
        SnapshotStore.layerWith("bench-snapshot-key-0123456789")
      ).pipe(Layer.provideMerge(Layer.mergeAll(SqlStore.layerFor(target), StoreCrypto.layerWith("bench-server-secret-0123456789abcdef"))))
    )
    const idempotency = Context.get(ctx, IdempotencyStore)
    const workflows = Context.get(ctx, WorkflowStore)
    const registry = Context.get(ctx, SessionRegistry)
    const snapshots = Context.get(ctx, SnapshotStore)
    const samples = { claim: [] as Array<number>, submitting: [] as Array<number>, complete: [] as Array<number>, workflow: [] as Array<number>, touch: [] as Array<number>, snapshot: [] as Array<number> }
    const workflow = yield* workflows.create({ sessionId: "sess_bench", containerType: "import", phaseData: { container_id: "MSDU1234567", pin_code: "1234" } })
    yield* registry.register({ sessionId: "sess_bench", fingerprint: "f".repeat(64), username: "bench" })
    for (let i = 0; i < OPS; i++) {
      let ticket: { readonly key: string; readonly token: string } | undefined
      samples.claim.push(yield* timed(Effect.map(idempotency.claim(`bench-key-${i}`, ["owner"], "fp"), (c) => {
        if (c._tag === "Run") ticket = c.ticket
      })))
      if (ticket === undefined) return yield* Effect.die(new Error("bench claim did not run"))
      // What a booking records right before Submit: its workflow's slot, then its key.
      const submitting = ticket
      samples.submitting.push(yield* timed(Effect.andThen(
        workflows.markSubmitting(workflow.id, "Friday 10/24/2025 18:30 - 19:30"),
        idempotency.markSubmitting(submitting, workflow.id)
      )))
      samples.complete.push(yield* timed(idempotency.complete(ticket, { success: true, appointment_confirmation: `CONF-${i}` })))
      samples.workflow.push(yield* timed(workflows.update(workflow.id, { currentPhase: 1 + (i % 3), phaseData: { container_id: "MSDU1234567", pin_code: "1234", step: i } })))
      samples.touch.push(yield* timed(registry.touch("sess_bench")))
      samples.snapshot.push(yield* timed(snapshots.save(`sess_${i % 20}`, snapshotText, i)))
    }
    stats("store", `${label}: idempotency claim (INSERT, commit)`, samples.claim)
    stats("store", `${label}: before Submit: workflow + key marked submitting (two commits)`, samples.submitting)
    stats("store", `${label}: idempotency complete (sealed outcome, commit)`, samples.complete)
    stats("store", `${label}: workflow update (transaction: read, sealed write, commit)`, samples.workflow)
    stats("store", `${label}: session registry touch (UPDATE, commit)`, samples.touch)
    stats("store", `${label}: snapshot save (12 KB sealed upsert, commit)`, samples.snapshot)
  }).pipe(Effect.scoped)

export const storeSection = (stats: Stats, notRun: NotRun) =>
  Effect.gen(function*() {
    const dir = yield* tempDir("emodal-bench-store-")
    yield* measure(stats, "SQLite (WAL, synchronous FULL)", { backend: "sqlite", file: join(dir, "emodal.db") })
    const url = yield* postgres
    if (url === undefined) return notRun("store", "Postgres", "no BENCH_DATABASE_URL and no PostgreSQL server binaries")
    yield* measure(stats, "Postgres (loopback, fsync on)", { backend: "postgres", url: Redacted.make(url) })
  }).pipe(Effect.scoped, Effect.provide(Logger.layer([])))
