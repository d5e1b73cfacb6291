/**
 * The wire contract between a bank and the center, checked from the event catalogue: every
 * event type of src/basics/events.ts, with its example data, is recorded in a real bank store,
 * sent by the real sync loop into the real central schema, and must land where the catalogue's
 * `center` says (the events table always; parcels, lockers and commands as declared). A new
 * catalogue entry is covered by this test without touching it.
 */
import { expect, it } from "vitest";
import { EVENT_TYPES, EVENTS, type EventSpec, type EventType, type NewEvent } from "../../src/basics/events.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const parts = useSyncParts();

/** Each type gets its own locker and parcel, so no two types' effects meet in a projection. */
const idsOf = (type: EventType, i: number) => ({ lockerId: `K${String(i).padStart(2, "0")}`, parcelId: `p_contract_${i}`, type });

it("every event type of the catalogue reaches the central schema where the catalogue says", async () => {
  const { bankId, url } = await central.addBank();
  const bank = parts.bank();
  const store = bank.ctx.store;

  // Commands the command.done / command.failed examples close.
  const commandIds = new Map<EventType, number>();
  for (const type of EVENT_TYPES) {
    const spec: EventSpec = EVENTS[type];
    if (!spec.center.command) continue;
    const r = await central.db.admin<{ id: string }>(`INSERT INTO central.bank_commands (bank_id, kind) VALUES ($1, 'out_of_service') RETURNING id`, [bankId]);
    commandIds.set(type, Number(r.rows[0]!.id));
  }

  const sent = new Map<EventType, { seq: number; lockerId: string | null; parcelId: string | null; data: Record<string, unknown> }>();
  store.write(() => {
    EVENT_TYPES.forEach((type, i) => {
      const spec: EventSpec = EVENTS[type];
      const ids = idsOf(type, i);
      const lockerId = spec.locker === "never" ? null : ids.lockerId;
      const parcelId = spec.parcel === "never" ? null : ids.parcelId;
      // A parcel event that only adds to a parcel needs the parcel held first.
      if (spec.center.parcel?.endsWith("_at")) {
        store.record({ type: "parcel.assigned", lockerId, parcelId, data: EVENTS["parcel.assigned"].example }, bank.clock.now());
      }
      const data = { ...(spec.example as Record<string, unknown>) };
      if (commandIds.has(type)) data.commandId = commandIds.get(type);
      const row = store.record({ type, lockerId, parcelId, data } as NewEvent, bank.clock.now());
      sent.set(type, { seq: row.seq, lockerId, parcelId, data });
    });
  });

  const loop = parts.loop(bank.ctx, central.link(url), syncSettings(bankId));
  await loop.runOnce();

  const held = new Map((await central.events(bankId)).map((e) => [e.seq, e]));
  for (const type of EVENT_TYPES) {
    const spec: EventSpec = EVENTS[type];
    const s = sent.get(type)!;
    const e = held.get(s.seq);
    // the events table: every type, as sent, minus the data that travels once (codes)
    const expected = { ...s.data };
    for (const k of spec.secret ?? []) delete expected[k];
    expect(e, type).toMatchObject({ type, lockerId: s.lockerId, parcelId: s.parcelId, data: expected });

    const parcel = spec.center.parcel;
    if (parcel) {
      const p = await central.db.admin<Record<string, unknown>>(`SELECT status, removed_at, expires_at FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2`, [bankId, s.parcelId]);
      expect(p.rows, type).toHaveLength(1);
      const row = p.rows[0]!;
      if (parcel.endsWith("_at")) expect(row[parcel], type).not.toBeNull();
      else expect(row.status, type).toBe(parcel);
      if (parcel === "expires_at") expect((row.expires_at as Date).getTime(), type).toBe((spec.example as { to: number }).to);
    } else if (s.parcelId) {
      const p = await central.db.admin(`SELECT 1 FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2`, [bankId, s.parcelId]);
      expect(p.rows, `${type} makes no parcel`).toHaveLength(0);
    }

    const locker = spec.center.locker;
    if (locker === "snapshot") {
      const listed = (spec.example as { lockers: { id: string; status: string }[] }).lockers;
      for (const l of listed) {
        const r = await central.db.admin<{ status: string }>(`SELECT status FROM central.lockers WHERE bank_id = $1 AND locker_id = $2`, [bankId, l.id]);
        expect(r.rows[0]?.status, type).toBe(l.status);
      }
    } else if (s.lockerId) {
      const r = await central.db.admin<{ status: string; last_event_type: string }>(
        `SELECT status, last_event_type FROM central.lockers WHERE bank_id = $1 AND locker_id = $2`,
        [bankId, s.lockerId],
      );
      expect(r.rows[0]?.last_event_type, type).toBe(type);
      // untouched: the default, or what the parcel.assigned sent first made it
      const untouched = spec.center.parcel?.endsWith("_at") ? "RESERVED" : "UNKNOWN";
      const want = locker === "data.status" ? (spec.example as { status: string }).status : (locker ?? untouched);
      expect(r.rows[0]?.status, type).toBe(want);
    }

    if (spec.center.command) {
      const r = await central.db.admin<{ status: string; result_seq: string }>(`SELECT status, result_seq FROM central.bank_commands WHERE id = $1`, [commandIds.get(type)]);
      expect(r.rows[0], type).toEqual({ status: spec.center.command, result_seq: String(s.seq) });
    }
  }
});

it("the event types the central ingest names are exactly those the catalogue gives a central effect", async () => {
  // The function as the latest migration left it (a later migration may replace it).
  const r = await central.db.admin<{ src: string }>(`SELECT prosrc AS src FROM pg_proc WHERE proname = 'ingest_events' AND pronamespace = 'central'::regnamespace`);
  const named = new Set([...r.rows[0]!.src.matchAll(/'([a-z]+\.[a-z_]+)'/g)].map((m) => m[1]!).filter((t) => !/^(central|pg_temp)\./.test(t)));
  const withEffect = EVENT_TYPES.filter((t) => Object.keys((EVENTS[t] as EventSpec).center).length > 0);
  expect([...named].sort()).toEqual([...withEffect].sort());
});
