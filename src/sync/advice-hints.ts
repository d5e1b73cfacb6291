/**
 * Reachable-door hints from the carriers' pre-advice, downward with sync: at every command
 * poll the bank asks the center for the hints after the last one it pulled
 * (store.adviceHints.lastHintId) and applies them through store.adviceHints.apply, page by page,
 * as pass revocations are pulled (revocations.ts). The center hands them out in id order
 * (central.put_advice_hint commits one at a time), so "after the last id" misses none.
 *
 * A center that has none to give (a schema before central migration 10, a login not granted
 * the function, a bank without a key) is not a sync failure: the bank logs it once and asks
 * again an hour later. Until then a pre-advice's reachable ask does not reach this bank; an
 * assignment asked for a reachable door through the API or a pass still gets one.
 */
import type { Logger } from "../system/logger.js";
import { HINTS_UNAVAILABLE, type AdviceHintRow } from "./central-link.js";
import type { Uplink } from "./uplink.js";

/** Where hints are kept: the bank's store.adviceHints, written in a transaction of the store. */
export interface HintStore {
  lastHintId(): number;
  /** Inside one write transaction. */
  apply(rows: AdviceHintRow[], now: number): void;
}

const PAGE = 500;
/** Pages a poll takes at most (the rest comes at the next poll). */
const MAX_PAGES = 10;
const ASK_AGAIN_MS = 3_600_000;

export class AdviceHintPuller {
  private unavailableUntil = 0;
  private warned = false;

  constructor(
    private readonly store: HintStore,
    private readonly log: Logger,
  ) {}

  /** Pull and apply what is new; returns how many hints arrived. Rejects on a link failure. */
  async pull(uplink: Uplink, bankId: string, now: number): Promise<number> {
    if (!uplink.pullAdviceHints || now < this.unavailableUntil) return 0;
    let total = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const after = this.store.lastHintId();
      let rows: AdviceHintRow[];
      try {
        rows = await uplink.pullAdviceHints(bankId, after, PAGE);
      } catch (e) {
        if ((e as { code?: unknown }).code !== HINTS_UNAVAILABLE) throw e;
        this.unavailableUntil = now + ASK_AGAIN_MS;
        if (!this.warned) this.log.warn({ err: e }, "the center hands out no pre-advice hints: a reachable door asked for in a pre-advice is not known here");
        this.warned = true;
        return total;
      }
      // ids only grow: a page that does not is the center's fault, never applied half
      if (rows.some((r, i) => r.hintId <= (i === 0 ? after : rows[i - 1]!.hintId))) {
        throw new Error(`the center sent pre-advice hints out of order (after ${after})`);
      }
      if (rows.length > 0) this.store.apply(rows, now);
      total += rows.length;
      if (rows.length < PAGE) break;
    }
    if (total > 0) this.log.info({ hints: total, lastHintId: this.store.lastHintId() }, "pre-advice hints received");
    this.warned = false;
    return total;
  }
}
