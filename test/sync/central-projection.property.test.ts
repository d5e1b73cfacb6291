/**
 * The central projections against a plain model: random streams of locker and parcel events,
 * cut into random batches (with some batches sent twice), must leave central.lockers and
 * central.parcels as the model says after applying the same events one by one in seq order.
 * The ingest function works set-based and skips events that cannot change the outcome; this
 * checks that shortcut against the straightforward state machine.
 */
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { useTestCentral } from "../support/sync-parts.js";
import { PARCEL_STATUS } from "../support/central.js";

const LOCKERS = ["A01", "A02", "A03"];
const T0 = Date.UTC(2026, 5, 1);

type Ev = { type: string; lockerId: string | null; parcelId: string | null; data: Record<string, unknown> };

interface LockerModel {
  status: string;
  size: string | null;
  reason: string | null;
  parcel: string | null;
  statusSeq: number;
  lastSeq: number;
  lastType: string | null;
}

interface ParcelModel {
  status: string;
  statusSeq: number;
  lockerId: string | null;
  code: unknown;
}

const TERMINAL = new Set(["PICKED_UP", "EXPIRED", "CANCELLED"]);

/** The event-by-event state machine the central projections must agree with. */
function model(events: Ev[]): { lockers: Map<string, LockerModel>; parcels: Map<string, ParcelModel> } {
  const lockers = new Map<string, LockerModel>();
  const parcels = new Map<string, ParcelModel>();
  const locker = (id: string) => {
    let l = lockers.get(id);
    if (!l) lockers.set(id, (l = { status: "UNKNOWN", size: null, reason: null, parcel: null, statusSeq: 0, lastSeq: 0, lastType: null }));
    return l;
  };
  events.forEach((e, i) => {
    const seq = i + 1;
    if (e.type === "lockers.snapshot") {
      for (const s of e.data.lockers as { id: string; status: string; size?: string; serviceReason?: string; parcelId?: string }[]) {
        const l = locker(s.id);
        Object.assign(l, { status: s.status, size: s.size ?? l.size, reason: s.serviceReason ?? null, parcel: s.parcelId ?? null, statusSeq: seq });
      }
    }
    if (e.lockerId) {
      const l = locker(e.lockerId);
      const oos = l.status === "OUT_OF_SERVICE";
      switch (e.type) {
        case "locker.out_of_service":
        case "locker.flagged":
          Object.assign(l, { status: "OUT_OF_SERVICE", reason: (e.data.reason as string | undefined) ?? null, statusSeq: seq });
          break;
        case "locker.in_service":
          Object.assign(l, { status: (e.data.status as string | undefined) ?? "AVAILABLE", reason: null, statusSeq: seq });
          break;
        case "parcel.assigned":
          Object.assign(l, { status: oos ? l.status : "RESERVED", size: (e.data.lockerSize as string | undefined) ?? l.size, parcel: e.parcelId, statusSeq: seq });
          break;
        case "parcel.stored":
          Object.assign(l, { status: oos ? l.status : "OCCUPIED", parcel: e.parcelId, statusSeq: seq });
          break;
        case "locker.released":
          Object.assign(l, { status: oos ? l.status : "AVAILABLE", parcel: null, statusSeq: seq });
          break;
      }
      l.lastSeq = seq;
      l.lastType = e.type;
    }
    const status = PARCEL_STATUS[e.type];
    if (e.parcelId && status) {
      const p = parcels.get(e.parcelId) ?? { status, statusSeq: seq, lockerId: e.lockerId, code: null };
      p.status = status;
      p.statusSeq = seq;
      if (e.type === "parcel.assigned") p.code = e.data.sealedCodes;
      if (TERMINAL.has(status)) p.code = null;
      parcels.set(e.parcelId, p);
    }
  });
  return { lockers, parcels };
}

const lockerId = fc.constantFrom(...LOCKERS);
const size = fc.option(fc.constantFrom("S", "M", "L"), { nil: undefined });
const reason = fc.option(fc.constantFrom("jammed", "dirty"), { nil: undefined });
const lockerEvent: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ lockerId, reason }).map(({ lockerId, reason }) => ({ type: "locker.out_of_service", lockerId, parcelId: null, data: reason ? { reason } : {} })),
  fc.record({ lockerId, reason }).map(({ lockerId, reason }) => ({ type: "locker.flagged", lockerId, parcelId: null, data: reason ? { reason } : {} })),
  fc.record({ lockerId, status: fc.option(fc.constantFrom("OCCUPIED", "AVAILABLE"), { nil: undefined }) }).map(({ lockerId, status }) => ({
    type: "locker.in_service", lockerId, parcelId: null, data: status ? { status } : {},
  })),
  lockerId.map((lockerId) => ({ type: "locker.released", lockerId, parcelId: null, data: {} })),
  fc.record({ lockerId, status: fc.constantFrom("AVAILABLE", "OCCUPIED", "OUT_OF_SERVICE"), size, reason }).map(({ lockerId, status, size, reason }) => ({
    type: "lockers.snapshot", lockerId: null, parcelId: null,
    data: { lockers: [{ id: lockerId, status, ...(size ? { size } : {}), ...(reason ? { serviceReason: reason } : {}) }] },
  })),
);

/** The shape of a sealed envelope (src/system/sealed-codes.ts); the center only keeps it. */
const sealedStub = (n: number) => ({ v: 1, r: [{ k: "00112233aabbccdd", e: "e", n: "n", c: `c${n}` }] });

/** A parcel's life: assigned, maybe stored, maybe ended; as a list of events in order. */
const parcelLife = (n: number): fc.Arbitrary<Ev[]> =>
  fc.record({ lockerId, size, stored: fc.boolean(), end: fc.constantFrom(null, "parcel.picked_up", "parcel.expired", "parcel.cancelled") }).map(({ lockerId, size, stored, end }) => {
    const parcelId = `P${n}`;
    const life: Ev[] = [{ type: "parcel.assigned", lockerId, parcelId, data: { size: "S", ...(size ? { lockerSize: size } : {}), trackingRef: `T${n}`, sealedCodes: sealedStub(n) } }];
    if (stored) life.push({ type: "parcel.stored", lockerId, parcelId, data: {} });
    if (end) life.push({ type: end, lockerId, parcelId, data: {} });
    return life;
  });

/** Locker events and parcel lives interleaved, each life keeping its own order. */
const stream: fc.Arbitrary<Ev[]> = fc
  .tuple(fc.array(lockerEvent, { maxLength: 25 }), fc.tuple(...[0, 1, 2, 3, 4].map(parcelLife)), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }))
  .map(([loose, lives, picks]) => {
    const queues = [...loose.map((e) => [e]), ...lives.map((l) => [...l])]; // copies: fast-check replays values
    const out: Ev[] = [];
    let k = 0;
    while (queues.length > 0) {
      const q = queues[picks[k++ % picks.length]! % queues.length]!;
      out.push(q.shift()!);
      if (q.length === 0) queues.splice(queues.indexOf(q), 1);
    }
    return out;
  });

const central = useTestCentral();
let bank: pg.Client;

beforeAll(async () => {
  bank = new pg.Client({ connectionString: (await central.addBank("BQ")).url });
  await bank.connect();
});
afterAll(async () => {
  await bank.end();
});

async function reset(): Promise<void> {
  for (const t of ["events", "lockers", "parcels"]) await central.db.admin(`DELETE FROM central.${t} WHERE bank_id = 'BQ'`);
  await central.db.admin(`UPDATE central.banks SET last_seq = 0, last_event_at = NULL WHERE id = 'BQ'`);
}

it("lockers and parcels end as the event-by-event model says, however the stream is cut into batches", async () => {
  await fc.assert(
    fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (events, cuts, resend) => {
      await reset();
      const bounds = [...new Set([0, ...cuts.map((c) => c % (events.length + 1)), events.length])].sort((a, b) => a - b);
      for (let i = 1; i < bounds.length; i++) {
        const batch = events.slice(bounds[i - 1], bounds[i]).map((e, j) => {
          const seq = bounds[i - 1]! + j + 1;
          return [seq, T0 + seq * 1000, true, e.type, e.lockerId, e.parcelId, e.data];
        });
        const send = () => bank.query(`SELECT central.ingest_events('BQ', $1::jsonb)`, [JSON.stringify(batch)]);
        await send();
        if (resend) await send();
      }
      const want = model(events);
      const lockers = await central.db.admin<{ locker_id: string; status: string; size: string | null; service_reason: string | null; parcel_id: string | null; status_seq: number; last_seq: number; last_event_type: string | null }>(
        `SELECT locker_id, status, size, service_reason, parcel_id, status_seq::int, last_seq::int, last_event_type FROM central.lockers WHERE bank_id = 'BQ' ORDER BY locker_id`,
      );
      expect(lockers.rows).toEqual(
        [...want.lockers.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, l]) => ({
          locker_id: id, status: l.status, size: l.size, service_reason: l.reason, parcel_id: l.parcel, status_seq: l.statusSeq, last_seq: l.lastSeq, last_event_type: l.lastType,
        })),
      );
      const parcels = await central.db.admin<{ parcel_id: string; status: string; status_seq: number; locker_id: string | null; sealed_codes: unknown }>(
        `SELECT parcel_id, status, status_seq::int, locker_id, sealed_codes FROM central.parcels WHERE bank_id = 'BQ' ORDER BY parcel_id`,
      );
      expect(parcels.rows).toEqual(
        [...want.parcels.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, p]) => ({ parcel_id: id, status: p.status, status_seq: p.statusSeq, locker_id: p.lockerId, sealed_codes: p.code })),
      );
    }),
    { numRuns: 60 },
  );
});
