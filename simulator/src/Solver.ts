/**
 * A 2captcha-compatible solver for the simulator's captchas, in both protocols:
 *
 * - classic: `/in.php` (`method=userrecaptcha` with `googlekey`/`pageurl`, or `method=audio` with
 *   a base64 `body`) → `OK|<id>` / `{"status":1,"request":"<id>"}`; `/res.php?action=get&id=` →
 *   `CAPCHA_NOT_READY` until the solve delay has passed, then the token or the text;
 *   `action=getbalance` too.
 * - task: `/createTask`, `/getTaskResult` (`processing` → `ready` with `solution`), `/getBalance`.
 *
 * reCAPTCHA tasks for the simulator's site key get a signed token the identity host accepts;
 * audio tasks are transcribed by opening the payload's sealed answer. Anything else (another site
 * key, foreign audio, the `solverUnsolvable` fault) ends as ERROR_CAPTCHA_UNSOLVABLE. Keys come
 * from the options: unknown → ERROR_WRONG_USER_KEY, balance 0 → ERROR_ZERO_BALANCE.
 */
import { Duration, Effect, Predicate } from "effect"
import type { HttpServerResponse } from "effect/http"
import { decodeChallengeAudio } from "./Audio.ts"
import { type SimEnv, now } from "./Env.ts"
import { type JsonObject, json, readJsonObject, readParams, type SimRequest, text } from "./Http.ts"
import { mintToken } from "./Recaptcha.ts"
import { pruneStale, type SimState, type SolverTask, type SolverTaskKind } from "./State.ts"

export type SolverError =
  | "ERROR_WRONG_USER_KEY"
  | "ERROR_ZERO_BALANCE"
  | "ERROR_CAPTCHA_UNSOLVABLE"
  | "ERROR_WRONG_CAPTCHA_ID"
  | "ERROR_GOOGLEKEY"
  | "ERROR_PAGEURL"
  | "ERROR_ZERO_CAPTCHA_FILESIZE"
  | "ERROR_BAD_PARAMETERS"
  | "ERROR_NO_SUCH_CAPCHA_ID"
  | "ERROR_TASK_NOT_SUPPORTED"

const DESCRIPTIONS: Record<SolverError, string> = {
  ERROR_WRONG_USER_KEY: "The API key you provided is invalid or does not exist.",
  ERROR_ZERO_BALANCE: "Your balance is zero.",
  ERROR_CAPTCHA_UNSOLVABLE: "We are unable to solve your captcha.",
  ERROR_WRONG_CAPTCHA_ID: "The captcha id is wrong or does not belong to your key.",
  ERROR_GOOGLEKEY: "The googlekey (site key) is missing.",
  ERROR_PAGEURL: "The pageurl parameter is missing.",
  ERROR_ZERO_CAPTCHA_FILESIZE: "The audio body is empty.",
  ERROR_BAD_PARAMETERS: "Required parameters are missing or have a wrong format.",
  ERROR_NO_SUCH_CAPCHA_ID: "No task with this id.",
  ERROR_TASK_NOT_SUPPORTED: "The task type is not supported."
}

type KeyCheck = "ok" | "ERROR_WRONG_USER_KEY" | "ERROR_ZERO_BALANCE"

const checkKey = (state: SimState, key: string, needBalance: boolean): KeyCheck => {
  const entry = Object.hasOwn(state.options.solverKeys, key) ? state.options.solverKeys[key] : undefined
  if (entry === undefined) return "ERROR_WRONG_USER_KEY"
  if (needBalance && entry.balance <= 0) return "ERROR_ZERO_BALANCE"
  return "ok"
}

const balanceOf = (state: SimState, key: string): number => state.options.solverKeys[key]?.balance ?? 0

const createTask = (
  state: SimState,
  at: number,
  key: string,
  kind: SolverTaskKind,
  googlekey: string,
  audio: Uint8Array | null
): SolverTask => {
  pruneStale(state, at)
  const id = String(72_000_000_001 + state.solverSeq++)
  const task: SolverTask = {
    id,
    key,
    kind,
    googlekey,
    audio,
    createdAt: at,
    readyAt: at + Duration.toMillis(state.options.solveDelay),
    result: null
  }
  state.solverTasks.set(id, task)
  return task
}

/** The task's outcome once its delay has passed; null while processing. */
const resolve = (state: SimState, task: SolverTask, at: number): SolverTask["result"] => {
  if (task.result !== null) return task.result
  if (at < task.readyAt) return null
  if (state.faults.solverUnsolvable) {
    task.result = { error: "ERROR_CAPTCHA_UNSOLVABLE" }
  } else if (task.kind === "recaptcha") {
    task.result = task.googlekey === state.options.siteKey
      ? { ok: mintToken(state, at, "solver") }
      : { error: "ERROR_CAPTCHA_UNSOLVABLE" }
  } else {
    const answer = task.audio === null ? undefined : decodeChallengeAudio(state.secret, task.audio)
    task.result = answer === undefined ? { error: "ERROR_CAPTCHA_UNSOLVABLE" } : { ok: answer }
  }
  return task.result
}

const decodeBase64 = (body: string): Uint8Array => {
  const clean = body.replace(/^data:[^,]*,/, "").replace(/\s+/g, "")
  return new Uint8Array(Buffer.from(clean, "base64"))
}

// ---------------------------------------------------------------------------------------------
// Classic protocol

const wantsJson = (p: Record<string, string>): boolean => p["json"] === "1" || p["json"] === "true"

/** `OK|<request>` / `<error>` as text, or `{"status","request"}` with json=1. */
const classic = (p: Record<string, string>, status: 0 | 1, request: string) =>
  wantsJson(p) ? json({ status, request }) : text(status === 1 ? `OK|${request}` : request)

const inPhp = (state: SimState, at: number, p: Record<string, string>) => {
  const key = p["key"] ?? ""
  const check = checkKey(state, key, true)
  if (check !== "ok") return classic(p, 0, check)
  const method = (p["method"] ?? "").toLowerCase()
  if (method === "userrecaptcha") {
    if ((p["googlekey"] ?? "") === "") return classic(p, 0, "ERROR_GOOGLEKEY")
    if ((p["pageurl"] ?? "") === "") return classic(p, 0, "ERROR_PAGEURL")
    return classic(p, 1, createTask(state, at, key, "recaptcha", p["googlekey"] ?? "", null).id)
  }
  if (method === "audio") {
    const audio = decodeBase64(p["body"] ?? "")
    if (audio.length === 0) return classic(p, 0, "ERROR_ZERO_CAPTCHA_FILESIZE")
    return classic(p, 1, createTask(state, at, key, "audio", "", audio).id)
  }
  return classic(p, 0, "ERROR_BAD_PARAMETERS")
}

const resPhp = (state: SimState, at: number, p: Record<string, string>) => {
  const key = p["key"] ?? ""
  const check = checkKey(state, key, false)
  if (check !== "ok") return classic(p, 0, check)
  const action = (p["action"] ?? "").toLowerCase()
  if (action === "getbalance") {
    const balance = balanceOf(state, key).toFixed(2)
    return wantsJson(p) ? json({ status: 1, request: balance }) : text(balance)
  }
  if (action !== "get") return classic(p, 0, "ERROR_BAD_PARAMETERS")
  const task = state.solverTasks.get(p["id"] ?? "")
  if (task === undefined || task.key !== key) return classic(p, 0, "ERROR_WRONG_CAPTCHA_ID")
  const result = resolve(state, task, at)
  if (result === null) return classic(p, 0, "CAPCHA_NOT_READY")
  return "ok" in result ? classic(p, 1, result.ok) : classic(p, 0, result.error)
}

// ---------------------------------------------------------------------------------------------
// Task protocol

const taskError = (code: SolverError) =>
  json({ errorId: 1, errorCode: code, errorDescription: DESCRIPTIONS[code] })

const str = (o: JsonObject | undefined, k: string): string => {
  const v = o?.[k]
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : ""
}

const asObject = (u: unknown): JsonObject | undefined => (Predicate.isObject(u) ? u : undefined)

const createTaskApi = (state: SimState, at: number, body: JsonObject | undefined) => {
  const key = str(body, "clientKey")
  const check = checkKey(state, key, true)
  if (check !== "ok") return taskError(check)
  const task = asObject(body?.["task"])
  const type = str(task, "type")
  if (type === "RecaptchaV2TaskProxyless" || type === "RecaptchaV2Task") {
    if (str(task, "websiteKey") === "") return taskError("ERROR_GOOGLEKEY")
    if (str(task, "websiteURL") === "") return taskError("ERROR_PAGEURL")
    return json({ errorId: 0, taskId: Number(createTask(state, at, key, "recaptcha", str(task, "websiteKey"), null).id) })
  }
  if (type === "AudioTask") {
    const audio = decodeBase64(str(task, "body"))
    if (audio.length === 0) return taskError("ERROR_ZERO_CAPTCHA_FILESIZE")
    return json({ errorId: 0, taskId: Number(createTask(state, at, key, "audio", "", audio).id) })
  }
  return taskError("ERROR_TASK_NOT_SUPPORTED")
}

const getTaskResultApi = (state: SimState, at: number, body: JsonObject | undefined) => {
  const key = str(body, "clientKey")
  const check = checkKey(state, key, false)
  if (check !== "ok") return taskError(check)
  const task = state.solverTasks.get(str(body, "taskId"))
  if (task === undefined || task.key !== key) return taskError("ERROR_NO_SUCH_CAPCHA_ID")
  const result = resolve(state, task, at)
  if (result === null) return json({ errorId: 0, status: "processing" })
  if ("error" in result) return taskError(result.error)
  const solution = task.kind === "recaptcha"
    ? { gRecaptchaResponse: result.ok, token: result.ok }
    : { text: result.ok }
  return json({
    errorId: 0,
    status: "ready",
    solution,
    cost: "0.00299",
    ip: "127.0.0.1",
    createTime: Math.floor(task.createdAt / 1000),
    endTime: Math.floor(task.readyAt / 1000),
    solveCount: 1
  })
}

export const handleSolver = Effect.fn("Simulator.solver")(function*(
  env: SimEnv,
  req: SimRequest
): Effect.fn.Return<HttpServerResponse.HttpServerResponse> {
  const state = env.state
  switch (req.path) {
    case "/in.php": {
      const params = yield* readParams(req)
      return inPhp(state, yield* now(env), params)
    }
    case "/res.php": {
      const params = yield* readParams(req)
      return resPhp(state, yield* now(env), params)
    }
    case "/createTask":
      return createTaskApi(state, yield* now(env), yield* readJsonObject(req))
    case "/getTaskResult":
      return getTaskResultApi(state, yield* now(env), yield* readJsonObject(req))
    case "/getBalance": {
      const body = yield* readJsonObject(req)
      const key = str(body, "clientKey")
      const check = checkKey(state, key, false)
      return check !== "ok" ? taskError(check) : json({ errorId: 0, balance: balanceOf(state, key) })
    }
    default:
      return json({ error: "not found" }, 404)
  }
})
