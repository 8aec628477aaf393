/**
 * A message's page work under its deadline. The work runs in a fiber of its own, so neither the
 * deadline nor the session's end waits on a page that stopped answering: at OPERATION_TIMEOUT the
 * work is interrupted without waiting on it and the answer is OperationTimedOut with the phase it
 * was in. Then the page must evaluate a trivial expression within RESPONSIVE_WITHIN and the
 * abandoned work must wind down within WIND_DOWN, or the session gives up on the page (it ends as
 * crashed): a hung page never serves the next caller.
 */
import { Duration, Effect, Exit, Fiber, Option, Ref } from "effect"
import type { OperationTimedOut } from "../../domain/Errors.ts"
import { END_GRACE, type Restore } from "./Mailbox.ts"

/**
 * After a timeout, how long the abandoned work may take to wind down (its finalizers may still use
 * the page: a row collapse is bounded by 5 s) before the session gives up on the page.
 */
export const WIND_DOWN = Duration.seconds(6)

/** After a timeout, a page that cannot evaluate `true` within this has stopped answering. */
export const RESPONSIVE_WITHIN = Duration.seconds(3)

export interface BoundedRunParams {
  readonly timeout: Duration.Duration
  /** Whether the page still answers (bounded by RESPONSIVE_WITHIN by the caller of this module). */
  readonly pageAnswers: Effect.Effect<boolean>
  /** Whether the session is already ending (then a stuck page is nobody's problem any more). */
  readonly ending: Effect.Effect<boolean>
  /** Gives up on the page: logs why and ends the session as crashed. */
  readonly giveUp: (why: string, phase: string) => Effect.Effect<void>
  /** The answer at the deadline, naming the phase the work was in. */
  readonly timedOut: (phase: string) => OperationTimedOut
}

/**
 * Runs `work` (which follows its steps in `phase`) and waits for it at most `timeout`. `restore`
 * makes the wait interruptible (the caller leaving, the session ending); the work is then stopped
 * within END_GRACE, or the session gives up on the page.
 */
export const runBounded = <A, E>(
  work: Effect.Effect<A, E>,
  phase: Ref.Ref<string>,
  restore: Restore,
  params: BoundedRunParams
): Effect.Effect<Exit.Exit<A, E | OperationTimedOut>> =>
  Effect.gen(function*() {
    const worker = yield* Effect.forkDetach(work)
    const waited = yield* Effect.exit(restore(Fiber.await(worker).pipe(Effect.timeoutOption(params.timeout))))
    if (Exit.isFailure(waited)) {
      const stopped = yield* Fiber.interrupt(worker).pipe(Effect.timeoutOption(END_GRACE))
      if (Option.isNone(stopped)) {
        if (yield* params.ending) {
          yield* Effect.logDebug("abandoned work did not stop within END_GRACE; the session is ending anyway", { phase: yield* Ref.get(phase) })
        } else {
          yield* params.giveUp("an abandoned operation could not be stopped; ending the session", yield* Ref.get(phase))
        }
      }
      return Exit.failCause(waited.cause)
    }
    if (Option.isSome(waited.value)) return waited.value.value
    const timedOut = params.timedOut(yield* Ref.get(phase))
    yield* Effect.forkDetach(Fiber.interrupt(worker))
    const answers = yield* params.pageAnswers
    const wound = answers && Option.isSome(yield* Fiber.await(worker).pipe(Effect.timeoutOption(WIND_DOWN)))
    if (!wound) {
      yield* params.giveUp(
        answers ? "a timed-out operation could not be stopped; ending the session" : "the page stopped responding; ending the session",
        timedOut.phase
      )
    }
    return Exit.fail(timedOut)
  })
