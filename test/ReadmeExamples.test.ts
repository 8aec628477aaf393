/**
 * No README example escapes its test: every fenced block with a curl line is a `sh` block of a
 * section test/e2e/http/Readme.test.ts runs ("Using it", "Operating it"), and every TypeScript
 * example is in "Using it" and imports either the client package (run by ClientPackage.test.ts) or
 * `emodal-api` (the embedding example, run by Readme.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"

const README = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8")

/** Every fenced block with its language and the `## ` section it is in. */
const blocks = (): ReadonlyArray<{ readonly section: string; readonly lang: string; readonly code: string }> => {
  const out: Array<{ section: string; lang: string; code: string }> = []
  let section = ""
  const lines = README.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith("## ")) section = line.slice(3).trim()
    const open = /^```(\S*)\s*$/.exec(line)
    if (open === null) continue
    const code: Array<string> = []
    for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) code.push(lines[i]!)
    out.push({ section, lang: open[1]!, code: code.join("\n") })
  }
  return out
}

describe("README examples", () => {
  it("every curl example is a sh block of a section the README test runs", () => {
    const curls = blocks().filter((b) => /(^|\s)curl\s/m.test(b.code))
    assert.isAtLeast(curls.length, 4)
    for (const b of curls) {
      assert.strictEqual(b.lang, "sh", `a curl example in a \`${b.lang || "plain"}\` block of "${b.section}" is never run`)
      assert.include(["Using it", "Operating it"], b.section, `a curl example in "${b.section}" is never run`)
    }
  })

  it("every TypeScript example is one the client package test or the README test runs", () => {
    const ts = blocks().filter((b) => b.lang === "ts" || b.lang === "typescript")
    assert.isAtLeast(ts.length, 3)
    for (const b of ts) {
      assert.strictEqual(b.section, "Using it", `a TypeScript example in "${b.section}" is never run`)
      assert.isTrue(/from "emodal-api-client"/.test(b.code) || /from "emodal-api"/.test(b.code), `a TypeScript example is never run:\n${b.code.slice(0, 200)}`)
    }
  })
})
