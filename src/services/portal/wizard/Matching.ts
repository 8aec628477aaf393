/**
 * The wizard's matching rules, pure and unit-tested: which option a requested text picks (exact,
 * dash-normalised, case-insensitive, partial), which truck plate matches (exactly, ignoring case
 * and spaces — never by prefix), what own_chassis asks for, and the dates in slot labels and
 * calendar cells.
 */
import { Wizard } from "../../PortalSelectors.ts"

const spaces = (s: string) => s.replace(/\s+/g, " ").trim()
const dashes = (s: string) => spaces(s).replace(/\s*-\s*/g, "-")

/**
 * The option to pick for `wanted` (the seed's select_dropdown_by_text): exact text, then with the
 * spaces around dashes removed ("TraPac LLC - Los Angeles" ≈ "TraPac LLC-Los Angeles"), then the
 * same ignoring case, then the first option containing it. -1 when nothing matches.
 */
export const matchOption = (options: ReadonlyArray<string>, wanted: string): number => {
  const w = spaces(wanted)
  if (w === "") return -1
  const tests: ReadonlyArray<(o: string) => boolean> = [
    (o) => spaces(o) === w,
    (o) => dashes(o) === dashes(w),
    (o) => dashes(o).toLowerCase() === dashes(w).toLowerCase(),
    (o) => dashes(o).toLowerCase().includes(dashes(w).toLowerCase())
  ]
  for (const test of tests) {
    const i = options.findIndex(test)
    if (i >= 0) return i
  }
  return -1
}

/** Autocomplete options (Line, Equip Size): exact or case-insensitive, then contained; no "any" fallback. */
export const matchAutocomplete = (options: ReadonlyArray<string>, wanted: string): number => {
  const w = spaces(wanted).toLowerCase()
  if (w === "") return -1
  const exact = options.findIndex((o) => spaces(o).toLowerCase() === w)
  return exact >= 0 ? exact : options.findIndex((o) => spaces(o).toLowerCase().includes(w))
}

/** A plate as compared: whitespace removed, upper case ("7x 82346" → "7X82346"). */
export const normalPlate = (plate: string): string => plate.replace(/\s+/g, "").toUpperCase()

/** The seed's plate wildcard: "" or "ABC123" (any case) picks the first registered plate. */
export const isPlateWildcard = (plate: string): boolean => {
  const p = normalPlate(plate)
  return p === "" || p === Wizard.plateWildcard
}

/**
 * The plate option to pick, or -1. A plate is matched exactly, ignoring case and whitespace — never
 * by prefix or substring, so "7X8234" cannot pick "7X82346". The wildcard ("" / "ABC123") takes the
 * first option, unless "ABC123" is itself one of the plates. A plate that matches nothing is -1: the
 * caller stops the workflow rather than book another truck (the seed silently took the first plate).
 */
export const pickPlateIndex = (options: ReadonlyArray<string>, plate: string): number => {
  const wanted = normalPlate(plate)
  const exact = wanted === "" ? -1 : options.findIndex((o) => normalPlate(o) === wanted)
  if (exact >= 0) return exact
  return isPlateWildcard(plate) && options.length > 0 ? 0 : -1
}

/**
 * own_chassis as the toggle to set: true / "true" / "yes" → YES, false / "false" / "no" → NO (any
 * case); null, absent or "ignore" leave the portal's choice (undefined). The seed treated every
 * non-empty string, "false" included, as YES.
 */
export const ownChassisTarget = (value: unknown): "YES" | "NO" | undefined => {
  if (value === true) return "YES"
  if (value === false) return "NO"
  if (typeof value !== "string") return undefined
  const v = value.trim().toLowerCase()
  if (v === "true" || v === "yes") return "YES"
  if (v === "false" || v === "no") return "NO"
  return undefined
}

/** `MM/DD/YYYY` from a slot label or date text ("Friday 10/24/2025 18:30 - 19:30"); undefined if none. */
export const dateOf = (text: string): string | undefined => {
  const m = /(\d{1,2})\/(\d{1,2})\/(\d{4})/.exec(text)
  if (m === null) return undefined
  return `${m[1]!.padStart(2, "0")}/${m[2]!.padStart(2, "0")}/${m[3]}`
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

/** A calendar cell's aria-label ("October 24, 2025") as `MM/DD/YYYY`; undefined if unreadable. */
export const calendarLabelToDate = (label: string): string | undefined => {
  const m = /([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})/.exec(label)
  if (m === null) return undefined
  const month = MONTHS.findIndex((x) => x.startsWith(m[1]!.toLowerCase().slice(0, 3)))
  if (month < 0) return undefined
  return `${String(month + 1).padStart(2, "0")}/${m[2]!.padStart(2, "0")}/${m[3]}`
}

/** A MM/DD/YYYY date as a month count, to page the calendar towards it. */
export const monthIndex = (date: string): number => {
  const [mm, , yyyy] = date.split("/")
  return Number(yyyy) * 12 + Number(mm) - 1
}
