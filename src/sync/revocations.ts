/**
 * Pass revocations, downward with sync: at every command poll the bank asks the center for the
 * revocations after the last one it holds (store.passes.lastRevocationId) and writes them
 * through store.passes.addRevocations, page by page. The center hands them out in id order
 * (central.revoke_pass commits one at a time), so "after the last id held" misses none.
 *
 * A center that has none to give (a schema before migration 6, or a bank without a key) is
 * not a sync failure: the bank logs it once and asks again an hour later. Until revocations
 * arrive, a revoked pass still opens until its own notAfter (README: the exposure bound).
 */
import type { Logger } from "../system/logger.js";
import { REVOCATIONS_UNAVAILABLE, type PassRevocation } from "./central-link.js";
import type { Uplink } from "./uplink.js";

/** Where revocations are kept: the bank's store.passes, written in a transaction of the store. */
export interface RevocationStore {
  lastRevocationId(): number;
  /** Inside one write transaction. */
  addRevocations(rows: PassRevocation[], now: number): void;
}

const PAGE = 500;
/** Pages a poll takes at most (the rest comes at the next poll). */
const MAX_PAGES = 20;
const ASK_AGAIN_MS = 3_600_000;

export class RevocationPuller {
  private unavailableUntil = 0;
  private warned = false;

  constructor(
    private readonly store: RevocationStore,
    private readonly log: Logger,
  ) {}

  /** Pull and store what is new; returns how many revocations arrived. Rejects on a link failure. */
  async pull(uplink: Uplink, bankId: string, now: number): Promise<number> {
    if (!uplink.pullPassRevocations || now < this.unavailableUntil) return 0;
    let total = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const after = this.store.lastRevocationId();
      let rows: PassRevocation[];
      try {
        rows = await uplink.pullPassRevocations(bankId, after, PAGE);
      } catch (e) {
        if ((e as { code?: unknown }).code !== REVOCATIONS_UNAVAILABLE) throw e;
        this.unavailableUntil = now + ASK_AGAIN_MS;
        if (!this.warned) this.log.warn({ err: e }, "the center hands out no pass revocations: a revoked pass opens here until it expires");
        this.warned = true;
        return total;
      }
      // ids only grow: a page that does not is the center's fault, never applied half
      if (rows.some((r, i) => r.revocationId <= (i === 0 ? after : rows[i - 1]!.revocationId))) {
        throw new Error(`the center sent pass revocations out of order (after ${after})`);
      }
      if (rows.length > 0) this.store.addRevocations(rows, now);
      total += rows.length;
      if (rows.length < PAGE) break;
    }
    if (total > 0) this.log.info({ revocations: total, lastRevocationId: this.store.lastRevocationId() }, "pass revocations received");
    // available (again): a later outage is told once more
    this.warned = false;
    return total;
  }
}
