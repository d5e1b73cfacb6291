/** A failure lockerctl reports: a message for people, an exit code for scripts. */
import { EXIT, exitForErrorCode, type ExitCode } from "./exit-codes.js";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exit: ExitCode,
    /** The daemon's error code, when the daemon answered with one. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.USAGE, "USAGE");

/** The daemon answered with an RFC 9457 problem. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message, exitForErrorCode(code), code);
    this.name = "ApiError";
  }

  /** A 404 for the route itself: the daemon is older or lacks the feature. */
  get noSuchRoute(): boolean {
    return this.status === 404 && this.code === "NOT_FOUND";
  }
}

/** The daemon could not be reached at all. */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT.UNREACHABLE, "UNREACHABLE");
    this.name = "UnreachableError";
  }
}
