/**
 * `npm run simulator`: the portal simulator and the captcha solver, standalone, until SIGINT or
 * SIGTERM. Prints the host URLs, the accounts (with their demo passwords) and the solver key.
 *
 * Environment: SIMULATOR_PORT (default 5020; 0 = any free port), SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_SEED
 * (default 1), SIMULATOR_PAGE_LATENCY (default "150 millis"), SIMULATOR_BATCH_LATENCY (default
 * "300 millis"), SIMULATOR_SOLVE_DELAY (default "2 seconds"). The demo values scripts rely on are
 * fixed: account demo / demo, solver key demo.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Duration, Effect } from "effect"
import { DEFAULT_ACCOUNTS } from "./Dataset.ts"
import { Simulator } from "./Simulator.ts"

const SimulatorConfig = Config.all({
  // 0 picks an ephemeral port (the printed URLs show the real one); checked below.
  port: Config.Int("SIMULATOR_PORT").pipe(Config.withDefault(5020)),
  host: Config.String("SIMULATOR_HOST").pipe(Config.withDefault("127.0.0.1")),
  seed: Config.String("SIMULATOR_SEED").pipe(Config.withDefault("1")),
  pageLatency: Config.Duration("SIMULATOR_PAGE_LATENCY").pipe(Config.withDefault(Duration.millis(150))),
  batchLatency: Config.Duration("SIMULATOR_BATCH_LATENCY").pipe(Config.withDefault(Duration.millis(300))),
  solveDelay: Config.Duration("SIMULATOR_SOLVE_DELAY").pipe(Config.withDefault(Duration.seconds(2)))
})

const program = Effect.gen(function*() {
  const config = yield* SimulatorConfig
  if (config.port < 0 || config.port > 65535) {
    return yield* Effect.die(new Error(`SIMULATOR_PORT must be between 0 and 65535, got ${config.port}`))
  }
  const layer = Simulator.layer({
    port: config.port,
    host: config.host,
    seed: config.seed,
    pageLatency: config.pageLatency,
    batchLatency: config.batchLatency,
    solveDelay: config.solveDelay
  })
  yield* Effect.gen(function*() {
    const sim = yield* Simulator
    const snapshot = yield* sim.state()
    const lines = [
      "E-Modal portal simulator",
      "",
      "Hosts:",
      `  login entry     ${sim.urls.ecp2}/login`,
      `  identity        ${sim.urls.identity}`,
      `  recaptcha       ${sim.urls.recaptcha}`,
      `  ecp2            ${sim.urls.ecp2}/containers`,
      `  termops         ${sim.urls.termops}/trucker/web/addvisit`,
      `  truckerportal   ${sim.urls.truckerportal}/myappointments`,
      `  captcha solver  ${sim.urls.solver}  (in.php / res.php / createTask / getTaskResult)`,
      `  control API     ${sim.urls.solver}/__sim/state  (loopback only)`,
      "",
      "Accounts (username / password, captcha mode, grid rows):",
      ...DEFAULT_ACCOUNTS.map((spec) => {
        const account = snapshot.accounts.find((a) => a.username === spec.username)
        const rows = account?.containers.rows ?? 0
        return `  ${spec.username} / ${spec.password}`.padEnd(32) + `${account?.captchaMode ?? ""}`.padEnd(10) + `${rows} rows`
      }),
      "",
      `Solver key: demo   (site key ${sim.siteKey})`,
      "",
      "Env for the service: " +
      `EMODAL_IDENTITY_URL=${sim.urls.identity} EMODAL_ECP2_URL=${sim.urls.ecp2} ` +
      `EMODAL_TERMOPS_URL=${sim.urls.termops} EMODAL_TRUCKERPORTAL_URL=${sim.urls.truckerportal} ` +
      `CAPTCHA_API_URL=${sim.urls.solver} CAPTCHA_API_KEY=demo`
    ]
    yield* Console.log(lines.join("\n"))
    return yield* Effect.never
  }).pipe(Effect.provide(layer))
})

NodeRuntime.runMain(program)
