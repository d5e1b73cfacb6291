/**
 * Reachable-door hints from the carriers' pre-advice, downward with sync (paged-pull.ts), as
 * pass revocations are pulled: at every command poll the bank asks the center for the hints
 * after the last one it pulled (store.adviceHints.lastHintId) and applies them through
 * store.adviceHints.apply. The center hands them out in id order (central.put_advice_hint
 * commits one at a time).
 *
 * A center that has none to give (a schema before central migration 10, a login not granted
 * the function, a bank without a key): until then a pre-advice's reachable ask does not reach
 * this bank; an assignment asked for a reachable door through the API or a pass still gets one.
 */
import { HINTS_UNAVAILABLE, type AdviceHintRow } from "./central-link.js";
import type { PagedKind } from "./paged-pull.js";

export const ADVICE_HINTS: PagedKind<AdviceHintRow> = {
  what: "pre-advice hints",
  idOf: (r) => r.hintId,
  canPull: (u) => u.pullAdviceHints !== undefined,
  fetch: (u, bankId, afterId, limit) => u.pullAdviceHints!(bankId, afterId, limit),
  unavailableCode: HINTS_UNAVAILABLE,
  unavailableWarning: "the center hands out no pre-advice hints: a reachable door asked for in a pre-advice is not known here",
  maxPages: 10,
  logKeys: { count: "hints", lastId: "lastHintId" },
};
