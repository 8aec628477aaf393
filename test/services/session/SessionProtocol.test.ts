import { describe, it, assert } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { RpcTest } from "effect/rpc"
import { handlersOf } from "../../../src/services/BrowserSession.ts"
import { FakePortal } from "../../../src/services/PortalDriver.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { SessionRpcs } from "../../../src/services/session/SessionProtocol.ts"
import { setPhase } from "../../../src/services/portal/Phase.ts"
import { creds, poolLayer, untilQueued, untilState } from "../../utils/PoolHarness.ts"

/** A client of one session's protocol, as a fleet would hold it (in memory: no wire). */
const clientOf = Effect.gen(function*() {
  const pool = yield* SessionPool
  const { session } = yield* pool.acquire({ credentials: creds("alice") })
  const handlers = SessionRpcs.toLayer(handlersOf(session))
  return { session, client: yield* RpcTest.makeClient(SessionRpcs).pipe(Effect.provide(handlers)) }
})

describe("SessionProtocol", () => {
  it.effect("a session answers every message of its protocol through an RPC client", () =>
    Effect.gen(function*() {
      const { session, client } = yield* clientOf
      const summary = yield* client.Summary()
      assert.strictEqual(summary.session_id, session.id)
      assert.strictEqual(summary.state, "ready")
      assert.strictEqual(yield* client.Run({ operation: { name: "op", run: () => Effect.succeed(7) } }), 7)
      assert.strictEqual((yield* client.Health()).uses, 1)
      assert.deepStrictEqual(yield* client.UpdateSettings({ neverTerminate: true }), { neverTerminate: true, keepAlive: true })
      assert.strictEqual(yield* client.Refresh(), "logged_in")
      assert.strictEqual((yield* (yield* FakePortal).state).refreshes, 1)
      yield* client.Relogin()
      assert.strictEqual((yield* client.Health()).logins, 2)
      assert.isNumber(yield* client.Touch())
      yield* client.Snapshot()
      assert.isTrue(yield* client.End({ reason: "closed" }))
      assert.isFalse(yield* client.End({ reason: "closed" }), "a session ends once")
      const error = yield* client.Summary().pipe(Effect.andThen(client.Refresh()), Effect.flip)
      assert.strictEqual(error._tag, "SessionNotFound")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("Evict refuses a busy session and ends an idle one", () =>
    Effect.gen(function*() {
      const { session, client } = yield* clientOf
      const latch = yield* Deferred.make<void>()
      const busy = yield* session.run({ name: "hold", run: () => Deferred.await(latch) }).pipe(Effect.forkChild)
      yield* untilState(session, "busy")
      assert.isFalse(yield* client.Evict(), "a busy session is never evicted")
      yield* Deferred.succeed(latch, undefined)
      yield* Fiber.join(busy)
      assert.isTrue(yield* client.Evict())
      assert.strictEqual(yield* session.ended, "evicted")
      assert.isFalse(yield* client.Evict(), "an ended session is not evicted twice")
    }).pipe(Effect.provide(poolLayer())))

  it.effect("Activity names the running message and its phase; Peek is a message of its own, taken after the running one", () =>
    Effect.gen(function*() {
      const { session, client } = yield* clientOf
      assert.isNull(yield* client.Activity(), "idle: nothing running")
      const latch = yield* Deferred.make<void>()
      const order: Array<string> = []
      const busy = yield* session.run({
        name: "hold",
        run: () => setPhase("containers:timeline").pipe(Effect.andThen(Deferred.await(latch)), Effect.andThen(Effect.sync(() => order.push("hold done"))))
      }).pipe(Effect.forkChild)
      yield* untilState(session, "busy")
      for (let i = 0; i < 100 && (yield* client.Activity())?.phase !== "containers:timeline"; i++) yield* Effect.yieldNow
      const activity = yield* client.Activity()
      assert.deepInclude(activity, { operation: "hold", kind: "operation", phase: "containers:timeline" })
      assert.isAtLeast(activity!.phaseAt, activity!.startedAt)
      // The peek waits in the mailbox: never a screenshot of an operation midway.
      const peek = yield* client.Peek().pipe(Effect.exit, Effect.tap(() => Effect.sync(() => order.push("peek done"))), Effect.forkChild)
      yield* untilQueued(session, 1)
      assert.deepStrictEqual(order, [])
      yield* Deferred.succeed(latch, undefined)
      yield* Fiber.join(busy)
      yield* Fiber.join(peek) // the fake browser has no page to capture: the peek fails, after the operation
      assert.deepStrictEqual(order, ["hold done", "peek done"])
      assert.isNull(yield* client.Activity())
    }).pipe(Effect.provide(poolLayer())))
})
