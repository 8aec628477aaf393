import { assert, describe, it } from "@effect/vitest"
import {
  calendarLabelToDate,
  dateOf,
  isPlateWildcard,
  matchAutocomplete,
  matchOption,
  normalPlate,
  ownChassisTarget,
  pickPlateIndex
} from "../../../../src/services/portal/wizard/Matching.ts"

describe("wizard matching rules", () => {
  const terminals = ["ITS Long Beach", "TraPac LLC - Los Angeles", "Everport Terminal Services - Los Angeles", "Pier A - Long Beach"]

  it("matchOption: exact, then dash-normalised, then case-insensitive, then partial", () => {
    assert.strictEqual(matchOption(terminals, "ITS Long Beach"), 0)
    assert.strictEqual(matchOption(terminals, "TraPac LLC-Los Angeles"), 1)
    assert.strictEqual(matchOption(terminals, "  TraPac LLC -Los   Angeles "), 1)
    assert.strictEqual(matchOption(terminals, "trapac llc - los angeles"), 1)
    assert.strictEqual(matchOption(terminals, "Everport"), 2)
    assert.strictEqual(matchOption(terminals, "Long Beach"), 0, "partial: the first option containing it")
    assert.strictEqual(matchOption(terminals, "Pier A-Long Beach"), 3)
    assert.strictEqual(matchOption(terminals, "Yusen"), -1)
    assert.strictEqual(matchOption(terminals, ""), -1)
    // An exact hit wins over an earlier partial one.
    assert.strictEqual(matchOption(["DROP EMPTY X", "DROP EMPTY"], "DROP EMPTY"), 1)
  })

  it("matchOption on slot labels: the full label or a part of it", () => {
    const slots = ["Friday 10/24/2025 18:30 - 19:30", "Friday 10/24/2025 19:30 - 20:30"]
    assert.strictEqual(matchOption(slots, "Friday 10/24/2025 19:30 - 20:30"), 1)
    assert.strictEqual(matchOption(slots, "Friday 10/24/2025 19:30-20:30"), 1)
    assert.strictEqual(matchOption(slots, "10/24/2025 19:30"), 1)
    assert.strictEqual(matchOption(slots, "10/25/2025 19:30"), -1)
  })

  it("matchAutocomplete never falls back to an arbitrary option", () => {
    assert.strictEqual(matchAutocomplete(["MSCU", "ONEY", "MSC"], "msc"), 2)
    assert.strictEqual(matchAutocomplete(["20GP", "40GP", "40HC"], "40"), 1)
    assert.strictEqual(matchAutocomplete(["20GP"], "45DH"), -1)
  })

  it("the plate wildcard is '' or ABC123 in any case", () => {
    assert.isTrue(isPlateWildcard(""))
    assert.isTrue(isPlateWildcard("  "))
    assert.isTrue(isPlateWildcard("abc123"))
    assert.isTrue(isPlateWildcard(" ABC 123 "))
    assert.isFalse(isPlateWildcard("9E43369"))
    const plates = ["9E43369", "7K12345", "8X55555"]
    assert.strictEqual(pickPlateIndex(plates, ""), 0)
    assert.strictEqual(pickPlateIndex(plates, "ABC123"), 0)
    assert.strictEqual(pickPlateIndex([], ""), -1)
    assert.strictEqual(pickPlateIndex(["9E43369", "ABC123"], "abc123"), 1, "a real plate ABC123 is taken as itself")
  })

  it("guards trust #7: a plate matches exactly (case and spaces ignored), never another truck", () => {
    const plates = ["9E43369", "7X82346", "8X55555"]
    assert.strictEqual(pickPlateIndex(plates, "7X82346"), 1)
    assert.strictEqual(pickPlateIndex(plates, " 7x 82346 "), 1)
    assert.strictEqual(normalPlate(" 7x 82 346\t"), "7X82346")
    // The seed (and this service before) fell back to the first plate, or took any plate containing the text.
    assert.strictEqual(pickPlateIndex(plates, "XYZ789"), -1, "a mistyped plate is not replaced by the first one")
    assert.strictEqual(pickPlateIndex(plates, "7X8234"), -1, "a prefix is not a match")
    assert.strictEqual(pickPlateIndex(plates, "X82346"), -1, "a substring is not a match")
    assert.strictEqual(pickPlateIndex(plates, "7X823466"), -1)
    assert.strictEqual(pickPlateIndex([], "7X82346"), -1)
  })

  it("own_chassis: booleans and yes/no/true/false strings set it; null, absent and 'ignore' leave it", () => {
    assert.strictEqual(ownChassisTarget(true), "YES")
    assert.strictEqual(ownChassisTarget("yes"), "YES")
    assert.strictEqual(ownChassisTarget("True"), "YES")
    assert.strictEqual(ownChassisTarget(false), "NO")
    assert.strictEqual(ownChassisTarget("false"), "NO", "the seed read \"false\" as YES")
    assert.strictEqual(ownChassisTarget("NO"), "NO")
    assert.isUndefined(ownChassisTarget(null))
    assert.isUndefined(ownChassisTarget(undefined))
    assert.isUndefined(ownChassisTarget("ignore"))
    assert.isUndefined(ownChassisTarget("IGNORE"))
  })

  it("dates from slot labels and calendar cells", () => {
    assert.strictEqual(dateOf("Friday 10/24/2025 18:30 - 19:30"), "10/24/2025")
    assert.strictEqual(dateOf("1/2/2026 08:30"), "01/02/2026")
    assert.isUndefined(dateOf("tomorrow at 8"))
    assert.strictEqual(calendarLabelToDate("October 24, 2025"), "10/24/2025")
    assert.strictEqual(calendarLabelToDate("January 3, 2026"), "01/03/2026")
    assert.isUndefined(calendarLabelToDate("Next month"))
  })
})
