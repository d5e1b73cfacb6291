/**
 * Following the bank's events live: the daemon's Server-Sent Events stream (GET /events/stream)
 * when it has one, else polling GET /events?after= (and, for door sensors, GET /lockers/status)
 * — older daemons have no stream.
 */
import type { IncomingMessage } from "node:http";
import type { Client } from "./client.js";
import { ApiError } from "./errors.js";
import type { EventView, EventsPage, StatusView } from "./views.js";

export interface FollowOptions {
  after: number;
  /** Also report door sensor changes (door.position), from the stream or by polling status. */
  doorPositions?: boolean;
  pollMs?: number;
  signal: AbortSignal;
  /** Told once which way events arrive. */
  onMode?: (mode: "stream" | "poll") => void;
}

export async function followEvents(client: Client, opts: FollowOptions, onEvent: (e: EventView) => void): Promise<void> {
  let res: IncomingMessage | null = null;
  try {
    res = await client.stream(`/events/stream?after=${opts.after}`);
  } catch (e) {
    if (!(e instanceof ApiError && e.noSuchRoute)) throw e;
  }
  if (res) {
    opts.onMode?.("stream");
    await readStream(res, opts, onEvent);
  } else {
    opts.onMode?.("poll");
    await poll(client, opts, onEvent);
  }
}

function readStream(res: IncomingMessage, opts: FollowOptions, onEvent: (e: EventView) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onAbort = () => {
      res.destroy();
      resolve();
    };
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buf += chunk.replace(/\r\n?/g, "\n");
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const e = parseSse(block);
        if (e && (e.type !== "door.position" || opts.doorPositions)) onEvent(e);
      }
    });
    res.on("end", () => {
      opts.signal.removeEventListener("abort", onAbort);
      if (opts.signal.aborted) resolve();
      else reject(new Error("the daemon closed the event stream (stopped or restarting?)"));
    });
    res.on("error", (err) => {
      if (opts.signal.aborted) resolve();
      else reject(err);
    });
  });
}

/** One SSE block → an event; comments (keep-alives) and unknown shapes are skipped. */
export function parseSse(block: string): EventView | null {
  let type = "message";
  let id: string | null = null;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const c = line.indexOf(":");
    const field = c < 0 ? line : line.slice(0, c);
    const value = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(data.join("\n")) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (type === "door.position") {
    return { seq: null, type, at: new Date().toISOString(), lockerId: typeof parsed.lockerId === "string" ? parsed.lockerId : null, parcelId: null, data: { position: parsed.position } };
  }
  if (typeof parsed.type !== "string") return null;
  return { ...(parsed as unknown as EventView), seq: typeof parsed.seq === "number" ? parsed.seq : id ? Number(id) : null };
}

async function poll(client: Client, opts: FollowOptions, onEvent: (e: EventView) => void): Promise<void> {
  let after = opts.after;
  let doors: Map<string, string> | null = null;
  const pollMs = opts.pollMs ?? 500;
  while (!opts.signal.aborted) {
    if (opts.doorPositions) {
      const s = await client.get<StatusView>("/lockers/status");
      const now = new Map(s.lockers.map((l) => [l.id, l.door]));
      if (doors) {
        for (const [id, door] of now) {
          if (doors.get(id) !== door && (door === "open" || door === "closed")) {
            onEvent({ seq: null, type: "door.position", at: new Date().toISOString(), lockerId: id, parcelId: null, data: { position: door } });
          }
        }
      }
      doors = now;
    }
    for (;;) {
      const page = await client.get<EventsPage>("/events", { after, limit: 500 });
      for (const e of page.events) {
        onEvent(e);
        if (e.seq !== null) after = Math.max(after, e.seq);
      }
      if (page.events.length < 500) break;
    }
    await sleep(pollMs, opts.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
