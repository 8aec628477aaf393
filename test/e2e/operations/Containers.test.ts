import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import { existsSync } from "node:fs"
import { GRID_COLUMNS, Simulator } from "@emodal/simulator"
import { newAccount } from "@emodal/simulator/testing"
import { ArtifactStore } from "../../../src/services/ArtifactStore.ts"
import { PortalOperations } from "../../../src/services/PortalOperations.ts"
import { coreLayer } from "../../utils/ProductHarness.ts"
import {
  expectedContainers,
  login,
  operationsEnv,
  readContainersXlsx,
  requestContext,
  urlPathOf,
  zipEntries
} from "../../utils/ContainersSupport.ts"

const FILE_NAME = /^containers_scraped_\d{8}_\d{6}\.xlsx$/

// bigfleet: 2,000 containers and 24 placeholder rows, batches of 40 (the simulator's defaults).
const Env = operationsEnv({ batchLatency: "5 millis" })

layer(Env, { excludeTestServices: true, timeout: "180 seconds" })("get_containers (real Chromium)", (it) => {
  it.effect("mode all on the 2,000-container account: the xlsx equals the simulator's grid row for row", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const progress = yield* Ref.make<ReadonlyArray<{ rows: number; cycles: number }>>([])
      const { response, file } = yield* ops.getContainers(
        { ...login("bigfleet"), return_url: true, include_rows: true },
        requestContext,
        (p) => Ref.update(progress, (ps) => [...ps, { rows: p.rows_loaded, cycles: p.scroll_cycles }])
      )
      const expected = yield* expectedContainers("bigfleet")
      assert.isAtLeast(expected.length, 2000)

      assert.strictEqual(response.mode, "all")
      assert.strictEqual(response.stopped_reason, "End of list reached")
      assert.isUndefined(response.found_target_container)
      assert.strictEqual(response.total_containers, expected.length)
      assert.isNumber(response.total_containers)
      assert.match(response.file_name, FILE_NAME)
      assert.strictEqual(response.file_url, `${requestContext.baseUrl}${file.urlPath}`)
      assert.strictEqual(response.file_size, file.bytes)
      assert.isTrue(response.is_new_session)
      // 51 batches: 50 scrolls that load one each, then the idle attempts that find the end.
      assert.isAtLeast(response.scroll_cycles, 50 + 3)

      const sheet = yield* readContainersXlsx(file.path)
      assert.deepStrictEqual(sheet.sheetNames, ["Containers"])
      assert.deepStrictEqual(sheet.header, [...GRID_COLUMNS], "the portal's grid headers, in its order")
      assert.strictEqual(sheet.rows.length, expected.length)
      // Row by row, so a mismatch names its row instead of diffing 2,000 records.
      for (let i = 0; i < expected.length; i++) {
        if (JSON.stringify(sheet.rows[i]) !== JSON.stringify(expected[i])) {
          assert.deepStrictEqual(sheet.rows[i], expected[i], `row ${i + 2} of the sheet`)
        }
      }
      assert.deepStrictEqual(response.containers, expected, "include_rows returns the same rows")

      // Progress: one report per growth, rows never shrinking, ending at the full list.
      const reports = yield* Ref.get(progress)
      assert.isAtLeast(reports.length, 50)
      assert.strictEqual(reports[0]!.cycles, 0)
      for (let i = 1; i < reports.length; i++) assert.isAbove(reports[i]!.rows, reports[i - 1]!.rows)
      assert.strictEqual(reports.at(-1)!.rows, expected.length)
    }))

  it.effect("target_count: the file holds exactly N rows, the first N of the grid", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const expected = yield* expectedContainers("bigfleet")
      const { response, file } = yield* ops.getContainers({ ...login("bigfleet"), return_url: true, target_count: 95 }, requestContext)
      assert.strictEqual(response.mode, "target_count")
      assert.strictEqual(response.stopped_reason, "Target count 95 reached")
      assert.strictEqual(response.total_containers, 95)
      assert.isFalse(response.is_new_session, "the session of the first test is reused")
      assert.isAtLeast(response.scroll_cycles, 2)
      assert.isAtMost(response.scroll_cycles, 3, "it stopped scrolling once 95 were loaded")
      const sheet = yield* readContainersXlsx(file.path)
      assert.deepStrictEqual(sheet.rows, expected.slice(0, 95))
    }))

  it.effect("target_container_id: stops once the container is loaded; target_count and infinite_scrolling are overridden", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const expected = yield* expectedContainers("bigfleet")
      const target = expected[300]!.container_id
      const { response, file } = yield* ops.getContainers(
        { ...login("bigfleet"), return_url: true, target_container_id: ` ${target.toLowerCase()} `, target_count: 10, infinite_scrolling: true },
        requestContext
      )
      assert.strictEqual(response.mode, "find_container")
      assert.isTrue(response.found_target_container)
      assert.strictEqual(response.stopped_reason, `Container ${target.toLowerCase()} found`)
      assert.isAbove(response.total_containers, 300)
      assert.isBelow(response.total_containers, 400, "scrolling stopped soon after the target appeared")
      const sheet = yield* readContainersXlsx(file.path)
      assert.deepStrictEqual(sheet.rows, expected.slice(0, response.total_containers))
      assert.include(sheet.rows.map((r) => r.container_id), target)
    }))

  it.effect("first page only (infinite_scrolling false): no scrolling", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const expected = yield* expectedContainers("bigfleet")
      const { response, file } = yield* ops.getContainers({ ...login("bigfleet"), return_url: true, infinite_scrolling: false }, requestContext)
      assert.strictEqual(response.mode, "first_page")
      assert.strictEqual(response.stopped_reason, "First page only")
      assert.strictEqual(response.scroll_cycles, 0)
      assert.strictEqual(response.total_containers, 40)
      assert.deepStrictEqual((yield* readContainersXlsx(file.path)).rows, expected.slice(0, 40))
    }))

  it.effect("a target that does not exist: success, found_target_container false, the whole list in the file", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const { username } = yield* newAccount("find", { captchaMode: "trusted", containerCount: 130, placeholderEvery: 50 })
      const expected = yield* expectedContainers(username)
      const { response, file } = yield* ops.getContainers(
        { ...login(username, "pw"), return_url: true, target_container_id: "ZZZU0000000" },
        requestContext
      )
      assert.strictEqual(response.mode, "find_container")
      assert.isFalse(response.found_target_container)
      assert.strictEqual(response.stopped_reason, "Container ZZZU0000000 not found in the list")
      assert.strictEqual(response.total_containers, 130, "placeholder rows are not containers")
      assert.deepStrictEqual((yield* readContainersXlsx(file.path)).rows, expected)

      // target_count larger than the list: everything, with an honest reason.
      const more = yield* ops.getContainers({ ...login(username, "pw"), return_url: true, target_count: 500 }, requestContext)
      assert.strictEqual(more.response.total_containers, 130)
      assert.strictEqual(more.response.stopped_reason, "End of list reached before target count 500 (130 containers)")
    }))

  it.effect("the scroll deadline (OPERATION_TIMEOUT minus a wrap-up margin) ends a slow list with OperationTimedOut naming the phase", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { username } = yield* newAccount("slow", { captchaMode: "trusted", containerCount: 600 })
      // 15 batches at 1.5 s each cannot load within the 10 s scroll budget (the operation's is 20 s).
      yield* sim.setFaults({ batchLatency: "1500 millis" })
      const error = yield* Effect.gen(function*() {
        const ops = yield* PortalOperations
        return yield* Effect.flip(ops.getContainers({ ...login(username, "pw"), return_url: true }, requestContext))
      }).pipe(
        // Layer.fresh: the file's layer already built PortalOperations.layer, and provide would reuse it.
        Effect.provide(Layer.fresh(PortalOperations.layer).pipe(Layer.provideMerge(coreLayer({ OPERATION_TIMEOUT: "20 seconds" })))),
        Effect.ensuring(sim.resetFaults())
      )
      assert.strictEqual(error._tag, "OperationTimedOut")
      if (error._tag !== "OperationTimedOut") return
      assert.strictEqual(error.phase, "containers:scroll")
      assert.strictEqual(error.timeoutMillis, 10_000, "our scroll deadline, not the actor's 20 s timeout")
      assert.isString(error.sessionId)
    }))

  it.effect("debug: a bundle with steps.json and screenshots next to the file", () =>
    Effect.gen(function*() {
      const ops = yield* PortalOperations
      const { response } = yield* ops.getContainers(
        { ...login("demo"), return_url: true, target_count: 10, debug: true },
        requestContext
      )
      assert.strictEqual(response.total_containers, 10)
      assert.isString(response.debug_bundle_url)
      const bundle = yield* (yield* ArtifactStore).resolve(urlPathOf(response.debug_bundle_url!))
      assert.isTrue(existsSync(bundle.path))
      const entries = zipEntries(bundle.path)
      const names = entries.map((e) => e.name)
      assert.include(names, "steps.json")
      assert.isAtLeast(names.filter((n) => /^screenshots\/.*\.png$/.test(n)).length, 2)
      assert.notInclude(names, "error.txt")
      const steps = JSON.parse(entries.find((e) => e.name === "steps.json")!.data.toString("utf8")) as Array<{ name: string; data?: unknown }>
      assert.include(steps.map((s) => s.name), "containers: grid shown")
      assert.deepInclude(steps.find((s) => s.name === "containers: loading stopped")!.data as object, { stop: "target_count" })
    }))
})
