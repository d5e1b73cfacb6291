/**
 * Server-Sent Events for a kiosk screen or a technician's watch mode: the event log from a
 * sequence number on (replayed in batches, then live), plus transient door-sensor changes as
 * `door.position` events without an id. A client resumes with Last-Event-ID or ?after=.
 * Pickup codes never appear (publicEvent strips them).
 */
import type { Request, Response } from "express";
import type { DoorPosition } from "../drivers/lock-bank.js";
import type { EventLog } from "../store/events.js";
import type { EventRow } from "../store/rows.js";
import type { Logger } from "../system/logger.js";

export type DoorPositionListener = (lockerId: string, position: DoorPosition) => void;

export interface StreamSource {
  events: EventLog;
  /** Subscribe to door-sensor changes; returns the unsubscribe. */
  onDoorPosition?: (l: DoorPositionListener) => () => void;
  heartbeatMs: number;
  log: Logger;
}

export interface StreamFilter {
  after: number;
  /** An exact type, or a family with a trailing dot ("door."). */
  type?: string | undefined;
  lockerId?: string | undefined;
}

const BATCH = 500;
/** A client this far behind is dropped; it can resume from its last id. */
const MAX_BUFFERED_BYTES = 1_048_576;

export function streamEvents(req: Request, res: Response, src: StreamSource, filter: StreamFilter, toPublic: (e: EventRow) => Record<string, unknown>): void {
  const typeMatches = (t: string) => !filter.type || (filter.type.endsWith(".") ? t.startsWith(filter.type) : t === filter.type);
  const lockerMatches = (id: string | null) => !filter.lockerId || id === filter.lockerId;

  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();

  let closed = false;
  let last = filter.after;
  const cleanups: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups.splice(0)) c();
    res.end();
  };
  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      src.log.warn({ lastSeq: last }, "event stream client is too slow; closing its stream");
      close();
    }
  };
  const send = (e: EventRow) => {
    if (e.seq <= last) return;
    last = e.seq;
    if (!typeMatches(e.type) || !lockerMatches(e.lockerId)) return;
    write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(toPublic(e))}\n\n`);
  };

  req.on("close", close);
  res.on("close", close);
  write("retry: 3000\n\n");
  const heartbeat = setInterval(() => write(": keepalive\n\n"), src.heartbeatMs);
  cleanups.push(() => clearInterval(heartbeat));

  // Replay what was missed in batches (yielding between them), then follow live. Events are
  // published synchronously after commit, so switching to live in the same tick as the last
  // (short) batch leaves no gap.
  const replay = () => {
    if (closed) return;
    const batch = src.events.query({ afterSeq: last, limit: BATCH, type: filter.type, lockerId: filter.lockerId });
    for (const e of batch) send(e);
    if (batch.length === BATCH) {
      setImmediate(replay);
      return;
    }
    cleanups.push(src.events.subscribe(send));
    if (src.onDoorPosition) {
      cleanups.push(
        src.onDoorPosition((lockerId, position) => {
          if (typeMatches("door.position") && lockerMatches(lockerId)) write(`event: door.position\ndata: ${JSON.stringify({ lockerId, position })}\n\n`);
        }),
      );
    }
  };
  replay();
}
