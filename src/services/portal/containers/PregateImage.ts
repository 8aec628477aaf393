/**
 * Deciding pregate from pixels (SEED-SYSTEM §3.4.9) when the divider's classes say nothing, and
 * screenshots of the expanded detail. A capture is exactly what Chrome paints: the element is
 * scrolled into the grid's visible band piece by piece, each piece cropped from a viewport
 * screenshot, and the pieces stacked (the timeline is taller than the grid's scroll box).
 */
import { Effect } from "effect"
import { PortalChanged } from "../../../domain/Errors.ts"
import type { BrowserError, PageHandle } from "../../Browser.ts"
import type { CaptureWhat } from "../../page/GridRuntime.ts"
import { Containers } from "../../PortalSelectors.ts"
import { debugNote } from "../Debug.ts"
import { setPhase } from "../Phase.ts"
import * as Png from "../Png.ts"

/** Most viewport captures stitched into one element screenshot. */
const MAX_CAPTURE_PIECES = 12

/**
 * A screenshot of part of `target`'s expanded detail (a normalised id). Null when the element is
 * not there or has no area.
 */
export const captureDetail = (page: PageHandle, target: string, what: CaptureWhat): Effect.Effect<Png.Rgba | null, BrowserError> =>
  Effect.gen(function*() {
    const pieces: Array<Png.Rgba> = []
    let offset = 0
    for (let i = 0; i < MAX_CAPTURE_PIECES; i++) {
      const frame = yield* page.call("frameForCapture", Containers, target, what, offset)
      if (frame === null) return null
      const { el, band } = frame
      const top = Math.max(el.y + offset, band.top)
      const bottom = Math.min(el.y + el.height, band.bottom)
      const left = Math.max(el.x, band.left)
      const right = Math.min(el.x + el.width, band.right)
      if (bottom - top < 1 || right - left < 1) break
      // Only the piece is captured (and decoded), not the whole viewport.
      pieces.push(yield* Png.decode(yield* page.screenshot({ clip: { x: left + frame.scroll.x, y: top + frame.scroll.y, width: right - left, height: bottom - top } })))
      offset = bottom - el.y
      if (offset >= el.height - 0.5) break
    }
    if (pieces.length === 0) return null
    return Png.stack(pieces)
  }).pipe(
    // Chrome's own screenshot that we cannot decode is our bug, not the portal's: a defect.
    Effect.catchTag("PngUnsupported", (e) => Effect.die(e)),
    Effect.withSpan("Containers.capture")
  )

/**
 * The timeline's screenshot as PNG bytes: one clipped capture of the element when it fits in the
 * grid's visible band (the usual case: what an element screenshot costs, no decoding), else the
 * pieces of `captureDetail` stacked and encoded. Null when the element is not there.
 */
export const captureDetailPng = (page: PageHandle, target: string, what: CaptureWhat): Effect.Effect<Uint8Array | null, BrowserError> =>
  Effect.gen(function*() {
    const frame = yield* page.call("frameForCapture", Containers, target, what, 0)
    if (frame === null) return null
    const { el, band } = frame
    const fits = el.width >= 1 && el.height >= 1 && el.y >= band.top - 0.5 && el.y + el.height <= band.bottom + 0.5 &&
      el.x >= band.left - 0.5 && el.x + el.width <= band.right + 0.5
    if (fits) return yield* page.screenshot({ clip: { x: el.x + frame.scroll.x, y: el.y + frame.scroll.y, width: el.width, height: el.height } })
    const image = yield* captureDetail(page, target, what)
    return image === null ? null : Png.encode(image)
  }).pipe(Effect.withSpan("Containers.capturePng"))

export interface ImageAnalysis {
  readonly average_brightness: number
  readonly threshold: number
  readonly average_color_rgb: readonly [number, number, number]
}

export interface PregateVerdict {
  readonly passed: boolean
  readonly method: "dom_class_check" | "image_processing"
  readonly imageAnalysis?: ImageAnalysis
}

const round2 = (n: number) => Math.round(n * 100) / 100

/**
 * The image check: the Pregate divider's own pixels (all of them), or — when the milestone has no
 * divider element — the bottom 30 % of the Pregate row, as the seed cropped it. Brightness below
 * the threshold means passed.
 */
export const pregateByImage = (page: PageHandle, target: string): Effect.Effect<PregateVerdict, BrowserError | PortalChanged> =>
  Effect.gen(function*() {
    yield* setPhase("containers:pregate-image")
    const divider = yield* captureDetail(page, target, "pregate-divider")
    const [image, fraction] = divider !== null && divider.height > 0
      ? [divider, 1] as const
      : [yield* captureDetail(page, target, "pregate-row"), 0.3] as const
    if (image === null || image.width === 0 || image.height === 0) {
      return yield* new PortalChanged({
        selector: `${Containers.milestoneRow} "${Containers.pregateMilestone}" ${Containers.divider}`,
        phase: "containers:pregate-image"
      })
    }
    const avg = Png.averageColor(image, fraction)
    const threshold = Containers.pregateBrightnessThreshold
    const analysis: ImageAnalysis = {
      average_brightness: round2(avg.brightness),
      threshold,
      average_color_rgb: [round2(avg.rgb[0]), round2(avg.rgb[1]), round2(avg.rgb[2])]
    }
    yield* debugNote("containers: pregate image analysed", { ...analysis, width: image.width, height: image.height, fraction })
    return { passed: avg.brightness < threshold, method: "image_processing" as const, imageAnalysis: analysis }
  })
