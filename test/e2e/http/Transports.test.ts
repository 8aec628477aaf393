/**
 * The three ways in, end to end with real Chromium against the simulator: the typed RPC client over
 * real HTTP (typed errors, streaming progress), and an Effect program embedding the PortalLayer
 * without any HTTP.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Simulator } from "@emodal/simulator"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"
import { PortalClient } from "../../../src/http/PortalClient.ts"
import { PortalConfig, PortalOperations, portalLayerFrom } from "../../../src/index.ts"
import { baseUrl, realServer } from "../../utils/HttpHarness.ts"
import { logins, simulatorEnv } from "../../utils/ProductHarness.ts"

const account = Effect.map(newAccount("rpc", { captchaMode: "token", containerCount: 60 }), (a) => a.username)

const TOKEN = "rpc-test-token-0123456789"

layer(testSimulatorLayer(), { excludeTestServices: true })("Transports", (it) => {
  it.effect("RPC over real HTTP: typed success, typed errors, streaming progress, bearer token", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account
      yield* Effect.gen(function*() {
        const url = `${yield* baseUrl}/rpc`
        yield* Effect.gen(function*() {
          const client = yield* PortalClient
          const session = yield* client.GetSession({ username, password: Redacted.make("pw"), captcha_api_key: Redacted.make("demo") })
          assert.isTrue(session.is_new)
          const again = yield* client.GetSession({ username, password: Redacted.make("pw"), captcha_api_key: Redacted.make("demo") })
          assert.strictEqual(again.session_id, session.session_id)

          const wrong = yield* client.GetSession({ username, password: Redacted.make("nope"), captcha_api_key: Redacted.make("demo") }).pipe(Effect.flip)
          assert.strictEqual(wrong._tag, "LoginFailed")
          assert.strictEqual((wrong as { reason: string }).reason, "invalid_credentials")
          const missing = yield* client.PingSession({ session_id: "sess_AAAAAAAAAAAAAAAAAAAAAAAA" }).pipe(Effect.flip)
          assert.strictEqual(missing._tag, "SessionNotFound")

          const items = yield* Stream.runCollect(client.GetContainersStream({ session_id: session.session_id, return_url: true }))
          const list = [...items]
          const progress = list.filter((i) => i.type === "progress")
          const result = list.at(-1)
          assert.isAtLeast(progress.length, 1, "progress reported while scrolling")
          assert.strictEqual(result?.type, "result")
          if (result?.type === "result") {
            assert.strictEqual(result.result.total_containers, 60)
            assert.strictEqual(result.result.session_id, session.session_id)
          }
          const rows = progress.map((p) => (p.type === "progress" ? p.rows_loaded : 0))
          assert.deepStrictEqual(rows, [...rows].sort((a, b) => a - b), "rows loaded only grow")
        }).pipe(Effect.provide(PortalClient.layer({ url, token: TOKEN })))

        // Without the token the server refuses the RPC call with a 401. The client only sees a
        // body without RPC frames (an RpcClientError), so the status is read off the transport.
        const statuses: Array<number> = []
        const recordingFetch: typeof globalThis.fetch = (input, init) =>
          globalThis.fetch(input, init).then((response) => {
            statuses.push(response.status)
            return response
          })
        const refused = yield* Effect.gen(function*() {
          const client = yield* PortalClient
          return yield* client.ListSessions().pipe(Effect.flip)
        }).pipe(Effect.provide(PortalClient.layer({ url })), Effect.provideService(FetchHttpClient.Fetch, recordingFetch))
        assert.strictEqual(refused._tag, "RpcClientError")
        assert.deepStrictEqual(statuses, [401])
      }).pipe(Effect.provide(realServer({ API_TOKEN: TOKEN })))
      assert.strictEqual(yield* logins(sim, username), 1)
    }), { timeout: 120_000 })

  it.effect("an Effect program embeds the PortalLayer without HTTP", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const username = yield* account
      const dataDir = mkdtempSync(join(tmpdir(), "emodal-embed-"))
      try {
        const Portal = portalLayerFrom(PortalConfig.layerTest({ ...simulatorEnv(sim, dataDir), MAX_SESSIONS: "2" }))
        const result = yield* Effect.gen(function*() {
          const ops = yield* PortalOperations
          const session = yield* ops.getSession({ username, password: Redacted.make("pw"), captcha_api_key: Redacted.make("demo") })
          const timeline = yield* ops.getContainerTimeline(
            { session_id: session.session_id, container_id: (yield* sim.state()).accounts.find((a) => a.username === username)!.samples.importPassedPregate! },
            { baseUrl: "http://embedded", requestId: "embed-1" }
          )
          const health = yield* ops.health
          return { session, timeline, health }
        }).pipe(Effect.provide(Portal))
        assert.isTrue(result.session.is_new)
        assert.isTrue(result.timeline.passed_pregate)
        assert.strictEqual(result.health.active_sessions, 1)
        assert.strictEqual(yield* logins(sim, username), 1)
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    }), { timeout: 120_000 })
})

