/**
 * StoreCrypto keeps bearer secrets out of the SQL store. Session ids, workflow ids and idempotency
 * keys are stored only as keyed references (HMAC-SHA256 under a key derived from SERVER_SECRET),
 * so whoever reads the database cannot use them; the values a row must give back (a session id, a
 * workflow's fields with its PIN, a stored outcome carrying a session id) are sealed with
 * AES-256-GCM under another derived key, bound to their table and row. A sealed column moved to
 * another row, altered, or read with another SERVER_SECRET fails to open. Every process sharing a
 * database (the fleet) must therefore share SERVER_SECRET, as it already must for fingerprints.
 */
import { Context, Layer, Redacted, Result } from "effect"
import { createHmac } from "node:crypto"
import { PortalConfig } from "../PortalConfig.ts"
import { keyFromSecret, open, seal, type SealBroken, type SealFormat } from "../Sealing.ts"

/** The framing of sealed store columns (see Sealing). */
export const COLUMN_FORMAT: SealFormat = { magic: "EMSC", version: 1 }

export interface StoreCryptoShape {
  /** The stored stand-in for a bearer id of a kind ("session", "workflow", "idempotency"): stable, one-way, 43 characters. */
  readonly ref: (kind: string, id: string) => string
  /** The portal account of a username (trimmed, case-folded) as stored: never the username itself in a key. */
  readonly accountKey: (username: string) => string
  /** Seals `plain` for the column `column` of the row `ref`; base64 text for a TEXT column. */
  readonly seal: (column: string, ref: string, plain: string) => string
  /** Opens what `seal` made for the same column and row. */
  readonly open: (column: string, ref: string, sealed: string) => Result.Result<string, SealBroken>
}

export const makeStoreCrypto = (secret: string): StoreCryptoShape => {
  const refKey = keyFromSecret(secret, "emodal-api/store/ref/v1")
  const sealKey = keyFromSecret(secret, "emodal-api/store/seal/v1")
  const ref = (kind: string, id: string) => createHmac("sha256", refKey).update(`${kind}\u0000${id}`, "utf8").digest("base64url")
  return {
    ref,
    accountKey: (username) => ref("account", username.normalize("NFKC").trim().toLowerCase()),
    seal: (column, rowRef, plain) => seal(sealKey, COLUMN_FORMAT, `${column}\u0000${rowRef}`, Buffer.from(plain, "utf8")).toString("base64"),
    open: (column, rowRef, sealed) =>
      Result.map(open(sealKey, COLUMN_FORMAT, `${column}\u0000${rowRef}`, Buffer.from(sealed, "base64")), (b) => b.toString("utf8"))
  }
}

export class StoreCrypto extends Context.Service<StoreCrypto, StoreCryptoShape>()("emodal-api/services/store/StoreCrypto") {
  /** Keys derived from SERVER_SECRET. */
  static readonly layer: Layer.Layer<StoreCrypto, never, PortalConfig> = Layer.effect(
    StoreCrypto,
    PortalConfig.useSync((config) => StoreCrypto.of(makeStoreCrypto(Redacted.value(config.serverSecret))))
  )

  /** Keys derived from a given secret (tests). */
  static readonly layerWith = (secret: string): Layer.Layer<StoreCrypto> => Layer.succeed(StoreCrypto, StoreCrypto.of(makeStoreCrypto(secret)))

  static readonly layerTest: Layer.Layer<StoreCrypto> = StoreCrypto.layerWith("store-test-secret-0123456789abcdef0123")
}
