/**
 * The repository's layout, as import rules: `src/` holds the product alone (it never imports the
 * simulator, which lives in its own workspace, `simulator/`, for the demo, the tests and the
 * bench); the simulator needs nothing from the product; the simulator's modules form no import
 * cycle; and plain Node imports the package's TypeScript entries by name.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, sep } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { cyclesUnder, importSpecifiers, importsUnder, ROOT } from "./utils/ImportGraph.ts"

const SIMULATOR = join(ROOT, "simulator")
const SIMULATOR_SRC = join(SIMULATOR, "src")

const isInside = (dir: string, path: string): boolean => path === dir || path.startsWith(dir + sep)

/** `file: specifier` lines, for readable failures. */
const show = (edges: ReadonlyArray<{ readonly from: string; readonly specifier: string }>) =>
  edges.map((e) => `${relative(ROOT, e.from)}: ${e.specifier}`)

describe("layout", () => {
  it("reads every import form: value, type, multi-line, re-export, side effect, dynamic", () => {
    const source = [
      `import { a } from "./a.ts"`,
      `import type { B } from "../b.ts"`,
      `import {`,
      `  c,`,
      `  type D`,
      `} from "./cd.ts"`,
      `export { e } from "./e.ts"`,
      `export type { F } from "./f.ts"`,
      `import "./side.ts"`,
      `const g = await import("./g.ts")`,
      `import { Effect } from "effect"`,
      `const text = "not an import from \\"./h.ts\\""`
    ].join("\n")
    assert.sameMembers([...importSpecifiers(source)], [
      "./a.ts",
      "../b.ts",
      "./cd.ts",
      "./e.ts",
      "./f.ts",
      "./side.ts",
      "./g.ts",
      "effect"
    ])
  })

  it("finds a cycle, type-only edges included", () => {
    const dir = mkdtempSync(join(tmpdir(), "layout-"))
    try {
      writeFileSync(join(dir, "A.ts"), `import { b } from "./B.ts"\nexport const a = b\n`)
      writeFileSync(join(dir, "B.ts"), `import type { C } from "./C.ts"\nexport const b: C = 1\n`)
      writeFileSync(join(dir, "C.ts"), `import { a } from "./A.ts"\nexport type C = typeof a\n`)
      writeFileSync(join(dir, "D.ts"), `import { a } from "./A.ts"\nexport const d = a\n`)
      assert.deepStrictEqual(cyclesUnder(dir), [["A.ts", "B.ts", "C.ts"]])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("src/ holds the product alone: nothing under src/ imports the simulator", () => {
    const edges = importsUnder(join(ROOT, "src"))
    assert.isAbove(edges.length, 100, "the walker sees src/'s imports")
    // By package name, or by path into a `simulator` folder wherever it is (the simulator once
    // lived in src/runtime/simulator).
    const simulator = edges.filter((e) =>
      e.specifier === "@emodal/simulator" || e.specifier.startsWith("@emodal/simulator/") ||
      (e.target !== undefined && relative(ROOT, e.target).split(sep).includes("simulator"))
    )
    assert.deepStrictEqual(show(simulator), [])
  })

  it("the simulator needs nothing from the product: simulator/src imports nothing outside simulator/", () => {
    const edges = importsUnder(SIMULATOR_SRC)
    assert.isTrue(
      edges.some((e) => e.from === join(SIMULATOR_SRC, "Simulator.ts") && e.specifier === "./Server.ts"),
      "the walker sees simulator/src's imports"
    )
    const outside = edges.filter((e) =>
      (e.target !== undefined && !isInside(SIMULATOR, e.target)) || e.specifier === "emodal-api" ||
      e.specifier.startsWith("emodal-api/")
    )
    assert.deepStrictEqual(show(outside), [])
  })

  it("plain Node imports the simulator by package name (the workspace resolves to its real path, outside node_modules)", () => {
    const script = `const m = await import("@emodal/simulator"); const t = await import("@emodal/simulator/testing");` +
      `console.log(typeof m.Simulator.layer, m.GRID_COLUMNS.length, typeof t.testSimulatorLayer)`
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" })
    assert.strictEqual(out.trim(), "function 18 function")
  })

  it("simulator/src has no import cycle", () => {
    assert.deepStrictEqual(cyclesUnder(SIMULATOR_SRC), [])
  })
})
