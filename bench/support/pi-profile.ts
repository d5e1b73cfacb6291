/**
 * The benchmarks' "Pi profile": the daemon as it would run on a Raspberry Pi 4 with its
 * database on a microSD card.
 *
 * Disk: every fsync/fdatasync of the daemon is delayed, then done for real, by an LD_PRELOAD
 * shim (sd-fsync-delay.c) that this module compiles with cc, one at a time across the process's
 * threads (one card). The daemon's store commits without a flush and flushes the WAL with
 * fdatasync on libuv's thread pool, many commits a flush (src/store/wal-flush.ts); checkpoints
 * flush from their own thread. Before that (README, runs A to E) SQLite's synchronous=FULL
 * flushed at every commit, on the event loop. The delay distribution is built from
 * published figures, not a measured trace (we found none published for SQLite's fdatasync on
 * a Pi):
 * - median 3 ms: the SD Association's A1 application performance class, which the Raspberry
 *   Pi Foundation recommends, guarantees at least 500 random 4 KiB write IOPS (2 ms each) (SD
 *   Physical Layer Simplified Specification 6.0, "Application Performance Class"); a WAL
 *   commit is one or two such writes plus the card's flush. Jeff Geerling's Pi 4 measurements
 *   ("Raspberry Pi microSD card performance comparison - 2019", jeffgeerling.com) show 4K random
 *   writes of roughly 1 to 3.5 MB/s for A1 cards, i.e. 1 to 4 ms per 4 KiB write.
 * - p99 30 ms: a log-normal tail, ten times the median (SD cards garbage-collect inside the
 *   card, and small synchronous writes meet it far more often than sequential ones).
 * - 1 in 1,000 a stall of 100 to 250 ms: the SD specification allows a card to hold the bus
 *   busy for up to 250 ms on a write (its write timeout for SDHC/SDXC), which is what a
 *   garbage-collection pause looks like from the host.
 *
 * Scheduling: the deployed unit's Nice= and CPUWeight= (unit-scheduling.ts), the latter as
 * the cgroup's weight.
 *
 * CPU: the daemon process is put in a cgroup (v1 cpu controller, or v2 cpu.max) with a quota
 * of 5 ms of CPU per 10 ms period, half of one of this machine's cores. A Pi 4's Cortex-A72 at
 * 1.5 GHz does very roughly a quarter to a third of the single-thread work of a current x86
 * server core; the daemon keeps about two threads busy under load (the event loop and the sync
 * worker), each on its own Pi core, hence 2 × 0.25 = 0.5 of one core here. The short period
 * keeps each throttling pause under 5 ms, as a slower core would spread the same work; a lone
 * busy thread gets up to twice a Pi core, so this is optimistic for the event loop alone and
 * pessimistic when both threads compete. Without a writable cgroup the profile says so and
 * runs with the disk delays only.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { makeCgroup } from "./cgroup.js";
import type { Profile } from "./external-rig.js";
import type { UnitScheduling } from "./unit-scheduling.js";

/** median ms, p99 ms, stalls per million, stall min ms, stall max ms (see above). */
export const SD_FSYNC = "3,30,1000,100,250";
const PERIOD_US = 10_000;
const QUOTA_US = 5_000;

export interface PiProfile {
  profile: Profile;
  description: string;
  close(): void;
}

export function piProfile(log: (l: string) => void, unit: UnitScheduling): PiProfile {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pi-"));
  const shim = join(dir, "sd-fsync-delay.so");
  const cc = spawnSync("cc", ["-shared", "-fPIC", "-O2", "-o", shim, join(PACKAGE_ROOT, "bench/support/sd-fsync-delay.c"), "-ldl", "-lm", "-lpthread"], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`building the fsync shim failed: ${cc.stderr}`);
  const cgroup = makeCgroup(`lockerd-bench-pi-${process.pid}`, { v1: { ...unit.cgroup.v1, "cpu.cfs_period_us": String(PERIOD_US), "cpu.cfs_quota_us": String(QUOTA_US) }, v2: { ...unit.cgroup.v2, "cpu.max": `${QUOTA_US} ${PERIOD_US}` } }, log);
  const description = `fsync/fdatasync delayed (median 3 ms, p99 30 ms, 0.1% stalls of 100-250 ms); ${cgroup ? `CPU quota ${QUOTA_US / 1000} ms per ${PERIOD_US / 1000} ms (cgroup ${cgroup.kind === "v1" ? "v1 cpu.cfs_quota_us" : "v2 cpu.max"})` : "no CPU quota (no writable cgroup)"}`;
  return {
    description,
    profile: {
      // BENCH_SD_FSYNC_LOG=file: every fsync/fdatasync of the daemon, one line each (sd-fsync-delay.c)
      env: { LD_PRELOAD: shim, LOCKERD_SD_FSYNC: SD_FSYNC, ...(process.env.BENCH_SD_FSYNC_LOG ? { LOCKERD_SD_FSYNC_LOG: process.env.BENCH_SD_FSYNC_LOG } : {}) },
      confine: (pid) => cgroup?.add(pid),
      nice: unit.nice,
    },
    close() {
      cgroup?.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
