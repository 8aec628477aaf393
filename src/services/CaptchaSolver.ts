/**
 * CaptchaSolver talks to a 2captcha-compatible service: reCAPTCHA v2 tokens (`userrecaptcha` /
 * `RecaptchaV2TaskProxyless`) and audio transcription (`audio` / `AudioTask`), over either the
 * classic protocol (`in.php` + `res.php`) or the task protocol (`createTask` + `getTaskResult`),
 * as CAPTCHA_PROTOCOL says. Results are polled on a `Schedule` under one total deadline
 * (CAPTCHA_TIMEOUT); the solver's error codes become typed `CaptchaFailed` reasons. The API key is
 * `Redacted` everywhere and only leaves the process inside the request body/query to the solver
 * (the classic protocol's URL params carry the `Redacted` itself: sent in clear, redacted in spans
 * and error text; the task protocol's JSON body has to unwrap it). Every exchange with the solver
 * is reported to PortalHealth: an answer is ok (a wrong key or an unsolvable captcha is the solver
 * working), no connection, a 5xx, an unreadable answer or no result in time is a failure.
 */
import { Context, Duration, Effect, Exit, Layer, Metric, Option, Redacted, Schedule, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { CaptchaFailed, type CaptchaFailureReason } from "../domain/Errors.ts"
import { inRegistry, Metrics } from "./metrics/MetricCatalog.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { contactFailed, contactOk, type ContactOutcome, PortalHealth } from "./PortalHealth.ts"

export interface RecaptchaInput {
  readonly siteKey: string
  /** The page the widget is on (origin and path; query strings can carry tokens). */
  readonly pageUrl: string
  readonly apiKey: Redacted.Redacted<string>
}

export interface AudioInput {
  readonly audio: Uint8Array
  readonly apiKey: Redacted.Redacted<string>
}

export interface CaptchaSolverShape {
  /** Solves a reCAPTCHA v2 and returns the token for `g-recaptcha-response`. */
  readonly solveRecaptcha: (input: RecaptchaInput) => Effect.Effect<Redacted.Redacted<string>, CaptchaFailed>
  /** Transcribes an audio challenge. */
  readonly solveAudio: (input: AudioInput) => Effect.Effect<string, CaptchaFailed>
}

// ---------------------------------------------------------------------------------------------
// Wire formats

const ClassicAnswer = Schema.Struct({ status: Schema.Number, request: Schema.String })
const TaskCreated = Schema.Struct({
  errorId: Schema.Number,
  taskId: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  errorCode: Schema.optional(Schema.String)
})
const TaskResult = Schema.Struct({
  errorId: Schema.Number,
  status: Schema.optional(Schema.String),
  errorCode: Schema.optional(Schema.String),
  solution: Schema.optional(Schema.Struct({
    gRecaptchaResponse: Schema.optional(Schema.String),
    token: Schema.optional(Schema.String),
    text: Schema.optional(Schema.String)
  }))
})

const NOT_READY = "CAPCHA_NOT_READY"

/** Solver error codes that are worth retrying the submission for. */
const TRANSIENT = new Set(["ERROR_NO_SLOT_AVAILABLE", "ERR_NO_SLOT_AVAILABLE"])

const reasonForCode = (code: string): CaptchaFailureReason => {
  switch (code) {
    case "ERROR_WRONG_USER_KEY":
    case "ERROR_KEY_DOES_NOT_EXIST":
    case "ERROR_IP_NOT_ALLOWED":
    case "IP_BANNED":
      return "wrong_key"
    case "ERROR_ZERO_BALANCE":
      return "zero_balance"
    case "ERROR_CAPTCHA_UNSOLVABLE":
    case "ERROR_BAD_DUPLICATES":
      return "unsolvable"
    default:
      return "rejected"
  }
}

const failed = (reason: CaptchaFailureReason, detail: string) => new CaptchaFailed({ reason, detail })

/** A code-bearing failure from the solver; transient codes are retried by the caller. */
class SolverCode {
  readonly code: string
  constructor(code: string) {
    this.code = code
  }
}

type Task =
  | { readonly kind: "recaptcha"; readonly siteKey: string; readonly pageUrl: string }
  | { readonly kind: "audio"; readonly base64: string }

// ---------------------------------------------------------------------------------------------

export class CaptchaSolver extends Context.Service<CaptchaSolver, CaptchaSolverShape>()("emodal-api/services/CaptchaSolver") {
  static readonly layer: Layer.Layer<CaptchaSolver, never, PortalConfig | HttpClient.HttpClient | PortalHealth> = Layer.effect(
    CaptchaSolver,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const http = yield* HttpClient.HttpClient
      const health = yield* PortalHealth
      const record = inRegistry(yield* Metric.MetricRegistry)
      const base = config.captchaApiUrl.href.replace(/\/+$/, "")
      const deadline = config.captchaTimeout
      const poll = Schedule.spaced(config.captchaPollInterval)

      const report = (outcome: ContactOutcome) => health.report("captcha_solver", outcome)
      const failing = (outcome: ContactOutcome, failure: CaptchaFailed) => Effect.andThen(report(outcome), Effect.fail(failure))

      const send = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.gen(function*() {
          const response = yield* http.execute(request).pipe(
            Effect.catch(() => failing(contactFailed("unreachable"), failed("unavailable", "solver unreachable")))
          )
          if (response.status >= 500) {
            return yield* failing(contactFailed("http_5xx", response.status), failed("unavailable", `solver answered HTTP ${response.status}`))
          }
          const json: unknown = yield* response.json.pipe(
            Effect.catch(() => failing(contactFailed("bad_answer"), failed("unavailable", "unreadable answer from the solver")))
          )
          yield* report(contactOk)
          return json
        })

      const decode = <A>(decoder: (u: unknown) => Effect.Effect<A, Schema.SchemaError>) => (json: unknown) =>
        decoder(json).pipe(Effect.catch(() => failing(contactFailed("bad_answer"), failed("rejected", "unexpected answer from the solver"))))

      // Classic protocol ------------------------------------------------------------------------
      const classicSubmit = (task: Task, key: Redacted.Redacted<string>) => {
        const fields: Record<string, string> = task.kind === "recaptcha"
          ? { method: "userrecaptcha", googlekey: task.siteKey, pageurl: task.pageUrl }
          : { method: "audio", body: task.base64, lang: "en" }
        return HttpClientRequest.post(`${base}/in.php`).pipe(
          HttpClientRequest.bodyUrlParams({ key, json: "1", ...fields }),
          send,
          Effect.flatMap(decode(Schema.decodeUnknownEffect(ClassicAnswer))),
          Effect.flatMap((a) => (a.status === 1 ? Effect.succeed(a.request) : Effect.fail(new SolverCode(a.request))))
        )
      }

      const classicCheck = (id: string, key: Redacted.Redacted<string>) =>
        HttpClientRequest.get(`${base}/res.php`).pipe(
          HttpClientRequest.setUrlParams({ key, action: "get", id, json: "1" }),
          send,
          Effect.flatMap(decode(Schema.decodeUnknownEffect(ClassicAnswer))),
          Effect.flatMap((a) =>
            a.status === 1
              ? Effect.succeed(Option.some(a.request))
              : a.request === NOT_READY
              ? Effect.succeed(Option.none<string>())
              : Effect.fail(new SolverCode(a.request))
          )
        )

      // Task protocol ---------------------------------------------------------------------------
      const taskSubmit = (task: Task, key: Redacted.Redacted<string>) =>
        HttpClientRequest.post(`${base}/createTask`).pipe(
          HttpClientRequest.bodyJsonUnsafe({
            clientKey: Redacted.value(key),
            task: task.kind === "recaptcha"
              ? { type: "RecaptchaV2TaskProxyless", websiteURL: task.pageUrl, websiteKey: task.siteKey }
              : { type: "AudioTask", body: task.base64, lang: "en" }
          }),
          send,
          Effect.flatMap(decode(Schema.decodeUnknownEffect(TaskCreated))),
          Effect.flatMap((a) =>
            a.errorId === 0 && a.taskId !== undefined
              ? Effect.succeed(String(a.taskId))
              : Effect.fail(new SolverCode(a.errorCode ?? "ERROR_UNKNOWN"))
          )
        )

      const taskCheck = (id: string, key: Redacted.Redacted<string>) =>
        HttpClientRequest.post(`${base}/getTaskResult`).pipe(
          HttpClientRequest.bodyJsonUnsafe({ clientKey: Redacted.value(key), taskId: /^\d+$/.test(id) ? Number(id) : id }),
          send,
          Effect.flatMap(decode(Schema.decodeUnknownEffect(TaskResult))),
          Effect.flatMap((a) => {
            if (a.errorId !== 0) return Effect.fail(new SolverCode(a.errorCode ?? "ERROR_UNKNOWN"))
            if (a.status !== "ready") return Effect.succeed(Option.none<string>())
            const answer = a.solution?.gRecaptchaResponse ?? a.solution?.token ?? a.solution?.text
            return answer === undefined
              ? Effect.fail(new SolverCode("ERROR_EMPTY_SOLUTION"))
              : Effect.succeed(Option.some(answer))
          })
        )

      const submit = config.captchaProtocol === "task" ? taskSubmit : classicSubmit
      const check = config.captchaProtocol === "task" ? taskCheck : classicCheck

      const codeToFailure = (e: CaptchaFailed | SolverCode): CaptchaFailed =>
        e instanceof SolverCode ? failed(reasonForCode(e.code), e.code) : e

      /** Submit (retrying a busy solver), then poll until the answer is ready, all under one deadline. */
      const solve = (task: Task, key: Redacted.Redacted<string>, label: string) =>
        Effect.gen(function*() {
          const id = yield* submit(task, key).pipe(
            Effect.retry({
              while: (e) => e instanceof SolverCode && TRANSIENT.has(e.code),
              schedule: poll
            })
          )
          const answer = yield* Effect.sleep(config.captchaPollInterval).pipe(
            Effect.andThen(check(id, key)),
            Effect.repeat({ schedule: poll, until: Option.isSome })
          )
          return Option.getOrThrow(answer)
        }).pipe(
          Effect.mapError(codeToFailure),
          Effect.timeoutOrElse({
            duration: deadline,
            orElse: () => failing(contactFailed("timeout"), failed("timeout", `no answer within ${Duration.format(deadline)}`))
          }),
          Effect.tapError((e) => Effect.logWarning("captcha solving failed", { kind: label, reason: e.reason })),
          // Counted by method and outcome (an interrupted solve is nobody's outcome).
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) || Option.isSome(Exit.findErrorOption(exit))
              ? record(Metric.update(Metric.withAttributes(Metrics.captchaSolves, {
                method: task.kind === "recaptcha" ? "token" : "audio",
                outcome: Exit.isSuccess(exit) ? "solved" : Option.getOrThrow(Exit.findErrorOption(exit)).reason
              }), 1))
              : Effect.void
          ),
          Effect.withSpan(`CaptchaSolver.${label}`)
        )

      return CaptchaSolver.of({
        solveRecaptcha: (input) =>
          solve({ kind: "recaptcha", siteKey: input.siteKey, pageUrl: input.pageUrl }, input.apiKey, "solveRecaptcha").pipe(
            Effect.map((token) => Redacted.make(token))
          ),
        solveAudio: (input) =>
          solve({ kind: "audio", base64: Buffer.from(input.audio).toString("base64") }, input.apiKey, "solveAudio")
      })
    })
  )

  /** The live solver with Node's fetch. */
  static readonly layerFetch: Layer.Layer<CaptchaSolver, never, PortalConfig | PortalHealth> = CaptchaSolver.layer.pipe(
    Layer.provide(FetchHttpClient.layer)
  )
}
