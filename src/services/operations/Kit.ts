/**
 * What every business operation shares: resolving the caller's session the way the seed did
 * (session_id first, else credentials; an unknown id with credentials falls back to them, without
 * them it is SessionNotFound — never a silent new session), running one message on it, stamping
 * errors with `session_id`/`is_new_session`, and wrapping a run in a debug bundle when asked.
 */
import { Cause, Clock, Duration, Effect, Exit, Option, Redacted } from "effect"
import { type CredentialFingerprint, Credentials, fingerprint } from "../../domain/Credentials.ts"
import { type ErrorContext, InvalidOperationInput, isPortalError, type PortalError, withContext } from "../../domain/Errors.ts"
import { errorTypeOf, toSeedBody } from "../../domain/ErrorSpecs.ts"
import { CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE } from "../../domain/Fields.ts"
import type { ArtifactStoreShape, StoredFile } from "../ArtifactStore.ts"
import { fileUrl } from "../ArtifactStore.ts"
import type { BrowserSession, RawFailure } from "../BrowserSession.ts"
import type { PageHandle } from "../Browser.ts"
import { type OperationName, type PhaseTracker, RequestPhase, setRequestPhase } from "../portal/Phase.ts"
import type { PortalConfigShape } from "../PortalConfig.ts"
import type { PortalDriverShape } from "../PortalDriver.ts"
import type { Acquired, SessionPoolShape } from "../SessionPool.ts"
import { DebugRecorder, makeRecorder } from "../portal/Debug.ts"
import { setOperationAccount } from "../metrics/OperationMetrics.ts"

/** Per-request facts the transport knows. */
export interface RequestContext {
  /** Origin for absolute file URLs: PUBLIC_BASE_URL, else the request's scheme and Host. */
  readonly baseUrl: string
  readonly requestId: string
  /** From the Idempotency-Key header (make_appointment). */
  readonly idempotencyKey?: string | undefined
}

/** The session fields every business request may carry (seed names). */
export interface SessionSelector {
  readonly session_id?: string | undefined
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly captcha_api_key?: Redacted.Redacted<string> | undefined
  readonly never_terminate?: boolean | undefined
  readonly keep_alive?: boolean | undefined
}

export interface Kit {
  readonly config: PortalConfigShape
  readonly artifacts: ArtifactStoreShape
  readonly pool: SessionPoolShape
  /** Every portal flow (the operations never touch a page themselves). */
  readonly driver: PortalDriverShape
  /** Resolves the session and runs `f`, stamping its errors with the session context. */
  readonly withSession: <A, E>(
    request: SessionSelector,
    f: (acquired: Acquired) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | PortalError>
  /**
   * Runs `f` with a debug recorder when `enabled`, then zips what it recorded (with error.txt on
   * failure) into the session's folder. Returns the result and the bundle's URL.
   */
  readonly withDebug: <A, E, R>(
    options: { readonly enabled: boolean; readonly session: BrowserSession; readonly label: string; readonly context: RequestContext },
    f: Effect.Effect<A, E, R>
  ) => Effect.Effect<{ readonly result: A; readonly debugBundleUrl: string | undefined }, E, R>
  /**
   * The credential fingerprint of the session a request resolves to, by withSession's rule: its
   * `session_id` when that names a live (or restorable) session, else its username and password;
   * undefined when it resolves to neither. It proves who the caller is without contacting the
   * portal: knowing a session id, or the password, is the proof.
   */
  readonly ownerOf: (request: SessionSelector) => Effect.Effect<CredentialFingerprint | undefined>
  /** `YYYYmmdd_HHMMSS` in UTC, for file names. */
  readonly stamp: Effect.Effect<string>
  readonly url: (context: RequestContext, file: Pick<StoredFile, "urlPath">) => string
}

/**
 * The time an operation may spend loading (scrolling a list, searching it): OPERATION_TIMEOUT less
 * `wrapUp`, the time kept back for the work after loading, but never under 10 seconds.
 */
export const loadBudget = (kit: Kit, wrapUp: Duration.Duration): Duration.Duration =>
  Duration.max(Duration.seconds(10), Duration.subtract(kit.config.operationTimeout, wrapUp))

const MISSING_CREDENTIALS = "Missing required fields: username, password, captcha_api_key (or valid session_id)"

const present = (v: string | Redacted.Redacted<string> | undefined) =>
  v !== undefined && (Redacted.isRedacted(v) ? Redacted.value(v) !== "" : v !== "")

/** The first credential field of `request` holding a control character (see CONTROL_CHARACTERS). */
export const controlCharacterField = (request: SessionSelector): string | undefined =>
  (["username", "password", "captcha_api_key"] as const).find((k) => {
    const v = request[k]
    return v !== undefined && CONTROL_CHARACTERS.test(Redacted.isRedacted(v) ? Redacted.value(v) : v)
  })

/** Credentials from a request, or the list of what is missing. */
export const credentialsOf = (
  request: SessionSelector,
  serverCaptchaKey: Option.Option<Redacted.Redacted<string>>
): Credentials | ReadonlyArray<string> => {
  const missing: Array<string> = []
  if (!present(request.username)) missing.push("username")
  if (!present(request.password)) missing.push("password")
  if (!present(request.captcha_api_key) && Option.isNone(serverCaptchaKey)) missing.push("captcha_api_key")
  if (missing.length > 0) return missing
  return new Credentials({
    username: request.username!,
    password: request.password!,
    ...(present(request.captcha_api_key) ? { captchaApiKey: request.captcha_api_key! } : {})
  })
}

const pad = (n: number) => String(n).padStart(2, "0")

export const formatStamp = (ms: number) => {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
}

const isSessionNotFound = (e: unknown): boolean => isPortalError(e) && e._tag === "SessionNotFound"

export const makeKit = (
  config: PortalConfigShape,
  artifacts: ArtifactStoreShape,
  pool: SessionPoolShape,
  driver: PortalDriverShape
): Kit => {
  const stamp = Effect.map(Clock.currentTimeMillis, formatStamp)
  const url = (context: RequestContext, file: Pick<StoredFile, "urlPath">) => fileUrl(context.baseUrl, file)

  const withSession = <A, E>(request: SessionSelector, f: (acquired: Acquired) => Effect.Effect<A, E>): Effect.Effect<A, E | PortalError> =>
    Effect.gen(function*() {
      // The transports' schemas refuse these already; this keeps embedding callers to the same rule.
      const tainted = controlCharacterField(request)
      if (tainted !== undefined) {
        return yield* new InvalidOperationInput({ detail: `Invalid field '${tainted}': ${CONTROL_CHARACTERS_MESSAGE}`, field: tainted })
      }
      const hasId = request.session_id !== undefined && request.session_id !== ""
      const creds = credentialsOf(request, config.captchaApiKey)
      const credentials = creds instanceof Credentials ? creds : undefined
      if (!hasId && !(creds instanceof Credentials)) {
        return yield* new InvalidOperationInput({
          detail: creds.length === 3 || creds.length === 2 && Option.isSome(config.captchaApiKey)
            ? MISSING_CREDENTIALS
            : `Missing required fields: ${creds.join(", ")} (or valid session_id)`,
          missingFields: creds
        })
      }
      const attempt = (sessionId: string | undefined) =>
        pool.acquire({
          sessionId,
          credentials,
          neverTerminate: request.never_terminate,
          keepAlive: request.keep_alive
        })
      yield* setRequestPhase("session:acquire")
      const acquired = yield* attempt(hasId ? request.session_id : undefined)
      yield* setOperationAccount(acquired.session.username, acquired.session.id)
      const context = { sessionId: acquired.session.id, isNewSession: acquired.isNew }
      return yield* f(acquired).pipe(
        // The session was evicted (or retired) between lookup and run: with credentials, one more
        // try. Not when it was closed (on request, or at shutdown): that answers its callers.
        Effect.catch((e: E) => Effect.gen(function*() {
          const closed = Option.getOrUndefined(yield* acquired.session.endReason) === "closed"
          if (isSessionNotFound(e) && credentials !== undefined && !closed) {
            const again = yield* attempt(undefined)
            return yield* f(again).pipe(
              Effect.mapError((inner) => withContextIfPortal(inner, { sessionId: again.session.id, isNewSession: again.isNew }))
            )
          }
          return yield* Effect.fail(withContextIfPortal(e, context))
        }))
      )
    })

  const ownerOf: Kit["ownerOf"] = (request) =>
    Effect.gen(function*() {
      if (controlCharacterField(request) !== undefined) return undefined
      if (request.session_id !== undefined && request.session_id !== "") {
        // A live session, or a snapshot brought back under the same id (as withSession would).
        const found = yield* Effect.option(pool.acquire({ sessionId: request.session_id }))
        if (Option.isSome(found)) return found.value.session.fingerprint
      }
      if (!present(request.username) || !present(request.password)) return undefined
      return fingerprint(config.serverSecret, { username: request.username!, password: request.password! })
    })

  const withDebug = <A, E, R>(
    options: { readonly enabled: boolean; readonly session: BrowserSession; readonly label: string; readonly context: RequestContext },
    f: Effect.Effect<A, E, R>
  ): Effect.Effect<{ readonly result: A; readonly debugBundleUrl: string | undefined }, E, R> =>
    Effect.gen(function*() {
      if (!options.enabled) return { result: yield* f, debugBundleUrl: undefined }
      const recorder = yield* makeRecorder
      const exit = yield* Effect.exit(Effect.provideService(f, DebugRecorder, recorder))
      const now = yield* Clock.currentTimeMillis
      const at = formatStamp(now)
      const error = exit._tag === "Failure"
        ? `Error: ${describeFailure(exit)}\nTime: ${new Date(now).toISOString()}\nRequest ID: ${options.context.requestId}\n`
        : undefined
      const bundle = yield* recorder.entries(error).pipe(
        Effect.flatMap((entries) => artifacts.zip(options.session.id, `${options.label}_${at}_DEBUG.zip`, entries)),
        Effect.map(Option.some),
        Effect.catch((e) => Effect.logWarning("debug bundle not written", { reason: e.detail }).pipe(Effect.as(Option.none<StoredFile>())))
      )
      const debugBundleUrl = Option.match(bundle, { onNone: () => undefined, onSome: (b) => url(options.context, b) })
      if (exit._tag === "Failure") {
        return yield* Effect.failCause(exit.cause).pipe(
          Effect.mapError((e) => (debugBundleUrl === undefined ? e : withContextIfPortal(e, { debugBundleUrl })))
        )
      }
      return { result: exit.value, debugBundleUrl }
    })

  return { config, artifacts, pool, driver, withSession, ownerOf, withDebug, stamp, url }
}

/** error.txt's first line: the error as the client sees it (`String(cause)` only named the tag). */
const describeFailure = (exit: Exit.Exit<unknown, unknown>): string =>
  Option.match(Exit.findErrorOption(exit), {
    onSome: (e) => (isPortalError(e) ? `${toSeedBody(e).error} (${errorTypeOf(e)})` : String((e as { _tag?: unknown })?._tag ?? e)),
    onNone: () =>
      exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)
        ? "interrupted"
        : `internal error: ${String(exit._tag === "Failure" ? Cause.squash(exit.cause) : "").split("\n")[0]}`
  })

/** Fills in `context` on a PortalError (fields already set win); any other value is returned as is. */
export const withContextIfPortal = <E>(e: E, context: ErrorContext): E =>
  isPortalError(e) ? withContext(e, context) as E : e

/**
 * Runs `flow` as one message on the session's actor. The message's page work may run in another
 * fiber, so the caller's debug recorder (when `debug` is on) and request phase are handed over
 * explicitly (the driver reports to PortalHealth itself).
 */
export const onSession = <A, E>(
  session: BrowserSession,
  name: OperationName,
  flow: (page: PageHandle) => Effect.Effect<A, E | RawFailure, PhaseTracker>,
  options: { readonly retryOnLoggedOut?: boolean } = {}
) =>
  Effect.gen(function*() {
    const recorder = yield* Effect.serviceOption(DebugRecorder)
    const requestPhase = yield* Effect.serviceOption(RequestPhase)
    yield* setRequestPhase(`${name}:queued`)
    return yield* session.run<A, E>({
      name,
      ...(options.retryOnLoggedOut !== undefined ? { retryOnLoggedOut: options.retryOnLoggedOut } : {}),
      run: (page) => {
        const withRecorder = Option.match(recorder, {
          onNone: () => flow(page),
          onSome: (r) => Effect.provideService(flow(page), DebugRecorder, r)
        })
        return Option.match(requestPhase, {
          onNone: () => withRecorder,
          onSome: (p) => Effect.provideService(withRecorder, RequestPhase, p)
        })
      }
    })
  })

/** The debug bundle a failed run with `debug: true` left behind, if any. */
export const debugBundleUrlOf = (e: unknown): string | undefined =>
  isPortalError(e) && "debugBundleUrl" in e ? e.debugBundleUrl : undefined

export type { Acquired }
