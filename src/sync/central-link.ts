/**
 * The bank's connection to the central PostgreSQL (the only code in lockerd that speaks pg on
 * the bank side). One batch is one transaction: a single call of central.ingest_events with one
 * array per column (unnest on the server) and the data as one JSON array, committed before the
 * bank marks anything sent.
 */
import type pg from "pg";
import { loadPg } from "../system/lazy-modules.js";
import type { OutboxEvent } from "../store/sync-outbox.js";

export interface CentralCommand {
  id: number;
  kind: string;
  args: Record<string, unknown>;
}

export interface CentralLink {
  /** Send one batch in one transaction; resolves with the highest seq the server holds from it. */
  pushBatch(bankId: string, events: readonly OutboxEvent[]): Promise<number>;
  pullCommands(bankId: string, limit: number): Promise<CentralCommand[]>;
  close(): Promise<void>;
}

export interface PgLinkOptions {
  connection: pg.ClientConfig;
  /** Test hook: runs after the batch was ingested, before COMMIT. */
  beforeCommit?: () => Promise<void> | void;
}

const INGEST_SQL = `SELECT central.ingest_events($1, $2::bigint[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::jsonb) AS ack`;

/** SQLSTATE the central schema raises when a seq arrives again with different content. */
export const SEQUENCE_CONFLICT = "LK001";

export class PgCentralLink implements CentralLink {
  private client: pg.Client | null = null;

  constructor(private readonly opts: PgLinkOptions) {}

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const { Client } = await loadPg();
    const c = new Client({ application_name: "lockerd-sync", keepAlive: true, ...this.opts.connection });
    // An idle connection the server drops emits 'error'; without a listener it would crash the daemon.
    c.on("error", () => {
      if (this.client === c) this.client = null;
    });
    try {
      await c.connect();
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    this.client = c;
    return c;
  }

  /** After any failure the connection is in an unknown state: drop it, reconnect next time. */
  private async discard(c: pg.Client): Promise<void> {
    if (this.client === c) this.client = null;
    await c.end().catch(() => {});
  }

  async pushBatch(bankId: string, events: readonly OutboxEvent[]): Promise<number> {
    // An open connection is used without yielding first, so the call is on the wire before
    // this returns and the caller can read the next batch while the server works.
    const c = this.client ?? (await this.connection());
    try {
      const hook = this.opts.beforeCommit;
      if (!hook) {
        // One statement outside BEGIN is one transaction, committed before the server answers.
        const r = await c.query<{ ack: string }>(INGEST_SQL, batchParams(bankId, events));
        return Number(r.rows[0]!.ack);
      }
      await c.query("BEGIN");
      const r = await c.query<{ ack: string }>(INGEST_SQL, batchParams(bankId, events));
      await hook();
      await c.query("COMMIT");
      return Number(r.rows[0]!.ack);
    } catch (e) {
      await this.discard(c);
      throw e;
    }
  }

  async pullCommands(bankId: string, limit: number): Promise<CentralCommand[]> {
    const c = await this.connection();
    try {
      const r = await c.query<{ id: string; kind: string; args: Record<string, unknown> }>(
        `SELECT id, kind, args FROM central.pull_commands($1, $2)`,
        [bankId, limit],
      );
      return r.rows.map((row) => ({ id: Number(row.id), kind: row.kind, args: row.args ?? {} }));
    } catch (e) {
      await this.discard(c);
      throw e;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}

/**
 * The parameters of one ingest call, as PostgreSQL text built here: the generic array encoding
 * of the pg driver escapes every character of every JSON text and was most of the bank-side
 * cost. The data go as one JSON array joined from the texts as stored (already valid JSON).
 */
export function batchParams(bankId: string, events: readonly OutboxEvent[]): string[] {
  const n = events.length;
  const seq = new Array<number>(n);
  const at = new Array<number>(n);
  const synced = new Array<string>(n);
  const type = new Array<string>(n);
  const locker = new Array<string>(n);
  const parcel = new Array<string>(n);
  const data = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    seq[i] = e.seq;
    at[i] = e.at;
    synced[i] = e.clockSynced ? "t" : "f";
    type[i] = arrayItem(e.type);
    locker[i] = arrayItem(e.lockerId);
    parcel[i] = arrayItem(e.parcelId);
    data[i] = e.data;
  }
  return [
    bankId,
    `{${seq.join(",")}}`,
    `{${at.join(",")}}`,
    `{${synced.join(",")}}`,
    `{${type.join(",")}}`,
    `{${locker.join(",")}}`,
    `{${parcel.join(",")}}`,
    `[${data.join(",")}]`,
  ];
}

const NEEDS_ESCAPE = /[\\"]/;

/** One element of a PostgreSQL array literal: quoted, with backslash and quote escaped. */
function arrayItem(s: string | null): string {
  if (s === null) return "NULL";
  // Ids and types hardly ever need escaping, and the test is several times cheaper than replace.
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(/[\\"]/g, "\\$&")}"` : `"${s}"`;
}
