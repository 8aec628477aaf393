/**
 * The configuration's parsers: a raw environment string to a value, or a `ConfigExpectation`
 * whose text completes the boot error line ("X must be <expected> (got …)").
 */
import { Duration } from "effect"

// ---------------------------------------------------------------------------------------------
// Parsers: raw string → value, or the expectation text for the error line

export type Parse<A> = (raw: string) => A | ConfigExpectation

export class ConfigExpectation {
  readonly expected: string
  constructor(expected: string) {
    this.expected = expected
  }
}

export const int = (min: number, max: number): Parse<number> => (raw) => {
  const n = Number(raw.trim())
  return /^-?\d+$/.test(raw.trim()) && n >= min && n <= max
    ? n
    : new ConfigExpectation(`an integer between ${min} and ${max}`)
}

export const DURATION_UNITS: Record<string, number> = {
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000
}

/** "90" (seconds), "90 seconds", "5 minutes", "1500 millis", "24h". */
export const duration = (min: Duration.Duration): Parse<Duration.Duration> => (raw) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw)
  const unit = m?.[2] === undefined || m[2] === "" ? "seconds" : m[2].toLowerCase()
  const factor = DURATION_UNITS[unit]
  if (m === null || factor === undefined) {
    return new ConfigExpectation(`a duration such as "90 seconds", "5 minutes" or a number of seconds`)
  }
  const d = Duration.millis(Math.round(Number(m[1]) * factor))
  return Duration.isGreaterThanOrEqualTo(d, min)
    ? d
    : new ConfigExpectation(`a duration of at least ${Duration.format(min)}`)
}

export const oneOf = <const L extends string>(values: ReadonlyArray<L>): Parse<L> => (raw) => {
  const v = raw.trim().toLowerCase()
  const hit = values.find((x) => x.toLowerCase() === v)
  return hit ?? new ConfigExpectation(`one of ${values.join(" | ")}`)
}

export const bool: Parse<boolean> = (raw) => {
  const v = raw.trim().toLowerCase()
  if (["1", "true", "yes", "on"].includes(v)) return true
  if (["0", "false", "no", "off"].includes(v)) return false
  return new ConfigExpectation("true or false")
}

export const httpUrl: Parse<URL> = (raw) => {
  try {
    const u = new URL(raw.trim())
    return u.protocol === "http:" || u.protocol === "https:"
      ? u
      : new ConfigExpectation("an http:// or https:// URL")
  } catch {
    return new ConfigExpectation("an http:// or https:// URL")
  }
}

/**
 * Chrome's --proxy-server takes scheme, host and port only: a user:password in the URL would be
 * dropped without a word and the proxy would answer 407, so it is refused at boot instead.
 */
export const proxyUrl: Parse<URL> = (raw) => {
  const withCredentials = URL.parse(raw.trim())
  if (withCredentials !== null && (withCredentials.username !== "" || withCredentials.password !== "")) {
    return new ConfigExpectation("an http:// or https:// URL without user:password (Chrome's --proxy-server cannot carry credentials)")
  }
  return httpUrl(raw)
}

/** A Host header value: a DNS name, IPv4 or bracketed IPv6 address, optionally with a port. */
export const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(:\d{1,5})?$/

/** Comma-separated `host` or `host:port` entries (lower-cased). */
export const hostList: Parse<ReadonlyArray<string>> = (raw) => {
  const entries = raw.split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== "")
  return entries.length > 0 && entries.every((e) => HOST_HEADER.test(e))
    ? entries
    : new ConfigExpectation("a comma-separated list of host or host:port entries (e.g. api.example.com,10.0.0.5:5010)")
}

/** postgres://user:password@host:port/database?options — the URL is a secret: never echoed. */
export const postgresUrl: Parse<string> = (raw) => {
  const u = URL.parse(raw.trim())
  return u !== null && (u.protocol === "postgres:" || u.protocol === "postgresql:") &&
      (u.hostname !== "" || (u.searchParams.get("host") ?? "") !== "")
    ? raw.trim()
    : new ConfigExpectation("a postgres:// or postgresql:// URL with a host (e.g. postgres://user:password@db:5432/emodal)")
}

/** `key=value,key2=value2` (W3C baggage style, values percent-decoded), as OTEL_EXPORTER_OTLP_HEADERS. */
export const headerList: Parse<Readonly<Record<string, string>>> = (raw) => {
  const out: Record<string, string> = {}
  for (const entry of raw.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=")
    const key = eq > 0 ? entry.slice(0, eq).trim() : ""
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) return new ConfigExpectation("a comma-separated list of key=value headers")
    try {
      out[key] = decodeURIComponent(entry.slice(eq + 1).trim())
    } catch {
      return new ConfigExpectation("a comma-separated list of key=value headers")
    }
  }
  return Object.keys(out).length > 0 ? out : new ConfigExpectation("a comma-separated list of key=value headers")
}

export const nonEmpty: Parse<string> = (raw) => (raw.trim() === "" ? new ConfigExpectation("a non-empty string") : raw.trim())

export const secret = (minLength: number): Parse<string> => (raw) =>
  raw.length >= minLength ? raw : new ConfigExpectation(`a secret of at least ${minLength} characters`)
