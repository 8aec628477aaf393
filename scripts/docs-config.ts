/**
 * Regenerates the generated tables in README.md: the configuration table from the settings declared
 * in PortalConfig (between `<!-- config:start -->` and `<!-- config:end -->`) and the metrics table
 * from MetricCatalog (between `<!-- metrics:start -->` and `<!-- metrics:end -->`).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { metricsMarkdownTable } from "../src/services/metrics/MetricCatalog.ts"
import { settingsMarkdownTable } from "../src/services/config/Settings.ts"

const file = new URL("../README.md", import.meta.url)

const replaceBetween = (text: string, marker: string, table: string): string => {
  const start = `<!-- ${marker}:start -->`
  const end = `<!-- ${marker}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`README.md has no ${marker} markers`)
  return text.slice(0, i + start.length) + "\n" + table + "\n" + text.slice(j)
}

const readme = readFileSync(file, "utf8")
writeFileSync(file, replaceBetween(replaceBetween(readme, "config", settingsMarkdownTable()), "metrics", metricsMarkdownTable()))
console.log("README.md configuration and metrics tables updated")
