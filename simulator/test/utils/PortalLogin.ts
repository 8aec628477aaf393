/**
 * Test-side drivers for the simulated portal's login, the way the product's automation logs in:
 * by the token method (solver `userrecaptcha`/RecaptchaV2 → textarea + data-callback) or by the
 * audio challenge (anchor click → bframe → audio button → payload → solver `audio` → VERIFY).
 * Also the solver clients for both protocols. Every wait is on a page signal or a solver answer.
 */
import { Duration, Effect, Schedule } from "effect"
import type { Frame, Page } from "puppeteer"
import type { SimulatorShape } from "../../src/Simulator.ts"
import { P } from "./Chromium.ts"

export const SOLVER_KEY = "demo"

/** POST a JSON body, answer JSON. */
export const postJson = (url: string, body: unknown): Effect.Effect<any> =>
  Effect.promise(() =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) =>
      r.json()
    )
  )

/** POST a urlencoded form, answer text. */
export const postForm = (url: string, fields: Record<string, string>): Effect.Effect<string> =>
  Effect.promise(() => fetch(url, { method: "POST", body: new URLSearchParams(fields) }).then((r) => r.text()))

export const getText = (url: string): Effect.Effect<string> => Effect.promise(() => fetch(url).then((r) => r.text()))

class NotReady {
  readonly _tag = "NotReady"
}

/** Polls `poll` every 50 ms until it yields a value (not `undefined`), for at most `within`. */
export const pollUntil = <A>(poll: Effect.Effect<A | undefined>, within: Duration.Input = "10 seconds") =>
  poll.pipe(
    Effect.flatMap((a) => (a === undefined ? Effect.fail(new NotReady()) : Effect.succeed(a))),
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeout(within),
    Effect.orDie
  )

/** Classic protocol: in.php then res.php until it is not CAPCHA_NOT_READY. Returns the JSON answer. */
export const solveClassic = (solverUrl: string, fields: Record<string, string>, key = SOLVER_KEY) =>
  Effect.gen(function*() {
    const submitted = JSON.parse(yield* postForm(`${solverUrl}/in.php`, { key, json: "1", ...fields })) as {
      status: number
      request: string
    }
    if (submitted.status !== 1) return submitted
    return yield* pollUntil(
      getText(`${solverUrl}/res.php?key=${key}&action=get&id=${submitted.request}&json=1`).pipe(
        Effect.map((t) => JSON.parse(t) as { status: number; request: string }),
        Effect.map((r) => (r.status === 0 && r.request === "CAPCHA_NOT_READY" ? undefined : r))
      )
    )
  })

/** Task protocol: createTask then getTaskResult until not "processing". Returns the JSON answer. */
export const solveTask = (solverUrl: string, task: Record<string, unknown>, clientKey = SOLVER_KEY) =>
  Effect.gen(function*() {
    const created = yield* postJson(`${solverUrl}/createTask`, { clientKey, task })
    if (created.errorId !== 0) return created
    return yield* pollUntil(
      postJson(`${solverUrl}/getTaskResult`, { clientKey, taskId: created.taskId }).pipe(
        Effect.map((r) => (r.errorId === 0 && r.status === "processing" ? undefined : r))
      )
    )
  })

/** Opens ecp2 /login and fills the credentials; resolves on the identity login page. */
export const openLogin = (page: Page, sim: SimulatorShape, username: string, password: string) =>
  Effect.gen(function*() {
    yield* P(() => page.goto(`${sim.urls.ecp2}/login`, { waitUntil: "load" }))
    yield* P(() => page.waitForSelector("form#loginForm input[name=Username]"))
    yield* P(() => page.type("input[name=Username]", username))
    yield* P(() => page.type("input[name=Password]", password))
  })

/** Clicks LOGIN once enabled and waits for the app page (`button.user` in the toolbar). */
export const submitLogin = (page: Page) =>
  Effect.gen(function*() {
    yield* P(() => page.waitForSelector("#loginForm button[type=submit]:not([disabled])"))
    yield* P(() =>
      Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#loginForm button[type=submit]")])
    )
  })

/** Token method over the task protocol: the solver's token goes into the textarea and the callback. */
export const solveByToken = (page: Page, sim: SimulatorShape) =>
  Effect.gen(function*() {
    const siteKey = yield* P(() => page.$eval(".g-recaptcha", (e) => e.getAttribute("data-sitekey") ?? ""))
    const answer = yield* solveTask(sim.urls.solver, {
      type: "RecaptchaV2TaskProxyless",
      websiteURL: page.url(),
      websiteKey: siteKey
    })
    if (answer.status !== "ready") return yield* Effect.die(new Error(`solver: ${JSON.stringify(answer)}`))
    const token: string = answer.solution.gRecaptchaResponse
    yield* P(() =>
      page.evaluate((t) => {
        const area = document.querySelector<HTMLTextAreaElement>("#g-recaptcha-response")
        if (area !== null) area.value = t
        ;(window as unknown as { onRecaptchaSuccess: (t: string) => void }).onRecaptchaSuccess(t)
      }, token)
    )
    return token
  })

const frameBySrc = (page: Page, part: string) =>
  pollUntil(Effect.sync(() => page.frames().find((f) => f.url().includes(part))))

export const anchorFrame = (page: Page): Effect.Effect<Frame> => frameBySrc(page, "recaptcha/api2/anchor")

/** Clicks the checkbox and waits for the challenge popup's bframe to load. */
export const openChallenge = (page: Page) =>
  Effect.gen(function*() {
    const anchor = yield* anchorFrame(page)
    yield* P(() => anchor.waitForSelector("#recaptcha-anchor"))
    yield* P(() => anchor.click("#recaptcha-anchor"))
    yield* P(() => page.waitForSelector('iframe[title="recaptcha challenge expires in two minutes"][src*="recaptcha/api2/bframe?k="]'))
    const bframe = yield* frameBySrc(page, "recaptcha/api2/bframe")
    yield* P(() => bframe.waitForSelector("#recaptcha-audio-button"))
    return bframe
  })

/** The audio payload of the current challenge, base64, fetched inside the bframe (same origin). */
export const audioPayloadBase64 = (bframe: Frame) =>
  Effect.gen(function*() {
    yield* P(() => bframe.waitForSelector("#audio-source[src*='payload']"))
    return yield* P(() =>
      bframe.evaluate(async () => {
        const src = document.querySelector<HTMLAudioElement>("#audio-source")?.getAttribute("src") ?? ""
        const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer())
        let s = ""
        for (const b of bytes) s += String.fromCharCode(b)
        return btoa(s)
      })
    )
  })

/** Audio method over the classic protocol; ends with the anchor checked and LOGIN enabled. */
export const solveByAudio = (page: Page, sim: SimulatorShape) =>
  Effect.gen(function*() {
    const bframe = yield* openChallenge(page)
    yield* P(() => bframe.click("#recaptcha-audio-button"))
    yield* P(() => bframe.waitForSelector(".rc-audiochallenge-play-button", { visible: true }))
    yield* P(() => bframe.click(".rc-audiochallenge-play-button"))
    const body = yield* audioPayloadBase64(bframe)
    const answer = yield* solveClassic(sim.urls.solver, { method: "audio", body, lang: "en" })
    if (answer.status !== 1) return yield* Effect.die(new Error(`solver: ${JSON.stringify(answer)}`))
    yield* P(() => bframe.type("#audio-response", answer.request))
    yield* P(() => bframe.click("#recaptcha-verify-button"))
    const anchor = yield* anchorFrame(page)
    yield* P(() => anchor.waitForSelector("#recaptcha-anchor[aria-checked='true']"))
    return answer.request
  })

/** Logs in by the token method and lands on an ecp2 page. */
export const loginByToken = (page: Page, sim: SimulatorShape, username: string, password: string) =>
  Effect.gen(function*() {
    yield* openLogin(page, sim, username, password)
    yield* solveByToken(page, sim)
    yield* submitLogin(page)
    yield* P(() => page.waitForSelector("mat-toolbar button.user"))
  })
