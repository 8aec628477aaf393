/**
 * The audio challenge payload: a real, playable WAV file (8 kHz, 8-bit mono beeps) that carries
 * its answer in an extra RIFF chunk `simx`, sealed with the simulator's secret. Players ignore
 * unknown chunks; the bundled solver opens it. The beeps do not encode the answer, so nothing but
 * the secret recovers it cheaply.
 */
import { randomInt } from "node:crypto"
import { open, seal } from "./Crypto.ts"

const SAMPLE_RATE = 8000
const ANSWER_CHUNK = "simx"

/** A fresh answer: six random digits (reCAPTCHA's audio challenges read out digits or words). */
export const newAnswer = (): string => Array.from({ length: 6 }, () => String(randomInt(0, 10))).join("")

/** Normalises a typed answer: digits and letters only, lower case. */
export const normalizeAnswer = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "")

const chunk = (id: string, data: Buffer): Buffer => {
  const header = Buffer.alloc(8)
  header.write(id, 0, "ascii")
  header.writeUInt32LE(data.length, 4)
  return Buffer.concat([header, data, data.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)])
}

const beeps = (count: number): Buffer => {
  const beep = Math.floor(SAMPLE_RATE * 0.18)
  const gap = Math.floor(SAMPLE_RATE * 0.12)
  const samples = Buffer.alloc(count * (beep + gap), 128)
  for (let b = 0; b < count; b++) {
    const freq = 400 + randomInt(0, 8) * 100
    const start = b * (beep + gap)
    for (let i = 0; i < beep; i++) {
      const envelope = Math.min(1, i / 200, (beep - i) / 200)
      samples[start + i] = Math.round(128 + 90 * envelope * Math.sin((2 * Math.PI * freq * i) / SAMPLE_RATE))
    }
  }
  return samples
}

/** A WAV file whose `simx` chunk seals `answer`. */
export const encodeChallengeAudio = (secret: Buffer, answer: string): Buffer => {
  const fmt = Buffer.alloc(16)
  fmt.writeUInt16LE(1, 0) // PCM
  fmt.writeUInt16LE(1, 2) // mono
  fmt.writeUInt32LE(SAMPLE_RATE, 4)
  fmt.writeUInt32LE(SAMPLE_RATE, 8) // byte rate
  fmt.writeUInt16LE(1, 12) // block align
  fmt.writeUInt16LE(8, 14) // bits per sample
  const body = Buffer.concat([
    Buffer.from("WAVE", "ascii"),
    chunk("fmt ", fmt),
    chunk(ANSWER_CHUNK, seal(secret, answer)),
    chunk("data", beeps(answer.length))
  ])
  const riff = Buffer.alloc(8)
  riff.write("RIFF", 0, "ascii")
  riff.writeUInt32LE(body.length, 4)
  return Buffer.concat([riff, body])
}

/** The answer sealed in a simulator WAV, or undefined for any other audio. */
export const decodeChallengeAudio = (secret: Buffer, audio: Uint8Array): string | undefined => {
  const buf = Buffer.from(audio)
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") {
    return undefined
  }
  let offset = 12
  while (offset + 8 <= buf.length) {
    const id = buf.toString("ascii", offset, offset + 4)
    const size = buf.readUInt32LE(offset + 4)
    const start = offset + 8
    if (start + size > buf.length) return undefined
    if (id === ANSWER_CHUNK) return open(secret, buf.subarray(start, start + size))
    offset = start + size + (size % 2)
  }
  return undefined
}
