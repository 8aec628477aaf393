/**
 * The portal's reference data as the simulator shows it: captcha modes, trade and move types,
 * terminals (with the import moves that use the alternative form), shipping lines with their
 * container owners, equipment sizes and vessels, trucking companies, the milestones of an import
 * and of an export, and the containers grid's columns. Constant, seed-independent data.
 */

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
