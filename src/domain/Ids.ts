/**
 * Identifiers that cross the API boundary. Session ids are bearer secrets (whoever holds one can
 * drive a logged-in portal session), so they come from the platform CSPRNG with 144 bits of
 * entropy and are URL-safe; unlike the seed's `session_<unix>_<hash>` they cannot be guessed.
 */
import { Schema } from "effect"

const ID_BYTES = 18 // 144 bits; base64url of 18 bytes is exactly 24 characters, no padding

const randomToken = (): string => {
  const bytes = new Uint8Array(ID_BYTES)
  globalThis.crypto.getRandomValues(bytes)
  // btoa rather than Buffer: this module is part of the typed client package, which runs anywhere.
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
}

/** A browser session: one logged-in Chrome (or BrowserContext) in the pool. */
export const SessionId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^sess_[A-Za-z0-9_-]{24}$/)),
  Schema.brand("SessionId")
)
export type SessionId = typeof SessionId.Type

/** An appointment workflow (check/make appointment), separate from the browser session it runs on. */
export const AppointmentSessionId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^appt_[A-Za-z0-9_-]{24}$/)),
  Schema.brand("AppointmentSessionId")
)
export type AppointmentSessionId = typeof AppointmentSessionId.Type

export const makeSessionId = (): SessionId => SessionId.make(`sess_${randomToken()}`)
export const makeAppointmentSessionId = (): AppointmentSessionId =>
  AppointmentSessionId.make(`appt_${randomToken()}`)

/** An unguessable token for file names and other opaque handles. */
export const makeOpaqueToken = (): string => randomToken()

export const isSessionId = Schema.is(SessionId)
export const isAppointmentSessionId = Schema.is(AppointmentSessionId)
