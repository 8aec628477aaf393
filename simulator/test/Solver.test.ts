import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Simulator } from "../src/Simulator.ts"
import { hostRequest } from "./utils/HostClient.ts"
import { getText, postForm, postJson, solveClassic, solveTask } from "./utils/PortalLogin.ts"
import { testSimulatorLayer } from "../src/TestSimulator.ts"

/** A fresh audio challenge as the bframe gets it: reload (anchor) → reload (audio) → payload bytes. */
const audioChallenge = Effect.gen(function*() {
  const sim = yield* Simulator
  const k = encodeURIComponent(sim.siteKey)
  const post = (body: unknown) =>
    hostRequest(`${sim.urls.recaptcha}/recaptcha/api2/reload?k=${k}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).pipe(Effect.map((r) => JSON.parse(r.text)))
  const { c } = yield* post({ hint: "audio" })
  const challenge = yield* post({ c, type: "audio" })
  assert.strictEqual(challenge.status, "audio")
  // The payload is also served on the api host, so Node can fetch it without *.localhost.
  const payloadUrl = new URL(challenge.payload)
  const bytes = yield* Effect.promise(() =>
    fetch(`${sim.urls.solver}${payloadUrl.pathname}${payloadUrl.search}`).then((r) => r.arrayBuffer())
  )
  const wav = Buffer.from(bytes)
  assert.strictEqual(wav.toString("ascii", 0, 4), "RIFF")
  assert.strictEqual(wav.toString("ascii", 8, 12), "WAVE")
  return { c, challenge: challenge.challenge as string, base64: wav.toString("base64") }
})

const verifyAnswer = (c: string, challenge: string, response: string) =>
  Effect.gen(function*() {
    const sim = yield* Simulator
    const res = yield* hostRequest(`${sim.urls.recaptcha}/recaptcha/api2/userverify?k=${encodeURIComponent(sim.siteKey)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ c, challenge, response })
    })
    return JSON.parse(res.text) as { token?: string; error?: string }
  })

layer(testSimulatorLayer({ solveDelay: "300 millis" }), { excludeTestServices: true })("captcha solver (HTTP)", (it) => {
  it.effect("classic userrecaptcha: CAPCHA_NOT_READY until the delay, then a token", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const submitted = JSON.parse(
        yield* postForm(`${sim.urls.solver}/in.php`, {
          key: "demo",
          method: "userrecaptcha",
          googlekey: sim.siteKey,
          pageurl: `${sim.urls.identity}/Account/Login`,
          json: "1"
        })
      )
      assert.strictEqual(submitted.status, 1)
      assert.match(submitted.request, /^\d+$/)
      const early = JSON.parse(yield* getText(`${sim.urls.solver}/res.php?key=demo&action=get&id=${submitted.request}&json=1`))
      assert.deepStrictEqual(early, { status: 0, request: "CAPCHA_NOT_READY" })
      const done = yield* solveClassic(sim.urls.solver, {
        method: "userrecaptcha",
        googlekey: sim.siteKey,
        pageurl: `${sim.urls.identity}/Account/Login`
      })
      assert.strictEqual(done.status, 1)
      assert.isTrue(done.request.startsWith("03A"))
    }))

  it.effect("classic plain-text answers: OK|id, CAPCHA_NOT_READY, OK|token; getbalance", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const ok = yield* getText(`${sim.urls.solver}/in.php?key=demo&method=userrecaptcha&googlekey=${sim.siteKey}&pageurl=x`)
      assert.match(ok, /^OK\|\d+$/)
      const id = ok.slice(3)
      assert.strictEqual(yield* getText(`${sim.urls.solver}/res.php?key=demo&action=get&id=${id}`), "CAPCHA_NOT_READY")
      assert.strictEqual(yield* getText(`${sim.urls.solver}/res.php?key=demo&action=getbalance`), "100.00")
    }))

  it.effect("classic audio: the payload's answer comes back as text and passes userverify", () =>
    Effect.gen(function*() {
      const { c, challenge, base64 } = yield* audioChallenge
      const sim = yield* Simulator
      const answer = yield* solveClassic(sim.urls.solver, { method: "audio", body: base64, lang: "en" })
      assert.strictEqual(answer.status, 1)
      assert.match(answer.request, /^\d{6}$/)
      const verified = yield* verifyAnswer(c, challenge, answer.request)
      assert.isString(verified.token)
    }))

  it.effect("task protocol: RecaptchaV2TaskProxyless → processing → ready with gRecaptchaResponse", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const created = yield* postJson(`${sim.urls.solver}/createTask`, {
        clientKey: "demo",
        task: { type: "RecaptchaV2TaskProxyless", websiteURL: `${sim.urls.identity}/Account/Login`, websiteKey: sim.siteKey }
      })
      assert.strictEqual(created.errorId, 0)
      assert.isNumber(created.taskId)
      const early = yield* postJson(`${sim.urls.solver}/getTaskResult`, { clientKey: "demo", taskId: created.taskId })
      assert.deepStrictEqual(early, { errorId: 0, status: "processing" })
      const done = yield* solveTask(sim.urls.solver, {
        type: "RecaptchaV2TaskProxyless",
        websiteURL: `${sim.urls.identity}/Account/Login`,
        websiteKey: sim.siteKey
      })
      assert.strictEqual(done.errorId, 0)
      assert.strictEqual(done.status, "ready")
      assert.isTrue(done.solution.gRecaptchaResponse.startsWith("03A"))
    }))

  it.effect("task protocol: AudioTask → solution.text", () =>
    Effect.gen(function*() {
      const { c, challenge, base64 } = yield* audioChallenge
      const sim = yield* Simulator
      const done = yield* solveTask(sim.urls.solver, { type: "AudioTask", body: base64, lang: "en" })
      assert.strictEqual(done.status, "ready")
      assert.match(done.solution.text, /^\d{6}$/)
      assert.isString((yield* verifyAnswer(c, challenge, done.solution.text)).token)
    }))

  it.effect("ERROR_WRONG_USER_KEY for an unknown key, in both protocols", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const classic = JSON.parse(
        yield* postForm(`${sim.urls.solver}/in.php`, { key: "nope", method: "userrecaptcha", googlekey: sim.siteKey, pageurl: "x", json: "1" })
      )
      assert.deepStrictEqual(classic, { status: 0, request: "ERROR_WRONG_USER_KEY" })
      const plain = yield* getText(`${sim.urls.solver}/res.php?key=nope&action=get&id=1`)
      assert.strictEqual(plain, "ERROR_WRONG_USER_KEY")
      const task = yield* postJson(`${sim.urls.solver}/createTask`, {
        clientKey: "nope",
        task: { type: "RecaptchaV2TaskProxyless", websiteURL: "x", websiteKey: sim.siteKey }
      })
      assert.strictEqual(task.errorId, 1)
      assert.strictEqual(task.errorCode, "ERROR_WRONG_USER_KEY")
      assert.isString(task.errorDescription)
    }))

  it.effect("ERROR_ZERO_BALANCE for a key without balance, in both protocols", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const classic = JSON.parse(
        yield* postForm(`${sim.urls.solver}/in.php`, { key: "broke", method: "userrecaptcha", googlekey: sim.siteKey, pageurl: "x", json: "1" })
      )
      assert.deepStrictEqual(classic, { status: 0, request: "ERROR_ZERO_BALANCE" })
      const task = yield* postJson(`${sim.urls.solver}/createTask`, {
        clientKey: "broke",
        task: { type: "AudioTask", body: "UklGRg==" }
      })
      assert.strictEqual(task.errorId, 1)
      assert.strictEqual(task.errorCode, "ERROR_ZERO_BALANCE")
    }))

  it.effect("ERROR_CAPTCHA_UNSOLVABLE at result time: foreign audio, another site key, the fault", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const foreign = Buffer.from("RIFF\0\0\0\0WAVEjunk-that-is-not-ours").toString("base64")
      const classic = yield* solveClassic(sim.urls.solver, { method: "audio", body: foreign })
      assert.deepStrictEqual(classic, { status: 0, request: "ERROR_CAPTCHA_UNSOLVABLE" })
      const task = yield* solveTask(sim.urls.solver, { type: "AudioTask", body: foreign })
      assert.strictEqual(task.errorId, 1)
      assert.strictEqual(task.errorCode, "ERROR_CAPTCHA_UNSOLVABLE")
      const otherSite = yield* solveTask(sim.urls.solver, {
        type: "RecaptchaV2TaskProxyless",
        websiteURL: "https://example.com",
        websiteKey: "6LdSomeoneElsesSiteKey00000000000000000"
      })
      assert.strictEqual(otherSite.errorCode, "ERROR_CAPTCHA_UNSOLVABLE")

      yield* sim.setFaults({ solverUnsolvable: true })
      const faulted = yield* solveClassic(sim.urls.solver, {
        method: "userrecaptcha",
        googlekey: sim.siteKey,
        pageurl: "x"
      }).pipe(Effect.ensuring(sim.resetFaults()))
      assert.deepStrictEqual(faulted, { status: 0, request: "ERROR_CAPTCHA_UNSOLVABLE" })
      const state = yield* sim.state()
      assert.isAtLeast(state.solver.failed, 4)
    }))

  it.effect("unknown ids and missing parameters", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      assert.deepStrictEqual(
        JSON.parse(yield* getText(`${sim.urls.solver}/res.php?key=demo&action=get&id=123&json=1`)),
        { status: 0, request: "ERROR_WRONG_CAPTCHA_ID" }
      )
      const task = yield* postJson(`${sim.urls.solver}/getTaskResult`, { clientKey: "demo", taskId: 123 })
      assert.strictEqual(task.errorCode, "ERROR_NO_SUCH_CAPCHA_ID")
      assert.strictEqual(
        yield* getText(`${sim.urls.solver}/in.php?key=demo&method=userrecaptcha&pageurl=x`),
        "ERROR_GOOGLEKEY"
      )
      assert.strictEqual(yield* getText(`${sim.urls.solver}/in.php?key=demo&method=audio`), "ERROR_ZERO_CAPTCHA_FILESIZE")
    }))

  it.effect("a wrong audio answer is refused with a fresh challenge", () =>
    Effect.gen(function*() {
      const { c, challenge } = yield* audioChallenge
      const wrong = yield* verifyAnswer(c, challenge, "000000x")
      assert.isUndefined(wrong.token)
      assert.strictEqual(wrong.error, "Multiple correct solutions required - please solve more.")
    }))
})
