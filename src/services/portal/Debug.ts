/**
 * Debug capture for one operation: with `debug: true`, flows record steps — an honest screenshot of
 * the page as it is (no added frames, address bars or taskbars), its HTML, and a JSON step log —
 * and the operations layer zips them (plus `error.txt` on failure) into the session's folder.
 * Without a recorder every call is a no-op, so flows never depend on it. Recording never fails an
 * operation: a step that cannot be captured is noted in the log instead.
 */
import { Clock, Context, Effect, Option, Ref } from "effect"
import type { BundleEntry } from "../ArtifactStore.ts"
import type { PageHandle } from "../Browser.ts"

interface StepLog {
  readonly index: number
  readonly name: string
  readonly at: string
  readonly url: string | null
  readonly data?: unknown
  readonly captureError?: string
}

export interface DebugRecorderShape {
  readonly record: (page: PageHandle, name: string, data?: unknown) => Effect.Effect<void>
  readonly note: (name: string, data?: unknown) => Effect.Effect<void>
  /** The bundle's files so far (steps.json, screenshots/, html/). */
  readonly entries: (error?: string) => Effect.Effect<ReadonlyArray<BundleEntry>>
}

export class DebugRecorder extends Context.Service<DebugRecorder, DebugRecorderShape>()("emodal-api/services/portal/DebugRecorder") {}

const slug = (name: string) => name.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 60)

const pageUrl = (page: PageHandle): string | null => {
  try {
    const u = new URL(page.url())
    return `${u.origin}${u.pathname}`
  } catch {
    return null
  }
}

export const makeRecorder: Effect.Effect<DebugRecorderShape> = Effect.gen(function*() {
  const steps = yield* Ref.make<ReadonlyArray<StepLog>>([])
  const files = yield* Ref.make<ReadonlyArray<BundleEntry>>([])
  const iso = Effect.map(Clock.currentTimeMillis, (t) => new Date(t).toISOString())

  const note = (name: string, data?: unknown) =>
    Effect.gen(function*() {
      const at = yield* iso
      yield* Ref.update(steps, (s) => [...s, { index: s.length + 1, name, at, url: null, ...(data !== undefined ? { data } : {}) }])
    })

  const record = (page: PageHandle, name: string, data?: unknown) =>
    Effect.gen(function*() {
      const at = yield* iso
      const index = (yield* Ref.get(steps)).length + 1
      const prefix = `${String(index).padStart(2, "0")}_${slug(name)}`
      const shot = yield* Effect.result(page.screenshot({ fullPage: false }))
      const html = yield* Effect.result(page.content())
      const added: Array<BundleEntry> = []
      if (shot._tag === "Success") added.push({ name: `screenshots/${prefix}.png`, data: shot.success })
      if (html._tag === "Success") added.push({ name: `html/${prefix}.html`, data: html.success })
      yield* Ref.update(files, (f) => [...f, ...added])
      const captureError = shot._tag === "Failure" ? shot.failure.detail : html._tag === "Failure" ? html.failure.detail : undefined
      yield* Ref.update(steps, (s) => [
        ...s,
        {
          index,
          name,
          at,
          url: pageUrl(page),
          ...(data !== undefined ? { data } : {}),
          ...(captureError !== undefined ? { captureError } : {})
        }
      ])
    })

  const entries = (error?: string) =>
    Effect.gen(function*() {
      const log = yield* Ref.get(steps)
      const captured = yield* Ref.get(files)
      return [
        { name: "steps.json", data: JSON.stringify(log, null, 2) },
        ...captured,
        ...(error !== undefined ? [{ name: "error.txt", data: error }] : [])
      ]
    })

  return { record, note, entries }
})

/** Records a step when a recorder is present; a no-op otherwise. */
export const debugStep = (page: PageHandle, name: string, data?: unknown): Effect.Effect<void> =>
  Effect.serviceOption(DebugRecorder).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (r) => r.record(page, name, data) }))
  )

/** Adds a log line to the step log when a recorder is present. */
export const debugNote = (name: string, data?: unknown): Effect.Effect<void> =>
  Effect.serviceOption(DebugRecorder).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (r) => r.note(name, data) }))
  )
