/**
 * Errors that exist only at the HTTP edge, before any operation runs: no route for the request,
 * a missing or wrong API token, a body over the size cap. They are not business errors (RPC and
 * embedding programs never see them), so they live here rather than in the domain; they answer
 * with the same seed-shaped body as every other error: `{success: false, error, error_type,
 * retryable, message?}`.
 */
import { Schema } from "effect"
import type { SeedErrorBody } from "../domain/ErrorSpecs.ts"

/** API_TOKEN is set and the request did not carry it (every route but /health, and /docs when open). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {}) {}

/** No route matches the request's method and path. */
export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", {
  method: Schema.String,
  path: Schema.String
}) {}

/** The request body is over the cap (MAX_BODY_BYTES). */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limitBytes: Schema.Int
}) {}

export type EdgeError = Unauthorized | RouteNotFound | PayloadTooLarge

const EDGE_TAGS = new Set<string>(["Unauthorized", "RouteNotFound", "PayloadTooLarge"])

export const isEdgeError = (u: unknown): u is EdgeError =>
  typeof u === "object" && u !== null && EDGE_TAGS.has((u as { _tag?: unknown })._tag as string) &&
  (u instanceof Unauthorized || u instanceof RouteNotFound || u instanceof PayloadTooLarge)

/** The status of an edge error. */
export const edgeStatusOf = (e: EdgeError): number => {
  switch (e._tag) {
    case "Unauthorized":
      return 401
    case "RouteNotFound":
      return 404
    case "PayloadTooLarge":
      return 413
  }
}

/** The body of an edge error, in the shape of every other error body. */
export const edgeSeedBody = (e: EdgeError): SeedErrorBody => {
  switch (e._tag) {
    case "Unauthorized":
      return {
        success: false,
        error: "Missing or invalid API token",
        error_type: "unauthorized",
        retryable: false,
        message: "Send Authorization: Bearer <API_TOKEN>"
      }
    case "RouteNotFound":
      return {
        success: false,
        error: `No route for ${e.method} ${e.path}`,
        error_type: "not_found",
        retryable: false,
        message: "See /docs for the available endpoints"
      }
    case "PayloadTooLarge":
      return { success: false, error: `Request body exceeds ${e.limitBytes} bytes`, error_type: "payload_too_large", retryable: false }
  }
}
