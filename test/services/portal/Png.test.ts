import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { crc32, deflateSync } from "node:zlib"
import * as Png from "../../../src/services/portal/Png.ts"

/** A test-side PNG writer with a chosen filter per row, so the decoder's unfiltering is checked. */
const writePng = (
  width: number,
  height: number,
  colorType: 0 | 2 | 3 | 4 | 6,
  samples: Uint8Array,
  filters: ReadonlyArray<number>,
  extra: ReadonlyArray<readonly [string, Uint8Array]> = []
) => {
  const bpp = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]
  const stride = width * bpp
  const raw = new Uint8Array(height * (stride + 1))
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c
    const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c)
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
  }
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!
    raw[y * (stride + 1)] = f
    for (let x = 0; x < stride; x++) {
      const cur = samples[y * stride + x]!
      const left = x >= bpp ? samples[y * stride + x - bpp]! : 0
      const up = y > 0 ? samples[(y - 1) * stride + x]! : 0
      const upLeft = y > 0 && x >= bpp ? samples[(y - 1) * stride + x - bpp]! : 0
      const pred = f === 0 ? 0 : f === 1 ? left : f === 2 ? up : f === 3 ? (left + up) >> 1 : paeth(left, up, upLeft)
      raw[y * (stride + 1) + 1 + x] = (cur - pred) & 0xff
    }
  }
  const chunk = (type: string, body: Uint8Array) => {
    const out = Buffer.alloc(12 + body.length)
    out.writeUInt32BE(body.length, 0)
    out.write(type, 4, "latin1")
    Buffer.from(body).copy(out, 8)
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8
  ihdr[9] = colorType
  const idat = deflateSync(raw)
  // Split IDAT in two to check that chunks are concatenated.
  const half = Math.floor(idat.length / 2)
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...extra.map(([t, b]) => chunk(t, b)),
    chunk("IDAT", idat.subarray(0, half)),
    chunk("IDAT", idat.subarray(half)),
    chunk("IEND", new Uint8Array(0))
  ]))
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff)

it("decodes RGB with every filter type (0-4), IDAT split in two", () => {
  const width = 7, height = 10
  const samples = pattern(width * height * 3)
  const image = Png.decodeSync(writePng(width, height, 2, samples, [0, 1, 2, 3, 4]))
  assert.strictEqual(image.width, width)
  assert.strictEqual(image.height, height)
  for (let i = 0; i < width * height; i++) {
    assert.deepStrictEqual([...image.data.subarray(i * 4, i * 4 + 4)], [samples[i * 3]!, samples[i * 3 + 1]!, samples[i * 3 + 2]!, 255])
  }
})

it("decodes RGBA, greyscale, grey+alpha and palette (with tRNS) images", () => {
  const rgba = pattern(3 * 2 * 4)
  assert.deepStrictEqual([...Png.decodeSync(writePng(3, 2, 6, rgba, [4, 3])).data], [...rgba])
  const grey = Png.decodeSync(writePng(2, 1, 0, Uint8Array.of(10, 200), [1]))
  assert.deepStrictEqual([...grey.data], [10, 10, 10, 255, 200, 200, 200, 255])
  const greyAlpha = Png.decodeSync(writePng(1, 1, 4, Uint8Array.of(50, 128), [0]))
  assert.deepStrictEqual([...greyAlpha.data], [50, 50, 50, 128])
  const palette = Png.decodeSync(writePng(2, 1, 3, Uint8Array.of(1, 0), [0], [
    ["PLTE", Uint8Array.of(1, 2, 3, 27, 94, 32)],
    ["tRNS", Uint8Array.of(0)]
  ]))
  assert.deepStrictEqual([...palette.data], [27, 94, 32, 255, 1, 2, 3, 0])
})

it("encode → decode is lossless", () => {
  const image: Png.Rgba = { width: 5, height: 4, data: pattern(5 * 4 * 4) }
  const back = Png.decodeSync(Png.encode(image))
  assert.strictEqual(back.width, 5)
  assert.strictEqual(back.height, 4)
  assert.deepStrictEqual([...back.data], [...image.data])
})

it.effect("rejects what it does not read: not a PNG, 16-bit, interlaced, corrupt data", () =>
  Effect.gen(function*() {
    const notPng = yield* Effect.flip(Png.decode(Uint8Array.of(1, 2, 3)))
    assert.strictEqual(notPng._tag, "PngUnsupported")
    const ok = writePng(1, 1, 2, Uint8Array.of(1, 2, 3), [0])
    const sixteen = Uint8Array.from(ok)
    sixteen[8 + 8 + 8] = 16 // IHDR bit depth
    assert.include((yield* Effect.flip(Png.decode(sixteen))).detail, "bit depth")
    const interlaced = Uint8Array.from(ok)
    interlaced[8 + 8 + 12] = 1
    assert.include((yield* Effect.flip(Png.decode(interlaced))).detail, "interlaced")
    const corrupt = Uint8Array.from(ok)
    const at = ok.length - 12 - 6 // the zlib checksum at the end of the last IDAT
    corrupt[at] = corrupt[at]! ^ 0xff
    assert.strictEqual((yield* Effect.flip(Png.decode(corrupt)))._tag, "PngUnsupported")
  }))

const solid = (width: number, height: number, rgba: readonly [number, number, number, number]): Png.Rgba => {
  const data = new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4)
  return { width, height, data }
}

it("crop (clamped), stack (padded with white) and averageColor of the bottom band", () => {
  const top = solid(4, 7, [255, 255, 255, 255])
  const bottom = solid(2, 3, [27, 94, 32, 255])
  const stacked = Png.stack([top, bottom])
  assert.strictEqual(stacked.width, 4)
  assert.strictEqual(stacked.height, 10)
  // Bottom 30 % = the last 3 rows: half green (2 of 4 columns), half white padding.
  const band = Png.averageColor(stacked, 0.3)
  assert.strictEqual(band.pixels, 12)
  assert.deepStrictEqual(band.rgb.map((v) => Math.round(v)), [141, 175, 144])
  const green = Png.averageColor(Png.crop(stacked, 0, 7, 2, 3))
  assert.deepStrictEqual(green.rgb, [27, 94, 32])
  assert.strictEqual(green.brightness, 51)
  const clamped = Png.crop(stacked, -5, 8, 100, 100)
  assert.deepStrictEqual([clamped.width, clamped.height], [4, 2])
  assert.strictEqual(Png.crop(stacked, 10, 10, 5, 5).width, 0)
  // Transparent pixels count as white.
  assert.strictEqual(Png.averageColor(solid(1, 1, [0, 0, 0, 0])).brightness, 255)
})
