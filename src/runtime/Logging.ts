/**
 * JSON log lines through Effect's Logger. Secrets are kept out in two layers: they live in
 * `Redacted` values (which print `<redacted>`), and as a backstop every line is scrubbed of values
 * under secret-looking keys (password, captcha key, token, cookie, authorization, secret) before
 * it is written. Request and session ids arrive as log annotations (`requestId`, `sessionId`).
 */
import { Layer, Logger, Redacted, References } from "effect"
import type { LogLevelName } from "../services/PortalConfig.ts"

const SECRET_KEY = /pass(word)?|captcha_?api_?key|captchaapikey|api_?key|token|cookie|authorization|secret|set-cookie/i
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g

/** Returns a JSON-safe copy of `value` with every secret replaced by "<redacted>". */
export const scrub = (value: unknown, depth = 0): unknown => {
  if (depth > 8) return "[depth]"
  if (Redacted.isRedacted(value)) return "<redacted>"
  if (typeof value === "string") return value.replace(BEARER, "$1 <redacted>")
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1))
  if (value instanceof Date) return value.toISOString()
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && typeof v !== "boolean" ? "<redacted>" : scrub(v, depth + 1)
    }
    return out
  }
  return value
}

/** One JSON object per line: message, level, timestamp, annotations, spans, cause. */
export const jsonLogger: Logger.Logger<unknown, string> = Logger.map(
  Logger.formatStructured,
  (entry) => JSON.stringify(scrub(entry))
)

/** The service's logging: JSON lines on stdout at `level` and above. */
export const layer = (level: LogLevelName = "Info"): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([Logger.withConsoleLog(jsonLogger)]),
    Layer.succeed(References.MinimumLogLevel, level)
  )

/** Captures formatted lines in memory (tests). */
export const captureLayer = (lines: Array<string>, level: LogLevelName = "Trace"): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.layer([Logger.map(jsonLogger, (line) => {
      lines.push(line)
    })]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
