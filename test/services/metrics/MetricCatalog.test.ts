import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { MetricList, metricsMarkdownTable } from "../../../src/services/metrics/MetricCatalog.ts"

describe("MetricCatalog", () => {
  it("names every metric the Prometheus way, each with its help", () => {
    assert.strictEqual(new Set(MetricList.map((m) => m.name)).size, MetricList.length)
    for (const m of MetricList) {
      assert.match(m.name, /^emodal_[a-z_]+$/)
      if (m.type === "counter") assert.match(m.name, /_total$/, m.name)
      if (m.type === "histogram") assert.match(m.name, /_seconds$/, m.name)
      assert.isAbove(m.help.length, 10, m.name)
      for (const label of m.labels) assert.notInclude(["session_id", "request_id", "username", "password"], label)
    }
  })

  it("the README's metrics table is generated from it", () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../../README.md"), "utf8")
    assert.include(readme, metricsMarkdownTable(), "README metrics table is stale: run npm run docs:config")
  })
})
