import { assert, it } from "@effect/vitest"
import { CONTAINER_COLUMNS } from "../../../../src/domain/Operations.ts"
import { cleanCell, isContainerId, normalizeContainerId, parseGrid } from "../../../../src/services/portal/containers/ContainerGrid.ts"

const HEADERS = CONTAINER_COLUMNS.map(([, h]) => h)

const row = (id: string, holds = " YES") => [
  ` ${id}`, "IMPORT", "IN YARD", holds, "TTI-1007-88006 396220", "CONFIRMED", "ACCEPTED", "TTI", "N/A", "TTI",
  "MSCU", "MSC AURORA", "9703318", "086E", "40HC", "N/A", "10/14/2025 - 10/14/2025", "N/A"
]

it("normalizeContainerId: upper-case, no whitespace, one L/E suffix stripped", () => {
  assert.strictEqual(normalizeContainerId("MSDU5772413L"), "MSDU5772413")
  assert.strictEqual(normalizeContainerId(" hmmu9048448e "), "HMMU9048448")
  assert.strictEqual(normalizeContainerId("MSDU5772413"), "MSDU5772413")
  assert.strictEqual(normalizeContainerId("ABCD123456E"), "ABCD123456", "6-digit ids keep working")
  assert.strictEqual(normalizeContainerId("N/A"), "N/A")
  assert.strictEqual(normalizeContainerId("x'] | //*[1"), "X']|//*[1", "not an id: compared as text, never spliced")
  assert.isTrue(isContainerId("MSDU5772413L"))
  assert.isFalse(isContainerId("MSDU57724"))
})

it("cleanCell: icon words, whitespace and Holds' leading space", () => {
  assert.strictEqual(cleanCell(" keyboard_arrow_right MSDU5772413L", true), "MSDU5772413L")
  assert.strictEqual(cleanCell("info MSDU5772413L more_vert", true), "MSDU5772413L")
  assert.strictEqual(cleanCell(" YES"), "YES")
  assert.strictEqual(cleanCell("TTI-1007-88006   396220\n"), "TTI-1007-88006 396220")
  assert.strictEqual(cleanCell("info"), "info", "a plain word outside the id cell may be real data")
  assert.strictEqual(cleanCell("expand_more HOT"), "HOT")
})

it("parseGrid: maps by header text, strips the suffix, trims, skips placeholder rows", () => {
  const parsed = parseGrid(HEADERS, [row("MSDU5772413L"), HEADERS.map(() => "N/A"), row("HMMU9048448", " NO"), ["keyboard_arrow_right"]])
  assert.strictEqual(parsed._tag, "Parsed")
  if (parsed._tag !== "Parsed") return
  assert.strictEqual(parsed.skipped, 2)
  assert.deepStrictEqual(parsed.containers.map((c) => c.container_id), ["MSDU5772413", "HMMU9048448"])
  assert.deepStrictEqual(parsed.containers[0], {
    container_id: "MSDU5772413",
    trade_type: "IMPORT",
    status: "IN YARD",
    holds: "YES",
    pregate_ticket: "TTI-1007-88006 396220",
    emodal_pregate_status: "CONFIRMED",
    gate_status: "ACCEPTED",
    origin: "TTI",
    destination: "N/A",
    current_loc: "TTI",
    line: "MSCU",
    vessel_name: "MSC AURORA",
    vessel_code: "9703318",
    voyage: "086E",
    size_type: "40HC",
    fees: "N/A",
    lfd_gtd: "10/14/2025 - 10/14/2025",
    tags: "N/A"
  })
  assert.strictEqual(parsed.containers[1]!.holds, "NO")
})

it("parseGrid: a reordered grid still reads right; short rows give empty cells", () => {
  const order = [...HEADERS.keys()].reverse()
  const parsed = parseGrid(order.map((i) => ` ${HEADERS[i]!} `), [order.map((i) => row("MSDU5772413L")[i]!), ["N/A"]])
  assert.strictEqual(parsed._tag, "Parsed")
  if (parsed._tag !== "Parsed") return
  assert.strictEqual(parsed.containers[0]!.container_id, "MSDU5772413")
  assert.strictEqual(parsed.containers[0]!.vessel_name, "MSC AURORA")
  const short = parseGrid(HEADERS, [["MSDU5772413", "EXPORT"]])
  assert.strictEqual(short._tag === "Parsed" ? short.containers[0]!.tags : "?", "")
})

it("parseGrid: a missing header is reported (the portal changed)", () => {
  const parsed = parseGrid(HEADERS.filter((h) => h !== "Vessel Code" && h !== "Tags"), [])
  assert.deepStrictEqual(parsed, { _tag: "MissingHeaders", missing: ["Vessel Code", "Tags"] })
})
