/**
 * The browser layer's own failures. They are internal: the session actor and the operations layer
 * translate them into domain errors (a crash, a portal failure, a timeout), never show them as is.
 */
import { Data } from "effect"

/** A puppeteer/Chrome call failed. `disconnected` is true when Chrome itself is gone. */
export class BrowserError extends Data.TaggedError("BrowserError")<{
  readonly operation: string
  readonly detail: string
  readonly disconnected: boolean
  /** A failed `goto`: the host (host:port) it was loading then, which a redirect may have changed. */
  readonly host?: string | undefined
}> {}

/** A wait on a page signal passed its deadline. `what` names the signal. */
export class WaitTimedOut extends Data.TaggedError("WaitTimedOut")<{
  readonly what: string
  readonly timeoutMillis: number
  /** A `goto` past its deadline: the host (host:port) it was still loading. */
  readonly host?: string | undefined
}> {}

/** No usable Chrome executable (boot failure). */
export class ChromeNotFound extends Data.TaggedError("ChromeNotFound")<{ readonly tried: ReadonlyArray<string> }> {
  override get message(): string {
    return `No Chrome/Chromium executable found (tried ${this.tried.join(", ")}). Install chromium or set CHROME_PATH.`
  }
}

/** The first line of a thrown value's message, bounded (for `detail`). */
export const errorText = (cause: unknown): string =>
  cause instanceof Error ? cause.message.split("\n")[0]!.slice(0, 300) : String(cause).slice(0, 300)
