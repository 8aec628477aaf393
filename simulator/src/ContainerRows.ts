/**
 * One row of the containers grid — its cells, its expanded detail (groups of fields and the
 * milestone timeline with its dividers) — and how an import, an export or an all-`N/A`
 * placeholder row is generated from the account's random stream. Ids are ISO 6346 ids with a
 * valid check digit; dates walk forward from a base day before the simulator's start day.
 */
import type { Prng } from "./Prng.ts"
import {
  EXPORT_MILESTONES,
  GRID_COLUMNS,
  IMPORT_MILESTONES,
  LINES,
  MASK,
  PREGATE_INDEX,
  type Terminal,
  TERMINALS,
  type TradeType
} from "./Reference.ts"
import { addDays, addMinutes, atTime, formatMdy, formatMdyHm, type WallTime } from "./WallClock.ts"

/**
 * How a divider is drawn: `done` (class `dividerflowcolor`), `pending` (`horizontalconflow`), or
 * ambiguously, only its colour telling: `ambiguous-*` (class `dividerflowcolor3`, which contains
 * the substring `dividerflowcolor`) and `plain-*` (class `mat-divider`, which contains neither
 * known class as a substring); `*-dark` means done, `*-light` not done.
 */
export type DividerKind = "done" | "pending" | "ambiguous-dark" | "ambiguous-light" | "plain-dark" | "plain-light"

export interface Milestone {
  readonly name: string
  /** `MM/DD/YYYY HH:MM`, `MM/DD/YYYY` or `N/A`. */
  readonly date: string
  /** The milestone's true state. */
  readonly done: boolean
  /** How its divider is drawn: by class (`done`/`pending`) or ambiguously (image only). */
  readonly divider: DividerKind
}

export interface DetailGroup {
  readonly title: string | null
  readonly fields: ReadonlyArray<readonly [label: string, value: string]>
}

export interface ContainerRow {
  /** Position in the grid (0-based, placeholders included). */
  readonly index: number
  readonly placeholder: boolean
  /** The id without its suffix (`MSDU5772413`); null for placeholder rows. */
  readonly id: string | null
  /** The id as the grid shows it (`MSDU5772413L`), or `N/A`. */
  readonly displayId: string
  readonly tradeType: TradeType | null
  /** The 18 cells in column order, as displayed. */
  readonly cells: ReadonlyArray<string>
  readonly terminal: string | null
  readonly booking: string | null
  readonly customer: string
  readonly detailTerminal: string
  readonly groups: ReadonlyArray<DetailGroup>
  /** Oldest first (DOM order). */
  readonly milestones: ReadonlyArray<Milestone>
  /** Imports only: whether the Pregate milestone is done. */
  readonly passedPregate: boolean | null
}

const ISO_LETTER_VALUES: Record<string, number> = (() => {
  const values: Record<string, number> = {}
  let v = 10
  for (let c = 65; c <= 90; c++) {
    if (v % 11 === 0) v++
    values[String.fromCharCode(c)] = v
    v++
  }
  return values
})()

/** ISO 6346 check digit of a 4-letter + 6-digit container id. */
export const isoCheckDigit = (ownerAndSerial: string): number => {
  let sum = 0
  for (let i = 0; i < 10; i++) {
    const ch = ownerAndSerial[i] ?? "0"
    const value = /[A-Z]/.test(ch) ? (ISO_LETTER_VALUES[ch] ?? 0) : Number(ch)
    sum += value * 2 ** i
  }
  return (sum % 11) % 10
}

const CUSTOMERS = ["UNKNOWN", "UNKNOWN", "ACME IMPORTS INC", "WESTSIDE FURNITURE", "SOCAL DISTRIBUTION"]
const TAGS = ["HOT", "PRIORITY", "RUSH"]

export interface ImportPlan {
  readonly done: number // milestones done, 1..9
  readonly pregateDivider?: DividerKind
}

/** An export's booking: mostly letters + digits, some all digits, some none. */
export const makeBooking = (rng: Prng): string | null => {
  const r = rng.next()
  if (r < 0.6) return `${rng.letters(6)}${rng.digits(6)}`
  if (r < 0.85) return `${rng.int(1, 9)}${rng.digits(8)}`
  return null
}

/** `ITSLB-0917-17650`: terminal prefix, MMDD, serial. */
const ticketNumber = (terminal: Terminal, day: WallTime, rng: Prng): string =>
  `${terminal.ticketPrefix}-${String(day.month).padStart(2, "0")}${String(day.day).padStart(2, "0")}-${rng.digits(5)}`

const milestoneDates = (base: WallTime, count: number, rng: Prng, done: number, dateOnly: ReadonlyArray<number>) => {
  // Done milestones get dates walking forward from `base`; pending ones read N/A.
  const dates: Array<string> = []
  let t = atTime(base, rng.int(5, 9), rng.int(0, 59))
  for (let i = 0; i < count; i++) {
    if (i < done) {
      dates.push(dateOnly.includes(i) ? formatMdy(t) : formatMdyHm(t))
      t = addMinutes(t, rng.int(6 * 60, 40 * 60))
    } else {
      dates.push("N/A")
    }
  }
  return dates
}

/** The detail page's last group, alike for imports and exports. */
const otherInformation = (size: string, rng: Prng): DetailGroup => ({
  title: "Other Information",
  fields: [
    ["Haz", "N/A"],
    ["OD", "N/A"],
    ["Reefer", size.endsWith("RH") ? "YES" : "NO"],
    ["Yard Location", `#${rng.int(100, 999)}`],
    ["Weight", String(rng.int(4000, 30480))],
    ["UOM", "Kilograms"],
    ["Yard Status", "N/A"]
  ]
})

/** A real (non-placeholder) row before its grid position is known: it always has an id. */
export type GeneratedRow = Omit<ContainerRow, "index" | "placeholder" | "id"> & { readonly id: string }

export const importRow = (
  rng: Prng,
  startDay: WallTime,
  plan: ImportPlan
): GeneratedRow => {
  const line = rng.pick(LINES)
  const owner = rng.pick(line.owners)
  const serial = rng.digits(6)
  const id = `${owner}${serial}${isoCheckDigit(owner + serial)}`
  const terminal = rng.pick(TERMINALS)
  const vessel = rng.pick(line.vessels)
  const voyage = `${rng.digits(3)}${rng.pick(["E", "W", "N", "S"])}`
  const size = rng.pick(line.sizes)
  const done = plan.done
  const empty = done >= 8
  const suffix = rng.chance(0.1) ? "" : empty ? "E" : "L"
  const base = addDays(startDay, -rng.int(3, 20))
  const dates = milestoneDates(base, IMPORT_MILESTONES.length, rng, done, [2])
  const milestones: Array<Milestone> = IMPORT_MILESTONES.map((name, i) => {
    const isDone = i < done
    const divider: DividerKind = i === PREGATE_INDEX && plan.pregateDivider !== undefined
      ? plan.pregateDivider
      : isDone ? "done" : "pending"
    return { name, date: dates[i] ?? "N/A", done: isDone, divider }
  })
  const passed = done > PREGATE_INDEX
  const status = done <= 1 ? "ON VESSEL" : done <= 5 ? "IN YARD" : done >= 9 ? "GATE IN" : "GATE OUT"
  const holds = done <= 1 ? "N/A" : rng.chance(0.15) ? " YES" : " NO"
  const ticketDay = addDays(startDay, -rng.int(0, 10))
  const ticket = done >= PREGATE_INDEX
    ? `${ticketNumber(terminal, ticketDay, rng)}${rng.chance(0.5) ? ` ${rng.digits(rng.int(6, 7))}` : ""}`
    : "N/A"
  const emodalPregate = passed ? "COMPLETED" : done === PREGATE_INDEX ? rng.pick(["CONFIRMED", "MISSED", "CANCELED"]) : "N/A"
  const gate = done > PREGATE_INDEX + 1
    ? "ACCEPTED"
    : passed
    ? "CONFIRMED"
    : done === PREGATE_INDEX && rng.chance(0.3)
    ? rng.pick(["REJECTED", "CANCELED"])
    : "N/A"
  const currentLoc = done <= 1 ? "VESSEL" : done <= 5 ? terminal.code : done >= 9 ? terminal.code : "N/A"
  const lfd = addDays(startDay, rng.int(-2, 6))
  const lfdText = done >= 2 && done <= 5 ? `${formatMdy(lfd)} - ${formatMdy(lfd)}` : "N/A"
  const fees = done >= 2 && done <= 5 && rng.chance(0.2) ? `$${rng.int(1, 9)}${rng.digits(2)}.00` : "N/A"
  const tags = rng.chance(0.08) ? rng.pick(TAGS) : "N/A"
  const maskStatus = rng.chance(0.04)
  const maskTicket = ticket !== "N/A" && rng.chance(0.08)
  const cells = [
    `${id}${suffix}`,
    "IMPORT",
    maskStatus ? MASK : status,
    holds,
    maskTicket ? MASK : ticket,
    emodalPregate,
    gate,
    terminal.code,
    rng.chance(0.5) ? "N/A" : rng.pick(["ONTARIO", "COMPTON", "CARSON", "RIVERSIDE"]),
    currentLoc,
    line.scac,
    vessel.name,
    vessel.code,
    voyage,
    size,
    fees,
    lfdText,
    tags
  ]
  const pregateTime = milestones[PREGATE_INDEX]?.date ?? "N/A"
  const groups: Array<DetailGroup> = [
    { title: null, fields: [["Status", maskStatus ? MASK : status], ["Booking #", "N/A"]] },
    {
      title: "Holds/Releases",
      fields: [
        ["Custom Hold", holds === " YES" ? "Yes" : "No"],
        ["Custom Release", done >= 3 ? formatMdy(addDays(base, 2)) : "N/A"],
        ["Line Hold", "No"],
        ["Line Release", done >= 3 ? formatMdy(addDays(base, 1)) : "N/A"],
        ["Other Holds", "No"],
        ["LFD", lfdText === "N/A" ? "N/A" : formatMdy(lfd)],
        ["Good Through", lfdText === "N/A" ? "N/A" : formatMdy(lfd)]
      ]
    },
    { title: "Fees", fields: [] },
    {
      title: "Arrival Information",
      fields: [
        ["Arrival Carrier", "VESSEL"],
        ["Truck #", "N/A"],
        ["Trucker Scac", "N/A"],
        ["Driver Name", "N/A"],
        ["Pregate Time", pregateTime],
        ["Pregate Status", emodalPregate],
        ["Rail Number", "N/A"]
      ]
    },
    {
      title: "Departure Information",
      fields: [["Departure Carrier", passed ? "TRUCK" : "N/A"], ["Line", line.scac], ["Vessel Code/Voyage", `${vessel.code}/${voyage}`]]
    },
    otherInformation(size, rng)
  ]
  return {
    id,
    displayId: `${id}${suffix}`,
    tradeType: "IMPORT",
    cells,
    terminal: terminal.name,
    booking: null,
    customer: rng.pick(CUSTOMERS),
    detailTerminal: terminal.detailName,
    groups,
    milestones,
    passedPregate: passed
  }
}

export const exportRow = (
  rng: Prng,
  startDay: WallTime,
  booking: string | null
): GeneratedRow => {
  const line = rng.pick(LINES)
  const owner = rng.pick(line.owners)
  const serial = rng.digits(6)
  const id = `${owner}${serial}${isoCheckDigit(owner + serial)}`
  const terminal = rng.pick(TERMINALS)
  const vessel = rng.pick(line.vessels)
  const voyage = `${rng.digits(3)}${rng.pick(["E", "W"])}`
  const size = rng.pick(line.sizes)
  const done = rng.int(1, EXPORT_MILESTONES.length)
  const suffix = rng.chance(0.1) ? "" : done >= 4 ? "E" : "L"
  const base = addDays(startDay, -rng.int(2, 15))
  const dates = milestoneDates(base, EXPORT_MILESTONES.length, rng, done, [])
  const milestones: Array<Milestone> = EXPORT_MILESTONES.map((name, i) => ({
    name,
    date: dates[i] ?? "N/A",
    done: i < done,
    divider: i < done ? "done" : "pending"
  }))
  const status = done <= 2 ? "GATE IN" : done === 3 ? "IN YARD" : "ON VESSEL"
  const gto = addDays(startDay, rng.int(0, 8))
  const cells = [
    `${id}${suffix}`,
    "EXPORT",
    status,
    rng.chance(0.5) ? "N/A" : " NO",
    rng.chance(0.3) ? ticketNumber(terminal, gto, rng) : "N/A",
    rng.chance(0.3) ? "CONFIRMED" : "N/A",
    done >= 2 ? "ACCEPTED" : "N/A",
    "N/A",
    terminal.code,
    terminal.code,
    line.scac,
    vessel.name,
    vessel.code,
    voyage,
    size,
    "N/A",
    `${formatMdy(gto)} - ${formatMdy(gto)}`,
    rng.chance(0.05) ? rng.pick(TAGS) : "N/A"
  ]
  const groups: Array<DetailGroup> = [
    { title: null, fields: [["Status", status], ["Booking #", booking ?? "N/A"]] },
    {
      title: "Holds/Releases",
      fields: [
        ["Custom Hold", "No"],
        ["Custom Release", "N/A"],
        ["Line Hold", "No"],
        ["Line Release", "N/A"],
        ["Other Holds", "No"],
        ["LFD", formatMdy(gto)],
        ["Good Through", formatMdy(gto)]
      ]
    },
    { title: "Fees", fields: [] },
    {
      title: "Arrival Information",
      fields: [
        ["Arrival Carrier", "TRUCK"],
        ["Truck #", "N/A"],
        ["Trucker Scac", "N/A"],
        ["Driver Name", "N/A"],
        ["Pregate Time", "N/A"],
        ["Pregate Status", "N/A"],
        ["Rail Number", "N/A"]
      ]
    },
    {
      title: "Departure Information",
      fields: [["Departure Carrier", "VESSEL"], ["Line", line.scac], ["Vessel Code/Voyage", `${vessel.code}/${voyage}`]]
    },
    otherInformation(size, rng)
  ]
  return {
    id,
    displayId: `${id}${suffix}`,
    tradeType: "EXPORT",
    cells,
    terminal: terminal.name,
    booking,
    customer: "UNKNOWN",
    detailTerminal: terminal.detailName,
    groups,
    milestones,
    passedPregate: null
  }
}

/** An all-`N/A` row without an id, as the portal shows between real ones. */
export const placeholderRow = (index: number): ContainerRow => ({
  index,
  placeholder: true,
  id: null,
  displayId: "N/A",
  tradeType: null,
  cells: GRID_COLUMNS.map(() => "N/A"),
  terminal: null,
  booking: null,
  customer: "N/A",
  detailTerminal: "N/A",
  groups: [],
  milestones: [],
  passedPregate: null
})
