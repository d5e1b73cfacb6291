/** What the HTTP layer is handed: the bank's context, auth, and door positions for views. */
import type { BankContext } from "../bank/context.js";
import type { SyncControl } from "../sync/state.js";
import type { Logger } from "../system/logger.js";
import type { Auth } from "./auth.js";

export interface ApiDeps {
  ctx: BankContext;
  auth: Auth;
  log: Logger;
  doorOf(lockerId: string): string;
  isReady(): boolean;
  bodyLimitBytes: number;
  /** The upward sync loop, when sync is configured (GET /sync, POST /sync/now). */
  sync?: SyncControl;
}
