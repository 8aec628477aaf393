import { assert, describe, it } from "@effect/vitest"
import { decodeChallengeAudio, encodeChallengeAudio } from "../src/Audio.ts"
import { isoCheckDigit } from "../src/ContainerRows.ts"
import { newSecret, signToken, verifyToken } from "../src/Crypto.ts"
import { DEFAULT_ACCOUNTS, generateAccount, SAMPLE_ROWS, summarize } from "../src/Dataset.ts"
import { EXPORT_MILESTONES, GRID_COLUMNS, IMPORT_MILESTONES, LINES } from "../src/Reference.ts"
import { slotLabel } from "../src/Slots.ts"
import { addDays, wallTimeAt } from "../src/WallClock.ts"

const DAY = { year: 2025, month: 10, day: 24, hour: 0, minute: 0 }

describe("simulator dataset", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const spec = { username: "demo", password: "demo", containerCount: 120 }
    const a = generateAccount(7, spec, DAY)
    const b = generateAccount(7, spec, DAY)
    const c = generateAccount(8, spec, DAY)
    assert.deepStrictEqual(a, b)
    assert.notDeepEqual(a.rows.map((r) => r.id), c.rows.map((r) => r.id))
  })

  it("gives bigfleet at least 2,000 containers with valid, unique ISO 6346 ids", () => {
    const spec = DEFAULT_ACCOUNTS.find((s) => s.username === "bigfleet")!
    const account = generateAccount(1, spec, DAY)
    const summary = summarize(account.rows)
    assert.isAtLeast(summary.containers, 2000)
    assert.isAbove(summary.placeholders, 0)
    assert.strictEqual(summary.rows, summary.containers + summary.placeholders)
    const ids = account.rows.flatMap((r) => (r.id === null ? [] : [r.id]))
    assert.strictEqual(new Set(ids).size, ids.length)
    for (const id of ids) {
      assert.match(id, /^[A-Z]{4}\d{7}$/)
      assert.strictEqual(isoCheckDigit(id.slice(0, 10)), Number(id[10]))
    }
  })

  it("shapes rows like the grid: 18 cells, L/E suffixes, masked values, N/A placeholders", () => {
    const account = generateAccount(1, { username: "shape", password: "x", containerCount: 600, placeholderEvery: 50 }, DAY)
    for (const row of account.rows) {
      assert.strictEqual(row.cells.length, GRID_COLUMNS.length)
      if (row.placeholder) {
        assert.isTrue(row.cells.every((c) => c === "N/A"))
        continue
      }
      assert.match(row.cells[0]!, /^[A-Z]{4}\d{7}[LE]?$/)
      assert.include(["IMPORT", "EXPORT"], row.cells[1])
      assert.include([" YES", " NO", "N/A"], row.cells[3])
      assert.include(LINES.map((l) => l.scac), row.cells[10])
      const names = row.milestones.map((m) => m.name)
      assert.deepStrictEqual(names, row.tradeType === "IMPORT" ? [...IMPORT_MILESTONES] : [...EXPORT_MILESTONES])
    }
    const cells = account.rows.flatMap((r) => r.cells)
    assert.include(cells, "**************")
    assert.isTrue(account.rows.some((r) => r.cells[0]!.endsWith("L")))
    assert.isTrue(account.rows.some((r) => r.cells[0]!.endsWith("E")))
    assert.isTrue(account.rows.some((r) => r.tradeType === "EXPORT" && r.booking === null))
  })

  it("places the samples every account relies on in the first batch", () => {
    const account = generateAccount(3, { username: "samples", password: "x", containerCount: 40 }, DAY)
    const s = account.samples
    const row = (id: string | null) => account.rows.find((r) => r.id === id)!
    assert.strictEqual(row(s.importPassedPregate).index, SAMPLE_ROWS.importPassedPregate)
    assert.isTrue(row(s.importPassedPregate).passedPregate)
    assert.isFalse(row(s.importNotPassedPregate).passedPregate)
    const pregate = (id: string | null) => row(id).milestones.find((m) => m.name === "Pregate")!
    assert.strictEqual(pregate(s.importPassedPregate).divider, "done")
    assert.strictEqual(pregate(s.importNotPassedPregate).divider, "pending")
    assert.strictEqual(pregate(s.importAmbiguousDark).divider, "ambiguous-dark")
    assert.isTrue(row(s.importAmbiguousDark).passedPregate)
    assert.strictEqual(pregate(s.importAmbiguousLight).divider, "ambiguous-light")
    assert.isFalse(row(s.importAmbiguousLight).passedPregate)
    assert.strictEqual(row(s.importAmbiguousPlainDark).index, SAMPLE_ROWS.importAmbiguousPlainDark)
    assert.strictEqual(pregate(s.importAmbiguousPlainDark).divider, "plain-dark")
    assert.isTrue(row(s.importAmbiguousPlainDark).passedPregate)
    assert.strictEqual(row(s.importAmbiguousPlainLight).index, SAMPLE_ROWS.importAmbiguousPlainLight)
    assert.strictEqual(pregate(s.importAmbiguousPlainLight).divider, "plain-light")
    assert.isFalse(row(s.importAmbiguousPlainLight).passedPregate)
    assert.strictEqual(row(s.exportWithBooking).booking, s.exportWithBookingNumber)
    assert.isNotNull(s.exportWithBookingNumber)
    assert.isNull(row(s.exportWithoutBooking).booking)
    assert.include(account.openBookings, s.exportWithBookingNumber!)
    assert.strictEqual(s.lastContainer, account.rows.filter((r) => !r.placeholder).at(-1)!.id)
  })

  it("writes slots like the portal, crossing midnight", () => {
    assert.strictEqual(slotLabel({ year: 2025, month: 10, day: 24, hour: 18, minute: 30 }), "Friday 10/24/2025 18:30 - 19:30")
    assert.strictEqual(slotLabel({ year: 2025, month: 10, day: 24, hour: 23, minute: 30 }), "Friday 10/24/2025 23:30 - 00:30")
    assert.deepStrictEqual(addDays(DAY, 8), { ...DAY, month: 11, day: 1 })
    const t = wallTimeAt(Date.UTC(2025, 9, 24, 20, 0), "America/Los_Angeles")
    assert.deepStrictEqual([t.month, t.day, t.hour], [10, 24, 13])
  })
})

describe("simulator secrets", () => {
  it("round-trips the audio answer under the secret only", () => {
    const secret = newSecret()
    const wav = encodeChallengeAudio(secret, "482913")
    assert.strictEqual(wav.toString("ascii", 0, 4), "RIFF")
    assert.strictEqual(wav.readUInt32LE(4), wav.length - 8)
    assert.strictEqual(decodeChallengeAudio(secret, wav), "482913")
    assert.isUndefined(decodeChallengeAudio(newSecret(), wav))
    assert.isUndefined(decodeChallengeAudio(secret, Buffer.from("not audio at all")))
  })

  it("signs tokens that verify, and rejects tampering and other secrets", () => {
    const secret = newSecret()
    const token = signToken(secret, { k: "site", exp: 10, n: "nonce", via: "solver" })
    assert.deepStrictEqual(verifyToken(secret, token), { k: "site", exp: 10, n: "nonce", via: "solver" })
    assert.isUndefined(verifyToken(newSecret(), token))
    assert.isUndefined(verifyToken(secret, `${token.slice(0, -2)}xx`))
    assert.isUndefined(verifyToken(secret, "03Agarbage"))
  })
})
