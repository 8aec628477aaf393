/**
 * The get_containers spreadsheet (SEED-SYSTEM §3.4.3): one sheet "Containers" holding the 18
 * grid columns in the portal's order under the portal's header texts, one row per container, a
 * styled header (fill #366092, white bold centred text) and each column as wide as its longest
 * value plus 2, at most 50. Values are written as text, exactly as the grid showed them.
 *
 * Written as the rows arrive, with memory flat in the row count: `openContainerWorkbook` appends
 * each batch to a spill file next to the target (one JSON line per row) and keeps only the
 * columns' running widths; `finish` then streams the spill through exceljs's streaming writer
 * (`stream.xlsx.WorkbookWriter`, each row committed as it is read) into the xlsx file. Two passes
 * because the widths (`<cols>`) precede the rows in the sheet's XML.
 */
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { appendFileSync, createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { StorageFailed } from "../domain/Errors.ts"
import { CONTAINER_COLUMNS, type Container } from "../domain/Operations.ts"

export const CONTAINERS_SHEET = "Containers"
export const HEADER_FILL = "FF366092"
export const HEADER_FONT_COLOR = "FFFFFFFF"
export const MAX_COLUMN_WIDTH = 50

/** min(longest value of the column, header included, + 2, 50). */
export const columnWidth = (values: ReadonlyArray<string>): number =>
  Math.min(values.reduce((max, v) => Math.max(max, v.length), 0) + 2, MAX_COLUMN_WIDTH)

export interface ContainerWorkbookWriter {
  /** Appends rows (in grid order) to the spill; only the columns' widths stay in memory. */
  readonly add: (rows: ReadonlyArray<Container>) => Effect.Effect<void, StorageFailed>
  /** Rows added so far. */
  readonly rows: () => number
  /** Bytes of the spill so far (for tests and the bench). */
  readonly spilledBytes: () => number
  /** Writes the xlsx to `path` row by row from the spill and removes the spill. */
  readonly finish: (path: string) => Effect.Effect<void, StorageFailed>
}

const failed = (what: string) => (cause: unknown) =>
  new StorageFailed({ detail: `${what}: ${(cause as NodeJS.ErrnoException | undefined)?.code ?? "error"}` })

/**
 * A workbook written as rows arrive; its spill lives in a fresh directory under `dir` (default the
 * system's temp dir), removed by `finish` or when the scope closes.
 */
export const openContainerWorkbook = (dir: string = tmpdir()) =>
  Effect.gen(function*() {
    const spillDir = yield* Effect.acquireRelease(
      Effect.try({ try: () => mkdtempSync(join(dir, ".xlsx-spill-")), catch: failed("workbook spill") }),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const spill = join(spillDir, "rows.jsonl")
    const widths = CONTAINER_COLUMNS.map(([, header]) => header.length)
    let count = 0
    let bytes = 0

    const add = (rows: ReadonlyArray<Container>) =>
      Effect.try({
        try: () => {
          if (rows.length === 0) return
          let text = ""
          for (const row of rows) {
            const values = CONTAINER_COLUMNS.map(([key], i) => {
              const v = row[key]
              if (v.length > widths[i]!) widths[i] = v.length
              return v
            })
            text += JSON.stringify(values) + "\n"
          }
          appendFileSync(spill, text)
          bytes += Buffer.byteLength(text)
          count += rows.length
        },
        catch: failed("workbook spill")
      })

    const finish = (path: string) =>
      Effect.tryPromise({
        try: async () => {
          const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false })
          const sheet = workbook.addWorksheet(CONTAINERS_SHEET)
          sheet.columns = CONTAINER_COLUMNS.map(([key, header], i) => ({
            header,
            key,
            width: Math.min(widths[i]! + 2, MAX_COLUMN_WIDTH)
          }))
          const header = sheet.getRow(1)
          header.eachCell((cell) => {
            cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: HEADER_FILL } }
            cell.font = { bold: true, color: { argb: HEADER_FONT_COLOR } }
            cell.alignment = { horizontal: "center", vertical: "middle" }
          })
          header.commit()
          if (count > 0) {
            const lines = createInterface({ input: createReadStream(spill, "utf8"), crlfDelay: Infinity })
            for await (const line of lines) {
              if (line === "") continue
              sheet.addRow(JSON.parse(line) as Array<string>).commit()
            }
          }
          sheet.commit()
          await workbook.commit()
          rmSync(spillDir, { recursive: true, force: true })
        },
        catch: failed("workbook write")
      }).pipe(Effect.withSpan("ContainerWorkbook.finish", { attributes: { rows: count } }))

    return { add, rows: () => count, spilledBytes: () => bytes, finish } satisfies ContainerWorkbookWriter
  })

/** The workbook of `rows` as xlsx bytes (written by the streaming writer into a temp file). */
export const buildContainerWorkbook = (rows: ReadonlyArray<Container>): Effect.Effect<Uint8Array> =>
  Effect.gen(function*() {
    const writer = yield* openContainerWorkbook()
    yield* writer.add(rows)
    const out = join(tmpdir(), `containers-${process.pid}-${Math.random().toString(36).slice(2)}.xlsx`)
    yield* writer.finish(out)
    const bytes = new Uint8Array(readFileSync(out))
    rmSync(out, { force: true })
    return bytes
  }).pipe(
    Effect.scoped,
    // A temp-dir write of strings failing is nothing the caller could act on: a defect.
    Effect.orDie,
    Effect.withSpan("ContainerWorkbook.build")
  )
