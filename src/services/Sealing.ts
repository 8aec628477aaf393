/**
 * Sealing is the one authenticated encryption every secret the service keeps at rest goes through:
 * snapshot files, snapshot rows and the sealed columns of the SQL store. AES-256-GCM in one framing,
 * `MAGIC(4) | version(1) | iv(12) | tag(16) | ciphertext`, where the magic, the version and the
 * caller's context (`aad`: a file name, a row key) are authenticated. So a sealed value copied to
 * another file or row, cut short, altered or opened with another key fails to open — it never
 * decrypts to something else.
 */
import { Data, Result } from "effect"
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scryptSync } from "node:crypto"

/** Which kind of sealed value this is: 4 ASCII characters and a format version. */
export interface SealFormat {
  readonly magic: string
  readonly version: number
}

/** A sealed value that does not open: why, without any of its content. */
export class SealBroken extends Data.TaggedError("SealBroken")<{
  readonly reason: "truncated" | "other_version" | "tampered_or_wrong_key"
}> {}

const IV_BYTES = 12
const TAG_BYTES = 16

const headerOf = (format: SealFormat) => {
  const magic = Buffer.from(format.magic, "ascii")
  if (magic.length !== 4) throw new Error(`Sealing: the magic must be 4 ASCII characters, got ${JSON.stringify(format.magic)}`)
  return Buffer.concat([magic, Buffer.from([format.version])])
}

const aadOf = (header: Buffer, aad: string) => Buffer.concat([header, Buffer.from(aad, "utf8")])

/** Encrypts `plain` under `key` (32 bytes), bound to `aad`. A fresh random IV each time. */
export const seal = (key: Uint8Array, format: SealFormat, aad: string, plain: Uint8Array): Buffer => {
  const header = headerOf(format)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv("aes-256-gcm", key, iv)
  cipher.setAAD(aadOf(header, aad))
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return Buffer.concat([header, iv, cipher.getAuthTag(), body])
}

/** The plaintext of a value made by `seal` with the same key, format and `aad`; SealBroken otherwise. */
export const open = (key: Uint8Array, format: SealFormat, aad: string, sealed: Uint8Array): Result.Result<Buffer, SealBroken> => {
  const header = headerOf(format)
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  const fixed = header.length + IV_BYTES + TAG_BYTES
  if (bytes.length <= fixed || !bytes.subarray(0, 4).equals(header.subarray(0, 4))) {
    return Result.fail(new SealBroken({ reason: "truncated" }))
  }
  if (bytes[4] !== format.version) return Result.fail(new SealBroken({ reason: "other_version" }))
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(header.length, header.length + IV_BYTES))
    decipher.setAAD(aadOf(header, aad))
    decipher.setAuthTag(bytes.subarray(header.length + IV_BYTES, fixed))
    return Result.succeed(Buffer.concat([decipher.update(bytes.subarray(fixed)), decipher.final()]))
  } catch {
    return Result.fail(new SealBroken({ reason: "tampered_or_wrong_key" }))
  }
}

/** A 32-byte key from an operator's passphrase: scrypt makes a weak one expensive to guess. */
export const keyFromPassphrase = (passphrase: string, salt: string): Buffer => scryptSync(passphrase, salt, 32)

/** A 32-byte key for one purpose from a high-entropy secret (HKDF-SHA256); purposes never share keys. */
export const keyFromSecret = (secret: string, purpose: string): Buffer =>
  Buffer.from(hkdfSync("sha256", secret, "emodal-api", purpose, 32))
