/**
 * `npm run demo`: the bundled portal simulator and captcha solver on SIMULATOR_PORT (default 5020)
 * and the service on PORT (default 5010) wired to them, then ready-to-paste curl lines for the demo
 * account (`demo` / `demo`, solver key `demo`). Other settings come from the environment as usual.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, Logger, References } from "effect"
import { Simulator } from "@emodal/simulator"
import { runService } from "../src/runtime/ServerLayer.ts"
import { loadPortalConfig } from "../src/services/PortalConfig.ts"

const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 5020)

const curlLines = (url: string, containerId: string) => {
  const creds = `"username":"demo","password":"demo","captcha_api_key":"demo"`
  const post = (path: string, body: string) =>
    `curl -s -X POST ${url}${path} -H 'Content-Type: application/json' -d '{${body}}'`
  return [
    `# Log in (creates a persistent session; note its session_id):`,
    post("/get_session", creds),
    `# Containers to Excel (JSON with a file_url):`,
    post("/get_containers", `${creds},"return_url":true`),
    `# A container's timeline and pregate status:`,
    post("/get_container_timeline", `${creds},"container_id":"${containerId}"`),
    `# Live sessions, health, docs:`,
    `curl -s ${url}/sessions`,
    `curl -s ${url}/health`,
    `open ${url}/docs`
  ].join("\n")
}

const program = Effect.gen(function*() {
  const sim = yield* Simulator
  const env: Record<string, string> = {
    DATA_DIR: "./data/demo",
    // Ctrl-C stops the demo at once (no load balancer to tell); DRAIN_DELAY in the environment wins.
    DRAIN_DELAY: "0 seconds",
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
    EMODAL_IDENTITY_URL: sim.urls.identity,
    EMODAL_ECP2_URL: sim.urls.ecp2,
    EMODAL_TERMOPS_URL: sim.urls.termops,
    EMODAL_TRUCKERPORTAL_URL: sim.urls.truckerportal,
    CAPTCHA_API_URL: sim.urls.solver
  }
  const demo = (yield* sim.state()).accounts.find((a) => a.username === "demo")
  const containerId = demo?.samples.importPassedPregate ?? "MSDU1234567"
  const config = yield* loadPortalConfig.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))
  return yield* runService(config, (url) =>
    Effect.sync(() => {
      console.log([
        "",
        "E-Modal Business API demo",
        `  service:   ${url}   (docs: ${url}/docs)`,
        `  simulator: ${sim.urls.ecp2}   account demo / demo, solver key demo`,
        "",
        curlLines(url, containerId),
        "",
        "Ctrl-C stops both.",
        ""
      ].join("\n"))
    }))
}).pipe(
  Effect.scoped,
  Effect.provide(Simulator.layer({ port: simulatorPort })),
  Effect.provide(Layer.mergeAll(Logger.layer([]), Layer.succeed(References.MinimumLogLevel, "Warn"))),
  Effect.catchTag("ConfigInvalid", (e) =>
    Effect.sync(() => {
      console.error(e.message)
      process.exitCode = 2
    })),
  // The store (SQLite file or Postgres) could not be opened or migrated at boot: one line naming it.
  Effect.catchTag("StorageUnavailable", (e) =>
    Effect.sync(() => {
      console.error(`The service's store is unavailable at boot (${e.operation}): ${e.detail}`)
      process.exitCode = 1
    }))
)

NodeRuntime.runMain(program)
