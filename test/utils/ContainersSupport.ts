/**
 * Shared pieces of the containers operations' e2e tests: the product's PortalOperations wired to
 * the simulator (one pool per test file, so sessions are reused between its tests), request
 * builders, the simulator's grid as the Container records the product should produce, and
 * readers for what the operations write (xlsx via exceljs, zip entry names from the central
 * directory, via ZipReader).
 */
import { Effect, Layer, Redacted } from "effect"
import ExcelJS from "exceljs"
import { readFileSync } from "node:fs"
import { testSimulatorLayer } from "@emodal/simulator/testing"
import { type ContainerRow, Simulator, type SimulatorOptions } from "@emodal/simulator"
import { CONTAINER_COLUMNS, type Container } from "../../src/domain/Operations.ts"
import { PortalOperations } from "../../src/services/PortalOperations.ts"
import type { RequestContext } from "../../src/services/operations/Kit.ts"
import { coreLayer } from "./ProductHarness.ts"
import { readZip, type ZipEntry } from "./ZipReader.ts"

/** The simulator plus the product (pool, Chrome, files, operations) pointed at it. */
export const operationsEnv = (simulator: SimulatorOptions = {}, env: Record<string, string> = {}) =>
  PortalOperations.layer.pipe(
    Layer.provideMerge(coreLayer(env)),
    Layer.provideMerge(testSimulatorLayer(simulator))
  )

export const requestContext: RequestContext = { baseUrl: "http://files.test", requestId: "test-request" }

/** Credentials fields of a request (passwords equal usernames for the built-in accounts). */
export const login = (username: string, password = username) => ({
  username,
  password: Redacted.make(password),
  captcha_api_key: Redacted.make("demo")
})

/** What the product should read for a grid row: the id without suffix, every cell trimmed. */
export const expectedContainer = (row: ContainerRow): Container => {
  const record: Record<string, string> = {}
  CONTAINER_COLUMNS.forEach(([key], i) => {
    record[key] = (row.cells[i] ?? "").replace(/\s+/g, " ").trim()
  })
  record["container_id"] = row.id ?? ""
  return record as unknown as Container
}

export const expectedContainers = (username: string) =>
  Effect.gen(function*() {
    const rows = yield* Effect.orDie((yield* Simulator).containers(username))
    return rows.filter((r) => !r.placeholder).map(expectedContainer)
  })

export const samplesOf = (username: string) =>
  Effect.gen(function*() {
    const state = yield* (yield* Simulator).state()
    return state.accounts.find((a) => a.username === username)!.samples
  })

export interface SheetRead {
  readonly sheetNames: ReadonlyArray<string>
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Container>
  readonly worksheet: ExcelJS.Worksheet
}

/** Reads a containers workbook back with exceljs. */
export const readContainersXlsx = (path: string) =>
  Effect.promise(async (): Promise<SheetRead> => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(readFileSync(path) as unknown as ArrayBuffer)
    const worksheet = workbook.getWorksheet("Containers")!
    const values = (n: number) => (worksheet.getRow(n).values as Array<unknown>).slice(1).map((v) => (v === null || v === undefined ? "" : String(v)))
    const header = values(1)
    const rows: Array<Container> = []
    for (let n = 2; n <= worksheet.rowCount; n++) {
      const cells = values(n)
      const record: Record<string, string> = {}
      CONTAINER_COLUMNS.forEach(([key], i) => {
        record[key] = cells[i] ?? ""
      })
      rows.push(record as unknown as Container)
    }
    return { sheetNames: workbook.worksheets.map((w) => w.name), header, rows, worksheet }
  })

/** The entries of a zip file (validated: CRCs and sizes checked by the reader). */
export const zipEntries = (path: string): ReadonlyArray<ZipEntry> => readZip(readFileSync(path))

/** A stored file's path from its absolute URL (the test's files live under DATA_DIR/files). */
export const urlPathOf = (url: string) => new URL(url).pathname
