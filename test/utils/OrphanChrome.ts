/**
 * A stand-in for the service process in the orphan test: opens one browser lease in DATA_DIR (from
 * the environment), prints `READY <chrome pid>`, and waits to be killed. Run with Node 24.
 */
import { Duration, Effect, Layer } from "effect"
import { Browser } from "../../src/services/Browser.ts"
import { PortalConfig } from "../../src/services/PortalConfig.ts"

const program = Effect.gen(function*() {
  const browser = yield* Browser
  const lease = yield* browser.open
  yield* lease.page.goto("data:text/html,<title>orphan</title>", { timeout: Duration.seconds(10) })
  process.stdout.write(`READY ${lease.pid}\n`)
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.provide(Browser.layer.pipe(Layer.provide(PortalConfig.layerTest({ DATA_DIR: process.env.DATA_DIR ?? "" }))))
)

Effect.runPromise(program)
