/** Spreadsheets the simulator serves, read back with exceljs the way the tests compare them. */
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { readFileSync } from "node:fs"

/**
 * Every row of a workbook's sheet (`sheetName`, else the first) as text, header first; empty
 * cells read as "". exceljs skips empty rows and drops trailing empty cells. Dies if the sheet is
 * missing.
 */
export const readSheetRows = (source: string | Uint8Array, sheetName?: string) =>
  Effect.promise(async (): Promise<Array<Array<string>>> => {
    const workbook = new ExcelJS.Workbook()
    const data = typeof source === "string" ? readFileSync(source) : Buffer.from(source)
    await workbook.xlsx.load(data as unknown as ArrayBuffer)
    const sheet = sheetName === undefined ? workbook.worksheets[0] : workbook.getWorksheet(sheetName)
    if (sheet === undefined) {
      throw new Error(`no sheet ${sheetName ?? "at all"} in the workbook (it has: ${workbook.worksheets.map((w) => w.name).join(", ")})`)
    }
    const rows: Array<Array<string>> = []
    sheet.eachRow((row) => rows.push((row.values as Array<unknown>).slice(1).map((v) => (v === null || v === undefined ? "" : String(v)))))
    return rows
  })
