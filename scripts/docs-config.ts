/**
 * Regenerates the configuration table in README.md from the settings declared in PortalConfig,
 * between the `<!-- config:start -->` and `<!-- config:end -->` markers.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { settingsMarkdownTable } from "../src/services/PortalConfig.ts"

const file = new URL("../README.md", import.meta.url)
const readme = readFileSync(file, "utf8")
const start = "<!-- config:start -->"
const end = "<!-- config:end -->"
const i = readme.indexOf(start)
const j = readme.indexOf(end)
if (i < 0 || j < i) throw new Error("README.md has no config markers")
writeFileSync(file, readme.slice(0, i + start.length) + "\n" + settingsMarkdownTable() + "\n" + readme.slice(j))
console.log("README.md configuration table updated")
