/**
 * The simulator's deterministic dataset, per account: its trucking companies and their plates,
 * its containers grid (rows from `ContainerRows.ts` over the reference data of `Reference.ts`),
 * the sample containers tests rely on and the open bookings the wizard accepts. Everything
 * derives from the seed, the username and the start day, so two simulators with the same seed
 * started on the same day show identical data.
 *
 * Every account carries the same sample layout in its first batch of rows (see `SAMPLE_ROWS`):
 * an import that passed pregate, one that did not, four whose Pregate divider classes are
 * ambiguous (drawn dark = passed or light = not passed; two with the class `dividerflowcolor3`,
 * two with classes that do not even contain the substring `dividerflowcolor`, so a client that
 * tests substrings reaches its image check too), an export with a booking number and an export
 * whose booking is `N/A`.
 */
import { type ContainerRow, exportRow, type GeneratedRow, importRow, makeBooking, placeholderRow } from "./ContainerRows.ts"
import { makePrng } from "./Prng.ts"
import { type CaptchaMode, IMPORT_MILESTONES, TRUCKING_COMPANIES } from "./Reference.ts"
import type { WallTime } from "./WallClock.ts"

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

/** California-style plates such as `9E43369`. */
export const platesFor = (seed: string | number, company: string): ReadonlyArray<string> => {
  const rng = makePrng(seed, `plates:${company}`)
  const plates = new Set<string>()
  while (plates.size < 6) plates.add(`${rng.int(1, 9)}${rng.letters(1)}${rng.digits(5)}`)
  return [...plates]
}

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
