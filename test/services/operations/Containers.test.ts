import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { ContainerNotFound, PortalChanged } from "../../../src/domain/Errors.ts"
import { BrowserError, WaitTimedOut } from "../../../src/services/Browser.ts"
import {
  containersMode,
  describeItemFailure,
  requireContainerId,
  stoppedReason
} from "../../../src/services/operations/Containers.ts"

it("mode priority: target_container_id > target_count > infinite_scrolling (default true) > first page", () => {
  assert.deepStrictEqual(containersMode({ target_container_id: "MSDU5772413", target_count: 5, infinite_scrolling: false }).mode, "find_container")
  assert.deepStrictEqual(containersMode({ target_container_id: "  ", target_count: 5 }).mode, "target_count")
  assert.deepStrictEqual(containersMode({ target_count: 5, infinite_scrolling: false }), {
    mode: "target_count",
    load: { _tag: "target_count", count: 5 }
  })
  assert.strictEqual(containersMode({}).mode, "all")
  assert.strictEqual(containersMode({ infinite_scrolling: true }).mode, "all")
  assert.strictEqual(containersMode({ infinite_scrolling: false }).mode, "first_page")
  assert.deepStrictEqual(containersMode({ target_container_id: " MSDU5772413 " }).load, { _tag: "find", containerId: "MSDU5772413" })
})

it("stopped_reason wording per mode and outcome", () => {
  assert.strictEqual(stoppedReason({ _tag: "target_count", count: 50 }, "target_count", 50), "Target count 50 reached")
  assert.strictEqual(stoppedReason({ _tag: "target_count", count: 50 }, "end", 12), "End of list reached before target count 50 (12 containers)")
  assert.strictEqual(stoppedReason({ _tag: "find", containerId: "X1" }, "found", 3), "Container X1 found")
  assert.strictEqual(stoppedReason({ _tag: "find", containerId: "X1" }, "end", 3), "Container X1 not found in the list")
  assert.strictEqual(stoppedReason({ _tag: "all" }, "end", 3), "End of list reached")
  assert.strictEqual(stoppedReason({ _tag: "first_page" }, "first_page", 3), "First page only")
})

it.effect("container_id or its alias `container`; missing or blank → 400 with the seed's wording", () =>
  Effect.gen(function*() {
    assert.strictEqual(yield* requireContainerId({ container_id: " MSDU5772413 " }), "MSDU5772413")
    assert.strictEqual(yield* requireContainerId({ container: "HMMU9048448" }), "HMMU9048448")
    assert.strictEqual(yield* requireContainerId({ container_id: "A1", container: "B2" }), "A1")
    for (const request of [{}, { container_id: "" }, { container: "   " }]) {
      const e = yield* Effect.flip(requireContainerId(request))
      assert.strictEqual(e._tag, "InvalidOperationInput")
      assert.strictEqual(e.detail, "Missing required field: container_id")
      assert.strictEqual(e.field, "container_id")
    }
  }))

it("bulk item failures read as the seed's error plus an error_type", () => {
  assert.deepStrictEqual(describeItemFailure(new ContainerNotFound({ containerId: "ZZZU0000000" })), {
    error: "Container 'ZZZU0000000' not found after scrolling",
    error_type: "container_not_found"
  })
  assert.strictEqual(describeItemFailure(new PortalChanged({ selector: "tr.expanded", phase: "containers:detail" })).error_type, "portal_changed")
  assert.deepStrictEqual(describeItemFailure(new WaitTimedOut({ what: "row expanded", timeoutMillis: 10 })), {
    error: "Timed out waiting for row expanded",
    error_type: "operation_timed_out"
  })
  assert.strictEqual(describeItemFailure(new BrowserError({ operation: "evaluate", detail: "x", disconnected: false })).error_type, "browser_error")
})
