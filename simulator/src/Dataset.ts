/**
 * The simulator's deterministic dataset: reference data (trucking companies, terminals, move
 * types, lines and their equipment sizes) and, per account, the containers grid, the sample
 * containers tests rely on, open bookings and pre-booked appointments. Everything derives from
 * the seed, the username and the start day, so two simulators with the same seed started on the
 * same day show identical data.
 *
 * Every account carries the same sample layout in its first batch of rows (see `SAMPLE_ROWS`):
 * an import that passed pregate, one that did not, four whose Pregate divider classes are
 * ambiguous (drawn dark = passed or light = not passed; two with the class `dividerflowcolor3`,
 * two with classes that do not even contain the substring `dividerflowcolor`, so a client that
 * tests substrings reaches its image check too), an export with a booking number and an export
 * whose booking is `N/A`.
 */
import { makePrng, type Prng } from "./Prng.ts"
import { addDays, addMinutes, atTime, formatMdy, formatMdyHm, type WallTime } from "./WallClock.ts"

// ---------------------------------------------------------------------------------------------
// Reference data

export type CaptchaMode = "trusted" | "audio" | "token"
export const CAPTCHA_MODES: ReadonlyArray<CaptchaMode> = ["trusted", "audio", "token"]

export type TradeType = "IMPORT" | "EXPORT"

export const MOVE_TYPES = ["DROP EMPTY", "DROP FULL", "PICK FULL", "PICK EMPTY"] as const
export type MoveType = (typeof MOVE_TYPES)[number]

/** PICK FULL (collect a full import) and DROP EMPTY (return its empty) are import moves. */
export const tradeTypeOfMove = (move: MoveType): TradeType =>
  move === "PICK FULL" || move === "DROP EMPTY" ? "IMPORT" : "EXPORT"

export interface Terminal {
  /** As listed in the wizard's Terminal select. */
  readonly name: string
  /** The grid's terminal code (Origin / Destination / Current Loc). */
  readonly code: string
  /** The upper-cased name shown at the top of an expanded row. */
  readonly detailName: string
  /** Prefix of pregate ticket numbers. */
  readonly ticketPrefix: string
  /** Import moves that use the alternative form (Line / Equip Size / Quantity) at this terminal. */
  readonly alternativeImportMoves: ReadonlyArray<MoveType>
}

export const TERMINALS: ReadonlyArray<Terminal> = [
  { name: "ITS Long Beach", code: "ITS", detailName: "ITS LONG BEACH", ticketPrefix: "ITSLB", alternativeImportMoves: [] },
  {
    name: "TraPac LLC - Los Angeles",
    code: "TRP1",
    detailName: "TRAPAC LLC-LOS ANGELES",
    ticketPrefix: "TRPCLA",
    alternativeImportMoves: ["DROP EMPTY"]
  },
  {
    name: "Everport Terminal Services - Los Angeles",
    code: "ETSLAX",
    detailName: "EVERPORT TERMINAL SERVICES-LOS ANGELES",
    ticketPrefix: "ETSLAX",
    alternativeImportMoves: ["DROP EMPTY"]
  },
  {
    name: "Total Terminals International - Long Beach",
    code: "TTI",
    detailName: "TOTAL TERMINALS INTERNATIONAL-LONG BEACH",
    ticketPrefix: "TTI",
    alternativeImportMoves: []
  },
  {
    name: "Pacific Container Terminal - Long Beach",
    code: "PCT",
    detailName: "PACIFIC CONTAINER TERMINAL-LONG BEACH",
    ticketPrefix: "PCTLB",
    alternativeImportMoves: []
  },
  { name: "Pier A - Long Beach", code: "PLBA", detailName: "PIER A-LONG BEACH", ticketPrefix: "PLBA", alternativeImportMoves: [] }
]

export const terminalByName = (name: string): Terminal | undefined => TERMINALS.find((t) => t.name === name)

export interface Line {
  readonly scac: string
  /** Owner prefixes of its container ids. */
  readonly owners: ReadonlyArray<string>
  /** Equip sizes offered for this line (the wizard's Line → Equip Size dependency). */
  readonly sizes: ReadonlyArray<string>
  readonly vessels: ReadonlyArray<{ readonly name: string; readonly code: string }>
}

export const LINES: ReadonlyArray<Line> = [
  {
    scac: "MSCU",
    owners: ["MSDU", "MSCU", "MEDU"],
    sizes: ["20GP", "40GP", "40HC"],
    vessels: [{ name: "MSC AURORA", code: "9703318" }, { name: "MSC TINA", code: "9398424" }]
  },
  {
    scac: "HDMU",
    owners: ["HMMU", "HDMU"],
    sizes: ["20GP", "40HC", "45DH"],
    vessels: [{ name: "HYUNDAI PRIDE", code: "9305661" }, { name: "HMM ALGECIRAS", code: "9863297" }]
  },
  {
    scac: "ONEY",
    owners: ["ONEU", "TCLU"],
    sizes: ["20GP", "40DH", "40RH"],
    vessels: [{ name: "ONE HARMONY", code: "9337638" }, { name: "ONE MANCHESTER", code: "9806079" }]
  },
  {
    scac: "CMDU",
    owners: ["CMAU", "APHU"],
    sizes: ["40HC", "45DH", "4510"],
    vessels: [{ name: "CMA CGM TAGE", code: "9776432" }, { name: "APL SENTOSA", code: "9632143" }]
  },
  {
    scac: "YMJA",
    owners: ["YMLU", "YMMU"],
    sizes: ["20GP", "40GP"],
    vessels: [{ name: "YM WELLNESS", code: "9757204" }, { name: "YM TRUTH", code: "9708746" }]
  },
  {
    scac: "EGLV",
    owners: ["EGHU", "EITU"],
    sizes: ["20GP", "40HC", "40RH"],
    vessels: [{ name: "EVER LUCID", code: "9893955" }, { name: "EVER GIVEN", code: "9811000" }]
  }
]

/** Each line's equip sizes by SCAC (the wizard's options, the state snapshot's reference data). */
export const lineSizes = (): Readonly<Record<string, ReadonlyArray<string>>> =>
  Object.fromEntries(LINES.map((l) => [l.scac, l.sizes]))

export const TRUCKING_COMPANIES: ReadonlyArray<string> = [
  "K & R TRANSPORTATION LLC",
  "LONGSHIP FREIGHT LLC",
  "PACIFIC COAST DRAYAGE INC",
  "HARBOR EXPRESS TRUCKING",
  "GOLDEN STATE CARRIERS LLC"
]

export const IMPORT_MILESTONES = [
  "Container Manifested",
  "Discharged",
  "Last Free Day",
  "Ready for pick up",
  "Pregate",
  "Departed Terminal",
  "Arrived at customer",
  "Empty released by customer",
  "Empty Received"
] as const
export const PREGATE_INDEX = 4

export const EXPORT_MILESTONES = ["Loaded", "Terminal In-Gate", "Load Departure", "Empty Received", "Empty Pickup"] as const

export const GRID_COLUMNS = [
  "Container #",
  "Trade Type",
  "Status",
  "Holds",
  "Pregate Ticket#",
  "Emodal Pregate Status",
  "Gate Status",
  "Origin",
  "Destination",
  "Current Loc",
  "Line",
  "Vessel Name",
  "Vessel Code",
  "Voyage",
  "Size Type",
  "Fees",
  "LFD/GTD",
  "Tags"
] as const

export const MASK = "**************"

// ---------------------------------------------------------------------------------------------
// Accounts and containers

export interface AccountSpec {
  readonly username: string
  readonly password: string
  /** How the reCAPTCHA widget behaves for this account. Default "token". */
  readonly captchaMode?: CaptchaMode | undefined
  /** Containers with an id (placeholder rows come on top). Default 60. */
  readonly containerCount?: number | undefined
  /** One all-`N/A` placeholder row after every this many containers; 0 = none. Default 80. */
  readonly placeholderEvery?: number | undefined
  /** Appointments already booked when the account is created. Default 0. */
  readonly appointmentCount?: number | undefined
  /** The account's trucking companies (wizard options). Default the first two of the list. */
  readonly truckingCompanies?: ReadonlyArray<string> | undefined
}

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

export interface Samples {
  readonly importPassedPregate: string | null
  readonly importNotPassedPregate: string | null
  /** Pregate divider class `dividerflowcolor3` (neither done nor pending), drawn dark: passed. */
  readonly importAmbiguousDark: string | null
  /** Pregate divider class `dividerflowcolor3`, drawn light grey: not passed. */
  readonly importAmbiguousLight: string | null
  /** Pregate divider class `mat-divider` (no `dividerflowcolor` substring), drawn dark: passed. */
  readonly importAmbiguousPlainDark: string | null
  /** Pregate divider class `mat-divider` (no `dividerflowcolor` substring), drawn light grey: not passed. */
  readonly importAmbiguousPlainLight: string | null
  readonly exportWithBooking: string | null
  readonly exportWithBookingNumber: string | null
  readonly exportWithoutBooking: string | null
  /** The last container with an id (the bottom of the grid). */
  readonly lastContainer: string | null
}

/** Row positions of the samples, all inside the first batch of 40. */
export const SAMPLE_ROWS = {
  importPassedPregate: 2,
  importNotPassedPregate: 5,
  importAmbiguousDark: 9,
  importAmbiguousLight: 14,
  importAmbiguousPlainDark: 11,
  importAmbiguousPlainLight: 17,
  exportWithBooking: 20,
  exportWithoutBooking: 27
} as const

export interface Company {
  readonly name: string
  readonly plates: ReadonlyArray<string>
}

export interface AccountData {
  readonly username: string
  readonly password: string
  readonly captchaMode: CaptchaMode
  readonly companies: ReadonlyArray<Company>
  readonly rows: ReadonlyArray<ContainerRow>
  readonly samples: Samples
  /** Booking numbers the wizard accepts for exports. */
  readonly openBookings: ReadonlyArray<string>
}

export interface ContainerSummary {
  readonly rows: number
  readonly containers: number
  readonly placeholders: number
  readonly imports: number
  readonly exports: number
}

export const summarize = (rows: ReadonlyArray<ContainerRow>): ContainerSummary => ({
  rows: rows.length,
  containers: rows.filter((r) => !r.placeholder).length,
  placeholders: rows.filter((r) => r.placeholder).length,
  imports: rows.filter((r) => r.tradeType === "IMPORT").length,
  exports: rows.filter((r) => r.tradeType === "EXPORT").length
})

// ---------------------------------------------------------------------------------------------
// Generation

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

/** California-style plates such as `9E43369`. */
export const platesFor = (seed: string | number, company: string): ReadonlyArray<string> => {
  const rng = makePrng(seed, `plates:${company}`)
  const plates = new Set<string>()
  while (plates.size < 6) plates.add(`${rng.int(1, 9)}${rng.letters(1)}${rng.digits(5)}`)
  return [...plates]
}

const CUSTOMERS = ["UNKNOWN", "UNKNOWN", "ACME IMPORTS INC", "WESTSIDE FURNITURE", "SOCAL DISTRIBUTION"]
const TAGS = ["HOT", "PRIORITY", "RUSH"]

interface ImportPlan {
  readonly done: number // milestones done, 1..9
  readonly pregateDivider?: DividerKind
}

const makeBooking = (rng: Prng): string | null => {
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
type GeneratedRow = Omit<ContainerRow, "index" | "placeholder" | "id"> & { readonly id: string }

const importRow = (
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

const exportRow = (
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

const placeholderRow = (index: number): ContainerRow => ({
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

const LAST_SAMPLE_ROW = Math.max(...Object.values(SAMPLE_ROWS))

const sampleKindAt = (position: number): keyof typeof SAMPLE_ROWS | undefined =>
  (Object.keys(SAMPLE_ROWS) as Array<keyof typeof SAMPLE_ROWS>).find((k) => SAMPLE_ROWS[k] === position)

/** Generates one account's data. `startDay` anchors every date (the simulator's first day). */
export const generateAccount = (seed: string | number, spec: AccountSpec, startDay: WallTime): AccountData => {
  const rng = makePrng(seed, `account:${spec.username}`)
  const containerCount = spec.containerCount ?? 60
  const placeholderEvery = spec.placeholderEvery ?? 80
  const companies = (spec.truckingCompanies ?? TRUCKING_COMPANIES.slice(0, 2)).map((name) => ({
    name,
    plates: platesFor(seed, name)
  }))
  const rows: Array<ContainerRow> = []
  const seenIds = new Set<string>()
  const samples: Record<string, string | null> = {}
  let real = 0
  while (real < containerCount) {
    const pastSamples = rows.length > LAST_SAMPLE_ROW
    if (placeholderEvery > 0 && pastSamples && real % placeholderEvery === 0 && rows.at(-1)?.placeholder !== true) {
      rows.push(placeholderRow(rows.length))
      continue
    }
    const position = rows.length
    const sample = sampleKindAt(position)
    let row: GeneratedRow
    switch (sample) {
      case "importPassedPregate":
        row = importRow(rng, startDay, { done: 6 })
        break
      case "importNotPassedPregate":
        row = importRow(rng, startDay, { done: 3 })
        break
      case "importAmbiguousDark":
        row = importRow(rng, startDay, { done: 6, pregateDivider: "ambiguous-dark" })
        break
      case "importAmbiguousLight":
        row = importRow(rng, startDay, { done: 3, pregateDivider: "ambiguous-light" })
        break
      case "importAmbiguousPlainDark":
        row = importRow(rng, startDay, { done: 6, pregateDivider: "plain-dark" })
        break
      case "importAmbiguousPlainLight":
        row = importRow(rng, startDay, { done: 3, pregateDivider: "plain-light" })
        break
      case "exportWithBooking":
        row = exportRow(rng, startDay, `${rng.letters(6)}${rng.digits(6)}`)
        break
      case "exportWithoutBooking":
        row = exportRow(rng, startDay, null)
        break
      default:
        row = rng.chance(0.65)
          ? importRow(rng, startDay, { done: rng.int(1, IMPORT_MILESTONES.length) })
          : exportRow(rng, startDay, makeBooking(rng))
    }
    if (seenIds.has(row.id)) continue
    seenIds.add(row.id)
    if (sample !== undefined) {
      samples[sample] = row.id
      if (sample === "exportWithBooking") samples["exportWithBookingNumber"] = row.booking
    }
    rows.push({ ...row, index: position, placeholder: false })
    real++
  }
  const exportBookings = rows.flatMap((r) => (r.booking !== null ? [r.booking] : []))
  const extraBookings = [0, 1, 2].map(() => `${rng.letters(6)}${rng.digits(6)}`)
  const lastReal = [...rows].reverse().find((r) => !r.placeholder)
  return {
    username: spec.username,
    password: spec.password,
    captchaMode: spec.captchaMode ?? "token",
    companies,
    rows,
    samples: {
      importPassedPregate: samples["importPassedPregate"] ?? null,
      importNotPassedPregate: samples["importNotPassedPregate"] ?? null,
      importAmbiguousDark: samples["importAmbiguousDark"] ?? null,
      importAmbiguousLight: samples["importAmbiguousLight"] ?? null,
      importAmbiguousPlainDark: samples["importAmbiguousPlainDark"] ?? null,
      importAmbiguousPlainLight: samples["importAmbiguousPlainLight"] ?? null,
      exportWithBooking: samples["exportWithBooking"] ?? null,
      exportWithBookingNumber: samples["exportWithBookingNumber"] ?? null,
      exportWithoutBooking: samples["exportWithoutBooking"] ?? null,
      lastContainer: lastReal?.id ?? null
    },
    openBookings: [...new Set([...exportBookings, ...extraBookings])]
  }
}

/** The accounts every simulator starts with. `demo`/`demo` is relied on by scripts. */
export const DEFAULT_ACCOUNTS: ReadonlyArray<AccountSpec> = [
  { username: "demo", password: "demo", captchaMode: "token", containerCount: 120, appointmentCount: 30 },
  {
    username: "bigfleet",
    password: "bigfleet",
    captchaMode: "token",
    containerCount: 2000,
    appointmentCount: 60,
    truckingCompanies: ["LONGSHIP FREIGHT LLC", "PACIFIC COAST DRAYAGE INC"]
  },
  { username: "audio", password: "audio", captchaMode: "audio", containerCount: 60, appointmentCount: 3 },
  { username: "trusted", password: "trusted", captchaMode: "trusted", containerCount: 60, appointmentCount: 3 }
]
