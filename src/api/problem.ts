/**
 * The one place that maps error codes to HTTP: every error leaves as
 * application/problem+json (RFC 9457) with a stable `code`, never a stack trace.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { LockerdError, type ErrorCode } from "../basics/errors.js";
import type { Logger } from "../system/logger.js";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NO_LOCKER_AVAILABLE: 409,
  PARCEL_ALREADY_IN_BANK: 409,
  HARDWARE_OFFLINE: 503,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_PROGRESS: 409,
  INVALID_CODE: 403,
  PASS_REFUSED: 403,
  PARCEL_NOT_FOUND: 404,
  LOCKER_NOT_FOUND: 404,
  LOCKER_OCCUPIED: 409,
  LOCKER_BUSY: 409,
  INVALID_STATE: 409,
  DOOR_UNAVAILABLE: 503,
  STORAGE_FULL: 507,
  STORAGE_BUSY: 503,
  STORAGE_FAILED: 503,
  TOO_MANY_ATTEMPTS: 429,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

export function sendProblem(res: Response, err: LockerdError): void {
  const status = HTTP_STATUS[err.code];
  const retryAfter = err.details.retryAfterSeconds;
  if (typeof retryAfter === "number") res.setHeader("Retry-After", String(Math.ceil(retryAfter)));
  if (err.code === "UNAUTHORIZED") {
    res.setHeader("WWW-Authenticate", err.details.invalidToken ? 'Bearer realm="lockerd", error="invalid_token"' : 'Bearer realm="lockerd"');
  }
  const { invalidToken: _hidden, ...details } = err.details;
  res
    .status(status)
    .type("application/problem+json")
    .send(
      JSON.stringify({
        type: `urn:lockerd:problem:${err.code.toLowerCase().replace(/_/g, "-")}`,
        title: err.code,
        status,
        code: err.code,
        message: err.message,
        detail: err.message,
        ...details,
      }),
    );
}

/** body-parser errors carry a `type`; everything else unknown is a 500 without details. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) {
      // A stream that already started (Server-Sent Events): nothing to answer, just end it.
      log.warn({ err }, "error after the response started");
      res.destroy();
      return;
    }
    if (err instanceof LockerdError) return sendProblem(res, err);
    const e = (err ?? {}) as { type?: string; limit?: number; status?: number; expose?: boolean };
    const type = e.type;
    if (type === "entity.parse.failed") return sendProblem(res, new LockerdError("VALIDATION_FAILED", "the body is not valid JSON", { field: "body" }));
    if (type === "entity.too.large") {
      return sendProblem(res, new LockerdError("PAYLOAD_TOO_LARGE", `the request body is larger than ${e.limit} bytes`, { limitBytes: e.limit }));
    }
    if (type === "encoding.unsupported" || type === "charset.unsupported")
      return sendProblem(res, new LockerdError("VALIDATION_FAILED", "unsupported body encoding", { field: "body" }));
    if (err instanceof URIError) return sendProblem(res, new LockerdError("VALIDATION_FAILED", "malformed URL encoding", { field: "path" }));
    if (e.expose === true && typeof e.status === "number" && e.status >= 400 && e.status < 500) {
      return sendProblem(res, new LockerdError("VALIDATION_FAILED", "the request body could not be read", { field: "body" }));
    }
    log.error({ err }, "unhandled error in request");
    sendProblem(res, new LockerdError("INTERNAL", "internal error; see the daemon's log"));
  };
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, new LockerdError("NOT_FOUND", `no route ${req.method} ${redactPath(req.path)}`));
};

/**
 * Pickup codes can appear in paths (POST /pickup/{code}); never echo or log them. Express routes
 * paths case-blind, so this is case-blind too, and reads each segment percent-decoded: whatever
 * spelling reaches the pickup route (/PICKUP/…, /PicKup/…, /%70ickup/…, //pickup/…) is redacted,
 * and so is the segment after any "pickup" segment of a path no route took.
 */
export function redactPath(path: string): string {
  const segments = path.split("/");
  for (let i = 0; i < segments.length - 1; i++) {
    if (decodeSegment(segments[i]!).toLowerCase() === "pickup" && segments[i + 1] !== "") {
      segments[i + 1] = "[redacted]";
      i++;
    }
  }
  return segments.join("/");
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
