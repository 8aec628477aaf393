/**
 * The building blocks of the request and response schemas (`Operations.ts`, `AppointmentWizard.ts`,
 * `Health.ts`): described primitives, the input rules (length limits, no control characters), the
 * rules the operations layer enforces stated for the document (`documentedRule`), and the fields
 * every business request and answer shares.
 */
import { Schema } from "effect"

export const opt: typeof Schema.optionalKey = Schema.optionalKey

/** A string of at most `max` characters, described. */
export const Str = (max: number, description: string) => Schema.String.check(Schema.isMaxLength(max)).annotate({ description })
/** A described schema. */
export const described = <S extends Schema.Top>(schema: S, description: string): S["Rebuild"] => schema.annotate({ description })
export const Text = (description: string) => described(Schema.String, description)
export const Flag = (description: string) => described(Schema.Boolean, description)
export const Count = (description: string) => described(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), description)
/** A finite number (JSON has no Infinity or NaN, and neither does the document). */
export const Finite = (description: string) => described(Schema.Finite, description)

/** U+0000–U+001F and U+007F. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/
export const CONTROL_CHARACTERS_MESSAGE = "must not contain control characters (U+0000–U+001F, U+007F)"

/**
 * Credentials never contain control characters. Without this check `"de\u0000mo"` would be a
 * second account to the pool (another fingerprint, another Chrome) but the same one to the portal,
 * which ends the first session's login: "one login per credentials" would not hold.
 */
export const noControlCharacters = Schema.makeFilter<string>((s) => !CONTROL_CHARACTERS.test(s) || CONTROL_CHARACTERS_MESSAGE, {
  toJsonSchema: () => ({ pattern: "^[^\\u0000-\\u001f\\u007f]*$" })
})
export const Username = (description: string) => Schema.String.check(Schema.isMaxLength(256), noControlCharacters).annotate({ description })
/** A secret: Redacted in memory, a plain string on the wire (the description sits on the wire form). */
export const Secret = (description: string) =>
  Schema.Redacted(Schema.String.check(Schema.isMaxLength(4096), noControlCharacters).annotate({ description }))

// ---------------------------------------------------------------------------------------------
// Rules the operations layer enforces, stated for the document

export type JsonSchema = Record<string, unknown>

/**
 * A rule of a request that the operations layer checks (with the seed's wording, and knowing the
 * server's configuration), stated here for the OpenAPI document: a check that passes every value
 * and contributes `jsonSchema` to the request's JSON Schema.
 */
export const documentedRule = <T>(jsonSchema: JsonSchema) => Schema.makeFilter<T>(() => true, { toJsonSchema: () => jsonSchema })

/** A string with at least one character that is not whitespace (the operations layer trims). */
export const NOT_BLANK: JsonSchema = { type: "string", pattern: "\\S" }

export const present = (...fields: ReadonlyArray<string>): JsonSchema => ({
  required: fields,
  properties: Object.fromEntries(fields.map((f) => [f, NOT_BLANK]))
})

/** The session comes from `session_id`, or from the credentials (CAPTCHA_API_KEY may stand in for the key). */
export const SESSION_OR_CREDENTIALS: JsonSchema = {
  anyOf: [
    { required: ["session_id"], properties: { session_id: { minLength: 1 } } },
    {
      required: ["username", "password", "captcha_api_key"],
      properties: { username: { minLength: 1 }, password: { minLength: 1 }, captcha_api_key: { minLength: 1 } }
    }
  ]
}

/** Phase 1 of the wizard: the three selects, then the container (import) or the booking (export). */
export const PHASE_1_FIELDS: JsonSchema = {
  allOf: [
    present("trucking_company", "terminal", "move_type"),
    {
      if: { required: ["container_type"], properties: { container_type: { const: "export" } } },
      then: present("booking_number"),
      else: { anyOf: [present("container_id"), present("line", "equip_size")] }
    }
  ]
}

/** Phase 2: a truck plate (`""` is the wildcard: any plate the portal offers). */
export const PHASE_2_FIELDS: JsonSchema = { required: ["truck_plate"] }

export const RESUME: JsonSchema = { required: ["appointment_session_id"], properties: { appointment_session_id: { minLength: 1 } } }

// ---------------------------------------------------------------------------------------------
// Session selection, shared by the business requests

/** How a request names its browser session: an id, or credentials, or both (id first). */
export const SessionSelectorFields = {
  session_id: opt(Str(200, "A session from /get_session (or an earlier answer). Unknown with credentials: a session from the credentials; unknown without: 404.")),
  username: opt(Username("Portal username; with `password` (and `captcha_api_key`) used when there is no `session_id`. Sessions are reused per username and password.")),
  password: opt(Secret("Portal password (never logged or returned).")),
  captcha_api_key: opt(Secret("2captcha-compatible solver key for the login's reCAPTCHA; optional when the server has CAPTCHA_API_KEY.")),
  never_terminate: opt(Flag("Pin the session: never evicted, re-logged in rather than dropped when a refresh fails.")),
  keep_alive: opt(Flag("Keep the session logged in with periodic refreshes (default true)."))
}

/** Per-request extras the seed accepted on most endpoints. */
export const CommonOptionFields = {
  debug: opt(Flag("Capture per-step screenshots, HTML and a step log into a debug ZIP (`debug_bundle_url`, on failures too).")),
  screens_label: opt(Str(200, "Label for screenshots in debug bundles (default: the username)."))
}

/** Answer fields every business response carries. */
export const SessionIdField = Text("The browser session (a bearer secret: whoever holds it drives the logged-in session).")
export const IsNewSessionField = Flag("Whether this request logged in (true) or reused a live session (false).")
export const Timestamp = (description: string) => described(Schema.String, `${description} (ISO 8601, UTC).`)
export const DebugBundleField = opt(Text("The debug ZIP of this run (with `debug: true`)."))
