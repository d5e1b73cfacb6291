/**
 * What comes down with sync in id order (pass revocations, pre-advice hints): at every command
 * poll the bank asks for the rows after the last id it holds and applies them page by page. The
 * center commits those rows one at a time, so "after the last id held" misses none.
 *
 * A center that has none to give (rejects with the kind's "unavailable" code: an older schema,
 * a login not granted the function, a bank without a key) is not a sync failure: the bank logs
 * it once and asks again an hour later.
 */
import type { Logger } from "../system/logger.js";
import type { Uplink } from "./uplink.js";

/** Where the rows are kept, written in a transaction of the store. */
export interface PagedStore<Row> {
  lastId(): number;
  /** Inside one write transaction. */
  apply(rows: Row[], now: number): void;
}

export interface PagedKind<Row> {
  /** "pass revocations": in the log and errors. */
  what: string;
  idOf(row: Row): number;
  /** Whether this uplink can pull the kind at all. */
  canPull(uplink: Uplink): boolean;
  fetch(uplink: Uplink, bankId: string, afterId: number, limit: number): Promise<Row[]>;
  unavailableCode: string;
  /** Logged (once) when the center has none to give: what that means at this bank. */
  unavailableWarning: string;
  /** Pages a poll takes at most (the rest comes at the next poll). */
  maxPages: number;
  /** Keys of the "received" log line: the count, and the last id now held. */
  logKeys: { count: string; lastId: string };
}

const PAGE = 500;
const ASK_AGAIN_MS = 3_600_000;

export class PagedPuller<Row> {
  private unavailableUntil = 0;
  private warned = false;

  constructor(
    private readonly kind: PagedKind<Row>,
    private readonly store: PagedStore<Row>,
    private readonly log: Logger,
  ) {}

  /** Pull and apply what is new; returns how many rows arrived. Rejects on a link failure. */
  async pull(uplink: Uplink, bankId: string, now: number): Promise<number> {
    const k = this.kind;
    if (!k.canPull(uplink) || now < this.unavailableUntil) return 0;
    let total = 0;
    for (let page = 0; page < k.maxPages; page++) {
      const after = this.store.lastId();
      let rows: Row[];
      try {
        rows = await k.fetch(uplink, bankId, after, PAGE);
      } catch (e) {
        if ((e as { code?: unknown }).code !== k.unavailableCode) throw e;
        this.unavailableUntil = now + ASK_AGAIN_MS;
        if (!this.warned) this.log.warn({ err: e }, k.unavailableWarning);
        this.warned = true;
        return total;
      }
      // ids only grow: a page that does not is the center's fault, never applied half
      if (rows.some((r, i) => k.idOf(r) <= (i === 0 ? after : k.idOf(rows[i - 1]!)))) {
        throw new Error(`the center sent ${k.what} out of order (after ${after})`);
      }
      if (rows.length > 0) this.store.apply(rows, now);
      total += rows.length;
      if (rows.length < PAGE) break;
    }
    if (total > 0) this.log.info({ [k.logKeys.count]: total, [k.logKeys.lastId]: this.store.lastId() }, `${k.what} received`);
    // available (again): a later outage is told once more
    this.warned = false;
    return total;
  }
}
