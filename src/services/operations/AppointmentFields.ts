/**
 * The appointment requests' fields, pure and unit-tested: which wizard phase each belongs to, what
 * a phase still lacks, the fields as the wizard needs them and as a response shows them (never the
 * PIN), and what goes into make_appointment's idempotency fingerprint (the business fields only).
 */
import type { MakeAppointmentRequest } from "../../domain/AppointmentWizard.ts"
import type { PhaseData, WorkflowContainerType as ContainerType } from "../store/WorkflowStore.ts"
import { ownChassisTarget } from "../portal/wizard/Matching.ts"
import type { WizardFields } from "../PortalDriver.ts"

/** The wizard fields a workflow stores (its `phase_data`), with the phase each belongs to. */
export const PHASE_OF_FIELD: Readonly<Record<string, 1 | 2>> = {
  container_type: 1,
  trucking_company: 1,
  terminal: 1,
  move_type: 1,
  container_id: 1,
  booking_number: 1,
  line: 1,
  equip_size: 1,
  quantity: 1,
  truck_plate: 2,
  own_chassis: 2,
  pin_code: 2,
  unit_number: 2,
  seal_value: 2
}

export const CONTAINER_TYPE_ERROR = "container_type must be 'import' or 'export'"

/** `container_type`, case-insensitive; undefined when absent, "invalid" when not import/export. */
export const parseContainerType = (value: unknown): ContainerType | "invalid" | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") return "invalid"
  const v = value.trim().toLowerCase()
  return v === "import" || v === "export" ? v : "invalid"
}

/** The phase fields present in a request (as given; `container_type` normalised). */
export const phaseFieldsOf = (request: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(PHASE_OF_FIELD)) {
    const v = request[key]
    if (v === undefined) continue
    out[key] = key === "container_type" ? parseContainerType(v) : v
  }
  return out
}

const given = (d: PhaseData, key: string) => typeof d[key] === "string" && (d[key] as string).trim() !== ""

/**
 * The fields `phase` still lacks. Phase 1: the three selects plus `container_id` for imports (or
 * `line` + `equip_size`, the alternative form) and `booking_number` for exports. Phase 2:
 * `truck_plate` ("" is the wildcard, so only an absent plate is missing). Phase 3 (booking):
 * `appointment_time`.
 */
export const missingFields = (phase: 1 | 2 | 3, type: ContainerType, d: PhaseData, appointmentTime?: string): ReadonlyArray<string> => {
  if (phase === 1) {
    const missing = ["trucking_company", "terminal", "move_type"].filter((k) => !given(d, k))
    if (type === "export") {
      if (!given(d, "booking_number")) missing.push("booking_number")
    } else if (!given(d, "container_id")) {
      if (!given(d, "line") && !given(d, "equip_size")) missing.push("container_id")
      else missing.push(...["line", "equip_size"].filter((k) => !given(d, k)))
    }
    return missing
  }
  if (phase === 2) return typeof d.truck_plate === "string" ? [] : ["truck_plate"]
  return appointmentTime !== undefined && appointmentTime.trim() !== "" ? [] : ["appointment_time"]
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v.trim() : undefined)

/** The stored fields as the wizard needs them. */
export const wizardFields = (type: ContainerType, d: PhaseData): WizardFields => ({
  containerType: type,
  truckingCompany: str(d.trucking_company) ?? "",
  terminal: str(d.terminal) ?? "",
  moveType: str(d.move_type) ?? "",
  containerId: str(d.container_id),
  bookingNumber: str(d.booking_number),
  line: str(d.line),
  equipSize: str(d.equip_size),
  quantity: typeof d.quantity === "number" ? d.quantity : undefined,
  truckPlate: typeof d.truck_plate === "string" ? d.truck_plate : undefined,
  ownChassis: ownChassisTarget(d.own_chassis),
  pinCode: str(d.pin_code),
  unitNumber: str(d.unit_number),
  sealValue: str(d.seal_value)
})

/** The stored fields as a response shows them: everything but the PIN code. */
export const publicPhaseData = (d: PhaseData): Record<string, unknown> => {
  const { pin_code: _pin, ...rest } = d
  return rest
}

/**
 * What goes into the idempotency fingerprint: the business fields. Secrets, the key, debug options
 * and the caller's identity (session_id, username) stay out — who the caller is, is checked by its
 * principals, so one owner may send a session id first and credentials later.
 */
export const fingerprintBody = (request: MakeAppointmentRequest): Record<string, unknown> => {
  const {
    session_id: _sessionId,
    username: _username,
    password: _password,
    captcha_api_key: _key,
    request_id: _requestId,
    debug: _debug,
    screens_label: _label,
    never_terminate: _pin,
    keep_alive: _keepAlive,
    ...rest
  } = request
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(rest)) out[k] = typeof v === "string" ? v.trim() : v
  out.container_type = request.appointment_session_id === undefined
    ? parseContainerType(request.container_type) ?? "import"
    : parseContainerType(request.container_type)
  return out
}
