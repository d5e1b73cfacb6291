/**
 * The bank's connection to the central PostgreSQL (the only code in lockerd that speaks pg on
 * the bank side). One batch is one transaction: a single call of central.ingest_events with the
 * whole batch as one JSON array, committed before the bank marks anything sent.
 */
import type { HealthSummary } from "../bank/health-summary.js";
import type pg from "pg";
import { loadPg } from "../system/lazy-modules.js";
import type { OutboxEvent } from "../store/sync-outbox.js";

export interface CentralCommand {
  id: number;
  /** The central row's kind and args: shown to people, never acted on (the signed payload is). */
  kind: string;
  args: Record<string, unknown>;
  /** The operator's signed payload and its signature (base64); null when the row has none. */
  signedPayload?: string | null;
  signature?: string | null;
}

/** What a bank tells the central service about itself besides its events (central.report_bank_status). */
export interface BankStatusReport {
  softwareVersion: string;
  /** The bank's wall clock when it reports (the center compares it with its own). */
  bankTimeMs: number;
  clockSynced: boolean;
  backlog: number;
  oldestUnsentMs: number | null;
  lastError: string | null;
  /** The central database refused a batch: its seqs arrived before with other content. */
  sequenceConflict: boolean;
  /** Compartment health (bank/health.ts): kept centrally from central migration 7 on, ignored before. */
  lockerHealth?: HealthSummary;
}

/** A revocation of a pass (passId) or of every pass of a subject (a courier's carrier:courierId), in force until notAfter (ms). */
export interface PassRevocation {
  revocationId: number;
  passId: string | null;
  subject: string | null;
  notAfter: number;
}

/**
 * The center cannot hand out revocations: its schema is older than migration 6 (no
 * central.pull_pass_revocations), or the bank has no key (sync.keyFile) to ask with.
 */
export const REVOCATIONS_UNAVAILABLE = "REVOCATIONS_UNAVAILABLE";

/** A hint from a carrier's pre-advice: the parcel with this tracking ref asks for a reachable door (false: no longer). */
export interface AdviceHintRow {
  hintId: number;
  trackingRef: string;
  reachable: boolean;
  expiresAt: number;
}

/**
 * The center cannot hand out pre-advice hints: its schema has no central.pull_advice_hints
 * (central migration 10), the login may not call it, or the bank has no key to ask with.
 */
export const HINTS_UNAVAILABLE = "HINTS_UNAVAILABLE";

export interface CentralLink {
  /** Send one batch in one transaction; resolves with the highest seq the server holds from it. */
  pushBatch(bankId: string, events: readonly OutboxEvent[]): Promise<number>;
  pullCommands(bankId: string, limit: number): Promise<CentralCommand[]>;
  /** Report the bank's own status (absent: a link that cannot, as some test links). */
  reportStatus?(bankId: string, status: BankStatusReport): Promise<void>;
  /**
   * The revocations of passes for this bank after `afterId` that are still in force, oldest
   * first, at most `limit` (absent: a link that cannot). Rejects with code
   * REVOCATIONS_UNAVAILABLE when the center has none to give.
   */
  pullPassRevocations?(bankId: string, afterId: number, limit: number): Promise<PassRevocation[]>;
  /**
   * The pre-advice hints for this bank after `afterId`, oldest first, at most `limit` (absent:
   * a link that cannot). Rejects with code HINTS_UNAVAILABLE when the center has none to give.
   */
  pullAdviceHints?(bankId: string, afterId: number, limit: number): Promise<AdviceHintRow[]>;
  close(): Promise<void>;
}

export interface PgLinkOptions {
  /**
   * Its statement_timeout is never sent at login: a bank without a key sets it in each of its
   * transactions (SET LOCAL); a keyed bank is bounded by the ingest role's own (see transaction()).
   */
  connection: pg.ClientConfig;
  /**
   * The bank's key (central schema migration 5): the bank logs in as the shared ingest role and
   * shows its key inside every call. Without one the login role itself must be the bank's own
   * (a bank role of migration 1).
   */
  bankKey?: string;
  /** Test hook: runs after the batch was ingested, before COMMIT. */
  beforeCommit?: () => Promise<void> | void;
}

const INGEST_SQL = `SELECT central.ingest_events($1, $2::jsonb) AS ack`;
/** A keyed bank's ingest call (bank id, key, batchParams' JSON); exported for the center-ingest benchmark. */
export const INGEST_KEYED_SQL = `SELECT ack, conflict FROM central.ingest_batch($1, $2, $3::jsonb)`;
const PULL_SQL = `SELECT id, kind, args, signed_payload, signature FROM central.pull_commands($1, $2)`;
const PULL_UNSIGNED_SQL = `SELECT id, kind, args, NULL::text AS signed_payload, NULL::text AS signature FROM central.pull_commands($1, $2)`;
const PULL_KEYED_SQL = `SELECT id, kind, args, signed_payload, signature FROM central.pull_bank_commands($1, $2, $3)`;
const REPORT_SQL = `SELECT central.report_bank_status($1, $2::jsonb)`;
const REPORT_KEYED_SQL = `SELECT central.report_bank_status_by_key($1, $2, $3::jsonb)`;
const REVOCATIONS_SQL = `SELECT id, pass_id, subject, not_after_ms FROM central.pull_pass_revocations($1, $2, $3, $4)`;
const HINTS_SQL = `SELECT id, tracking_ref, reachable, expires_at_ms FROM central.pull_advice_hints($1, $2, $3, $4)`;
type PulledRow = { id: string; kind: string; args: Record<string, unknown>; signed_payload: string | null; signature: string | null };

/** SQLSTATE the central schema raises when a seq arrives again with different content. */
export const SEQUENCE_CONFLICT = "LK001";

export class PgCentralLink implements CentralLink {
  private client: pg.Client | null = null;

  constructor(private readonly opts: PgLinkOptions) {}

  /**
   * One login a connection: the statement timeout is never a startup parameter, which PgBouncer
   * refuses ("unsupported startup parameter"), and a session-wide SET would stay behind on a
   * server connection a pooler hands to the next bank. The server's bound comes instead from
   * the login role (keyed banks) or from each transaction (banks without a key): see transaction().
   */
  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const { Client } = await loadPg();
    const c = new Client({ application_name: "lockerd-sync", keepAlive: true, ...this.opts.connection, statement_timeout: undefined });
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

  /**
   * `work` as one transaction, bounded on the server. A keyed bank logs in as the ingest role,
   * whose own statement_timeout (central-create-ingest-role) every server session of the role
   * takes at its start, straight or through a pooler: its call goes as a lone statement
   * (committed before the server answers), which holds one of a pooler's few server connections
   * only while the server works, never across the round trips of a bank's slow link. A bank role
   * of before migration 5 has no such setting: its call is BEGIN; SET LOCAL statement_timeout …
   * COMMIT (SET LOCAL ends with the transaction, so a pooled server connection keeps nothing).
   * The first statement goes on the wire before this yields.
   */
  private async transaction<T>(c: pg.Client, work: () => Promise<T>, beforeCommit?: () => Promise<void> | void): Promise<T> {
    if (!beforeCommit && this.opts.bankKey !== undefined) return work();
    const timeout = this.opts.connection.statement_timeout;
    await c.query(timeout ? `BEGIN; SET LOCAL statement_timeout = ${Math.trunc(timeout)}` : "BEGIN");
    const r = await work();
    await beforeCommit?.();
    await c.query("COMMIT");
    return r;
  }

  /** The server cut a call off at its statement timeout: say whose bound it was. Other errors as they are. */
  private explained(e: unknown): unknown {
    const err = e as { code?: unknown; message?: unknown };
    if (err?.code !== "57014" || typeof err.message !== "string" || !/statement timeout/i.test(err.message)) return e;
    const own = this.opts.connection.statement_timeout;
    const whose =
      this.opts.bankKey !== undefined
        ? "the ingest role's statement_timeout, set by central-create-ingest-role"
        : own
          ? `this bank's sync.statementTimeoutMs, ${own} ms`
          : "the login role's statement_timeout";
    return Object.assign(new Error(`the central database cut the call off at ${whose}: ${err.message}`, { cause: e }), { code: "57014" });
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
      const key = this.opts.bankKey;
      const params = batchParams(bankId, events);
      const r = await this.transaction(
        c,
        () => c.query<{ ack: string | null; conflict?: string | null }>(key === undefined ? INGEST_SQL : INGEST_KEYED_SQL, key === undefined ? params : [params[0], key, params[1]]),
        this.opts.beforeCommit,
      );
      const row = r.rows[0]!;
      if (row.conflict) throw new SequenceConflictError(row.conflict);
      return Number(row.ack);
    } catch (e) {
      await this.discard(c);
      throw this.explained(e);
    }
  }

  async pullCommands(bankId: string, limit: number): Promise<CentralCommand[]> {
    try {
      return await this.pull(bankId, limit, this.opts.bankKey === undefined ? PULL_SQL : PULL_KEYED_SQL);
    } catch (e) {
      // A center older than signed commands (central migration 3) has no signed_payload: its
      // commands come without a signature, and the bank refuses every one of them as UNSIGNED.
      if (this.opts.bankKey === undefined && (e as { code?: string }).code === "42703") return this.pull(bankId, limit, PULL_UNSIGNED_SQL);
      throw e;
    }
  }

  private async pull(bankId: string, limit: number, sql: string): Promise<CentralCommand[]> {
    const c = await this.connection();
    try {
      const params = sql === PULL_KEYED_SQL ? [bankId, this.opts.bankKey, limit] : [bankId, limit];
      const r = await this.transaction(c, () => c.query<PulledRow>(sql, params));
      return r.rows.map((row) => ({ id: Number(row.id), kind: row.kind, args: row.args ?? {}, signedPayload: row.signed_payload, signature: row.signature }));
    } catch (e) {
      await this.discard(c);
      throw this.explained(e);
    }
  }

  async reportStatus(bankId: string, status: BankStatusReport): Promise<void> {
    const c = await this.connection();
    try {
      await this.transaction(c, () =>
        this.opts.bankKey === undefined
          ? c.query(REPORT_SQL, [bankId, JSON.stringify(status)])
          : c.query(REPORT_KEYED_SQL, [bankId, this.opts.bankKey, JSON.stringify(status)]),
      );
    } catch (e) {
      await this.discard(c);
      throw this.explained(e);
    }
  }

  pullPassRevocations(bankId: string, afterId: number, limit: number): Promise<PassRevocation[]> {
    return this.pullKeyed<{ id: string; pass_id: string | null; subject: string | null; not_after_ms: string }, PassRevocation>(
      { fn: "pull_pass_revocations", migration: 6, what: "pass revocations", sql: REVOCATIONS_SQL, code: REVOCATIONS_UNAVAILABLE },
      [bankId, afterId, limit],
      (x) => ({ revocationId: Number(x.id), passId: x.pass_id, subject: x.subject, notAfter: Number(x.not_after_ms) }),
    );
  }

  pullAdviceHints(bankId: string, afterId: number, limit: number): Promise<AdviceHintRow[]> {
    return this.pullKeyed<{ id: string; tracking_ref: string; reachable: boolean; expires_at_ms: string }, AdviceHintRow>(
      { fn: "pull_advice_hints", migration: 10, what: "pre-advice hints", sql: HINTS_SQL, code: HINTS_UNAVAILABLE },
      [bankId, afterId, limit],
      (x) => ({ hintId: Number(x.id), trackingRef: x.tracking_ref, reachable: x.reachable, expiresAt: Number(x.expires_at_ms) }),
    );
  }

  /** One of the center's keyed pulls (bank, key, after id, limit); `code` on the error when the center has none to give. */
  private async pullKeyed<Raw extends pg.QueryResultRow, Row>(
    p: { fn: string; migration: number; what: string; sql: string; code: string },
    [bankId, afterId, limit]: [string, number, number],
    map: (x: Raw) => Row,
  ): Promise<Row[]> {
    const key = this.opts.bankKey;
    if (key === undefined) throw unavailable(`the bank has no key (sync.keyFile): only a keyed bank may pull ${p.what}`, p.code);
    const c = await this.connection();
    try {
      const r = await this.transaction(c, () => c.query<Raw>(p.sql, [bankId, key, afterId, limit]));
      return r.rows.map(map);
    } catch (e) {
      await this.discard(c);
      // 42883: no such function, a central schema older than the migration that made it; 42501:
      // the login role may not call it (not an ingest role made or granted since that migration)
      const code = (e as { code?: unknown }).code;
      if (code === "42883") throw unavailable(`the central database has no central.${p.fn} (a schema before migration ${p.migration}): ${(e as Error).message}`, p.code);
      if (code === "42501") throw unavailable(`this login may not call central.${p.fn} (central-create-ingest-role --rotate grants it): ${(e as Error).message}`, p.code);
      throw this.explained(e);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}

/**
 * The center refused a batch: a seq it holds arrived with other content. It recorded the
 * conflict for the operator (central.sequence_conflicts); the bank keeps its events and retries.
 */
export class SequenceConflictError extends Error {
  readonly code = SEQUENCE_CONFLICT;
  constructor(message: string) {
    super(message);
    this.name = "SequenceConflictError";
  }
}

function unavailable(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The parameters of one ingest call: the bank id and the batch as one JSON text, an array of
 * [seq, atMs, clockSynced, type, lockerId, parcelId, data] per event. The data go in as stored
 * (already valid JSON text): building the text is a join, not an encoding of every character.
 */
export function batchParams(bankId: string, events: readonly OutboxEvent[]): [string, string] {
  const parts = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    parts[i] = `[${e.seq},${e.at},${e.clockSynced},${JSON.stringify(e.type)},${jsonText(e.lockerId)},${jsonText(e.parcelId)},${e.data}]`;
  }
  return [bankId, `[${parts.join(",")}]`];
}

function jsonText(s: string | null): string {
  return s === null ? "null" : JSON.stringify(s);
}
