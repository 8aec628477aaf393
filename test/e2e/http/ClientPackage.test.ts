/**
 * The typed clients as another project gets them: `npm pack` of packages/client (built by tsc to
 * JavaScript and .d.ts), installed with effect from the registry into a fresh project, typechecked
 * there and run on Node 24 against the service (real Chromium, the simulator, API_TOKEN set) —
 * the REST client (typed answers, typed errors, progress events) and the RPC client — and the
 * README's two client examples, as written, against the demo's data (seed 1, account demo/demo).
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { baseUrl, realServer } from "../../utils/HttpHarness.ts"
import { README_BASE, readmeBlocks } from "../../utils/Readme.ts"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, "../../..")
const TOKEN = "client-package-token-0123456789"

/** A fresh consumer project with the packed client and effect installed; removed when the scope closes. */
const consumerProject = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = mkdtempSync(join(tmpdir(), "emodal-consumer-"))
    const { stdout } = await run("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: join(ROOT, "packages/client") })
    const tarball = join(dir, stdout.trim().split("\n").at(-1)!)
    const effectVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/effect/package.json"), "utf8")).version as string
    const app = join(dir, "app")
    await run("mkdir", [app])
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, `effect@${effectVersion}`], { cwd: app })
    copyFileSync(join(ROOT, "test/e2e/http/fixtures/consumer.ts"), join(app, "index.ts"))
    const examples = readmeBlocks("Using it", "ts").filter((b) => b.includes("from \"emodal-api-client\""))
    examples.forEach((code, i) => writeFileSync(join(app, `readme${i + 1}.ts`), code))
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2024",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")]
      },
      files: ["index.ts", ...examples.map((_, i) => `readme${i + 1}.ts`)]
    }))
    return { dir, app, tarball, examples: examples.length }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

layer(testSimulatorLayer({ seed: 1 }), { excludeTestServices: true, timeout: "300 seconds" })("the client package", (it) => {
  it.layer(realServer({ API_TOKEN: TOKEN }), { timeout: "120 seconds" })("one service", (it) => {
    it.effect("installs into a fresh project as JavaScript with types, without the server's dependencies, and calls the service over REST and RPC", () =>
      Effect.gen(function*() {
        const { app, examples } = yield* consumerProject
        // Compiled JavaScript and declarations, no TypeScript sources, effect as its only dependency.
        const pkg = join(app, "node_modules/emodal-api-client")
        const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
        assert.deepStrictEqual(Object.keys(manifest.dependencies ?? {}), [])
        assert.deepStrictEqual(Object.keys(manifest.peerDependencies), ["effect"])
        const files = (yield* Effect.promise(() => run("find", [pkg, "-type", "f", "-name", "*.ts"]))).stdout.trim().split("\n")
        assert.isTrue(files.every((f) => f.endsWith(".d.ts")), files.join(" "))
        assert.isTrue(existsSync(join(pkg, manifest.exports["."].default)))
        for (const heavy of ["puppeteer", "puppeteer-core", "exceljs", "archiver", "@effect/platform-node"]) {
          assert.isFalse(existsSync(join(app, "node_modules", heavy)), `${heavy} was installed`)
        }

        // It typechecks from the .d.ts files alone.
        yield* Effect.promise(() => run(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: app }))

        const a = yield* newAccount("pkg", { captchaMode: "token", containerCount: 90 })
        const url = yield* baseUrl
        const { stdout } = yield* Effect.promise(() =>
          run(join(ROOT, "node_modules/.bin/node"), ["index.ts", url, TOKEN, a.username, a.samples.importPassedPregate!], { cwd: app })
        )
        const out = JSON.parse(stdout.trim().split("\n").at(-1)!)
        assert.strictEqual(out.rest.health, "healthy")
        assert.match(out.rest.sessionId, /^sess_/)
        assert.isTrue(out.rest.passedPregate)
        assert.strictEqual(out.rest.totalContainers, 90)
        assert.isAtLeast(out.rest.progress.length, 1)
        assert.strictEqual(out.rest.missing, "SessionNotFound")
        assert.isTrue(out.rest.missingIsClass)
        assert.strictEqual(out.rest.wrong, "invalid_credentials")
        assert.strictEqual(out.rpc.sessionId, out.rest.sessionId, "one login per credentials, whichever transport")
        assert.isTrue(out.rpc.passedPregate)
        assert.strictEqual(out.rpc.missing, "SessionNotFound")

        // The README's examples, as written, with the demo's address replaced by this service's.
        assert.strictEqual(examples, 2, "the REST example with progress, and the RPC example")
        const readme = (file: string) =>
          Effect.promise(async () => {
            writeFileSync(join(app, file), readFileSync(join(app, file), "utf8").replaceAll(README_BASE, url))
            const { stdout } = await run(join(ROOT, "node_modules/.bin/node"), [file], { cwd: app, env: { ...process.env, API_TOKEN: TOKEN } })
            return stdout
          })
        const rest = yield* readme("readme1.ts")
        assert.match(rest, /rows loaded/)
        assert.match(rest, /\d+ containers in http:\/\/127\.0\.0\.1:\d+\/files\/[^ ]+\.xlsx/)
        assert.include(yield* readme("readme2.ts"), "YMLU5004297 passed Pregate")
      }))
  })
})
