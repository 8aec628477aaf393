import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { Credentials } from "../../../src/domain/Credentials.ts"
import { SessionPool } from "../../../src/services/SessionPool.ts"
import { coreLayer, credentials, leftovers, logins, tempDataDir } from "../../utils/ProductHarness.ts"

/** An account whose captcha behaves as `captchaMode`, password "secret-pw"; its username. */
const account = (captchaMode: "token" | "audio" | "trusted") =>
  Effect.map(newAccount(captchaMode, { password: "secret-pw", captchaMode, containerCount: 5 }), (a) => a.username)

/** Runs `f` against a fresh pool in its own DATA_DIR and returns the DATA_DIR for inspection. */
const withPool = <A, E>(env: Record<string, string>, f: Effect.Effect<A, E, SessionPool | Simulator>) =>
  Effect.gen(function*() {
    const dir = yield* tempDataDir
    const result = yield* f.pipe(Effect.provide(coreLayer(env, dir)))
    return { result, dir }
  })

layer(testSimulatorLayer(), { excludeTestServices: true })("Login against the simulator (real Chromium)", (it) => {
  it.effect("logs in by the token path once, then reuses the session", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("token")
      const { result } = yield* withPool({ CAPTCHA_STRATEGY: "token", CAPTCHA_PROTOCOL: "task" }, Effect.gen(function*() {
        const pool = yield* SessionPool
        const first = yield* pool.acquire({ credentials: credentials(username, "secret-pw") })
        const again = yield* pool.acquire({ credentials: credentials(username, "secret-pw") })
        const byId = yield* pool.acquire({ sessionId: first.session.id })
        const verdict = yield* first.session.run({ name: "probe", run: (page) => Effect.succeed(page.url()) })
        return { first, again, byId, verdict }
      }))
      assert.isTrue(result.first.isNew)
      assert.isFalse(result.again.isNew)
      assert.strictEqual(result.again.session.id, result.first.session.id)
      assert.strictEqual(result.byId.session.id, result.first.session.id)
      assert.include(result.verdict, sim.urls.ecp2)
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 90_000 })

  it.effect("logs in by the audio path (CAPTCHA_STRATEGY=audio, classic protocol)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("audio")
      yield* withPool({ CAPTCHA_STRATEGY: "audio", CAPTCHA_PROTOCOL: "classic" }, Effect.gen(function*() {
        const pool = yield* SessionPool
        assert.isTrue((yield* pool.acquire({ credentials: credentials(username, "secret-pw") })).isNew)
      }))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 90_000 })

  it.effect("reports recaptcha_failed when the portal rejects every captcha answer", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("audio")
      yield* sim.setFaults({ captchaRejected: true })
      // The widget accepts the answer, but the identity host refuses it at submit time.
      const outcome = yield* withPool({ CAPTCHA_STRATEGY: "audio" }, Effect.gen(function*() {
        const pool = yield* SessionPool
        return yield* pool.acquire({ credentials: credentials(username, "secret-pw") }).pipe(Effect.result)
      })).pipe(Effect.ensuring(sim.resetFaults()))
      assert.strictEqual(outcome.result._tag, "Failure")
      if (outcome.result._tag === "Failure") {
        assert.strictEqual(outcome.result.failure._tag, "LoginFailed")
        assert.strictEqual((outcome.result.failure as { reason: string }).reason, "recaptcha_failed")
      }
      assert.strictEqual(yield* logins(sim, username), 0)
    }), { timeout: 90_000 })

  it.effect("logs in a trusted account without any solver key", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("trusted")
      yield* withPool({ CAPTCHA_API_URL: "http://127.0.0.1:9" }, Effect.gen(function*() {
        const pool = yield* SessionPool
        const noKey = new Credentials({ username, password: Redacted.make("secret-pw") })
        assert.isTrue((yield* pool.acquire({ credentials: noKey })).isNew)
      }))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 90_000 })

  it.effect("classifies a wrong password and a geo-block, and leaves no Chrome or directory behind", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("token")
      const { result, dir } = yield* withPool({}, Effect.gen(function*() {
        const pool = yield* SessionPool
        const wrong = yield* pool.acquire({ credentials: credentials(username, "not-the-password") }).pipe(Effect.flip)
        yield* sim.setFaults({ geoBlock: true })
        const blocked = yield* pool.acquire({ credentials: credentials(username, "secret-pw") }).pipe(
          Effect.flip,
          Effect.ensuring(sim.resetFaults())
        )
        return { wrong, blocked, during: (yield* pool.stats).active }
      }))
      assert.strictEqual(result.wrong._tag, "LoginFailed")
      assert.strictEqual((result.wrong as { reason: string }).reason, "invalid_credentials")
      assert.strictEqual(result.blocked._tag, "LoginFailed")
      assert.strictEqual((result.blocked as { reason: string }).reason, "vpn_required")
      assert.strictEqual(result.during, 0)
      assert.deepStrictEqual(leftovers(dir), { processes: 0, dirs: 0 })
      assert.strictEqual(yield* logins(sim, username), 0)
    }), { timeout: 90_000 })

  it.effect("turns solver errors into typed CaptchaFailed: wrong key, zero balance, unsolvable", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account("audio")
      const { result } = yield* withPool({}, Effect.gen(function*() {
        const pool = yield* SessionPool
        const wrongKey = yield* pool.acquire({ credentials: credentials(username, "secret-pw", "no-such-key") }).pipe(Effect.flip)
        const broke = yield* pool.acquire({ credentials: credentials(username, "secret-pw", "broke") }).pipe(Effect.flip)
        yield* sim.setFaults({ solverUnsolvable: true })
        const unsolvable = yield* pool.acquire({ credentials: credentials(username, "secret-pw") }).pipe(
          Effect.flip,
          Effect.ensuring(sim.resetFaults())
        )
        return { wrongKey, broke, unsolvable }
      }))
      const reason = (e: unknown) => [(e as { _tag: string })._tag, (e as { reason: string }).reason]
      assert.deepStrictEqual(reason(result.wrongKey), ["CaptchaFailed", "wrong_key"])
      assert.deepStrictEqual(reason(result.broke), ["CaptchaFailed", "zero_balance"])
      assert.deepStrictEqual(reason(result.unsolvable), ["CaptchaFailed", "unsolvable"])
    }), { timeout: 120_000 })
})

layer(testSimulatorLayer({ solveDelay: "30 seconds" }), { excludeTestServices: true })("A slow solver", (it) => {
  it.effect("times out with CaptchaFailed(timeout) after CAPTCHA_TIMEOUT", () =>
    Effect.gen(function*() {
      const username = yield* account("token")
      const { result } = yield* withPool({ CAPTCHA_TIMEOUT: "2 seconds" }, Effect.gen(function*() {
        const pool = yield* SessionPool
        return yield* pool.acquire({ credentials: credentials(username, "secret-pw") }).pipe(Effect.flip)
      }))
      assert.strictEqual(result._tag, "CaptchaFailed")
      assert.strictEqual((result as { reason: string }).reason, "timeout")
    }), { timeout: 60_000 })
})

