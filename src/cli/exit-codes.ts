/**
 * lockerctl's exit codes: the one table that maps the daemon's error codes (src/basics/errors.ts)
 * to what a script can test. Codes a newer daemon invents fall back to 1 ("refused").
 */
import type { ErrorCode } from "../basics/errors.js";

export const EXIT = {
  OK: 0,
  /** A check failed or the daemon refused the operation. */
  FAILED: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The daemon cannot be reached (or is needed and is down). */
  UNREACHABLE: 3,
  /** No such locker, parcel or route. */
  NOT_FOUND: 4,
  /** Missing or wrong token, or a role that may not do this. */
  AUTH: 5,
  /** The hardware (a lock, a board) cannot be driven right now. (EX_UNAVAILABLE) */
  HARDWARE: 69,
  /** The daemon failed internally. (EX_SOFTWARE) */
  INTERNAL: 70,
  /** Storage full or an I/O error (backup). (EX_IOERR) */
  IO: 74,
  /** Busy or rate-limited: try again later. (EX_TEMPFAIL) */
  TRY_LATER: 75,
  /** The configuration file is invalid. (EX_CONFIG) */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_FOR_ERROR: Record<ErrorCode, ExitCode> = {
  VALIDATION_FAILED: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  // The daemon does not take this request as sent: a lockerctl and daemon of different versions.
  METHOD_NOT_ALLOWED: EXIT.USAGE,
  UNSUPPORTED_MEDIA_TYPE: EXIT.USAGE,
  NO_LOCKER_AVAILABLE: EXIT.FAILED,
  PARCEL_ALREADY_IN_BANK: EXIT.FAILED,
  IDEMPOTENCY_KEY_REUSED: EXIT.USAGE,
  IDEMPOTENCY_IN_PROGRESS: EXIT.TRY_LATER,
  HARDWARE_OFFLINE: EXIT.HARDWARE,
  INVALID_CODE: EXIT.FAILED,
  PASS_REFUSED: EXIT.FAILED,
  LOCKER_OCCUPIED: EXIT.FAILED,
  LOCKER_BUSY: EXIT.FAILED,
  INVALID_STATE: EXIT.FAILED,
  PARCEL_NOT_FOUND: EXIT.NOT_FOUND,
  LOCKER_NOT_FOUND: EXIT.NOT_FOUND,
  NOT_FOUND: EXIT.NOT_FOUND,
  UNAUTHORIZED: EXIT.AUTH,
  FORBIDDEN: EXIT.AUTH,
  DOOR_UNAVAILABLE: EXIT.HARDWARE,
  INTERNAL: EXIT.INTERNAL,
  STORAGE_FULL: EXIT.IO,
  STORAGE_BUSY: EXIT.TRY_LATER,
  STORAGE_FAILED: EXIT.IO,
  TOO_MANY_ATTEMPTS: EXIT.TRY_LATER,
};

export function exitForErrorCode(code: string): ExitCode {
  return (EXIT_FOR_ERROR as Record<string, ExitCode>)[code] ?? EXIT.FAILED;
}

/** The table as --help and the README show it. */
export const EXIT_HELP = `Exit codes:
  0   ok
  1   a check failed or the daemon refused (LOCKER_OCCUPIED, LOCKER_BUSY, INVALID_STATE, ...)
  2   usage error (also VALIDATION_FAILED)
  3   daemon unreachable, or needed and down
  4   not found (LOCKER_NOT_FOUND, PARCEL_NOT_FOUND, NOT_FOUND: also an endpoint this daemon lacks)
  5   unauthorized or forbidden (UNAUTHORIZED, FORBIDDEN)
  69  hardware unavailable (DOOR_UNAVAILABLE, HARDWARE_OFFLINE)
  70  internal error in the daemon (INTERNAL)
  74  storage full or I/O error (STORAGE_FULL, STORAGE_FAILED, backup write failed)
  75  busy or rate-limited, try again (STORAGE_BUSY, TOO_MANY_ATTEMPTS)
  78  invalid configuration`;
