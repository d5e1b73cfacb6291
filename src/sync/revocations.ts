/**
 * Pass revocations, downward with sync (paged-pull.ts): at every command poll the bank asks the
 * center for the revocations after the last one it holds (store.passes.lastRevocationId) and
 * writes them through store.passes.addRevocations. The center hands them out in id order
 * (central.revoke_pass commits one at a time).
 *
 * A center that has none to give (a schema before migration 6, or a bank without a key): until
 * revocations arrive, a revoked pass still opens until its own notAfter (README: the exposure bound).
 */
import { REVOCATIONS_UNAVAILABLE, type PassRevocation } from "./central-link.js";
import type { PagedKind } from "./paged-pull.js";

export const PASS_REVOCATIONS: PagedKind<PassRevocation> = {
  what: "pass revocations",
  idOf: (r) => r.revocationId,
  canPull: (u) => u.pullPassRevocations !== undefined,
  fetch: (u, bankId, afterId, limit) => u.pullPassRevocations!(bankId, afterId, limit),
  unavailableCode: REVOCATIONS_UNAVAILABLE,
  unavailableWarning: "the center hands out no pass revocations: a revoked pass opens here until it expires",
  maxPages: 20,
  logKeys: { count: "revocations", lastId: "lastRevocationId" },
};
