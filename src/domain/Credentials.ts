/**
 * Portal credentials. The password and the captcha solver key only ever live inside `Redacted`
 * values, so logging or serialising a `Credentials` prints `<redacted>`. Sessions are looked up by a
 * keyed fingerprint (HMAC-SHA256 under the server secret), never by the password itself: the same
 * username and password give the same key, any other password gives a different one, and the key
 * cannot be reversed or brute-forced offline without the server secret.
 */
import { Redacted, Schema } from "effect"
import { createHmac } from "node:crypto"

export const Username = Schema.String.pipe(
  Schema.check(Schema.isMinLength(1), Schema.isMaxLength(256))
)

export class Credentials extends Schema.Class<Credentials>("Credentials")({
  username: Username,
  password: Schema.Redacted(Schema.String),
  /** The 2captcha-compatible solver key; falls back to the server's CAPTCHA_API_KEY when absent. */
  captchaApiKey: Schema.optional(Schema.Redacted(Schema.String))
}) {}

export const CredentialFingerprint = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[0-9a-f]{64}$/)),
  Schema.brand("CredentialFingerprint")
)
export type CredentialFingerprint = typeof CredentialFingerprint.Type

/**
 * HMAC-SHA256(secret, username ‖ 0x00 ‖ password). The NUL separator keeps ("ab", "c") and
 * ("a", "bc") apart, which plain concatenation would not; requests never carry a NUL (or any other
 * control character) in either, see `CONTROL_CHARACTERS` in Operations.ts.
 */
export const fingerprint = (
  secret: Redacted.Redacted<string>,
  credentials: Pick<Credentials, "username" | "password">
): CredentialFingerprint =>
  CredentialFingerprint.make(
    createHmac("sha256", Redacted.value(secret))
      .update(credentials.username, "utf8")
      .update("\u0000", "utf8")
      .update(Redacted.value(credentials.password), "utf8")
      .digest("hex")
  )
