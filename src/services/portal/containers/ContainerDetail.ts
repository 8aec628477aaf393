/**
 * One container's detail on the open grid (SEED-SYSTEM §3.4): scroll-search its row, expand it,
 * read its Booking # and timeline, decide pregate (the divider's class tokens first, else the
 * image check), optionally screenshot the timeline, and collapse the row again on every exit path.
 * The container id is compared as text in the page, never spliced into a selector.
 */
import { Duration, Effect } from "effect"
import { ContainerNotFound, PortalChanged } from "../../../domain/Errors.ts"
import type { PageHandle } from "../../Browser.ts"
import type { BookingRead, RawMilestone } from "../../page/GridRuntime.ts"
import type { PortalUrls } from "../../PortalConfig.ts"
import { Containers } from "../../PortalSelectors.ts"
import { debugStep } from "../Debug.ts"
import { failLoggedOutOr } from "../PageState.ts"
import { setPhase } from "../Phase.ts"
import * as Png from "../Png.ts"
import { type FlowError, type LoadOptions, loadRows, normalizeContainerId, normHeader } from "./ContainerGrid.ts"
import { captureDetail, pregateByImage, type PregateVerdict } from "./PregateImage.ts"

export type { BookingRead, RawMilestone } from "../../page/GridRuntime.ts"

/** How long an expand or collapse click may take to show (detail content included). */
const TOGGLE_TIMEOUT = Duration.seconds(10)
/** Bound on collapsing a row in a finalizer (the result is already read by then). */
const COLLAPSE_BUDGET = Duration.seconds(5)

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

export type DividerStatus = "completed" | "pending" | "ambiguous"

/**
 * A timeline divider's meaning from its class tokens (exact tokens, never substrings — the seed
 * read `dividerflowcolor2` as done): `dividerflowcolor` without `horizontalconflow` is completed,
 * `horizontalconflow` is pending, anything else (no divider, unknown classes) is ambiguous.
 */
export const dividerStatus = (classes: ReadonlyArray<string> | null): DividerStatus => {
  if (classes === null) return "ambiguous"
  if (classes.includes(Containers.dividerPending)) return "pending"
  if (classes.includes(Containers.dividerDone)) return "completed"
  return "ambiguous"
}

export interface TimelineEntry {
  readonly milestone: string
  readonly date: string
  readonly status: "completed" | "pending"
}

const isPregate = (name: string): boolean => normHeader(name) === normHeader(Containers.pregateMilestone)

/**
 * The API's timeline: newest first. An ambiguous divider takes the Pregate verdict when it is the
 * Pregate milestone (image check), else "pending" (the seed's default: only a positive signal
 * makes a milestone completed).
 */
export const buildTimeline = (milestones: ReadonlyArray<RawMilestone>, pregatePassed?: boolean): ReadonlyArray<TimelineEntry> =>
  [...milestones].reverse().map((m) => {
    const status = dividerStatus(m.divider)
    const resolved = status !== "ambiguous"
      ? status
      : isPregate(m.name) && pregatePassed !== undefined
      ? (pregatePassed ? "completed" : "pending")
      : "pending"
    return { milestone: m.name, date: m.date === "" ? Containers.notAvailable : m.date, status: resolved }
  })

/** `N/A`, empty or absent → null (the seed's "Booking number not available"). */
export const bookingValue = (read: BookingRead): string | null => {
  const v = read.value?.trim() ?? ""
  return v === "" || v.toUpperCase() === Containers.notAvailable ? null : v
}

// ---------------------------------------------------------------------------------------------
// Flows

/** Scroll-searches for a container; ContainerNotFound when the list ends without it. */
const findContainer = (page: PageHandle, urls: PortalUrls, containerId: string, options: Omit<LoadOptions, "onProgress">) =>
  Effect.gen(function*() {
    const loaded = yield* loadRows(page, urls, { _tag: "find", containerId }, options)
    if (loaded.stop !== "found") return yield* new ContainerNotFound({ containerId })
  })

/** Expands or collapses `id`'s row, verified (arrow and detail row as `to` says). */
const toggle = (page: PageHandle, urls: PortalUrls, id: string, to: "expanded" | "collapsed") =>
  Effect.gen(function*() {
    const phase = to === "expanded" ? "containers:expand" : "containers:collapse"
    yield* setPhase(phase)
    const texts = to === "expanded" ? Containers.expandIconTexts : Containers.collapseIconTexts
    for (let attempt = 1; attempt <= 2; attempt++) {
      const state = yield* page.call("rowState", Containers, id, "")
      if (state === to) return
      if (state === "missing") {
        if (to === "collapsed") return
        return yield* failLoggedOutOr(page, urls, "the containers page showed the login or 401 page", new ContainerNotFound({ containerId: id }))
      }
      // Expanding while "expanding": the click already happened and the detail is still
      // rendering; clicking again would close it.
      if (!(to === "expanded" && state === "expanding")) {
        const clicked = yield* page.click(to === "expanded" ? "expand row" : "collapse row", "rowIcon", Containers, id, texts)
        if (!clicked) return yield* new PortalChanged({ selector: `${Containers.icon} ${texts.join(" | ")}`, phase })
      }
      const done = yield* page.until(`row ${to}`, { timeout: TOGGLE_TIMEOUT, polling: 50 }, "rowState", Containers, id, to).pipe(
        Effect.as(true),
        Effect.catchTag("WaitTimedOut", () => Effect.succeed(false))
      )
      if (done) return
    }
    return yield* new PortalChanged({ selector: `${Containers.icon} ${texts.join(" | ")} → ${Containers.expandedRow}`, phase })
  })

/**
 * Runs `use` with `id`'s row expanded (verified), then collapses it on every exit path. A collapse
 * that fails is logged, not raised: the result was already read, and the next lookup copes with an
 * open row.
 */
const withExpandedRow = <A, E>(page: PageHandle, urls: PortalUrls, id: string, use: Effect.Effect<A, E>) =>
  toggle(page, urls, id, "expanded").pipe(
    Effect.withSpan("Containers.expand"),
    Effect.andThen(use),
    Effect.ensuring(
      toggle(page, urls, id, "collapsed").pipe(
        Effect.withSpan("Containers.collapse"),
        // Finalizers run uninterruptibly; let the budget cut a collapse that hangs (e.g. after an
        // OPERATION_TIMEOUT interrupted the flow on a stuck page).
        Effect.interruptible,
        Effect.timeoutOrElse({ duration: COLLAPSE_BUDGET, orElse: () => Effect.logWarning("collapsing a container row timed out", { containerId: id }) }),
        Effect.tap(() => debugStep(page, "containers: row collapsed", { containerId: id })),
        Effect.catchCause((cause) => Effect.logWarning("could not collapse a container row", { containerId: id, cause }))
      )
    )
  )

export interface InspectOptions {
  /** Decide pregate (needs a Pregate milestone; null in `pregate` when there is none). */
  readonly pregate: boolean
  /** Screenshot the timeline (only taken when the container has a Pregate milestone). */
  readonly screenshot: boolean
}

export interface ContainerDetail {
  readonly booking: BookingRead
  readonly milestones: ReadonlyArray<RawMilestone>
  /** undefined when not asked; null when the timeline has no Pregate milestone (exports). */
  readonly pregate: PregateVerdict | null | undefined
  readonly screenshot: Uint8Array | undefined
}

/**
 * On an open containers page: scroll-search the container, expand its row, read Booking # and the
 * timeline (and pregate, and a timeline screenshot, when asked), collapse the row.
 */
export const inspectContainer = (
  page: PageHandle,
  urls: PortalUrls,
  containerId: string,
  options: InspectOptions & Omit<LoadOptions, "onProgress">
): Effect.Effect<ContainerDetail, FlowError | ContainerNotFound> =>
  Effect.gen(function*() {
    const id = normalizeContainerId(containerId)
    yield* findContainer(page, urls, id, options)
    yield* debugStep(page, "containers: container found", { containerId: id })
    return yield* withExpandedRow(page, urls, id, Effect.gen(function*() {
      yield* debugStep(page, "containers: row expanded", { containerId: id })
      yield* setPhase("containers:detail")
      const detail = yield* page.call("readDetail", Containers, id)
      if (detail === null) return yield* new PortalChanged({ selector: Containers.expandedRow, phase: "containers:detail" })
      let pregate: PregateVerdict | null | undefined = undefined
      if (options.pregate) {
        if (!detail.timeline || detail.milestones.length === 0) {
          return yield* new PortalChanged({ selector: `${Containers.timeline} ${Containers.milestoneRow}`, phase: "containers:timeline" })
        }
        const milestone = detail.milestones.find((m) => isPregate(m.name))
        if (milestone === undefined) {
          pregate = null
        } else {
          const status = dividerStatus(milestone.divider)
          pregate = status === "ambiguous" ? yield* pregateByImage(page, id) : { passed: status === "completed", method: "dom_class_check" }
        }
      }
      let screenshot: Uint8Array | undefined
      if (options.screenshot && pregate !== null) {
        yield* setPhase("containers:screenshot")
        const image = yield* captureDetail(page, id, "timeline")
        if (image !== null) screenshot = Png.encode(image)
      }
      yield* debugStep(page, "containers: detail read", {
        containerId: id,
        milestones: detail.milestones.length,
        bookingLabel: detail.booking.label,
        pregate: pregate ?? null
      })
      return { booking: detail.booking, milestones: detail.milestones, pregate, screenshot }
    }))
  }).pipe(Effect.withSpan("Containers.inspect"))
