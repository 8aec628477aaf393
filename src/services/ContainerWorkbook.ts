/**
 * The get_containers spreadsheet (SEED-SYSTEM §3.4.3): one sheet "Containers" holding the 18
 * grid columns in the portal's order under the portal's header texts, one row per container, a
 * styled header (fill #366092, white bold centred text) and each column as wide as its longest
 * value plus 2, at most 50. Built in memory with exceljs and returned as the file's bytes; the
 * caller stores it. Values are written as text, exactly as the grid showed them.
 */
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { CONTAINER_COLUMNS, type Container } from "../domain/Operations.ts"

export const CONTAINERS_SHEET = "Containers"
export const HEADER_FILL = "FF366092"
export const HEADER_FONT_COLOR = "FFFFFFFF"
export const MAX_COLUMN_WIDTH = 50

/** min(longest value of the column, header included, + 2, 50). */
export const columnWidth = (values: ReadonlyArray<string>): number =>
  Math.min(values.reduce((max, v) => Math.max(max, v.length), 0) + 2, MAX_COLUMN_WIDTH)

/** The workbook of `rows` as xlsx bytes. */
export const buildContainerWorkbook = (rows: ReadonlyArray<Container>): Effect.Effect<Uint8Array> =>
  Effect.gen(function*() {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet(CONTAINERS_SHEET)
    sheet.columns = CONTAINER_COLUMNS.map(([key, header]) => ({
      header,
      key,
      width: columnWidth([header, ...rows.map((r) => r[key])])
    }))
    for (const row of rows) sheet.addRow(Object.fromEntries(CONTAINER_COLUMNS.map(([key]) => [key, row[key]])))
    const header = sheet.getRow(1)
    header.eachCell((cell) => {
      cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: HEADER_FILL } }
      cell.font = { bold: true, color: { argb: HEADER_FONT_COLOR } }
      cell.alignment = { horizontal: "center", vertical: "middle" }
    })
    // An in-memory write of strings cannot fail for a reason the caller could act on: a defect.
    const buffer = yield* Effect.promise(() => workbook.xlsx.writeBuffer())
    return new Uint8Array(buffer)
  }).pipe(Effect.withSpan("ContainerWorkbook.build"))
