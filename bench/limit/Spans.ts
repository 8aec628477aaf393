/**
 * A tracer for the bench: it records every ended span (name, duration, parent) so that a run of an
 * operation can be broken down into where its time went. `selfTimes` gives each span name's
 * exclusive time (its duration minus its direct children's), which adds up to the root's duration
 * without counting anything twice.
 */
import { Layer, Option, Tracer } from "effect"

interface Ended {
  readonly id: string
  readonly parent: string | undefined
  readonly name: string
  readonly ms: number
}

export interface SpanLog {
  readonly layer: Layer.Layer<never>
  /** Forgets what was recorded. */
  readonly reset: () => void
  /** Exclusive milliseconds by span name since the last reset. */
  readonly selfTimes: () => ReadonlyMap<string, number>
}

export const makeSpanLog = (): SpanLog => {
  let ended: Array<Ended> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        end(endTime, exit)
        const parent = Option.getOrUndefined(options.parent)
        ended.push({
          id: span.spanId,
          parent: parent?.spanId,
          name: options.name,
          ms: Number(endTime - options.startTime) / 1e6
        })
      }
      return span
    }
  })
  return {
    layer: Layer.succeed(Tracer.Tracer, tracer),
    reset: () => {
      ended = []
    },
    selfTimes: () => {
      const children = new Map<string, number>()
      for (const s of ended) if (s.parent !== undefined) children.set(s.parent, (children.get(s.parent) ?? 0) + s.ms)
      const out = new Map<string, number>()
      for (const s of ended) out.set(s.name, (out.get(s.name) ?? 0) + Math.max(0, s.ms - (children.get(s.id) ?? 0)))
      return out
    }
  }
}
