/**
 * The My Appointments export: an .xlsx workbook (sheet "Appointments") of the selected rows, as
 * the portal's Excel icon downloads it. The real export's columns are unknown; these mirror the
 * page's table plus the move details.
 */
import { Effect } from "effect"
import ExcelJS from "exceljs"
import type { Appointment } from "./State.ts"

export const APPOINTMENT_COLUMNS = [
  "Appointment #",
  "Appointment Time",
  "Status",
  "Terminal",
  "Move Type",
  "Trade Type",
  "Container #",
  "Booking #",
  "Line",
  "Equip Size",
  "Quantity",
  "Truck Plate",
  "Own Chassis",
  "Trucking Company"
] as const

export const appointmentRow = (a: Appointment): ReadonlyArray<string | number> => [
  a.confirmationNumber,
  a.slot,
  a.status,
  a.terminal,
  a.moveType,
  a.tradeType,
  a.containers.join(", "),
  a.booking ?? "",
  a.line ?? "",
  a.equipSize ?? "",
  a.quantity,
  a.truckPlate,
  a.ownChassis ? "YES" : "NO",
  a.truckingCompany
]

export const appointmentsWorkbook = (rows: ReadonlyArray<Appointment>): Effect.Effect<Uint8Array> =>
  Effect.sync(() => {
    const workbook = new ExcelJS.Workbook()
    workbook.creator = "eModal"
    const sheet = workbook.addWorksheet("Appointments")
    sheet.addRow([...APPOINTMENT_COLUMNS])
    sheet.getRow(1).font = { bold: true }
    const table = rows.map(appointmentRow)
    for (const row of table) sheet.addRow([...row])
    APPOINTMENT_COLUMNS.forEach((c, i) => {
      const width = Math.max(c.length, ...table.map((row) => String(row[i] ?? "").length))
      sheet.getColumn(i + 1).width = Math.min(50, width + 2)
    })
    return workbook
  }).pipe(
    Effect.flatMap((workbook) => Effect.promise(() => workbook.xlsx.writeBuffer())),
    Effect.map((buffer) => new Uint8Array(buffer))
  )
