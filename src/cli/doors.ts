/**
 * Opening a door through the daemon and learning what its sensor said: the technician open
 * endpoint, then the event log after it (door.opened, door.open_timeout, door.unlock_failed).
 * Doors that open without an unlock meanwhile (alarm.door_forced) are reported too: on a relay
 * test that is the sign of crossed wiring.
 */
import type { Client } from "./client.js";
import { sleep } from "./follow.js";
import type { EventsPage } from "./views.js";

export type DoorOutcome = "opened" | "did_not_open" | "unlock_failed" | "no_answer";

export interface DoorResult {
  lockerId: string;
  outcome: DoorOutcome;
  /** Time from the unlock command to the sensor reporting open. */
  openedAfterMs: number | null;
  /** Other doors that opened without an unlock while we waited. */
  otherDoorsOpened: string[];
}

export async function lastSeq(client: Client): Promise<number> {
  const page = await client.get<EventsPage>("/events", { limit: 1, order: "desc" });
  return page.lastSeq;
}

export async function openDoor(client: Client, lockerId: string, force: boolean): Promise<void> {
  await client.post(`/lockers/${lockerId}/open`, { force });
}

/** Watch the event log after `after` until the door's outcome is known or waitMs passes. */
export async function awaitDoor(client: Client, lockerId: string, after: number, waitMs: number, signal?: AbortSignal): Promise<DoorResult> {
  const started = Date.now();
  const others = new Set<string>();
  let seq = after;
  while (!signal?.aborted) {
    const page = await client.get<EventsPage>("/events", { after: seq, limit: 500 });
    for (const e of page.events) {
      if (e.seq !== null) seq = Math.max(seq, e.seq);
      if (e.type === "alarm.door_forced" && e.lockerId && e.lockerId !== lockerId) others.add(e.lockerId);
      if (e.lockerId !== lockerId) continue;
      const done = (outcome: DoorOutcome, openedAfterMs: number | null = null): DoorResult => ({ lockerId, outcome, openedAfterMs, otherDoorsOpened: [...others] });
      if (e.type === "door.opened") return done("opened", Math.max(0, Date.parse(e.at) - started));
      if (e.type === "door.open_timeout") return done("did_not_open");
      if (e.type === "door.unlock_failed") return done("unlock_failed");
    }
    if (Date.now() - started >= waitMs) break;
    if (page.events.length < 500) await sleep(200, signal);
  }
  return { lockerId, outcome: "no_answer", openedAfterMs: null, otherDoorsOpened: [...others] };
}
