/**
 * The service's log lines, through Effect's Logger. Every line is one flat record: `timestamp`,
 * `level`, a string `message`, then the fields — the fiber's log annotations (`requestId`,
 * `sessionId`, `username`…) and the objects logged with the message, flattened to dotted keys with
 * scalar values only (an array becomes one string), and `cause` as text. `LOG_FORMAT=json` (the
 * default) writes the record as one JSON object per line; `pretty` writes it for a terminal.
 *
 * Secrets are kept out in two layers: they live in `Redacted` values (which print `<redacted>`),
 * and as a backstop every record is scrubbed of values under secret-looking keys (password, captcha
 * key, token, cookie, authorization, secret) and of bearer credentials in text before it is written.
 */
import { Cause, Layer, Logger, Redacted, References } from "effect"
import type { LogFormat, LogLevelName } from "../services/PortalConfig.ts"

const SECRET_KEY = /pass(word)?|captcha_?api_?key|captchaapikey|api_?key|token|cookie|authorization|secret|set-cookie/i
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g

/** Returns a JSON-safe copy of `value` with every secret replaced by "<redacted>". */
export const scrub = (value: unknown, depth = 0): unknown => {
  if (depth > 8) return "[depth]"
  if (Redacted.isRedacted(value)) return "<redacted>"
  if (typeof value === "string") return value.replace(BEARER, "$1 <redacted>")
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1))
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Error) return scrub({ error: value.message, ...("_tag" in value ? { tag: value._tag } : {}) }, depth + 1)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && typeof v !== "boolean" ? "<redacted>" : scrub(v, depth + 1)
    }
    return out
  }
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "function" || typeof value === "symbol") return String(value)
  return value
}

/** A field's value in a log record. */
export type LogValue = string | number | boolean | null

/** One log line before it is written: flat, with a string message. */
export type LogRecord = Readonly<Record<string, LogValue>> & {
  readonly timestamp: string
  readonly level: string
  readonly message: string
}

/** Keys the record itself owns; a field of the same name is written as `field.<name>`. */
const RESERVED = new Set(["timestamp", "level", "message", "cause", "fiber"])

const isScalar = (v: unknown): v is LogValue =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean"

/** Writes the (scrubbed) `value` under `key` into `out`: objects as dotted keys, arrays as one string. */
const flattenInto = (out: Record<string, LogValue>, key: string, value: unknown, depth = 0): void => {
  if (value === undefined) return
  if (isScalar(value)) {
    out[key] = value
  } else if (Array.isArray(value)) {
    out[key] = value.every(isScalar) ? value.map(String).join(", ") : JSON.stringify(value)
  } else if (typeof value === "object" && depth < 4) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenInto(out, `${key}.${k}`, v, depth + 1)
  } else {
    out[key] = JSON.stringify(value)
  }
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === "object" && !Array.isArray(u) && !Redacted.isRedacted(u)

/**
 * The record of one log call: the text parts of the message (strings, numbers, redacted values)
 * joined by spaces, the object parts as fields, then the fiber's annotations and log spans.
 */
export const recordOf = (options: Logger.Options<unknown>): LogRecord => {
  const parts = Array.isArray(options.message) ? options.message : [options.message]
  const text: Array<string> = []
  const fields: Record<string, LogValue> = {}
  for (const part of parts) {
    const clean = scrub(part)
    if (isPlainObject(part) && isPlainObject(clean)) {
      for (const [k, v] of Object.entries(clean)) flattenInto(fields, k, v)
    } else if (isScalar(clean)) {
      if (clean !== null && clean !== "") text.push(String(clean))
    } else {
      flattenInto(fields, "value", clean)
    }
  }
  const annotations: Record<string, LogValue> = {}
  for (const [k, v] of Object.entries(options.fiber.getRef(References.CurrentLogAnnotations))) flattenInto(annotations, k, scrub(v))
  const now = options.date.getTime()
  for (const [label, started] of options.fiber.getRef(References.CurrentLogSpans)) annotations[`span.${label}`] = now - started
  const hasCause = options.cause.reasons.length > 0
  const causeText = hasCause ? String(scrub(Cause.pretty(options.cause))) : undefined
  const message = text.length > 0 ? text.join(" ") : causeText?.split("\n")[0] ?? ""
  const record: Record<string, LogValue> = { timestamp: options.date.toISOString(), level: options.logLevel.toUpperCase(), message }
  for (const [k, v] of Object.entries({ ...fields, ...annotations })) record[RESERVED.has(k) ? `field.${k}` : k] = v
  if (causeText !== undefined) record.cause = causeText
  record.fiber = `#${options.fiber.id}`
  return record as LogRecord
}

/** One JSON object per line. */
export const jsonLogger: Logger.Logger<unknown, string> = Logger.make((options) => JSON.stringify(recordOf(options)))

const COLORS: Record<string, string> = { TRACE: "90", DEBUG: "36", INFO: "32", WARN: "33", ERROR: "31", FATAL: "35" }

/** `HH:MM:SS.mmm LEVEL message key=value …`, the cause on the lines below; colours on a terminal. */
export const prettyLine = (record: LogRecord, color: boolean): string => {
  const { timestamp, level, message, cause, fiber: _fiber, ...fields } = record
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const pairs = Object.entries(fields).map(([k, v]) => `${paint("2", `${k}=`)}${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
  const head = `${timestamp.slice(11, 23)} ${paint(COLORS[level] ?? "0", level.padEnd(5))} ${message}${pairs.length > 0 ? "  " + pairs.join(" ") : ""}`
  return typeof cause === "string" ? `${head}\n${cause.replace(/^/gm, "    ")}` : head
}

/** The pretty format, for a terminal (`LOG_FORMAT=pretty`). */
export const prettyLogger = (color = process.stdout.isTTY === true): Logger.Logger<unknown, string> =>
  Logger.make((options) => prettyLine(recordOf(options), color))

/** The logger of `format`, writing to the console (stdout). */
export const consoleLogger = (format: LogFormat = "json"): Logger.Logger<unknown, void> =>
  Logger.withConsoleLog(format === "pretty" ? prettyLogger() : jsonLogger)

/** The service's logging: lines on stdout in `format`, at `level` and above. */
export const layer = (level: LogLevelName = "Info", format: LogFormat = "json"): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([consoleLogger(format)]),
    Layer.succeed(References.MinimumLogLevel, level)
  )

/** Captures formatted JSON lines in memory (tests). */
export const captureLayer = (lines: Array<string>, level: LogLevelName = "Trace"): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([Logger.map(jsonLogger, (line) => {
      lines.push(line)
    })]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
