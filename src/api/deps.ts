/** What the HTTP layer is handed: the bank's context, auth, and door positions for views. */
import type { CommandTrust } from "../bank/remote-commands.js";
import type { BankContext } from "../bank/context.js";
import type { BankLayout } from "../config/layout.js";
import type { SimLockBank } from "../drivers/sim/sim-lock-bank.js";
import type { SimKeypad, SimScanner } from "../input/sim-devices.js";
import type { SimIndicator } from "../output/sim-indicator.js";

import type { SyncControl } from "../sync/state.js";
import type { Logger } from "../system/logger.js";
import type { Auth } from "./auth.js";
import type { DoorPositionListener } from "./event-stream.js";
import type { Foreground } from "./turns.js";

export interface ApiDeps {
  ctx: BankContext;
  auth: Auth;
  log: Logger;
  doorOf(lockerId: string): string;
  isReady(): boolean;
  bodyLimitBytes: number;
  bankId: string;
  layout: BankLayout;
  driverKind: string;
  /** Lockers whose lock hardware does not answer now (the driver's own view). */
  hardwareOffline(): ReadonlySet<string>;
  /** The simulated bank's hardware, when the bank is simulated (the /sim routes and the page). */
  sim?: SimLockBank;
  /** The simulated keypad, scanner and indicator, when the bank has them (the bank page). */
  simInput?: { keypad: SimKeypad | null; scanner: SimScanner | null; indicator: SimIndicator | null };

  /** Door-sensor changes for the live stream (the door supervisor's onPosition). */
  onDoorPosition?: (l: DoorPositionListener) => () => void;
  /** The live stream's keepalive comment interval (default 15 s). */
  heartbeatMs?: number;

  /** The upward sync loop, when sync is configured (GET /sync, POST /sync/now). */
  sync?: SyncControl;
  /** The operator keys and limits central commands are checked against (GET /commands). */
  commandTrust?: CommandTrust;
  /** The kiosk: requests wait while it acts for the person at the bank (turns.ts). */
  foreground?: Foreground;
}
