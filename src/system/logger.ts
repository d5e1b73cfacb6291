/**
 * Logging: JSON lines to stdout for journald, pretty when a person is watching. Codes, tokens
 * and secrets are redacted wherever they might appear in a logged object.
 */
import { createRequire } from "node:module";
import { pino, type Logger } from "pino";
import type Pretty from "pino-pretty";

export type { Logger };

export const REDACT_PATHS = [
  "pickupCode",
  "code",
  "token",
  "*.pickupCode",
  "*.code",
  "*.token",
  "*.*.pickupCode",
  "data.pickupCode",
  "pickupToken",
  "*.pickupToken",
  "data.pickupToken",
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
];

export interface LogOptions {
  level: string;
  pretty?: boolean | undefined;
}

export function createLogger(opts: LogOptions, destination?: NodeJS.WritableStream): Logger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { pid: process.pid } };
  const usePretty = opts.pretty ?? (destination === undefined && process.stdout.isTTY === true);
  // pino-pretty is loaded only when used: under systemd (JSON to the journal) it never is.
  if (usePretty) return pino(base, loadPretty()({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
  return destination ? pino(base, destination) : pino(base);
}

function loadPretty(): typeof Pretty {
  return createRequire(import.meta.url)("pino-pretty") as typeof Pretty;
}
