import { describe, it, assert } from "@effect/vitest"
import { CredentialFingerprint } from "../../../src/domain/Credentials.ts"
import { makeSessionId } from "../../../src/domain/Ids.ts"
import * as SessionIndex from "../../../src/services/pool/SessionIndex.ts"

interface Entry {
  readonly fingerprint: CredentialFingerprint
  readonly name: string
}

/** A well-formed fingerprint (64 hex digits) derived from a name. */
const fp = (s: string) => CredentialFingerprint.make(Buffer.from(s).toString("hex").padEnd(64, "0").slice(0, 64))
const entry = (name: string, fingerprint = fp(`fp-${name}`)): Entry => ({ name, fingerprint })
const ids = Array.from({ length: 4 }, () => makeSessionId())
const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!]

const order = (index: SessionIndex.SessionIndex<Entry, string>) => SessionIndex.leastRecentlyUsed(index).map(([, e]) => e.name)

const abc = () => {
  let index = SessionIndex.empty<Entry, string>()
  index = SessionIndex.add(index, a, entry("a"))
  index = SessionIndex.add(index, b, entry("b"))
  return SessionIndex.add(index, c, entry("c"))
}

describe("SessionIndex", () => {
  it("keeps sessions in least-recently-used order; a touch makes one the most recent", () => {
    const index = abc()
    assert.deepStrictEqual(order(index), ["a", "b", "c"])
    assert.deepStrictEqual(order(SessionIndex.touch(index, a)), ["b", "c", "a"])
    assert.strictEqual(SessionIndex.touch(index, ids[3]!), index, "touching an unknown id changes nothing")
  })

  it("finds a session by its credential fingerprint until it is removed, and remembers why it ended", () => {
    const index = abc()
    assert.deepStrictEqual(SessionIndex.resolve(index, fp("fp-b"), "login")[0], { _tag: "existing", id: b })
    const [removed, after] = SessionIndex.remove(index, b, "evicted")
    assert.strictEqual(removed?.name, "b")
    assert.deepStrictEqual(order(after), ["a", "c"])
    assert.isFalse(after.byFingerprint.has(fp("fp-b")))
    assert.strictEqual(SessionIndex.tombstone(after, b), "evicted")
    assert.strictEqual(SessionIndex.remove(after, b, "closed")[0], undefined, "removed once")
  })

  it("never removes a newer session registered under the same id", () => {
    const index = SessionIndex.add(abc(), a, entry("a2"))
    const [removed, after] = SessionIndex.remove(index, a, "crashed", (s) => s.name === "a")
    assert.isUndefined(removed)
    assert.strictEqual(after, index)
    assert.deepStrictEqual(order(index), ["b", "c", "a2"])
  })

  it("a session that shares a fingerprint with a newer one leaves the newer one findable", () => {
    let index = SessionIndex.add(SessionIndex.empty<Entry, string>(), a, entry("old", fp("same")))
    index = SessionIndex.add(index, b, entry("new", fp("same")))
    const [, after] = SessionIndex.remove(index, a, "crashed")
    assert.strictEqual(after.byFingerprint.get(fp("same")), b)
  })

  it("single flight: the first caller of new credentials creates, later ones wait for it, a settled login frees the key", () => {
    const index = SessionIndex.empty<Entry, string>()
    const [first, withPending] = SessionIndex.resolve(index, fp("x"), "login-1")
    assert.deepStrictEqual(first, { _tag: "create" })
    const [second, same] = SessionIndex.resolve(withPending, fp("x"), "login-2")
    assert.deepStrictEqual(second, { _tag: "wait", pending: "login-1" })
    assert.strictEqual(same, withPending)
    assert.strictEqual(SessionIndex.settle(withPending, fp("x"), "login-2"), withPending, "only its own login settles a key")
    const settled = SessionIndex.settle(withPending, fp("x"), "login-1")
    assert.deepStrictEqual(SessionIndex.resolve(settled, fp("x"), "login-3")[0], { _tag: "create" })
  })

  it(`keeps the last ${SessionIndex.TOMBSTONES_KEPT} tombstones`, () => {
    let index = SessionIndex.empty<Entry, string>()
    const first = makeSessionId()
    index = SessionIndex.remove(SessionIndex.add(index, first, entry("first")), first, "closed")[1]
    for (let i = 0; i < SessionIndex.TOMBSTONES_KEPT; i++) {
      const id = makeSessionId()
      index = SessionIndex.remove(SessionIndex.add(index, id, entry(`s${i}`)), id, "evicted")[1]
    }
    assert.strictEqual(index.tombstones.size, SessionIndex.TOMBSTONES_KEPT)
    assert.isUndefined(SessionIndex.tombstone(index, first), "the oldest went first")
  })
})
