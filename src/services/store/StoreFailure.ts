/**
 * How a store operation fails: every SqlError (file not writable, disk full, Postgres down, a lock
 * held too long) becomes the caller-visible StorageUnavailable (503, retryable) naming the store
 * step, and an operation that gets no answer within STORE_DEADLINE fails the same way instead of
 * hanging the request (a stopped Postgres host may never answer). Transactions are rolled back by
 * `effect/sql` on either, so nothing is half-written.
 */
import { Duration, Effect } from "effect"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import { StorageUnavailable } from "../../domain/Errors.ts"

/** The longest a single store operation may take before it counts as unavailable. */
export const STORE_DEADLINE = Duration.seconds(10)

/** The log detail of a SqlError: its kind and the database's own message (no SQL, no parameters). */
export const describeSqlError = (error: SqlError): string => {
  const cause = error.reason.cause
  const message = cause instanceof Error ? cause.message : error.reason.message ?? ""
  return message === "" ? error.reason._tag : `${error.reason._tag}: ${message.slice(0, 200)}`
}

/**
 * Runs a store operation under STORE_DEADLINE with its SqlErrors as StorageUnavailable — except
 * SQL the database rejects as malformed (Postgres' SqlSyntaxError), which is a bug, not an outage:
 * a defect, so it is never retried as if it were.
 */
export const storeOperation = (operation: string) =>
<A, E, R>(effect: Effect.Effect<A, E | SqlError, R>): Effect.Effect<A, Exclude<E, SqlError> | StorageUnavailable, R> =>
  effect.pipe(
    Effect.catchIf(
      (error): error is SqlError => isSqlError(error) && error.reason._tag === "SqlSyntaxError",
      (error) => Effect.die(error)
    ),
    Effect.mapError((error) => (isSqlError(error) ? new StorageUnavailable({ operation, detail: describeSqlError(error) }) : error)),
    Effect.timeoutOrElse({
      duration: STORE_DEADLINE,
      orElse: () => Effect.fail(new StorageUnavailable({ operation, detail: `no answer within ${Duration.format(STORE_DEADLINE)}` }))
    })
  ) as Effect.Effect<A, Exclude<E, SqlError> | StorageUnavailable, R>

/** A BIGINT column as milliseconds (Postgres returns bigint, SQLite a number). */
export const millis = (value: unknown): number => Number(value)

/** An INTEGER 0/1 column as a boolean. */
export const flag = (value: unknown): boolean => Number(value) !== 0

/** A nullable TEXT column. */
export const optionalText = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value))
