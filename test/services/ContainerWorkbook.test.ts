import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { CONTAINER_COLUMNS, type Container } from "../../src/domain/Operations.ts"
import { buildContainerWorkbook, columnWidth } from "../../src/services/ContainerWorkbook.ts"

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
