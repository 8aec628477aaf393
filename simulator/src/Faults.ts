/**
 * Fault switches: what a test can break in the simulated portal, in-process (`setFaults`) or over
 * the control API (`POST /__sim/faults`). A patch changes only the keys it names; `resetFaults`
 * returns to "no faults". Durations accept effect's Duration inputs (`200`, `"2 seconds"`).
 */
import { Duration, Option, Schema } from "effect"

export type WizardStep = 1 | 2 | 3
export type WizardStage = 1 | 2 | 3 | 4

export interface Faults {
  /** Overrides the pageLatency option (HTML pages and wizard validations). */
  readonly pageLatency: Duration.Duration | null
  /** Overrides the batchLatency option (containers batches, My Appointments pages). */
  readonly batchLatency: Duration.Duration | null
  /**
   * Routes answering HTTP 500: `"<host>:<path prefix>"` (host = identity | ecp2 | termops |
   * truckerportal | recaptcha) or just `"<path prefix>"` for any portal host.
   */
  readonly http500: ReadonlyArray<string>
  /**
   * Hosts that cannot be reached: every connection to them is dropped without an answer (the
   * browser sees ERR_EMPTY_RESPONSE). identity | recaptcha | ecp2 | termops | truckerportal.
   */
  readonly unreachable: ReadonlyArray<string>
  /** The wizard's Next on this step (3 = Submit) answers HTTP 500. */
  readonly wizardStep500: WizardStep | null
  /** This wizard step never becomes ready (1 = the form's options never load). */
  readonly wizardStepNeverReady: WizardStage | null
  /**
   * Submit books the slot at once, then holds its answer (the request stays open) until this is
   * switched off: the booking is committed at the portal while its client has no answer yet, so
   * a test can kill the client in between. The snapshot's `heldSubmits` counts answers held.
   */
  readonly holdSubmitAnswer: boolean
  /** The identity host rejects every reCAPTCHA token. */
  readonly captchaRejected: boolean
  /** The solver answers ERROR_CAPTCHA_UNSOLVABLE for everything. */
  readonly solverUnsolvable: boolean
  /** No appointment slot is open. */
  readonly slotsExhausted: boolean
  /** Every portal host answers 403 Forbidden (the portal's non-US block). */
  readonly geoBlock: boolean
  /** App pages open a first-run dialog ("Got it") until it is dismissed in that app session. */
  readonly firstRunDialog: boolean
}

export const NO_FAULTS: Faults = {
  pageLatency: null,
  batchLatency: null,
  http500: [],
  unreachable: [],
  wizardStep500: null,
  wizardStepNeverReady: null,
  holdSubmitAnswer: false,
  captchaRejected: false,
  solverUnsolvable: false,
  slotsExhausted: false,
  geoBlock: false,
  firstRunDialog: false
}

/** A partial update, as accepted in-process. */
export interface FaultsPatch {
  readonly pageLatency?: Duration.Input | string | null
  readonly batchLatency?: Duration.Input | string | null
  readonly http500?: ReadonlyArray<string>
  readonly unreachable?: ReadonlyArray<string>
  readonly wizardStep500?: WizardStep | null
  readonly wizardStepNeverReady?: WizardStage | null
  readonly holdSubmitAnswer?: boolean
  readonly captchaRejected?: boolean
  readonly solverUnsolvable?: boolean
  readonly slotsExhausted?: boolean
  readonly geoBlock?: boolean
  readonly firstRunDialog?: boolean
}

const DurationJson = Schema.NullOr(Schema.Union([Schema.Number, Schema.String]))

/** The JSON body of `POST /__sim/faults`. */
export const FaultsPatchJson = Schema.Struct({
  pageLatency: Schema.optionalKey(DurationJson),
  batchLatency: Schema.optionalKey(DurationJson),
  http500: Schema.optionalKey(Schema.Array(Schema.String)),
  unreachable: Schema.optionalKey(Schema.Array(Schema.String)),
  wizardStep500: Schema.optionalKey(Schema.NullOr(Schema.Literals([1, 2, 3]))),
  wizardStepNeverReady: Schema.optionalKey(Schema.NullOr(Schema.Literals([1, 2, 3, 4]))),
  holdSubmitAnswer: Schema.optionalKey(Schema.Boolean),
  captchaRejected: Schema.optionalKey(Schema.Boolean),
  solverUnsolvable: Schema.optionalKey(Schema.Boolean),
  slotsExhausted: Schema.optionalKey(Schema.Boolean),
  geoBlock: Schema.optionalKey(Schema.Boolean),
  firstRunDialog: Schema.optionalKey(Schema.Boolean)
})

const toDuration = (input: Duration.Input | string | null): Duration.Duration | null | "invalid" => {
  if (input === null) return null
  return Option.getOrElse(Duration.fromInput(input as Duration.Input), () => "invalid" as const)
}

/** Applies a patch; unreadable durations are reported, never half-applied. */
export const applyFaults = (current: Faults, patch: FaultsPatch): Faults | { readonly invalid: string } => {
  let next: Faults = { ...current }
  for (const key of ["pageLatency", "batchLatency"] as const) {
    const value = patch[key]
    if (value === undefined) continue
    const d = toDuration(value)
    if (d === "invalid") return { invalid: `${key}: not a duration` }
    next = { ...next, [key]: d }
  }
  const { pageLatency: _p, batchLatency: _b, ...rest } = patch
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) next = { ...next, [key]: value }
  }
  return next
}

/** Faults as JSON (durations in milliseconds). */
export const faultsToJson = (f: Faults) => ({
  ...f,
  pageLatency: f.pageLatency === null ? null : Duration.toMillis(f.pageLatency),
  batchLatency: f.batchLatency === null ? null : Duration.toMillis(f.batchLatency)
})

/** Whether `http500` names this host and path. */
export const isHttp500 = (f: Faults, host: string, path: string): boolean =>
  f.http500.some((rule) => {
    const i = rule.indexOf(":")
    const [ruleHost, prefix] = i > 0 && !rule.startsWith("/") ? [rule.slice(0, i), rule.slice(i + 1)] : [null, rule]
    return (ruleHost === null || ruleHost === host) && path.startsWith(prefix)
  })
