/**
 * Calendar arithmetic on the portal's wall clock. The real portal shows Pacific time, so the
 * simulator renders every date in one IANA zone (default America/Los_Angeles) and does its day
 * arithmetic on plain calendar values, never on instants: adding a day to "10/24/2025" is
 * "10/25/2025" whatever DST does in between.
 */

export interface WallTime {
  readonly year: number
  readonly month: number // 1-12
  readonly day: number
  readonly hour: number
  readonly minute: number
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit"
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** The wall-clock reading of an instant (epoch millis) in `timeZone`. */
export const wallTimeAt = (epochMillis: number, timeZone: string): WallTime => {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMillis))
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? "0")
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour") % 24, minute: get("minute") }
}

/** Calendar day arithmetic (UTC is used as a plain calendar, no zone involved). */
export const addDays = (t: WallTime, days: number): WallTime => {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days))
  return { ...t, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

export const addMinutes = (t: WallTime, minutes: number): WallTime => {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute + minutes))
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes()
  }
}

export const atTime = (t: WallTime, hour: number, minute: number): WallTime => ({ ...t, hour, minute })

/** Sortable key, e.g. 202510241830. */
export const wallKey = (t: WallTime): number =>
  (((t.year * 100 + t.month) * 100 + t.day) * 100 + t.hour) * 100 + t.minute

export const dayKey = (t: WallTime): string => `${t.year}-${pad(t.month)}-${pad(t.day)}`

export const weekday = (t: WallTime): string =>
  WEEKDAYS[new Date(Date.UTC(t.year, t.month - 1, t.day)).getUTCDay()] as string

const pad = (n: number): string => String(n).padStart(2, "0")

/** 10/24/2025 */
export const formatMdy = (t: WallTime): string => `${pad(t.month)}/${pad(t.day)}/${t.year}`

/** 18:30 */
export const formatHm = (t: WallTime): string => `${pad(t.hour)}:${pad(t.minute)}`

/** 10/24/2025 18:30 */
export const formatMdyHm = (t: WallTime): string => `${formatMdy(t)} ${formatHm(t)}`
