import { assert, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { ResultFileIndex } from "../../../src/services/store/ResultFileIndex.ts"
import { describeStore, storeLayer } from "../../utils/StoreBackends.ts"

describeStore("ResultFileIndex", (backend) => {
  const withIndex = <A, E>(effect: Effect.Effect<A, E, ResultFileIndex>) =>
    Effect.flatMap(backend.fresh, (target) => Effect.provide(effect, ResultFileIndex.layer.pipe(Layer.provide(storeLayer(target)))))

  it.effect("lists the files past retention, oldest first, and forgets deleted ones", () =>
    withIndex(Effect.gen(function*() {
      const index = yield* ResultFileIndex
      yield* index.record({ path: "f1/containers_1.xlsx", sessionFolder: "f1", bytes: 1_000 })
      yield* TestClock.adjust("2 hours")
      yield* index.record({ path: "f1/timeline_1.png", sessionFolder: "f1", bytes: 50_000 })
      yield* TestClock.adjust("1 hour")
      yield* index.record({ path: "f2/appointments.xlsx", sessionFolder: "f2", bytes: 7 })
      assert.deepStrictEqual(yield* index.totals, { files: 3, bytes: 51_007, screenshotBytes: 50_000 })
      assert.deepStrictEqual((yield* index.olderThan(Duration.hours(2))).map((f) => f.path), ["f1/containers_1.xlsx"])
      assert.deepStrictEqual((yield* index.olderThan(Duration.minutes(30))).map((f) => [f.path, f.createdAt]), [
        ["f1/containers_1.xlsx", 0],
        ["f1/timeline_1.png", 7_200_000]
      ])
      assert.deepStrictEqual((yield* index.forFolder("f1")).map((f) => f.bytes), [1_000, 50_000])
      assert.strictEqual(yield* index.remove(["f1/containers_1.xlsx", "f1/timeline_1.png", "never/recorded"]), 2)
      assert.strictEqual(yield* index.remove([]), 0)
      assert.deepStrictEqual(yield* index.totals, { files: 1, bytes: 7, screenshotBytes: 0 })
    })))

  it.effect("a file written again under the same path replaces its record", () =>
    withIndex(Effect.gen(function*() {
      const index = yield* ResultFileIndex
      yield* index.record({ path: "f/a.xlsx", sessionFolder: "f", bytes: 1 })
      yield* index.record({ path: "f/a.xlsx", sessionFolder: "f", bytes: 99, createdAt: 5 })
      assert.deepStrictEqual(yield* index.forFolder("f"), [{ path: "f/a.xlsx", sessionFolder: "f", bytes: 99, createdAt: 5 }])
    })))

  it.effect("adopts files found on disk that it does not know, keeping the records it has", () =>
    withIndex(Effect.gen(function*() {
      const index = yield* ResultFileIndex
      yield* index.record({ path: "f/known.xlsx", sessionFolder: "f", bytes: 1, createdAt: 10 })
      const added = yield* index.adopt([
        { path: "f/known.xlsx", sessionFolder: "f", bytes: 1, createdAt: 99 },
        { path: "g/found.PNG", sessionFolder: "g", bytes: 3, createdAt: 20 }
      ])
      assert.strictEqual(added, 1)
      assert.deepStrictEqual((yield* index.all).map((f) => [f.path, f.createdAt]), [["f/known.xlsx", 10], ["g/found.PNG", 20]])
      assert.deepStrictEqual(yield* index.totals, { files: 2, bytes: 4, screenshotBytes: 3 })
      assert.strictEqual(yield* index.adopt([]), 0)
    })))
})
