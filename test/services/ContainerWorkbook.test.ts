import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { CONTAINER_COLUMNS, type Container } from "../../src/domain/Operations.ts"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildContainerWorkbook, columnWidth, openContainerWorkbook } from "../../src/services/ContainerWorkbook.ts"

const container = (id: string, overrides: Partial<Container> = {}): Container => ({
  container_id: id,
  trade_type: "IMPORT",
  status: "IN YARD",
  holds: "NO",
  pregate_ticket: "TTI-1007-88006 396220",
  emodal_pregate_status: "CONFIRMED",
  gate_status: "N/A",
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
  tags: "N/A",
  ...overrides
})

const load = (bytes: Uint8Array) =>
  Effect.promise(async () => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    return workbook
  })

it.effect("one sheet 'Containers', the 18 portal headers in order, one row per container, values as text", () =>
  Effect.gen(function*() {
    const rows = [container("MSDU5772413"), container("HMMU9048448", { trade_type: "EXPORT", vessel_code: "0012" })]
    const workbook = yield* load(yield* buildContainerWorkbook(rows))
    assert.deepStrictEqual(workbook.worksheets.map((w) => w.name), ["Containers"])
    const sheet = workbook.getWorksheet("Containers")!
    assert.strictEqual(sheet.rowCount, 3)
    assert.strictEqual(sheet.columnCount, 18)
    const values = (n: number) => (sheet.getRow(n).values as Array<unknown>).slice(1)
    assert.deepStrictEqual(values(1), CONTAINER_COLUMNS.map(([, h]) => h))
    assert.deepStrictEqual(values(1), [
      "Container #", "Trade Type", "Status", "Holds", "Pregate Ticket#", "Emodal Pregate Status", "Gate Status",
      "Origin", "Destination", "Current Loc", "Line", "Vessel Name", "Vessel Code", "Voyage", "Size Type", "Fees",
      "LFD/GTD", "Tags"
    ])
    assert.deepStrictEqual(values(2), CONTAINER_COLUMNS.map(([k]) => rows[0]![k]))
    assert.deepStrictEqual(values(3), CONTAINER_COLUMNS.map(([k]) => rows[1]![k]))
    assert.strictEqual(sheet.getCell("M3").value, "0012", "digit strings stay text (leading zeros kept)")
  }))

it.effect("header style: solid fill #366092, white bold centred text; data rows unstyled", () =>
  Effect.gen(function*() {
    const workbook = yield* load(yield* buildContainerWorkbook([container("MSDU5772413")]))
    const sheet = workbook.getWorksheet("Containers")!
    for (let c = 1; c <= 18; c++) {
      const cell = sheet.getRow(1).getCell(c)
      assert.deepInclude(cell.fill as object, { type: "pattern", pattern: "solid" })
      assert.strictEqual((cell.fill as ExcelJS.FillPattern).fgColor?.argb, "FF366092")
      assert.isTrue(cell.font.bold)
      assert.strictEqual(cell.font.color?.argb, "FFFFFFFF")
      assert.strictEqual(cell.alignment.horizontal, "center")
    }
    const data = sheet.getRow(2).getCell(1)
    assert.isUndefined((data.fill as ExcelJS.FillPattern | undefined)?.fgColor)
    assert.notStrictEqual(data.font?.bold, true)
  }))

it.effect("column width = min(longest value incl. header + 2, 50)", () =>
  Effect.gen(function*() {
    const long = "X".repeat(80)
    const rows = [container("MSDU5772413", { tags: long, fees: "$1" }), container("HMMU9048448", { vessel_name: "ONE MANCHESTER EXPRESS" })]
    const workbook = yield* load(yield* buildContainerWorkbook(rows))
    const sheet = workbook.getWorksheet("Containers")!
    const width = (key: keyof Container) => sheet.getColumn(CONTAINER_COLUMNS.findIndex(([k]) => k === key) + 1).width
    assert.strictEqual(width("tags"), 50, "capped")
    assert.strictEqual(width("fees"), "Fees".length + 2, "the header is the longest value")
    assert.strictEqual(width("vessel_name"), "ONE MANCHESTER EXPRESS".length + 2)
    assert.strictEqual(width("emodal_pregate_status"), "Emodal Pregate Status".length + 2)
    assert.strictEqual(width("pregate_ticket"), "TTI-1007-88006 396220".length + 2)
  }))

it.effect("no rows: the header alone", () =>
  Effect.gen(function*() {
    const workbook = yield* load(yield* buildContainerWorkbook([]))
    const sheet = workbook.getWorksheet("Containers")!
    assert.strictEqual(sheet.rowCount, 1)
    assert.strictEqual(sheet.getColumn(1).width, "Container #".length + 2)
  }))

it("columnWidth", () => {
  assert.strictEqual(columnWidth([]), 2)
  assert.strictEqual(columnWidth(["abc", "a"]), 5)
  assert.strictEqual(columnWidth(["a".repeat(48)]), 50)
  assert.strictEqual(columnWidth(["a".repeat(49)]), 50)
})

it.effect("written as rows arrive: each batch goes to the spill on disk (no rows kept in memory), then a valid xlsx is streamed out", () =>
  Effect.gen(function*() {
    const dir = mkdtempSync(join(tmpdir(), "wb-test-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    const writer = yield* openContainerWorkbook(dir)
    const spill = () => {
      const spillDir = readdirSync(dir).find((n) => n.startsWith(".xlsx-spill-"))!
      return readFileSync(join(dir, spillDir, "rows.jsonl"), "utf8").split("\n").filter((l) => l !== "")
    }
    const ids = Array.from({ length: 120 }, (_, i) => `MSDU${String(1000000 + i)}`)
    let previous = 0
    for (let b = 0; b < 3; b++) {
      const batch = ids.slice(b * 40, b * 40 + 40).map((id, i) => container(id, i === 7 && b === 2 ? { vessel_name: "A".repeat(30) } : {}))
      yield* writer.add(batch)
      assert.strictEqual(writer.rows(), (b + 1) * 40)
      assert.strictEqual(spill().length, (b + 1) * 40, "the batch is on disk as soon as it is added")
      assert.isAbove(writer.spilledBytes(), previous)
      previous = writer.spilledBytes()
    }
    assert.deepStrictEqual(JSON.parse(spill()[41]!), CONTAINER_COLUMNS.map(([k]) => container(ids[41]!)[k]))
    const out = join(dir, "out.xlsx")
    yield* writer.finish(out)
    assert.isUndefined(readdirSync(dir).find((n) => n.startsWith(".xlsx-spill-")), "the spill is removed")
    const workbook = yield* load(new Uint8Array(readFileSync(out)))
    const sheet = workbook.getWorksheet("Containers")!
    assert.strictEqual(sheet.rowCount, 121)
    assert.deepStrictEqual((sheet.getRow(1).values as Array<unknown>).slice(1), CONTAINER_COLUMNS.map(([, h]) => h))
    assert.deepStrictEqual((sheet.getRow(2).values as Array<unknown>).slice(1), CONTAINER_COLUMNS.map(([k]) => container(ids[0]!)[k]))
    assert.strictEqual(sheet.getCell("A121").value, ids[119])
    assert.strictEqual(sheet.getColumn(CONTAINER_COLUMNS.findIndex(([k]) => k === "vessel_name") + 1).width, 32, "widths over every batch")
    assert.strictEqual((sheet.getRow(1).getCell(1).fill as ExcelJS.FillPattern).fgColor?.argb, "FF366092")
  }).pipe(Effect.scoped))
