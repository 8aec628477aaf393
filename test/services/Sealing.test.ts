import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { createCipheriv, randomBytes } from "node:crypto"
import { keyFromPassphrase, keyFromSecret, open, seal, type SealFormat } from "../../src/services/Sealing.ts"

const format: SealFormat = { magic: "TEST", version: 3 }
const key = keyFromSecret("a-server-secret-of-enough-length-0123456789", "test/v1")
const plain = Buffer.from(JSON.stringify({ pin_code: "4321", cookies: ["a"] }))

const reasonOf = (r: Result.Result<Buffer, { readonly reason: string }>) => (Result.isFailure(r) ? r.failure.reason : "opened")

describe("Sealing", () => {
  it("opens what it sealed, and the sealed bytes do not contain the plaintext", () => {
    const sealed = seal(key, format, "row-1", plain)
    assert.notInclude(sealed.toString("latin1"), "4321")
    assert.notInclude(sealed.toString("latin1"), "pin_code")
    const opened = open(key, format, "row-1", sealed)
    assert.isTrue(Result.isSuccess(opened))
    if (Result.isSuccess(opened)) assert.deepStrictEqual(opened.success, plain)
    // A fresh IV each time: the same plaintext never seals to the same bytes.
    assert.notDeepEqual(seal(key, format, "row-1", plain), sealed)
  })

  it("refuses a value moved to another context, altered, cut short, of another version or under another key", () => {
    const sealed = seal(key, format, "row-1", plain)
    assert.strictEqual(reasonOf(open(key, format, "row-2", sealed)), "tampered_or_wrong_key")
    const flipped = Buffer.from(sealed)
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01
    assert.strictEqual(reasonOf(open(key, format, "row-1", flipped)), "tampered_or_wrong_key")
    assert.strictEqual(reasonOf(open(key, format, "row-1", sealed.subarray(0, 20))), "truncated")
    assert.strictEqual(reasonOf(open(key, { magic: "TEST", version: 4 }, "row-1", sealed)), "other_version")
    assert.strictEqual(reasonOf(open(key, { magic: "ELSE", version: 3 }, "row-1", sealed)), "truncated")
    assert.strictEqual(reasonOf(open(keyFromSecret("another-secret-0123456789abcdef0123", "test/v1"), format, "row-1", sealed)), "tampered_or_wrong_key")
  })

  it("derives different keys for different purposes and secrets", () => {
    const a = keyFromSecret("s".repeat(40), "store/seal/v1")
    assert.strictEqual(a.length, 32)
    assert.notDeepEqual(a, keyFromSecret("s".repeat(40), "store/ref/v1"))
    assert.notDeepEqual(a, keyFromSecret("t".repeat(40), "store/seal/v1"))
    assert.deepStrictEqual(a, keyFromSecret("s".repeat(40), "store/seal/v1"))
  })

  it("opens snapshot files written by the earlier inline implementation (same framing)", () => {
    // The framing SessionSnapshots wrote before it used this module, rebuilt byte by byte.
    const snapshotKey = keyFromPassphrase("snapshot-passphrase-123", "emodal-api/snapshots/v1")
    const file = "0123456789abcdef0123456789abcdef01234567.snap"
    const magic = Buffer.from("EMSS")
    const iv = randomBytes(12)
    const cipher = createCipheriv("aes-256-gcm", snapshotKey, iv)
    cipher.setAAD(Buffer.concat([magic, Buffer.from([1]), Buffer.from(file)]))
    const body = Buffer.concat([cipher.update(plain), cipher.final()])
    const legacy = Buffer.concat([magic, Buffer.from([1]), iv, cipher.getAuthTag(), body])
    const opened = open(snapshotKey, { magic: "EMSS", version: 1 }, file, legacy)
    assert.isTrue(Result.isSuccess(opened))
    if (Result.isSuccess(opened)) assert.deepStrictEqual(opened.success, plain)
  })
})
