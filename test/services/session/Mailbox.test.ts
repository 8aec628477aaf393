import { describe, it, assert } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Ref } from "effect"
import { PoolExhausted } from "../../../src/domain/Errors.ts"
import { makeSessionId } from "../../../src/domain/Ids.ts"
import * as Mailbox from "../../../src/services/session/Mailbox.ts"

const sessionId = makeSessionId()

const full = () => new PoolExhausted({ sessionId, reason: "session_queue_full", retryAfterSeconds: 1, maxSessions: 1 })

const mailboxWith = (queueLimit: number, afterMessage: (left: Mailbox.AfterMessage) => Effect.Effect<void> = () => Effect.void) =>
  Mailbox.make({ sessionId, queueLimit, full, afterMessage })

/** Work that answers `value` once `latch` opens. */
const waitFor = <A>(latch: Deferred.Deferred<void>, value: A): Mailbox.Work<A, never> => (restore) =>
  Effect.exit(restore(Deferred.await(latch)).pipe(Effect.as(value)))

const now = <A>(value: A): Mailbox.Work<A, never> => () => Effect.succeed(Exit.succeed(value))

/** Yields (no clock) until `check` holds. */
const until = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (yield* check) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error(`gave up waiting for ${what}`))
  })

describe("Mailbox", () => {
  it.effect("the mailbox limit counts the messages waiting for the permit; a caller that leaves frees its place", () =>
    Effect.gen(function*() {
      const mailbox = yield* mailboxWith(2)
      const latch = yield* Deferred.make<void>()
      const holder = yield* mailbox.run("operation", waitFor(latch, "a")).pipe(Effect.forkChild)
      yield* until("busy", Effect.map(mailbox.state, (s) => s === "busy"))
      const b = yield* mailbox.run("operation", now("b")).pipe(Effect.forkChild)
      const c = yield* mailbox.run("operation", now("c")).pipe(Effect.forkChild)
      yield* until("two queued", Effect.map(mailbox.queued, (n) => n === 2))
      const refused = yield* mailbox.run("operation", now("d")).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "PoolExhausted")
      assert.strictEqual(refused._tag === "PoolExhausted" ? refused.reason : "", "session_queue_full")
      yield* Fiber.interrupt(c)
      assert.strictEqual(yield* mailbox.queued, 1, "the caller that left took its message with it")
      const e = yield* mailbox.run("operation", now("e")).pipe(Effect.forkChild)
      yield* Deferred.succeed(latch, undefined)
      assert.deepStrictEqual([yield* Fiber.join(holder), yield* Fiber.join(b), yield* Fiber.join(e)], ["a", "b", "e"])
      assert.isTrue(yield* mailbox.isIdle)
    }))

  it.effect("run-if-idle runs only on a free permit with nobody queued, and never waits", () =>
    Effect.gen(function*() {
      const mailbox = yield* mailboxWith(5)
      assert.deepStrictEqual(yield* mailbox.runIfIdle("refresh", now(1)), Option.some(1))
      const latch = yield* Deferred.make<void>()
      const holder = yield* mailbox.run("operation", waitFor(latch, 2)).pipe(Effect.forkChild)
      yield* until("busy", Effect.map(mailbox.state, (s) => s === "busy"))
      assert.deepStrictEqual(yield* mailbox.runIfIdle("refresh", now(3)), Option.none())
      yield* Deferred.succeed(latch, undefined)
      yield* Fiber.join(holder)
      assert.deepStrictEqual(yield* mailbox.runIfIdle("refresh", now(4)), Option.some(4))
    }))

  it.effect("a message whose work is done answers it, even when the session ends while it gives the permit back", () =>
    Effect.gen(function*() {
      const box = yield* Ref.make(Option.none<Mailbox.Mailbox>())
      // Another fiber ends the session right after the message released the permit, and the
      // message lingers (yields) before it returns.
      const mailbox = yield* mailboxWith(1, () =>
        Effect.gen(function*() {
          const self = Option.getOrThrow(yield* Ref.get(box))
          yield* Effect.forkDetach(self.end("closed"))
          yield* until("the end", Effect.map(self.endReason, Option.isSome))
          for (let i = 0; i < 10; i++) yield* Effect.yieldNow
        }))
      yield* Ref.set(box, Option.some(mailbox))
      assert.strictEqual(yield* mailbox.run("operation", now("done")), "done")
      assert.strictEqual(yield* mailbox.ended, "closed")
      const after = yield* mailbox.run("operation", now("late")).pipe(Effect.flip)
      assert.strictEqual(after._tag, "SessionNotFound")
    }))

  it.effect("ending interrupts the holder and the queued, who answer with the end error; the ender keeps its answer", () =>
    Effect.gen(function*() {
      const mailbox = yield* mailboxWith(5)
      const latch = yield* Deferred.make<void>()
      const holder = yield* mailbox.run("operation", waitFor(latch, "never")).pipe(Effect.forkChild)
      yield* until("busy", Effect.map(mailbox.state, (s) => s === "busy"))
      const queued = yield* mailbox.run("operation", now("never")).pipe(Effect.forkChild)
      yield* until("queued", Effect.map(mailbox.queued, (n) => n === 1))
      assert.isTrue(yield* mailbox.end("crashed"))
      assert.strictEqual(yield* mailbox.state, "closing")
      for (const f of [holder, queued]) {
        const error = yield* Fiber.join(f).pipe(Effect.flip)
        assert.strictEqual(error._tag, "BrowserCrashed")
      }
      assert.isFalse(yield* mailbox.end("closed"), "a session ends once")
    }))
})
