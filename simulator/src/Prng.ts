/**
 * A small seeded pseudo-random generator (xmur3 string hash feeding sfc32). The simulator's
 * dataset must be identical for the same seed on every run and machine, so nothing here reads
 * `Math.random` or the clock. Not for secrets: tokens and challenge ids use node:crypto.
 */

export interface Prng {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [min, max] (both inclusive). */
  readonly int: (min: number, max: number) => number
  /** One element of a non-empty array. */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** True with probability p. */
  readonly chance: (p: number) => boolean
  /** `n` random decimal digits as a string. */
  readonly digits: (n: number) => string
  /** `n` random upper-case letters. */
  readonly letters: (n: number) => string
}

const xmur3 = (str: string): (() => number) => {
  let h = 1779033703 ^ str.length
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507)
    h = Math.imul(h ^ (h >>> 13), 3266489909)
    return (h ^= h >>> 16) >>> 0
  }
}

/** A generator for `seed` and an optional stream name (e.g. an account's username). */
export const makePrng = (seed: string | number, stream = ""): Prng => {
  const hash = xmur3(`${seed}::${stream}`)
  let a = hash()
  let b = hash()
  let c = hash()
  let d = hash()
  const next = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <A>(items: ReadonlyArray<A>): A => {
    if (items.length === 0) throw new Error("Prng.pick on an empty array")
    return items[Math.floor(next() * items.length)] as A
  }
  const letters = (n: number): string => {
    let s = ""
    for (let i = 0; i < n; i++) s += String.fromCharCode(65 + int(0, 25))
    return s
  }
  const digits = (n: number): string => {
    let s = ""
    for (let i = 0; i < n; i++) s += String(int(0, 9))
    return s
  }
  return { next, int, pick, chance: (p) => next() < p, digits, letters }
}
