/**
 * The README's examples, as the tests that run them read them: the fenced blocks of one section
 * (a `## ` heading up to the next), by language.
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"

const README = resolve(import.meta.dirname, "../../README.md")

/** The fenced blocks of `lang` between the `## heading` and the next `## ` heading. */
export const readmeBlocks = (heading: string, lang: string): ReadonlyArray<string> => {
  const text = readFileSync(README, "utf8")
  const start = text.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`)
  const end = text.indexOf("\n## ", start + 4)
  const section = text.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!)
}

/** Where the README's examples point: the demo's default address. */
export const README_BASE = "http://127.0.0.1:5010"
