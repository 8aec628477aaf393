import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Browser } from "../../../src/services/Browser.ts"
import { PortalConfig } from "../../../src/services/PortalConfig.ts"
import * as Processes from "../../../src/services/Processes.ts"
import { exited } from "../../utils/ChildProcesses.ts"
import { eventually, leftovers, tempDataDir } from "../../utils/ProductHarness.ts"

const browserIn = (dataDir: string) => Browser.layer.pipe(Layer.provide(PortalConfig.layerTest({ DATA_DIR: dataDir })))

/** Starts a process that opens a Chrome in `dataDir`; resolves with both pids once it is ready. */
const startService = (dataDir: string) =>
  Effect.callback<{ readonly service: number; readonly chrome: number; readonly child: ChildProcess }, Error>((resume) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("../../utils/OrphanChrome.ts", import.meta.url))], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const lines = createInterface({ input: child.stdout })
    lines.on("line", (line) => {
      const m = /^READY (\d+)$/.exec(line)
      if (m !== null) resume(Effect.succeed({ service: child.pid!, chrome: Number(m[1]), child }))
    })
    child.on("exit", (code) => resume(Effect.fail(new Error(`service exited early (${code})`))))
  })

it.live("after a SIGKILL of the whole service, the next boot reaps its Chromes and only those", () =>
  Effect.gen(function*() {
    const dir = yield* tempDataDir
    const bystanderDir = yield* tempDataDir
    // Another Chrome on the host (a different DATA_DIR): it must survive the reaping.
    const bystander = yield* Effect.gen(function*() {
      const browser = yield* Browser
      return yield* browser.open
    }).pipe(Effect.provide(browserIn(bystanderDir)))

    const pids = yield* startService(dir)
    assert.isTrue(Processes.isAlive(pids.chrome))
    assert.strictEqual(leftovers(dir).dirs, 1)
    process.kill(pids.service, "SIGKILL")

    // Boot: building the Browser layer reaps what the dead service left, so nothing of it is left
    // the moment the layer is built (the 10 s deadline is ServiceKill's, on the real service).
    yield* Effect.gen(function*() {
      const browser = yield* Browser
      assert.isString(browser.executable)
    }).pipe(Effect.provide(browserIn(dir)))
    assert.deepStrictEqual(leftovers(dir), { processes: 0, dirs: 0 })
    assert.isFalse(Processes.isAlive(pids.chrome))
    assert.isTrue(bystander.isConnected(), "a Chrome of another DATA_DIR was left alone")
    assert.isTrue(Processes.isAlive(bystander.pid!))
  }).pipe(Effect.scoped), { timeout: 60_000 })

/** Live processes of process group `pgid`. */
const groupMembers = (pgid: number) => Processes.listProcesses().filter((p) => p.pgid === pgid && p.state !== "Z").map((p) => p.pid)

/**
 * A service SIGKILLed while its Chrome's children are SIGSTOPped (they cannot notice their parent
 * going away): `mainToo` also has the main process gone before the next boot, as after Chrome
 * exited on its own.
 */
const stoppedOrphans = (mainToo: boolean) =>
  Effect.gen(function*() {
    const dir = yield* tempDataDir
    const svc = yield* startService(dir)
    // Each Chrome leads a process group of its own, its children in it.
    const children = Processes.processTree(svc.chrome).map((p) => p.pid).filter((pid) => pid !== svc.chrome)
    assert.isAbove(children.length, 0)
    assert.deepStrictEqual(groupMembers(svc.chrome).sort(), [svc.chrome, ...children].sort())
    assert.notStrictEqual(Processes.processGroupOf(svc.chrome), Processes.processGroupOf(process.pid))
    // Whatever happens, never leave stopped processes behind.
    yield* Effect.addFinalizer(() => Effect.sync(() => Processes.killAll([svc.chrome, ...children], "SIGKILL")))
    Processes.killAll(children, "SIGSTOP")
    process.kill(svc.service, "SIGKILL")
    yield* exited(svc.child)
    if (mainToo) {
      process.kill(svc.chrome, "SIGKILL")
      yield* eventually("Chrome's main process gone", Effect.sync(() => Processes.isAlive(svc.chrome)), (alive) => !alive)
    }

    // Boot: building the Browser layer reaps the whole group, stopped children included.
    yield* Effect.gen(function*() {
      const browser = yield* Browser
      assert.isString(browser.executable)
    }).pipe(Effect.provide(browserIn(dir)))
    assert.deepStrictEqual(groupMembers(svc.chrome), [], "nothing of the orphaned Chrome's process group is left")
    for (const pid of children) assert.isFalse(Processes.isAlive(pid))
    assert.deepStrictEqual(leftovers(dir), { processes: 0, dirs: 0 })
  }).pipe(Effect.scoped)

it.live("guards trust #14: the boot reaps an orphaned Chrome with its whole process group, SIGSTOPped children included", () =>
  stoppedOrphans(false), { timeout: 60_000 })

it.live("guards trust #14: the boot reaps the SIGSTOPped children of an orphaned Chrome whose main process is gone", () =>
  stoppedOrphans(true), { timeout: 60_000 })
