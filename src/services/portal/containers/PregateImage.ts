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
      const shot = yield* Png.decode(yield* page.screenshot())
      const scale = shot.width / frame.viewportWidth
      pieces.push(Png.crop(shot, left * scale, top * scale, (right - left) * scale, (bottom - top) * scale))
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
