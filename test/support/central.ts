/** A migrated central database and bank roles on the test PostgreSQL. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { EVENT_TYPES, EVENTS, type EventSpec } from "../../src/basics/events.js";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank } from "../../src/central/banks.js";
import { PgCentralLink, type PgLinkOptions } from "../../src/sync/central-link.js";
import type { OutboxEvent } from "../../src/store/sync-outbox.js";
import { createTestDatabase, type TestDatabase } from "./pg.js";

/** The parcel status each status event sets in the central projection (from the event catalogue). */
export const PARCEL_STATUS: Record<string, string> = Object.fromEntries(
  EVENT_TYPES.flatMap((t) => {
    const p = (EVENTS[t] as EventSpec).center.parcel;
    return p && !p.endsWith("_at") ? [[t, p]] : [];
  }),
);

export interface SyncedEvent extends Omit<OutboxEvent, "data"> {
  data: Record<string, unknown>;
}

export interface TestCentral {
  db: TestDatabase;
  /** Register a bank with a role unique to this run; returns its connection URL. */
  addBank(bankId?: string): Promise<{ bankId: string; role: string; url: string }>;
  link(url: string, extra?: Omit<PgLinkOptions, "connection">): PgCentralLink;
  /** The central events of a bank, in the local outbox's shape (data as parsed JSON). */
  events(bankId: string): Promise<SyncedEvent[]>;
  close(): Promise<void>;
}

/** adminUrl: another server than the shared test server (a fault test's own cluster). */
export async function createTestCentral(adminUrl?: string): Promise<TestCentral> {
  const db = await createTestDatabase(adminUrl);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await migrateCentral(admin);
  await admin.end();
  const links: PgCentralLink[] = [];
  return {
    db,
    async addBank(bankId = `B${randomBytes(3).toString("hex")}`) {
      const role = `lockerd_bank_${randomBytes(5).toString("hex")}`;
      db.trackRole(role);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const creds = await createBank(c, { bankId, role });
        return { bankId, role, url: db.urlAs(creds.role, creds.password) };
      } finally {
        await c.end();
      }
    },
    link(url, extra = {}) {
      const l = new PgCentralLink({ connection: { connectionString: url, connectionTimeoutMillis: 5000 }, ...extra });
      links.push(l);
      return l;
    },
    async events(bankId) {
      const r = await db.admin<{ seq: string; type: string; at_ms: string; clock_synced: boolean; locker_id: string | null; parcel_id: string | null; data: Record<string, unknown> }>(
        `SELECT seq, type, (extract(epoch FROM at) * 1000)::bigint AS at_ms, clock_synced, locker_id, parcel_id, data
         FROM central.events WHERE bank_id = $1 ORDER BY seq`,
        [bankId],
      );
      return r.rows.map((x) => ({
        seq: Number(x.seq),
        type: x.type,
        at: Number(x.at_ms),
        clockSynced: x.clock_synced,
        lockerId: x.locker_id,
        parcelId: x.parcel_id,
        data: x.data,
      }));
    },
    async close() {
      for (const l of links) await l.close();
      await db.drop();
    },
  };
}

/** The local event log as the central side should hold it (codes are never stored in events). */
export function localAsCentral(rows: SyncedEvent[]): SyncedEvent[] {
  return rows.map((r) => {
    const { pickupCode: _code, ...data } = r.data;
    return { seq: r.seq, type: r.type, at: r.at, clockSynced: r.clockSynced, lockerId: r.lockerId, parcelId: r.parcelId, data };
  });
}
