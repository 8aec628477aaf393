/**
 * A small, strict zip reader for tests (no dependency): it walks the central directory, checks
 * each local header, inflates stored/deflated entries with node:zlib and verifies their sizes and
 * CRC-32, so "the bundle is a valid zip with these files" is checked, not assumed.
 */
import { crc32, inflateRawSync } from "node:zlib"

export interface ZipEntry {
  readonly name: string
  readonly data: Buffer
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

export const readZip = (buf: Buffer): ReadonlyArray<ZipEntry> => {
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new Error("not a zip: no end-of-central-directory record")
  const count = buf.readUInt16LE(eocd + 10)
  const cdSize = buf.readUInt32LE(eocd + 12)
  const cdOffset = buf.readUInt32LE(eocd + 16)
  if (cdOffset + cdSize !== eocd) throw new Error("central directory does not end where the EOCD starts")
  const entries: Array<ZipEntry> = []
  let p = cdOffset
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== CENTRAL) throw new Error(`bad central directory header #${i}`)
    const method = buf.readUInt16LE(p + 10)
    const crc = buf.readUInt32LE(p + 16)
    const compressed = buf.readUInt32LE(p + 20)
    const size = buf.readUInt32LE(p + 24)
    const nameLength = buf.readUInt16LE(p + 28)
    const extraLength = buf.readUInt16LE(p + 30)
    const commentLength = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.toString("utf8", p + 46, p + 46 + nameLength)
    if (buf.readUInt32LE(local) !== LOCAL) throw new Error(`bad local header for ${name}`)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const raw = buf.subarray(start, start + compressed)
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined
    if (data === undefined) throw new Error(`unsupported compression method ${method} for ${name}`)
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, expected ${size}`)
    if ((crc32(data) >>> 0) !== crc) throw new Error(`${name}: CRC mismatch`)
    entries.push({ name, data })
    p += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/** The entry named `name`, or a thrown error listing what the zip holds. */
export const entry = (entries: ReadonlyArray<ZipEntry>, name: string): ZipEntry => {
  const found = entries.find((e) => e.name === name)
  if (found === undefined) throw new Error(`${name} not in zip (${entries.map((e) => e.name).join(", ")})`)
  return found
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
