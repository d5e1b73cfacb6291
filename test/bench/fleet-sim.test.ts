/**
 * The fleet simulator, small: sixty banks' real sync loops, spread over two simulator processes,
 * come back within three seconds through PgBouncer with two server connections for all of them.
 * Every event lands once, the server never sees more connections than the pool, no bank fails,
 * and the simulator holds no more banks than it lets connect (each is closed once caught up).
 */
import { expect, it } from "vitest";
import { runStorm } from "../../bench/fleet/storm.js";

it("sixty banks back at once through a pool of two: every event once, connections bounded by the pool, no failure, banks freed when caught up", async () => {
  const lines: string[] = [];
  const r = await runStorm({ banks: 60, eventsPerBank: 100, windowS: 3, pool: 2, maxOpen: 20, hosts: 2, timeoutS: 90, bareSeconds: 0.5, log: (l) => lines.push(l) });
  expect(r.lostOrDoubled).toEqual({ banksChecked: 60, banksWrong: 0, missing: 0, doubled: 0 });
  // 100 events and the lockers' snapshot each bank records when its sync starts
  expect(r.events).toBe(60 * 101);
  expect(r.serverConnectionsMax).toBeGreaterThan(0);
  expect(r.serverConnectionsMax).toBeLessThanOrEqual(2);
  expect({ failed: r.failedConnections, other: r.otherErrors, errors: r.firstErrors }).toEqual({ failed: 0, other: 0, errors: [] });
  expect(r.firstBatchWaitMs.p99).toBeGreaterThan(0);
  expect(r.bareInsertRowsPerS).toBeGreaterThan(0);
  // every event projected too (whether in the bank's call or by the projector), after it was in
  expect(r.allProjectedS).toBeGreaterThanOrEqual(r.allInS);
  expect(r.serverCpu.bareUsPerRow).toBeGreaterThan(0);
  expect(r.serverCpu.projectedUsPerEvent).toBeGreaterThanOrEqual(r.serverCpu.inUsPerEvent);
  // two simulator processes; at most ten open in each (the cap split between them), all closed at the end
  expect(r.simulator.hosts).toBe(2);
  expect(r.simulator.banksOpenMax).toBeGreaterThan(0);
  expect(r.simulator.banksOpenMax).toBeLessThanOrEqual(20);
  expect(r.simulator.banksClosed).toBe(60);
  expect(r.simulator.cpuMsPerBank).toBeGreaterThan(0);
}, 150_000);
