/**
 * The test hooks production code keeps, all named here: the crash points below, and the sync
 * loop's SyncHooks.afterCommit (sync/loop.ts: a test stops the loop between the central commit
 * and the local mark). No other production code exists for tests.
 *
 * Crash points for the crash-at-every-step harness (test/faults): when LOCKERD_CRASH_AT names
 * a point, the process kills itself with SIGKILL the moment it gets there — no cleanup, no
 * flush, exactly like a power cut. Unset (always, in production), a crash point costs one
 * string comparison.
 */
const target = process.env.LOCKERD_CRASH_AT ?? "";

export const CRASH_POINTS = [
  "assign.committed", // the reservation, code and intent are committed; the lock not yet pulsed
  "assign.unlocked", // the unlock command has left for the hardware
  "door.opened.committed", // the door's opening is recorded
  "deposit.stored", // the door closed and the parcel is STORED
  "pickup.committed", // the pickup intent is committed; the lock not yet pulsed
  "pickup.unlocked", // the unlock command has left
  "pickup.released", // the door closed after a pickup; the locker is free
  "return.committed", // a return pass is spent with its reservation and intent; the lock not yet pulsed
  "sync.central_committed", // the central transaction committed; the local mark not yet written
  "sync.marked", // the local mark is written
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(name: CrashPoint): void {
  if (target === name) process.kill(process.pid, "SIGKILL");
}
