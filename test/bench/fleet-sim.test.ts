/**
 * The fleet simulator, small: sixty banks' real sync loops come back within three seconds
 * through PgBouncer with two server connections for all of them. Every event lands once, the
 * server never sees more connections than the pool, and no bank fails.
 */
import { expect, it } from "vitest";
import { runStorm } from "../../bench/fleet/storm.js";

it("sixty banks back at once through a pool of two: every event once, connections bounded by the pool, no failure", async () => {
  const lines: string[] = [];
  const r = await runStorm({ banks: 60, eventsPerBank: 100, windowS: 3, pool: 2, maxOpen: 1000, timeoutS: 90, bareSeconds: 0.5, log: (l) => lines.push(l) });
  expect(r.lostOrDoubled).toEqual({ banksChecked: 60, banksWrong: 0, missing: 0, doubled: 0 });
  // 100 events and the lockers' snapshot each bank records when its sync starts
  expect(r.events).toBe(60 * 101);
  expect(r.serverConnectionsMax).toBeGreaterThan(0);
  expect(r.serverConnectionsMax).toBeLessThanOrEqual(2);
  expect({ failed: r.failedConnections, other: r.otherErrors, errors: r.firstErrors }).toEqual({ failed: 0, other: 0, errors: [] });
  expect(r.firstBatchWaitMs.p99).toBeGreaterThan(0);
  expect(r.bareInsertRowsPerS).toBeGreaterThan(0);
}, 150_000);
