import { assert, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql/SqlClient"
import { SessionRegistry } from "../../../src/services/store/SessionRegistry.ts"
import { SnapshotStore } from "../../../src/services/store/SnapshotStore.ts"
import { describeStore, storeLayer } from "../../utils/StoreBackends.ts"

const dump = (rows: unknown) => JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v))

describeStore("SessionRegistry", (backend) => {
  const withStore = <A, E>(effect: Effect.Effect<A, E, SessionRegistry | SnapshotStore | SqlClient>) =>
    Effect.flatMap(backend.fresh, (target) =>
      Effect.provide(
        effect,
        Layer.mergeAll(SessionRegistry.layer, SnapshotStore.layerWith("snapshot-passphrase-0123")).pipe(Layer.provideMerge(storeLayer(target)))
      ))

  it.effect("registers a session and finds it by id, credentials and account; its id is never stored in clear", () =>
    withStore(Effect.gen(function*() {
      const registry = yield* SessionRegistry
      const sql = yield* SqlClient
      const entry = yield* registry.register({ sessionId: "sess_bearer_AAAAAAAAAAAAAAAAAAAA", fingerprint: "fp-1", username: "Alice.Trucking", keepAlive: true })
      assert.deepStrictEqual(entry, {
        sessionId: "sess_bearer_AAAAAAAAAAAAAAAAAAAA",
        fingerprint: "fp-1",
        accountKey: entry.accountKey,
        username: "Alice.Trucking",
        pinned: false,
        keepAlive: true,
        tier: "hot",
        createdAt: 0,
        lastUsed: 0
      })
      assert.deepStrictEqual(yield* registry.get("sess_bearer_AAAAAAAAAAAAAAAAAAAA"), Option.some(entry))
      assert.isTrue(Option.isNone(yield* registry.get("sess_unknown")))
      assert.deepStrictEqual((yield* registry.byFingerprint("fp-1")).map((e) => e.sessionId), ["sess_bearer_AAAAAAAAAAAAAAAAAAAA"])
      // The account is the normalised username: case and surrounding blanks do not matter.
      assert.deepStrictEqual((yield* registry.byAccount("  alice.TRUCKING ")).map((e) => e.sessionId), ["sess_bearer_AAAAAAAAAAAAAAAAAAAA"])
      const raw = dump(yield* sql`SELECT * FROM sessions`)
      assert.notInclude(raw, "sess_bearer_AAAAAAAAAAAAAAAAAAAA")
      assert.notInclude(raw.replace(/"username":"Alice.Trucking"/, ""), "Alice.Trucking")
    })))

  it.effect("keeps the creation time when a session is registered again, and orders by last use", () =>
    withStore(Effect.gen(function*() {
      const registry = yield* SessionRegistry
      yield* registry.register({ sessionId: "sess_a", fingerprint: "fp", username: "u" })
      yield* TestClock.adjust("1 minute")
      yield* registry.register({ sessionId: "sess_b", fingerprint: "fp", username: "u" })
      yield* TestClock.adjust("1 minute")
      yield* registry.touch("sess_a")
      assert.deepStrictEqual((yield* registry.byFingerprint("fp")).map((e) => e.sessionId), ["sess_a", "sess_b"])
      yield* TestClock.adjust("1 minute")
      const again = yield* registry.register({ sessionId: "sess_b", fingerprint: "fp", username: "u", pinned: true })
      assert.strictEqual(again.createdAt, 60_000)
      assert.strictEqual(again.lastUsed, 180_000)
      assert.isTrue(again.pinned)
      assert.deepStrictEqual((yield* registry.list).map((e) => e.sessionId), ["sess_b", "sess_a"])
      assert.strictEqual(yield* registry.count, 2)
    })))

  it.effect("changes flags and tier", () =>
    withStore(Effect.gen(function*() {
      const registry = yield* SessionRegistry
      yield* registry.register({ sessionId: "sess_a", fingerprint: "fp", username: "u" })
      const parked = yield* registry.update("sess_a", { tier: "parked", pinned: true })
      assert.deepStrictEqual(parked.pipe(Option.map((e) => [e.tier, e.pinned, e.keepAlive])), Option.some(["parked", true, false]))
      const cold = yield* registry.update("sess_a", { tier: "cold", keepAlive: true })
      assert.deepStrictEqual(cold.pipe(Option.map((e) => [e.tier, e.pinned, e.keepAlive])), Option.some(["cold", true, true]))
      assert.isTrue(Option.isNone(yield* registry.update("sess_missing", { pinned: true })))
    })))

  it.effect("removing a session removes its snapshot with it", () =>
    withStore(Effect.gen(function*() {
      const registry = yield* SessionRegistry
      const snapshots = yield* SnapshotStore
      yield* registry.register({ sessionId: "sess_a", fingerprint: "fp", username: "u" })
      yield* registry.register({ sessionId: "sess_b", fingerprint: "fp", username: "u" })
      yield* snapshots.save("sess_a", "{}", 1)
      yield* snapshots.save("sess_b", "{}", 1)
      yield* registry.remove("sess_a")
      assert.isTrue(Option.isNone(yield* registry.get("sess_a")))
      assert.isTrue(Option.isNone(yield* snapshots.load("sess_a")))
      assert.isTrue(Option.isSome(yield* snapshots.load("sess_b")))
      assert.strictEqual(yield* registry.count, 1)
    })))
})
