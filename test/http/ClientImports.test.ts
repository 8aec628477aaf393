/**
 * What the client package compiles: every module reachable from packages/client/src/index.ts
 * imports only `effect` and other modules of the contracts and the domain — nothing of the server
 * (services, runtime, puppeteer, exceljs, archiver, the Node HTTP server), so a client project
 * installs effect and nothing else.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { readFileSync, readdirSync } from "node:fs"
import { dirname, relative, resolve } from "node:path"

const ROOT = resolve(import.meta.dirname, "../..")

const importsOf = (file: string): ReadonlyArray<string> =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]!)

describe("the client package's modules", () => {
  it("reach only effect, the contracts and the domain", () => {
    const seen = new Set<string>()
    const packages = new Set<string>()
    const stack = [resolve(ROOT, "packages/client/src/index.ts")]
    while (stack.length > 0) {
      const file = stack.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      for (const spec of importsOf(file)) {
        if (spec.startsWith(".")) stack.push(resolve(dirname(file), spec))
        else packages.add(spec.split("/")[0]!)
      }
    }
    assert.deepStrictEqual([...packages], ["effect"])
    const modules = [...seen].map((f) => relative(ROOT, f)).sort()
    for (const m of modules) assert.match(m, /^(packages\/client\/src\/|src\/domain\/|src\/http\/)/, m)
    assert.notInclude(modules.join(" "), "src/services")
    assert.notInclude(modules.join(" "), "src/runtime")
    assert.include(modules, "src/http/PortalApi.ts")
    assert.include(modules, "src/http/PortalRpcs.ts")
  })

  it("and the domain imports nothing of the server", () => {
    // Every domain module (they were four before the split by concept; the rule is the same for all).
    for (const file of readdirSync(resolve(ROOT, "src/domain")).filter((f) => f.endsWith(".ts"))) {
      for (const spec of importsOf(resolve(ROOT, "src/domain", file))) {
        assert.isTrue(spec === "effect" || spec.startsWith("effect/") || spec.startsWith("node:") || /^\.\/[A-Za-z]+\.ts$/.test(spec), `${file} imports ${spec}`)
      }
    }
  })
  // The packed client is built by this tsconfig (declarations on, no Node types): a module that uses
  // a Node global, or exports a value whose type cannot be named, breaks `npm pack` — found here in
  // seconds rather than by the e2e install test (it broke twice that way: Buffer in Ids.ts, an
  // exported Schema.optionalKey alias).
  it("and its build compiles, declarations included, without Node's types", () => {
    const tsc = resolve(ROOT, "node_modules/.bin/tsc")
    const out = (() => {
      try {
        return execFileSync(tsc, ["-p", "tsconfig.build.json", "--noEmit"], { cwd: resolve(ROOT, "packages/client"), encoding: "utf8" })
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e)
      }
    })()
    assert.strictEqual(out.trim(), "")
  }, 60_000)
})
