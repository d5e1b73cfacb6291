/**
 * Recording an event the catalogue (src/basics/events.ts) does not know: tests that need filler
 * rows or a deliberately foreign type. Production code can only record catalogue types.
 */
import type { NewEvent, RecordedEvent } from "../../src/basics/events.js";
import type { Store } from "../../src/store/store.js";

export interface AnyEvent {
  type: string;
  lockerId?: string | null;
  parcelId?: string | null;
  data?: Record<string, unknown>;
}

/** store.record for any type, inside the caller's write transaction. */
export function recordAnyEvent(store: Store, e: AnyEvent, at: number): RecordedEvent {
  return store.record(e as NewEvent, at);
}
