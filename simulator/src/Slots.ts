/**
 * Appointment slots and bookings. Each terminal and move type has, per calendar day, a
 * deterministic set of one-hour windows starting at half past (`Friday 10/24/2025 18:30 -
 * 19:30`); each window takes one truck, so booking it removes it. Import moves offer the next 5
 * days, export moves the next 21 days with some days closed (disabled in the calendar). Slots in
 * the past of the simulator clock are never offered.
 */
import { makePrng } from "./Prng.ts"
import { MOVE_TYPES, type MoveType, type Terminal, TERMINALS, tradeTypeOfMove } from "./Reference.ts"
import { type Appointment, nextConfirmationNumber, type SimState } from "./State.ts"
import {
  addDays,
  addMinutes,
  atTime,
  dayKey,
  formatHm,
  formatMdy,
  formatMdyHm,
  type WallTime,
  wallKey,
  wallTimeAt,
  weekday
} from "./WallClock.ts"

export interface Slot {
  readonly id: string
  readonly terminal: string
  readonly moveType: MoveType
  readonly start: WallTime
  readonly end: WallTime
  /** `Friday 10/24/2025 18:30 - 19:30` */
  readonly label: string
  /** `10/24/2025`, the export calendar's date */
  readonly date: string
  /** The check-in deadline shown on step 3: one hour before the window. */
  readonly checkInBy: string
}

const moveCode = (m: MoveType): string => m.replace(" ", "")

export const slotLabel = (start: WallTime): string => {
  const end = addMinutes(start, 60)
  return `${weekday(start)} ${formatMdy(start)} ${formatHm(start)} - ${formatHm(end)}`
}

const slotId = (terminal: Terminal, moveType: MoveType, start: WallTime): string =>
  `${terminal.code}-${moveCode(moveType)}-${wallKey(start)}`

const makeSlot = (terminal: Terminal, moveType: MoveType, start: WallTime): Slot => ({
  id: slotId(terminal, moveType, start),
  terminal: terminal.name,
  moveType,
  start,
  end: addMinutes(start, 60),
  label: slotLabel(start),
  date: formatMdy(start),
  checkInBy: formatMdyHm(addMinutes(start, -60))
})

/** Every window of one day, taken or not. */
export const slotsOfDay = (seed: string | number, terminal: Terminal, moveType: MoveType, day: WallTime): Array<Slot> => {
  const rng = makePrng(seed, `slots:${terminal.code}:${moveType}:${dayKey(day)}`)
  const isExport = tradeTypeOfMove(moveType) === "EXPORT"
  if (isExport && rng.chance(0.35)) return []
  const slots: Array<Slot> = []
  for (let hour = 6; hour <= 23; hour++) {
    if (rng.chance(0.4)) slots.push(makeSlot(terminal, moveType, atTime(day, hour, 30)))
  }
  return slots
}

export const nowWall = (state: SimState, now: number): WallTime => wallTimeAt(now, state.options.timeZone)

/** The open slots of a terminal and move type, soonest first. */
export const openSlots = (state: SimState, terminal: Terminal, moveType: MoveType, now: number): Array<Slot> => {
  if (state.faults.slotsExhausted) return []
  const today = nowWall(state, now)
  const horizon = tradeTypeOfMove(moveType) === "EXPORT" ? 21 : 5
  const current = wallKey(today)
  const slots: Array<Slot> = []
  for (let d = 0; d < horizon; d++) {
    for (const slot of slotsOfDay(state.options.seed, terminal, moveType, addDays(today, d))) {
      if (wallKey(slot.start) > current && !state.takenSlots.has(slot.id)) slots.push(slot)
    }
  }
  return slots
}

/**
 * Appointments an account already has when it is created: spread over the last two weeks and
 * the coming week, on the hour (open slots are on the half hour, so they never collide).
 */
export const seedAppointments = (state: SimState, username: string, count: number, now: number): void => {
  const account = state.accounts.get(username)
  if (account === undefined || count <= 0) return
  const rng = makePrng(state.options.seed, `appointments:${username}`)
  const today = nowWall(state, now)
  const imports = account.data.rows.filter((r) => r.tradeType === "IMPORT" && r.id !== null)
  for (let i = 0; i < count; i++) {
    const terminal = rng.pick(TERMINALS)
    const moveType = rng.pick(MOVE_TYPES)
    const tradeType = tradeTypeOfMove(moveType)
    const start = atTime(addDays(today, rng.int(-14, 7)), rng.int(6, 22), 0)
    const company = rng.pick(account.data.companies)
    const container = imports.length > 0 ? rng.pick(imports).id : null
    const booking = account.data.openBookings.length > 0 ? rng.pick(account.data.openBookings) : null
    const appointment: Appointment = {
      confirmationNumber: nextConfirmationNumber(state),
      username,
      tradeType,
      truckingCompany: company.name,
      terminal: terminal.name,
      moveType,
      containers: tradeType === "IMPORT" && container !== null ? [container] : [],
      booking: tradeType === "EXPORT" ? booking : null,
      line: null,
      equipSize: null,
      quantity: 1,
      truckPlate: rng.pick(company.plates),
      ownChassis: rng.chance(0.3),
      pin: tradeType === "IMPORT" ? rng.digits(4) : null,
      unitNumber: tradeType === "EXPORT" ? "1" : null,
      seals: [],
      slotId: slotId(terminal, moveType, start),
      slot: slotLabel(start),
      slotStart: start,
      createdAt: now - (count - i) * 60_000,
      status: wallKey(start) < wallKey(today) ? "COMPLETED" : "SCHEDULED"
    }
    state.appointments.push(appointment)
  }
}

/** An account's appointments, newest booking first. */
export const appointmentsOf = (state: SimState, username: string): Array<Appointment> =>
  // reverse first so that, among equal timestamps, the later booking comes first (sort is stable)
  state.appointments.filter((a) => a.username === username).reverse().sort((a, b) => b.createdAt - a.createdAt)
