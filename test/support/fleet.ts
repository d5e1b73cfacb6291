/**
 * Many banks against one central database: banks whose event times cross month boundaries, a
 * link that records every error the central side surfaced to the bank, and the checks that each
 * bank's rows are its own, exactly once and in order.
 */
import { expect } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import type { OutboxEvent } from "../../src/store/sync-outbox.js";
import { localAsCentral, PARCEL_STATUS, type TestCentral } from "./central.js";
import type { RecordedDoorsBank as TestBank } from "./bank.js";

/** One delivery and its pickup (about six events), `stepMs` of bank time apart. */
export async function deliverAndCollect(b: TestBank, ref: string, stepMs: number): Promise<void> {
  const a = await assignLocker(b.ctx, { size: "S", trackingRef: ref });
  b.clock.advance(stepMs);
  doorOpened(b.ctx, a.intentId);
  doorClosed(b.ctx, a.intentId);
  b.clock.advance(stepMs);
  // the unlock goes out once the pickup's commit is on disk
  await pickupByCode(b.ctx, a.pickupCode, { channel: "keypad" });
  const opened = b.doors.unlocked.at(-1)!;
  doorOpened(b.ctx, opened.intentId);
  doorClosed(b.ctx, opened.intentId);
  b.clock.advance(stepMs);
}

/** A delivery left in its locker: the parcel stays STORED, the locker OCCUPIED. */
export async function deliver(b: TestBank, ref: string): Promise<void> {
  const a = await assignLocker(b.ctx, { size: "M", trackingRef: ref });
  doorOpened(b.ctx, a.intentId);
  doorClosed(b.ctx, a.intentId);
}

export interface RecordingLink extends CentralLink {
  /** Errors pushBatch or pullCommands surfaced to the bank (the answers lost on purpose aside). */
  errors: unknown[];
  /** Batches whose commit answer was lost (the bank re-sends them). */
  lost: number;
}

/**
 * Wraps a real link: records the errors it surfaces, and for the first `loseAnswers` batches
 * lets the central commit happen and then "loses" the answer (the bank must re-send); `onLost`
 * runs meanwhile (the bank records more events before its retry).
 */
export function recordingLink(real: CentralLink, loseAnswers = 0, onLost?: () => Promise<void>): RecordingLink {
  const link: RecordingLink = {
    errors: [],
    lost: 0,
    async pushBatch(bankId: string, events: readonly OutboxEvent[]) {
      try {
        const ack = await real.pushBatch(bankId, events);
        if (link.lost < loseAnswers) {
          link.lost++;
          await onLost?.();
          throw new LostAnswer();
        }
        return ack;
      } catch (e) {
        if (!(e instanceof LostAnswer)) link.errors.push(e);
        throw e;
      }
    },
    async pullCommands(bankId, limit) {
      try {
        return await real.pullCommands(bankId, limit);
      } catch (e) {
        link.errors.push(e);
        throw e;
      }
    },
    close: () => real.close(),
  };
  return link;
}

class LostAnswer extends Error {
  constructor() {
    super("the commit's answer was lost on the way");
  }
}

/** The bank's whole log is marked sent and central holds exactly it, in seq order. */
export async function expectCentralHoldsLog(central: TestCentral, b: TestBank, bankId: string): Promise<void> {
  const local = b.ctx.store.events.query({ limit: 1_000_000 });
  expect(local.length).toBeGreaterThan(0);
  expect(local.every((e) => e.sentAt !== null)).toBe(true);
  expect(await central.events(bankId)).toEqual(localAsCentral(local));
}

/** Central's lockers and parcels of this bank are the bank's own, as the bank sees them. */
export async function expectProjectionsOwn(central: TestCentral, b: TestBank, bankId: string): Promise<void> {
  const lockers = await central.db.admin<{ locker_id: string; status: string }>(
    `SELECT locker_id, status FROM central.lockers WHERE bank_id = $1 ORDER BY locker_id COLLATE "C"`,
    [bankId],
  );
  const own = b.ctx.store.lockers.list().map((l) => ({ locker_id: l.id, status: l.status }));
  expect(lockers.rows).toEqual(own.sort((x, y) => (x.locker_id < y.locker_id ? -1 : 1)));
  const parcels = await central.db.admin<{ parcel_id: string; status: string }>(
    `SELECT parcel_id, status FROM central.parcels WHERE bank_id = $1 ORDER BY parcel_id COLLATE "C"`,
    [bankId],
  );
  const local = new Map<string, string>();
  for (const e of b.ctx.store.events.query({ limit: 1_000_000 })) {
    const status = PARCEL_STATUS[e.type];
    if (e.parcelId && status) local.set(e.parcelId, status);
  }
  expect(parcels.rows).toEqual([...local].sort(([x], [y]) => (x < y ? -1 : 1)).map(([parcel_id, status]) => ({ parcel_id, status })));
}

