/**
 * The actor's mailbox: one message at a time, in arrival order. Each message runs in a fiber of the
 * session's FiberSet that its caller forks and awaits; no result is ever handed from one fiber to
 * another. "Busy" is the session's FIFO permit (a Semaphore of 1) being held: a message takes it in
 * turn, or — run-if-idle — only when `takeIfAvailable` finds it free with nobody queued. The
 * mailbox limit is a counter of the messages waiting for the permit. A held permit lives in a scope
 * of its message, so it is given back on every exit, interrupts included.
 *
 * A message's fiber is uninterruptible but for its waits (for the permit, for its page work): a
 * message whose work is done always delivers its answer, even if the session closes under it.
 *
 * Ending is one atomic step on the gate: nothing is admitted after it, `ended` completes, and every
 * fiber holding or waiting for the session is interrupted — never the fiber that ends it (a message
 * ending its own session keeps its own answer). Each caller then answers itself with the typed end
 * error within END_GRACE, whatever the interrupted work's finalizers are doing.
 *
 * Not a Context service: one per session, made in the session's scope.
 */
import { Cause, Deferred, Duration, Effect, Exit, Fiber, FiberSet, Option, Ref, Scope, Semaphore } from "effect"
import type { BrowserCrashed, PoolExhausted, SessionNotFound } from "../../domain/Errors.ts"
import type { SessionId } from "../../domain/Ids.ts"
import { background } from "../Background.ts"
import { endedError } from "./SessionFailures.ts"
import type { EndReason, OperationKind, SessionState } from "./SessionProtocol.ts"

/** Makes a wait inside an (uninterruptible) message interruptible. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** A message's work, run holding the permit; it answers its outcome (its waits go through `restore`). */
export type Work<A, E> = (restore: Restore) => Effect.Effect<Exit.Exit<A, E>>

/** What the session is left with when a message gives the permit back. */
export type AfterMessage = "idle" | "queued" | "ending"

/**
 * How long a caller whose message was interrupted (its session ended, or the caller left) waits for
 * the message's fiber to wind down before answering anyway.
 */
export const END_GRACE = Duration.seconds(1)

/** The admission state, changed only by atomic updates so "idle", "full" and "ended" are exact. */
interface Gate {
  /** Set once, when the session starts ending: nothing is admitted after it. */
  readonly ending: EndReason | undefined
  /** Messages admitted and waiting for the permit (the mailbox, bounded by its limit). */
  readonly queued: number
  /** The kind of message holding the permit: set just after it is taken, cleared just before it is given back. */
  readonly holder: OperationKind | undefined
}

const stateOf = (g: Gate): SessionState =>
  g.ending !== undefined
    ? "closing"
    : g.holder === undefined
    ? "ready"
    : g.holder === "operation"
    ? "busy"
    : g.holder === "login"
    ? "logging_in"
    : "refreshing"

export interface MailboxParams {
  readonly sessionId: SessionId
  /** How many messages may wait for the permit (SESSION_QUEUE_LIMIT); upkeep is not counted against it. */
  readonly queueLimit: number
  /** What a caller meeting a full mailbox gets. */
  readonly full: () => PoolExhausted
  /** Called in the message's fiber after it gave the permit back; must not block. */
  readonly afterMessage: (left: AfterMessage) => Effect.Effect<void>
}

export type EndError = BrowserCrashed | SessionNotFound

export interface Mailbox {
  /** Waits its turn (refused when the mailbox is full), runs `work`, answers its outcome. */
  readonly run: <A, E>(kind: OperationKind, work: Work<A, E>) => Effect.Effect<A, E | EndError | PoolExhausted>
  /** Runs `work` only when nothing holds or waits for the permit; None when the session was busy. */
  readonly runIfIdle: <A, E>(kind: OperationKind, work: Work<A, E>) => Effect.Effect<Option.Option<A>, E | EndError | PoolExhausted>
  /** Queues upkeep nobody awaits (not bounded by the limit), tracked and interrupted like any message. */
  readonly post: <E>(kind: OperationKind, work: Work<void, E>) => Effect.Effect<void>
  /** Ends the session once; false if it had already ended. */
  readonly end: (reason: EndReason) => Effect.Effect<boolean>
  /**
   * Ends the session from the message holding the permit with nothing queued (an eviction). Nobody
   * else is interrupted: other fibers still in the set are messages past their work, answering.
   */
  readonly endWhileIdle: (reason: EndReason) => Effect.Effect<boolean>
  /** Completes with the reason once the session has ended. */
  readonly ended: Effect.Effect<EndReason>
  readonly endReason: Effect.Effect<Option.Option<EndReason>>
  readonly state: Effect.Effect<SessionState>
  readonly queued: Effect.Effect<number>
  /** Nothing holding the permit and nothing queued. */
  readonly isIdle: Effect.Effect<boolean>
}

type Mode = "queue" | "upkeep" | "ifIdle"

export const make = (params: MailboxParams): Effect.Effect<Mailbox, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { sessionId } = params
    const holders = yield* FiberSet.make<unknown, unknown>()
    const permit = yield* Semaphore.make(1)
    const gate = yield* Ref.make<Gate>({ ending: undefined, queued: 0, holder: undefined })
    const endedSignal = yield* Deferred.make<EndReason>()

    const end = (reason: EndReason, interrupt = true) =>
      Effect.uninterruptible(Effect.withFiber((self) =>
        Effect.gen(function*() {
          const first = yield* Ref.modify(gate, (g): [boolean, Gate] => (g.ending === undefined ? [true, { ...g, ending: reason }] : [false, g]))
          if (!first) return false
          yield* Deferred.succeed(endedSignal, reason)
          // Not awaited here: each caller answers itself within END_GRACE. (Read through `state`:
          // a closed FiberSet's iterator is broken in effect 4.1.)
          const others = interrupt && holders.state._tag === "Open" ? [...holders.state.backing].filter((f) => f !== self) : []
          if (others.length > 0) yield* Effect.forkDetach(Fiber.interruptAll(others))
          yield* Effect.logInfo("session ended", { reason })
          return true
        })
      ))

    const endFailure = Effect.flatMap(Ref.get(gate), (g) => Effect.fail(endedError(sessionId, g.ending)))

    /** Admits a message in turn and waits for the permit (in `held`); the wait is the only interruptible step. */
    const enterInTurn = (kind: OperationKind, mode: Mode, held: Scope.Closeable) =>
      Effect.gen(function*() {
        const admitted = yield* Ref.modify(gate, (g): [EndReason | "ok" | "full", Gate] =>
          g.ending !== undefined
            ? [g.ending, g]
            : mode === "queue" && g.queued >= params.queueLimit
            ? ["full", g]
            : ["ok", { ...g, queued: g.queued + 1 }]
        )
        if (admitted === "full") return yield* Effect.fail(params.full())
        if (admitted !== "ok") return yield* endedError(sessionId, admitted)
        const took = yield* Effect.exit(Effect.interruptible(permit.takeScoped(1)).pipe(Scope.provide(held)))
        const reason = yield* Ref.modify(gate, (g): [EndReason | undefined, Gate] =>
          Exit.isSuccess(took) && g.ending === undefined
            ? [undefined, { ...g, queued: g.queued - 1, holder: kind }]
            : [g.ending, { ...g, queued: g.queued - 1 }]
        )
        if (Exit.isFailure(took)) return yield* Effect.failCause(took.cause)
        if (reason !== undefined) return yield* endedError(sessionId, reason)
        return true
      })

    /** Takes the permit only if it is free and nobody waits for it; false when busy. */
    const enterIfIdle = (kind: OperationKind, held: Scope.Closeable) =>
      Effect.gen(function*() {
        const before = yield* Ref.get(gate)
        if (before.ending !== undefined) return yield* endedError(sessionId, before.ending)
        if (!(yield* permit.takeIfAvailable(1))) return false
        yield* Scope.addFinalizer(held, permit.release(1))
        // A permit that is free while messages are queued belongs to the first of them (it is about
        // to wake): run-if-idle never overtakes it.
        const entered = yield* Ref.modify(gate, (g): [EndReason | boolean, Gate] =>
          g.ending !== undefined ? [g.ending, g] : g.queued > 0 ? [false, g] : [true, { ...g, holder: kind }]
        )
        if (typeof entered !== "boolean") return yield* endedError(sessionId, entered)
        return entered
      })

    /** Gives the permit back: the holder is cleared first, so a caller never sees its own message as running. */
    const release = (held: Scope.Closeable) =>
      Effect.gen(function*() {
        const left = yield* Ref.modify(gate, (g): [AfterMessage, Gate] => [
          g.ending !== undefined ? "ending" : g.queued === 0 ? "idle" : "queued",
          { ...g, holder: undefined }
        ])
        yield* Scope.close(held, Exit.void)
        yield* params.afterMessage(left)
      })

    /**
     * One message, run in an uninterruptible fiber of its own: enters (in turn, or only if idle),
     * runs its work, gives the permit back. Only the waits are interruptible; the bookkeeping around
     * them always completes.
     */
    const message = <A, E>(kind: OperationKind, mode: Mode, work: Work<A, E>): Effect.Effect<Option.Option<A>, E | EndError | PoolExhausted> =>
      Effect.gen(function*() {
        const held = yield* Scope.make()
        const entered = yield* (mode === "ifIdle" ? enterIfIdle(kind, held) : enterInTurn(kind, mode, held)).pipe(
          Effect.onError(() => Scope.close(held, Exit.void))
        )
        if (!entered) {
          yield* Scope.close(held, Exit.void)
          return Option.none()
        }
        const exit = yield* work(Effect.interruptible)
        yield* release(held)
        return Option.some(yield* exit)
      })

    /** Starts a message in the session's FiberSet: at once (admission is synchronous), uninterruptible. */
    const start = <A, E>(msg: Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkDetach(msg, { startImmediately: true, uninterruptible: true })
        // A closed set interrupts the fiber, which is then refused (the session has ended).
        yield* FiberSet.add(holders, fiber)
        return fiber
      })

    /**
     * What the caller of `child` answers: the message's own outcome, or — once the session has ended
     * — that outcome if it arrives within END_GRACE, else the end error. An interrupted message (the
     * session ended under it) is the end error.
     */
    const outcomeOf = <A, E>(child: Fiber.Fiber<A, E>): Effect.Effect<A, E | EndError> =>
      Effect.raceFirst(
        Fiber.await(child),
        Deferred.await(endedSignal).pipe(
          Effect.andThen(Fiber.await(child).pipe(Effect.timeoutOption(END_GRACE))),
          Effect.flatMap(Option.match({
            onSome: Effect.succeed,
            onNone: () =>
              Effect.logDebug("the session ended and its message did not wind down within END_GRACE; answering without it", {
                phase: "mailbox:end"
              }).pipe(Effect.as(Exit.interrupt()))
          }))
        )
      ).pipe(
        Effect.flatMap((exit): Effect.Effect<A, E | EndError> =>
          Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? endFailure : exit
        )
      )

    /** Stops the message of a caller that left; a message that does not stop in time is left to wind down. */
    const stop = (child: Fiber.Fiber<unknown, unknown>) =>
      Fiber.interrupt(child).pipe(
        Effect.timeoutOption(END_GRACE),
        Effect.flatMap(Option.match({
          onSome: () => Effect.void,
          onNone: () => Effect.logDebug("a message did not stop within END_GRACE; leaving it to wind down", { phase: "mailbox:stop" })
        }))
      )

    /** Forks the message into the session's FiberSet and awaits it; a caller that leaves takes its message with it. */
    const submit = <A, E>(kind: OperationKind, mode: Mode, work: Work<A, E>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const child = yield* start(message(kind, mode, work))
          return yield* restore(outcomeOf(child)).pipe(Effect.onInterrupt(() => stop(child)))
        })
      )

    return {
      run: (kind, work) => submit(kind, "queue", work).pipe(Effect.map(Option.getOrThrow)),
      runIfIdle: (kind, work) => submit(kind, "ifIdle", work),
      // Nobody awaits upkeep: its outcome, or its refusal (the session ended meanwhile), is nobody's answer.
      // Upkeep is no caller's work either: it runs without the log context of the message it follows.
      post: (kind, work) => Effect.asVoid(start(background(Effect.ignore(message(kind, "upkeep", work))))),
      end: (reason) => end(reason),
      endWhileIdle: (reason) => end(reason, false),
      ended: Deferred.await(endedSignal),
      endReason: Effect.map(Ref.get(gate), (g) => Option.fromNullishOr(g.ending)),
      state: Effect.map(Ref.get(gate), stateOf),
      queued: Effect.map(Ref.get(gate), (g) => g.queued),
      isIdle: Effect.map(Ref.get(gate), (g) => g.queued === 0 && g.holder === undefined)
    } satisfies Mailbox
  })
