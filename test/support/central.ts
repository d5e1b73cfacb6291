/** A migrated central database and bank roles on the test PostgreSQL. */
import { scramVerifier } from "../../src/central/scram.js";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { EVENT_TYPES, EVENTS, type EventSpec } from "../../src/basics/events.js";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { projectAll } from "../../src/central/projection/project.js";
import { PgCentralLink, SequenceConflictError, type PgLinkOptions } from "../../src/sync/central-link.js";
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

/** A registered bank: its key, and the shared ingest role's login (role, password, URL). */
export interface TestBankLogin {
  bankId: string;
  key: string;
  role: string;
  password: string;
  url: string;
}

export interface TestCentral {
  db: TestDatabase;
  /** Register a bank (a key of its own; all banks log in as this database's ingest role). */
  addBank(bankId?: string): Promise<TestBankLogin>;
  /** A link as the bank: its login URL (or another, e.g. through PgBouncer) and its key. */
  link(bank: { url: string; key?: string }, extra?: Omit<PgLinkOptions, "connection" | "bankKey">): PgCentralLink;
  /** The central events of a bank, in the local outbox's shape (data as parsed JSON). */
  events(bankId: string): Promise<SyncedEvent[]>;
  /**
   * What lockerd-central's projector does, run here until nothing landed waits: banks syncing
   * at once may have had their batches landed rather than projected (migration 9).
   */
  project(): Promise<{ batches: number; events: number }>;
  close(): Promise<void>;
}

/** adminUrl: another server than the shared test server (a fault test's own cluster). */
export async function createTestCentral(adminUrl?: string): Promise<TestCentral> {
  const db = await createTestDatabase(adminUrl);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  // the shared ingest role, one per test database (roles are cluster-wide)
  const ingestRole = `lockerd_ingest_${randomBytes(5).toString("hex")}`;
  db.trackRole(ingestRole);
  let ingest: { role: string; password: string };
  try {
    await migrateCentral(admin);
    ingest = await createIngestRole(admin, { role: ingestRole });
  } finally {
    await admin.end();
  }
  const links: PgCentralLink[] = [];
  return {
    db,
    async addBank(bankId = `B${randomBytes(3).toString("hex")}`) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const { key } = await createBank(c, { bankId });
        return { bankId, key, role: ingest.role, password: ingest.password, url: db.urlAs(ingest.role, ingest.password) };
      } finally {
        await c.end();
      }
    },
    link(bank, extra = {}) {
      const l = new PgCentralLink({ connection: { connectionString: bank.url, connectionTimeoutMillis: 5000 }, bankKey: bank.key, ...extra });
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
    async project() {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return await projectAll(c);
      } finally {
        await c.end();
      }
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
    const { pickupCode: _code, pickupToken: _token, sealedCodes: _sealed, ...data } = r.data;
    return { seq: r.seq, type: r.type, at: r.at, clockSynced: r.clockSynced, lockerId: r.lockerId, parcelId: r.parcelId, data };
  });
}

/**
 * One keyed ingest call on a connection of the ingest role, as the link makes it; a conflict
 * the center recorded is thrown as the link throws it (code LK001).
 */
export async function ingestAs(c: pg.ClientBase, bankId: string, key: string, batch: string): Promise<number> {
  const r = await c.query<{ ack: string | null; conflict: string | null }>(`SELECT ack, conflict FROM central.ingest_batch($1, $2, $3::jsonb)`, [bankId, key, batch]);
  if (r.rows[0]!.conflict) throw new SequenceConflictError(r.rows[0]!.conflict);
  return Number(r.rows[0]!.ack);
}

/** A bank role as migration 1's central-create-bank made it (its own login, reading its own rows), on a schema at any version. */
export async function migration1BankRole(admin: pg.ClientBase, db: TestDatabase, bankId: string): Promise<{ role: string; password: string; url: string }> {
  const role = `lockerd_bank_h${randomBytes(4).toString("hex")}`;
  const password = randomBytes(16).toString("hex");
  db.trackRole(role);
  await admin.query(`CREATE ROLE ${role} WITH LOGIN NOINHERIT PASSWORD '${scramVerifier(password)}'`);
  await admin.query(`INSERT INTO central.banks (id, role_name) VALUES ($1, $2)`, [bankId, role]);
  await admin.query(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}`);
  await admin.query(`GRANT USAGE ON SCHEMA central TO ${role}`);
  await admin.query(`GRANT EXECUTE ON FUNCTION central.ingest_events(text, jsonb), central.pull_commands(text, integer) TO ${role}`);
  await admin.query(`GRANT SELECT ON central.banks, central.events, central.lockers, central.parcels, central.parcel_history, central.bank_commands TO ${role}`);
  return { role, password, url: db.urlAs(role, password) };
}

/** An event as a migration test writes it: [seq, type, lockerId, data]. */
export type HandEvent = [seq: number, type: string, lockerId: string | null, data: Record<string, unknown>];

/**
 * A bank registered now on a database migrated by hand, logged in as an ingest role made now (so
 * both predate the migration under test): ingest() sends one batch with the bank's key, each
 * event at t0 + seq, clock synced; asBank is its connection; end() closes it.
 */
export async function preMigrationBank(
  admin: pg.ClientBase,
  db: TestDatabase,
  bankId: string,
  t0: number,
): Promise<{ asBank: pg.Client; ingest(events: HandEvent[]): Promise<unknown>; end(): Promise<void> }> {
  const role = `lockerd_ingest_m${randomBytes(4).toString("hex")}`;
  db.trackRole(role);
  const { password } = await createIngestRole(admin, { role });
  const { key } = await createBank(admin, { bankId });
  const asBank = new pg.Client({ connectionString: db.urlAs(role, password) });
  await asBank.connect();
  return {
    asBank,
    ingest: (events) =>
      asBank.query(`SELECT central.ingest_batch($1, $2, $3::jsonb)`, [bankId, key, JSON.stringify(events.map(([seq, type, locker, data]) => [seq, t0 + seq, true, type, locker, null, data]))]),
    end: () => asBank.end(),
  };
}

/**
 * A daemon's `sync` settings for a registered bank: its password and key files written into
 * dir (mode 0600), the login URL without the password; extra settings on top.
 */
export function bankSyncConfig(login: TestBankLogin, dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const u = new URL(login.url);
  const passwordFile = join(dir, `${login.bankId}.pw`);
  const keyFile = join(dir, `${login.bankId}.key`);
  writeFileSync(passwordFile, decodeURIComponent(u.password) + "\n", { mode: 0o600 });
  writeFileSync(keyFile, login.key + "\n", { mode: 0o600 });
  return { enabled: true, url: `postgresql://${login.role}@${u.host}${u.pathname}`, passwordFile, keyFile, tls: "disable", ...extra };
}
