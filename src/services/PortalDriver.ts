/**
 * PortalDriver is the façade of every portal flow: log in, tell whether a page is still logged in,
 * refresh a session on the keep-alive page, load and inspect containers, export My Appointments,
 * find a booking in My Appointments (the reconciliation of a lost Submit), and walk the
 * appointment wizard. It holds no state of its own: a page comes in, typed results or
 * typed errors go out, and every contact with the portal's hosts is reported to PortalHealth. The
 * flows live in `./portal/` (one module per concept); every selector they use comes from
 * `PortalSelectors`. `layerTest` is an in-memory portal with fault switches (`FakePortal`), so the
 * pool, the actor and the operations are tested without Chrome.
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { Credentials } from "../domain/Credentials.ts"
import type { CaptchaFailed, ContainerNotFound, LoginFailed, PortalUnavailable } from "../domain/Errors.ts"
import type { Container } from "../domain/Operations.ts"
import type { BrowserError, PageHandle, WaitTimedOut } from "./Browser.ts"
import { CaptchaSolver } from "./CaptchaSolver.ts"
import { PortalConfig } from "./PortalConfig.ts"
import { PortalHealth } from "./PortalHealth.ts"
import { Paths } from "./PortalSelectors.ts"
import * as Detail from "./portal/containers/ContainerDetail.ts"
import * as Grid from "./portal/containers/ContainerGrid.ts"
import { FakePortal, makeFakeDriver } from "./portal/FakePortal.ts"
import { login, type LoginOutcome } from "./portal/Login.ts"
import * as BookingLookup from "./portal/BookingLookup.ts"
import * as MyAppointments from "./portal/MyAppointments.ts"
import { type LoginState, openApp, probe } from "./portal/PageState.ts"
import { setPhase } from "./portal/Phase.ts"
import type { WizardFields } from "./portal/wizard/Phases.ts"
import * as Phases from "./portal/wizard/Phases.ts"
import type { AvailableTimes } from "./portal/wizard/Phase3.ts"
import * as Phase3 from "./portal/wizard/Phase3.ts"
import * as Stepper from "./portal/wizard/Stepper.ts"
import * as WizardPage from "./portal/wizard/WizardPage.ts"
import type { WizardError, WizardStep } from "./portal/wizard/WizardPage.ts"

export { FakePortal, type FakeFault, type FakeFaults, type FakePortalShape, type FakePortalState } from "./portal/FakePortal.ts"
export type { LoginOutcome } from "./portal/Login.ts"
export type { ContainerDetail, InspectOptions } from "./portal/containers/ContainerDetail.ts"
export type { LoadMode, LoadOptions, LoadResult } from "./portal/containers/ContainerGrid.ts"
export type { ExportOptions, ExportResult, Selection } from "./portal/MyAppointments.ts"
export type { BookingTarget, FoundBooking } from "./portal/BookingLookup.ts"
export type { Phase1Form, WizardFields } from "./portal/wizard/Phases.ts"
export type { AvailableTimes } from "./portal/wizard/Phase3.ts"
export type { WizardError, WizardStep } from "./portal/wizard/WizardPage.ts"

export type RefreshVerdict = "logged_in" | "logged_out"

/** What a containers flow can fail with before the session actor translates it. */
export type ContainersError = Grid.FlowError

/** What the My Appointments export can fail with before the session actor translates it. */
export type AppointmentsError = MyAppointments.FlowError

export interface LoadedContainers {
  readonly loaded: Grid.LoadResult
}

/** The appointment wizard's steps, each on the page as the previous one left it. */
export interface WizardFlows {
  /** True when the page is the wizard document marked with `token`, at `step`, and settled. */
  readonly isAt: (page: PageHandle, token: string | undefined, step: WizardStep) => Effect.Effect<boolean, BrowserError>
  /** Closes leftovers of a failed attempt (panels, dialogs) before resuming in place at `step`. */
  readonly tidy: (page: PageHandle, step: WizardStep) => Effect.Effect<void, WizardError>
  /** Opens the wizard at step 1 and marks the page with `token`. */
  readonly open: (page: PageHandle, token: string) => Effect.Effect<void, WizardError>
  /** Fills phase 1; returns the form the portal showed. */
  readonly phase1: (page: PageHandle, fields: WizardFields) => Effect.Effect<Phases.Phase1Form, WizardError>
  /** Next from `phase`, verified on the stepper; `refill` re-fills the phase once when it did not move. */
  readonly next: <E>(page: PageHandle, phase: 1 | 2, refill: Effect.Effect<unknown, E>) => Effect.Effect<void, WizardError | E>
  /** Fills phase 2; returns the truck plate chosen. */
  readonly phase2: (page: PageHandle, fields: WizardFields) => Effect.Effect<string, WizardError>
  /** Phase 3 without booking: the times (and, for exports, the dates) offered. */
  readonly readTimes: (page: PageHandle, containerType: "import" | "export") => Effect.Effect<AvailableTimes, WizardError>
  /** Picks the offered time matching `time` (its date first, for exports); returns the time picked. */
  readonly chooseTime: (page: PageHandle, containerType: "import" | "export", time: string) => Effect.Effect<string, WizardError>
  /** Calls `commit`, clicks Submit, and returns the confirmation number the portal showed. */
  readonly submit: (page: PageHandle, commit: Effect.Effect<void>) => Effect.Effect<string, WizardError>
}

export interface PortalDriverShape {
  /**
   * Logs in on `page` (SEED-SYSTEM §3.2), strictly classifying failures: rejected credentials or
   * captcha (LoginFailed), the solver (CaptchaFailed), the portal failing (PortalUnavailable).
   */
  readonly login: (page: PageHandle, credentials: Credentials) => Effect.Effect<LoginOutcome, LoginFailed | CaptchaFailed | PortalUnavailable>
  /** The login state of what the page shows now: one round trip, no navigation. */
  readonly probe: (page: PageHandle) => Effect.Effect<LoginState, BrowserError>
  /** Visits the keep-alive page and confirms the logged-in markers (§2.6). */
  readonly refresh: (page: PageHandle) => Effect.Effect<RefreshVerdict, PortalUnavailable | BrowserError | WaitTimedOut>
  /** Opens the containers grid (the direct URL, else the menu link). */
  readonly openContainers: (page: PageHandle) => Effect.Effect<void, ContainersError>
  /** On the open grid: loads rows until `mode` holds, handing each batch's rows to `options.onRows`. */
  readonly loadContainers: (page: PageHandle, mode: Grid.LoadMode, options: Grid.LoadOptions) => Effect.Effect<LoadedContainers, ContainersError>
  /** On the open grid: one container's Booking #, timeline, and (when asked) pregate and screenshot. */
  readonly inspectContainer: (
    page: PageHandle,
    containerId: string,
    options: Detail.InspectOptions & { readonly deadline: Duration.Duration }
  ) => Effect.Effect<Detail.ContainerDetail, ContainersError | ContainerNotFound>
  /** My Appointments: open, load, select `selection`, export; the file is in `options.downloadDir`. */
  readonly exportAppointments: (
    page: PageHandle,
    selection: MyAppointments.Selection,
    options: MyAppointments.ExportOptions
  ) => Effect.Effect<MyAppointments.ExportResult, AppointmentsError>
  /**
   * My Appointments: open, load every row (within `loadDeadline`), and find the one `target`
   * describes (its slot, unit and plate; cancelled rows never match); undefined when none does.
   */
  readonly findBooking: (
    page: PageHandle,
    target: BookingLookup.BookingTarget,
    options: { readonly loadDeadline: Duration.Duration }
  ) => Effect.Effect<BookingLookup.FoundBooking | undefined, AppointmentsError>
  readonly wizard: WizardFlows
}

/** The keep-alive visit's deadline. */
const REFRESH_TIMEOUT = Duration.seconds(30)
/** How long opening a portal page (containers, My Appointments) may take. */
export const PAGE_TIMEOUT = Duration.seconds(45)

export class PortalDriver extends Context.Service<PortalDriver, PortalDriverShape>()("emodal-api/services/PortalDriver") {
  static readonly layer: Layer.Layer<PortalDriver, never, PortalConfig | CaptchaSolver | PortalHealth> = Layer.effect(
    PortalDriver,
    Effect.gen(function*() {
      const config = yield* PortalConfig
      const solver = yield* CaptchaSolver
      const health = yield* PortalHealth
      const urls = config.portal
      const loginDeps = { urls, solver, strategy: config.captchaStrategy, defaultApiKey: config.captchaApiKey }
      /** The flows report each contact with the portal's hosts to PortalHealth. */
      const reporting = <A, E>(flow: Effect.Effect<A, E>) => Effect.provideService(flow, PortalHealth, health)

      const refresh = Effect.fn("PortalDriver.refresh")(function*(page: PageHandle) {
        yield* setPhase("refresh:keep-alive")
        return yield* openApp(page, new URL(Paths.keepAlive, urls.termops).href, urls, { timeout: REFRESH_TIMEOUT, what: "keep-alive page" }).pipe(
          Effect.as<RefreshVerdict>("logged_in"),
          Effect.catchTag("LoggedOut", () => Effect.succeed<RefreshVerdict>("logged_out")),
          reporting
        )
      })

      const loginOn = Effect.fn("PortalDriver.login")(function*(page: PageHandle, credentials: Credentials) {
        return yield* login(page, credentials, loginDeps).pipe(
          Effect.tapError((e) =>
            e._tag === "PortalUnavailable" ? Effect.logWarning("portal unavailable at login", { detail: e.detail, httpStatus: e.httpStatus }) : Effect.void
          ),
          reporting
        )
      })

      const loadContainers = Effect.fn("PortalDriver.loadContainers")(function*(page: PageHandle, mode: Grid.LoadMode, options: Grid.LoadOptions) {
        const loaded = yield* reporting(Grid.loadRows(page, urls, mode, options))
        return { loaded }
      })

      const openContainers = Effect.fn("PortalDriver.openContainers")(function*(page: PageHandle) {
        return yield* reporting(Grid.openContainersPage(page, urls, PAGE_TIMEOUT))
      })

      const inspectContainer = Effect.fn("PortalDriver.inspectContainer")(function*(
        page: PageHandle,
        containerId: string,
        options: Detail.InspectOptions & { readonly deadline: Duration.Duration }
      ) {
        return yield* reporting(Detail.inspectContainer(page, urls, containerId, options))
      })

      const exportAppointments = Effect.fn("PortalDriver.exportAppointments")(function*(
        page: PageHandle,
        selection: MyAppointments.Selection,
        options: MyAppointments.ExportOptions
      ) {
        return yield* reporting(MyAppointments.exportAppointments(page, urls, selection, options))
      })

      const findBooking = Effect.fn("PortalDriver.findBooking")(function*(
        page: PageHandle,
        target: BookingLookup.BookingTarget,
        options: { readonly loadDeadline: Duration.Duration }
      ) {
        return yield* reporting(BookingLookup.findBooking(page, urls, target, { pageTimeout: PAGE_TIMEOUT, loadDeadline: options.loadDeadline }))
      })

      const wizard: WizardFlows = {
        isAt: Effect.fn("PortalDriver.wizard.isAt")(function*(page: PageHandle, token: string | undefined, step: WizardStep) {
          return yield* WizardPage.isAt(page, token, step)
        }),
        tidy: Effect.fn("PortalDriver.wizard.tidy")(function*(page: PageHandle, step: WizardStep) {
          return yield* WizardPage.tidy(page, step)
        }),
        open: Effect.fn("PortalDriver.wizard.open")(function*(page: PageHandle, token: string) {
          return yield* reporting(WizardPage.open(page, urls, token))
        }),
        phase1: Effect.fn("PortalDriver.wizard.phase1")(function*(page: PageHandle, fields: WizardFields) {
          return yield* reporting(Phases.phase1(page, fields))
        }),
        // Generic in the refill's error, which Effect.fn cannot carry: a span of its own instead.
        next: <E>(page: PageHandle, phase: 1 | 2, refill: Effect.Effect<unknown, E>) =>
          reporting(Stepper.next(page, phase, refill)).pipe(Effect.withSpan("PortalDriver.wizard.next")),
        phase2: Effect.fn("PortalDriver.wizard.phase2")(function*(page: PageHandle, fields: WizardFields) {
          return yield* reporting(Phases.phase2(page, fields))
        }),
        readTimes: Effect.fn("PortalDriver.wizard.readTimes")(function*(page: PageHandle, containerType: "import" | "export") {
          return yield* reporting(Phase3.readTimes(page, containerType))
        }),
        chooseTime: Effect.fn("PortalDriver.wizard.chooseTime")(function*(page: PageHandle, containerType: "import" | "export", time: string) {
          return yield* reporting(Phase3.chooseTime(page, containerType, time))
        }),
        submit: Effect.fn("PortalDriver.wizard.submit")(function*(page: PageHandle, commit: Effect.Effect<void>) {
          return yield* reporting(Phase3.submit(page, commit))
        })
      }

      return PortalDriver.of({
        login: loginOn,
        probe: Effect.fn("PortalDriver.probe")(function*(page: PageHandle) {
          return yield* probe(page, urls)
        }),
        refresh,
        openContainers,
        loadContainers,
        inspectContainer,
        exportAppointments,
        findBooking,
        wizard
      })
    })
  )

  /**
   * An in-memory portal: logins succeed unless the password is "wrong", the flows answer from a
   * small fixed account, and `FakePortal` exposes the counters and the fault switches.
   */
  static readonly layerTest: Layer.Layer<PortalDriver | FakePortal> = Layer.effectContext(
    Effect.map(makeFakeDriver, ({ driver, controls }) => Context.make(PortalDriver, PortalDriver.of(driver)).pipe(Context.add(FakePortal, controls)))
  )
}
