/**
 * Errors the bank's rules raise, each with a stable code. One place (api/problem.ts, and the
 * CLI's exit codes) maps codes to transport statuses; use cases never know about HTTP.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: "the request is malformed",
  NO_LOCKER_AVAILABLE: "no free locker fits the parcel",
  PARCEL_ALREADY_IN_BANK: "a live parcel with this tracking reference is already in the bank",
  HARDWARE_OFFLINE: "the lock hardware of the lockers that would fit does not answer",
  IDEMPOTENCY_KEY_REUSED: "the Idempotency-Key was used with another request",
  IDEMPOTENCY_IN_PROGRESS: "a request with this Idempotency-Key is still being answered",
  INVALID_CODE: "the code is not valid",
  PASS_REFUSED: "the pass is not accepted here and now",
  PARCEL_NOT_FOUND: "no such parcel",
  LOCKER_NOT_FOUND: "no such locker",
  LOCKER_OCCUPIED: "the locker holds a parcel",
  LOCKER_BUSY: "the locker is in the middle of a door operation",
  INVALID_STATE: "the operation does not apply in the current state",
  DOOR_UNAVAILABLE: "the door cannot be opened right now",
  STORAGE_FULL: "the bank's storage is full",
  STORAGE_BUSY: "the database is busy; try again",
  STORAGE_FAILED: "the bank's storage did not confirm a write",
  TOO_MANY_ATTEMPTS: "too many failed attempts; try later",
  UNAUTHORIZED: "a valid token is required",
  FORBIDDEN: "the token does not allow this",
  NOT_FOUND: "no such resource",
  PAYLOAD_TOO_LARGE: "the request body is too large",
  METHOD_NOT_ALLOWED: "the resource does not support this method",
  UNSUPPORTED_MEDIA_TYPE: "the request body must be JSON",
  INTERNAL: "internal error",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LockerdError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LockerdError";
  }
}

export function isLockerdError(e: unknown, code?: ErrorCode): e is LockerdError {
  return e instanceof LockerdError && (code === undefined || e.code === code);
}
