/** What the HTTP layer is handed: the bank's context, auth, and door positions for views. */
import type { AttemptLimiter } from "../bank/attempts.js";
import type { BankContext } from "../bank/context.js";
import type { Logger } from "../system/logger.js";
import type { Auth } from "./auth.js";

export interface ApiDeps {
  ctx: BankContext;
  auth: Auth;
  log: Logger;
  doorOf(lockerId: string): string;
  isReady(): boolean;
  bodyLimitBytes: number;
  /** The attempt limiter shared with the keypad (kiosk slice); pickups go through it. */
  attempts?: AttemptLimiter;
}
