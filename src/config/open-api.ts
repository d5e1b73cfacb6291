/**
 * The one rule for "the API is open": a simulated bank with no API token at all (none
 * configured, no LOCKERD_API_TOKEN) listening on loopback answers every local caller as a
 * technician, so a newcomer can try it at once. Real hardware without tokens is closed. The
 * daemon's auth, its guessing bound and `lockerctl doctor` all ask here.
 */
import type { ResolvedConfig } from "./load.js";

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** `driverKind`: the lock bank's kind ("sim" for the simulated bank). */
export function apiOpenForSimulator(cfg: ResolvedConfig, driverKind: string): boolean {
  return cfg.api.tokens.length === 0 && !cfg.envToken && driverKind === "sim" && LOOPBACK.test(cfg.http.host);
}
