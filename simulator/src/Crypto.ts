/**
 * The simulator's secrets: reCAPTCHA tokens are HMAC-signed with the simulator's secret (bound to
 * the site key, with an expiry and a single-use nonce), and the audio challenge's answer travels
 * inside its WAV payload encrypted with AES-256-GCM under a key derived from the same secret.
 * Only code holding the secret (the identity host and the bundled solver) can verify or read them.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Predicate } from "effect"

export interface TokenClaims {
  /** Site key the token is bound to. */
  readonly k: string
  /** Expiry, epoch millis of the simulator clock. */
  readonly exp: number
  /** Nonce, for single use. */
  readonly n: string
  /** How it was obtained: "checkbox" | "audio" | "solver". */
  readonly via: string
}

export const randomId = (bytes = 12): string => randomBytes(bytes).toString("base64url")

export const newSecret = (): Buffer => randomBytes(32)

const subKey = (secret: Buffer, purpose: string): Buffer => createHash("sha256").update(secret).update(purpose).digest()

/** A token that looks like reCAPTCHA's (`03A…`) and carries signed claims. */
export const signToken = (secret: Buffer, claims: TokenClaims): string => {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url")
  const mac = createHmac("sha256", subKey(secret, "token")).update(body).digest("base64url")
  return `03A${body}.${mac}`
}

/** The claims of a well-signed token, or undefined. Expiry and reuse are the caller's checks. */
export const verifyToken = (secret: Buffer, token: string): TokenClaims | undefined => {
  const m = /^03A([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token.trim())
  if (m === null) return undefined
  const body = m[1] as string
  const mac = Buffer.from(m[2] as string, "base64url")
  const expected = createHmac("sha256", subKey(secret, "token")).update(body).digest()
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined
  const c: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
  if (!Predicate.isObject(c)) return undefined
  return typeof c["k"] === "string" && typeof c["exp"] === "number" && typeof c["n"] === "string" &&
      typeof c["via"] === "string"
    ? { k: c["k"], exp: c["exp"], n: c["n"], via: c["via"] }
    : undefined
}

/** AES-256-GCM: iv(12) | tag(16) | ciphertext. */
export const seal = (secret: Buffer, plaintext: string): Buffer => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", subKey(secret, "audio"), iv)
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), ct])
}

/** The plaintext of a sealed box, or undefined when it was not sealed under this secret. */
export const open = (secret: Buffer, box: Uint8Array): string | undefined => {
  if (box.length < 29) return undefined
  const buf = Buffer.from(box)
  const decipher = createDecipheriv("aes-256-gcm", subKey(secret, "audio"), buf.subarray(0, 12))
  decipher.setAuthTag(buf.subarray(12, 28))
  const part = decipher.update(buf.subarray(28))
  try {
    return Buffer.concat([part, decipher.final()]).toString("utf8")
  } catch {
    // final() throws on a bad tag: not sealed under this secret.
    return undefined
  }
}
