/**
 * What the supervisor saw of one unlock, handed with its outcome so the bank can record one
 * outcome per unlock: what was commanded (the intent), what the board answered, what the door
 * sensor did and what the item sensor read.
 */
import { LockerdError } from "../basics/errors.js";
import type { UnlockReceipt } from "../drivers/lock-bank.js";

/** The board's answer: its own (acknowledged / status_read), none expected (GPIO, sim), or still awaited. */
export type BoardAnswer = UnlockReceipt["board"] | "none_expected" | "awaited";

export interface UnlockEvidence {
  board: BoardAnswer;
  /** The item sensor just before the pulse: true = something inside; null = no sensor / unreadable. */
  itemBefore: boolean | null;
  /** When the pulse was sent (epoch ms). */
  pulsedAt: number;
}

/** How an unlock the hardware could not carry out ended: the board refused it, or did not answer. */
export type UnlockFailure = "board_refused" | "no_answer";

/** The failure a driver's rejection means (see LockBank.unlock): a refusal, or anything else unanswered. */
export function unlockFailureOf(e: unknown): UnlockFailure {
  return (e as { code?: unknown } | null)?.code === "BOARD_REFUSED" ? "board_refused" : "no_answer";
}

/** The failure a rejected DoorCommander.unlock carries (details.outcome); null when no command was attempted. */
export function unlockFailureIn(e: unknown): UnlockFailure | null {
  if (!(e instanceof LockerdError)) return null;
  const o = e.details.outcome;
  return o === "board_refused" || o === "no_answer" ? o : null;
}
