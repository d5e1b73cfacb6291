/** A logger for tests: silent unless LOCKERD_TEST_LOG is set; records lines when asked. */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/system/logger.js";

/** A logger that never writes, even with LOCKERD_TEST_LOG set: for parts whose logs no test reads. */
export const silentLog: Logger = createLogger({ level: "silent", pretty: false });

export function testLogger(lines?: Record<string, unknown>[]): Logger {
  if (!lines) return createLogger({ level: process.env.LOCKERD_TEST_LOG ?? "silent", pretty: false });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return createLogger({ level: "debug", pretty: false }, sink);
}
