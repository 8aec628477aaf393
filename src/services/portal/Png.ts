/**
 * Just enough PNG for the containers flows, on node:zlib alone: decode what Chrome's screenshots
 * produce (8-bit, non-interlaced greyscale, RGB, palette, with or without alpha), crop and stack
 * RGBA images, encode one back to PNG, and measure the average colour of an image's bottom band
 * (the Pregate image check, SEED-SYSTEM §3.4.9). Anything outside that subset fails with
 * PngUnsupported instead of guessing.
 */
import { Data, Effect } from "effect"
import { crc32, deflateSync, inflateSync } from "node:zlib"

/** An 8-bit RGBA raster, row-major, 4 bytes per pixel. */
export interface Rgba {
  readonly width: number
  readonly height: number
  readonly data: Uint8Array
}

/** The bytes are not a PNG this module reads (or are corrupt). */
export class PngUnsupported extends Data.TaggedError("PngUnsupported")<{ readonly detail: string }> {}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

/** Decodes a PNG; throws PngUnsupported. Prefer `decode` in effectful code. */
export const decodeSync = (bytes: Uint8Array): Rgba => {
  const fail = (detail: string): never => {
    throw new PngUnsupported({ detail })
  }
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail("not a PNG (bad signature)")
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 8
  let width = 0
  let height = 0
  let bitDepth = 0
  let colorType = -1
  let interlace = 0
  let palette: Uint8Array | undefined
  let transparency: Uint8Array | undefined
  const idat: Array<Uint8Array> = []
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8))
    const body = bytes.subarray(offset + 8, offset + 8 + length)
    if (body.length !== length) fail(`truncated ${type} chunk`)
    if (type === "IHDR") {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength)
      width = h.getUint32(0)
      height = h.getUint32(4)
      bitDepth = body[8]!
      colorType = body[9]!
      interlace = body[12]!
    } else if (type === "PLTE") {
      palette = body
    } else if (type === "tRNS") {
      transparency = body
    } else if (type === "IDAT") {
      idat.push(body)
    } else if (type === "IEND") {
      break
    }
    offset += 12 + length
  }
  const channels = CHANNELS[colorType]
  if (width === 0 || height === 0 || channels === undefined) fail(`unsupported header (color type ${colorType})`)
  if (bitDepth !== 8) fail(`unsupported bit depth ${bitDepth}`)
  if (interlace !== 0) fail("interlaced PNGs are not supported")
  if (colorType === 3 && palette === undefined) fail("palette image without PLTE")
  let raw: Uint8Array
  try {
    raw = new Uint8Array(inflateSync(Buffer.concat(idat)))
  } catch (cause) {
    return fail(`corrupt image data (${(cause as Error).message})`)
  }
  const bpp = channels!
  const stride = width * bpp
  if (raw.length < height * (stride + 1)) fail("image data shorter than the header says")
  const pixels = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const src = y * (stride + 1) + 1
    const dst = y * stride
    for (let x = 0; x < stride; x++) {
      const value = raw[src + x]!
      const left = x >= bpp ? pixels[dst + x - bpp]! : 0
      const up = y > 0 ? pixels[dst - stride + x]! : 0
      const upLeft = y > 0 && x >= bpp ? pixels[dst - stride + x - bpp]! : 0
      let out: number
      switch (filter) {
        case 0:
          out = value
          break
        case 1:
          out = value + left
          break
        case 2:
          out = value + up
          break
        case 3:
          out = value + ((left + up) >> 1)
          break
        case 4:
          out = value + paeth(left, up, upLeft)
          break
        default:
          return fail(`unknown filter ${filter} on row ${y}`)
      }
      pixels[dst + x] = out & 0xff
    }
  }
  const data = new Uint8Array(width * height * 4)
  for (let i = 0, p = 0; i < width * height; i++, p += bpp) {
    let r: number, g: number, b: number, a = 255
    switch (colorType) {
      case 0:
        r = g = b = pixels[p]!
        break
      case 4:
        r = g = b = pixels[p]!
        a = pixels[p + 1]!
        break
      case 2:
        r = pixels[p]!
        g = pixels[p + 1]!
        b = pixels[p + 2]!
        break
      case 6:
        r = pixels[p]!
        g = pixels[p + 1]!
        b = pixels[p + 2]!
        a = pixels[p + 3]!
        break
      default: {
        const index = pixels[p]!
        r = palette![index * 3] ?? 0
        g = palette![index * 3 + 1] ?? 0
        b = palette![index * 3 + 2] ?? 0
        a = transparency?.[index] ?? 255
      }
    }
    data[i * 4] = r
    data[i * 4 + 1] = g
    data[i * 4 + 2] = b
    data[i * 4 + 3] = a
  }
  return { width, height, data }
}

export const decode = (bytes: Uint8Array): Effect.Effect<Rgba, PngUnsupported> =>
  Effect.try({
    try: () => decodeSync(bytes),
    catch: (e) => (e instanceof PngUnsupported ? e : new PngUnsupported({ detail: String(e) }))
  })

const chunk = (type: string, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(12 + body.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, body.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(body, 8)
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)))
  return out
}

/** Encodes an RGBA raster as an 8-bit RGBA PNG (filter 0 on every row). */
export const encode = (image: Rgba): Uint8Array => {
  const header = new Uint8Array(13)
  const h = new DataView(header.buffer)
  h.setUint32(0, image.width)
  h.setUint32(4, image.height)
  header[8] = 8
  header[9] = 6
  const stride = image.width * 4
  const raw = new Uint8Array(image.height * (stride + 1))
  for (let y = 0; y < image.height; y++) {
    raw.set(image.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  }
  const parts = [SIGNATURE, chunk("IHDR", header), chunk("IDAT", new Uint8Array(deflateSync(raw))), chunk("IEND", new Uint8Array(0))]
  return new Uint8Array(Buffer.concat(parts))
}

/** The part of `image` inside the rectangle (clamped to the image; may be empty). */
export const crop = (image: Rgba, x: number, y: number, width: number, height: number): Rgba => {
  const x0 = Math.max(0, Math.min(image.width, Math.round(x)))
  const y0 = Math.max(0, Math.min(image.height, Math.round(y)))
  const x1 = Math.max(x0, Math.min(image.width, Math.round(x + width)))
  const y1 = Math.max(y0, Math.min(image.height, Math.round(y + height)))
  const w = x1 - x0
  const hgt = y1 - y0
  const data = new Uint8Array(w * hgt * 4)
  for (let row = 0; row < hgt; row++) {
    const from = ((y0 + row) * image.width + x0) * 4
    data.set(image.data.subarray(from, from + w * 4), row * w * 4)
  }
  return { width: w, height: hgt, data }
}

/** Images one below the other, left-aligned; narrower ones are padded with white. */
export const stack = (images: ReadonlyArray<Rgba>): Rgba => {
  const width = Math.max(0, ...images.map((i) => i.width))
  const height = images.reduce((s, i) => s + i.height, 0)
  const data = new Uint8Array(width * height * 4).fill(255)
  let top = 0
  for (const image of images) {
    for (let row = 0; row < image.height; row++) {
      data.set(image.data.subarray(row * image.width * 4, (row + 1) * image.width * 4), ((top + row) * width) * 4)
    }
    top += image.height
  }
  return { width, height, data }
}

export interface AverageColor {
  /** Mean of the three channel means, 0-255. */
  readonly brightness: number
  readonly rgb: readonly [number, number, number]
  readonly pixels: number
}

/**
 * The mean colour of the bottom `fraction` of the image (1 = all of it), with translucent pixels
 * composited over white (what a screenshot of an unpainted area shows).
 */
export const averageColor = (image: Rgba, fraction = 1): AverageColor => {
  const first = Math.min(image.height, Math.max(0, Math.floor(image.height * (1 - Math.min(1, Math.max(0, fraction))))))
  let r = 0
  let g = 0
  let b = 0
  let n = 0
  for (let y = first; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = (y * image.width + x) * 4
      const a = image.data[p + 3]! / 255
      r += image.data[p]! * a + 255 * (1 - a)
      g += image.data[p + 1]! * a + 255 * (1 - a)
      b += image.data[p + 2]! * a + 255 * (1 - a)
      n++
    }
  }
  if (n === 0) return { brightness: 255, rgb: [255, 255, 255], pixels: 0 }
  const rgb = [r / n, g / n, b / n] as const
  return { brightness: (rgb[0] + rgb[1] + rgb[2]) / 3, rgb, pixels: n }
}
