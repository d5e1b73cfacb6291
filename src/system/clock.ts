/**
 * The real clock. A Raspberry Pi has no battery-backed clock: until NTP has synchronised, wall
 * time can be wrong by years, so every event records whether the clock was synchronised.
 * systemd-timesyncd creates /run/systemd/timesync/synchronized once it has synchronised.
 */
import { existsSync } from "node:fs";
import type { Clock } from "../basics/ports.js";

const SYNC_FLAG = "/run/systemd/timesync/synchronized";
const RECHECK_MS = 30_000;

export function createSystemClock(syncFlagPath = SYNC_FLAG): Clock {
  let synced = false;
  let checkedAt = -Infinity;
  return {
    now: () => Date.now(),
    after(ms, fn) {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
    isSynchronised() {
      // Once synchronised it stays so; until then look again every RECHECK_MS.
      const now = Date.now();
      if (!synced && now - checkedAt > RECHECK_MS) {
        checkedAt = now;
        synced = existsSync(syncFlagPath);
      }
      return synced;
    },
  };
}
