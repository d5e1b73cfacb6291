/**
 * The deterministic simulation's world: a real bank (real SQLite file, real use cases, real
 * door supervisor, simulated lock bank) whose clock, randomness and people are driven by a
 * seed. Couriers, customers with typos, expiries, jammed and forced doors, doors left open,
 * hardware outages and restarts, compressed from weeks into seconds.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assignLocker } from "../../src/bank/assign.js";
import type { BankContext } from "../../src/bank/context.js";
import { isLockerdError } from "../../src/basics/errors.js";
import { collectExpired, expireDue } from "../../src/bank/expiry.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { cancelAssignment, setInService, setOutOfService } from "../../src/bank/service.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { loadLayout } from "../../src/config/layout.js";
import type { DoorSupervisor } from "../../src/doors/supervisor.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import type { Store } from "../../src/store/store.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { checkInvariants } from "../faults/invariants.js";
import { createTestBank, type TestBank } from "../support/bank.js";
import { FakeClock } from "../support/clock.js";
import { SeededRandom } from "../support/random.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface WorldStats {
  steps: number;
  assigned: number;
  noLocker: number;
  stored: number;
  pickedUp: number;
  rejectedCodes: number;
  expired: number;
  collected: number;
  jams: number;
  forced: number;
  restarts: number;
  outages: number;
  simulatedDays: number;
}

export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly action: string,
    problem: string,
  ) {
    super(`seed ${seed}, step ${step} (${action}): ${problem}\nreplay: LOCKERD_SIM_SEED=${seed} npx vitest run test/sim`);
  }
}

export class BankWorld {
  readonly clock = new FakeClock(Date.UTC(2026, 0, 5, 8, 0, 0));
  readonly random: SeededRandom;
  readonly sizes = new SizeScale(["S", "M", "L"]);
  readonly layout = loadLayout(DEFAULT_LAYOUT, ["S", "M", "L"]);
  // RAM-backed when the machine has it: the simulation tests logic, not the disk's fsync.
  readonly dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "lockerd-sim-"));
  // One lock bank for the whole run: a restart finds the doors, jams and outages where they were.
  readonly sim = new SimLockBank({ lockerIds: this.layout.lockers.map((l) => l.id), person: { enabled: false, openDelayMs: 0, closeDelayMs: 0 } });
  private readonly secret: Buffer;
  private bank!: TestBank;
  /** Every code ever handed out, by parcel, and whether it has opened its door. */
  private readonly codes = new Map<string, { code: string; opened: boolean }>();
  /** Lockers a person is busy at (their door choreography is still running). */
  private readonly busy = new Set<string>();
  private step = 0;
  private action = "start";
  readonly stats: WorldStats = { steps: 0, assigned: 0, noLocker: 0, stored: 0, pickedUp: 0, rejectedCodes: 0, expired: 0, collected: 0, jams: 0, forced: 0, restarts: 0, outages: 0, simulatedDays: 0 };
  private readonly started: number;

  constructor(readonly seed: number) {
    this.random = new SeededRandom(seed);
    this.secret = this.random.bytes(32);
    this.started = this.clock.now();
  }

  get ctx(): BankContext {
    return this.bank.ctx;
  }

  private get store(): Store {
    return this.bank.store;
  }

  private get supervisor(): DoorSupervisor {
    return this.bank.supervisor;
  }

  async boot(): Promise<void> {
    this.bank = await createTestBank({
      dir: this.dir,
      clock: this.clock,
      random: this.random,
      secret: this.secret,
      sim: this.sim,
      doors: { pulseMs: 500, openTimeoutMs: 30 * SECOND, leftOpenMs: 2 * MINUTE, leftOpenRepeatMs: 5 * MINUTE },
      onOutcomeError: (e, where) => {
        throw new SimulationFailure(this.seed, this.step, this.action, `door outcome ${where} failed: ${String(e)}`);
      },
    });
  }

  async shutdown(): Promise<void> {
    await this.bank.shutdown();
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One random thing happening at the bank, then a little time passing, then the invariants. */
  async tick(): Promise<void> {
    this.step++;
    const r = this.random.float();
    if (r < 0.3) await this.courierDeposits();
    else if (r < 0.58) await this.customerCollects();
    else if (r < 0.63) await this.someoneReusesACode();
    else if (r < 0.78) this.timePasses(this.random.int(6 * HOUR));
    else if (r < 0.83) await this.courierCollectsExpired();
    else if (r < 0.88) this.technicianService();
    else if (r < 0.91) await this.doorForced();
    else if (r < 0.94) this.hardwareOutage();
    else if (r < 0.96) await this.restart();
    else this.timePasses(this.random.int(10 * MINUTE));
    this.timePasses(SECOND + this.random.int(90 * SECOND));
    this.check();
    this.stats.steps = this.step;
    this.stats.simulatedDays = Math.round(((this.clock.now() - this.started) / (24 * HOUR)) * 10) / 10;
  }

  // ---- people ---------------------------------------------------------------------------------

  private async courierDeposits(): Promise<void> {
    this.action = "courier deposits";
    const size = this.random.pick(["S", "S", "M", "L"]);
    const skipped = new Set([...this.supervisor.unavailableLockers(), ...this.supervisor.openUnattended()]);
    const freeFitting = this.store.lockers.fitting(this.sizes.rankOf(size)).filter((l) => !skipped.has(l.id));
    try {
      const a = await assignLocker(this.ctx, { size, trackingRef: `SIM-${this.step}` });
      this.stats.assigned++;
      if (freeFitting[0]?.id !== a.lockerId) this.fail(`assign chose ${a.lockerId}, the smallest free fitting locker was ${freeFitting[0]?.id}`);
      this.codes.set(a.parcelId, { code: a.pickupCode, opened: false });
      const p = this.random.float();
      if (p < 0.85) this.personUsesDoor(a.lockerId, 2 * SECOND + this.random.int(20 * SECOND), 5 * SECOND + this.random.int(60 * SECOND));
      else if (p < 0.9) this.stats.jams++; // the courier walks away: the door never opens
      else if (p < 0.95) {
        // Doesn't fit: opened, then cancelled, then closed again.
        this.busy.add(a.lockerId);
        this.clock.after(3 * SECOND, () => {
          this.sim.setDoor(a.lockerId, "open");
          try {
            cancelAssignment(this.ctx, a.parcelId, "does not fit");
          } catch (e) {
            if (!isLockerdError(e, "INVALID_STATE")) throw e;
          }
          this.clock.after(5 * SECOND, () => {
            this.sim.setDoor(a.lockerId, "closed");
            this.busy.delete(a.lockerId);
          });
        });
      } else this.personUsesDoor(a.lockerId, 3 * SECOND, 10 * MINUTE); // left open: alarms
    } catch (e) {
      if (!isLockerdError(e, "NO_LOCKER_AVAILABLE") && !isLockerdError(e, "DOOR_UNAVAILABLE")) throw e;
      if (isLockerdError(e, "NO_LOCKER_AVAILABLE") && freeFitting.length > 0) this.fail(`NO_LOCKER_AVAILABLE although ${freeFitting[0]!.id} was free`);
      this.stats.noLocker++;
    }
  }

  private async customerCollects(): Promise<void> {
    this.action = "customer collects";
    const stored = this.store.parcels.find({ status: "STORED", limit: 1000 }).filter((p) => !this.busy.has(p.lockerId));
    if (stored.length === 0) return;
    const parcel = this.random.pick(stored);
    const known = this.codes.get(parcel.id)!;
    if (this.random.chance(0.2)) await this.tryWrongCode(known.code);
    const collectable = parcel.expiresAt > this.clock.now() && !this.supervisor.unavailableLockers().has(parcel.lockerId);
    try {
      const r = await pickupByCode(this.ctx, known.code, { channel: "keypad", id: "sim" });
      if (!collectable) this.fail(`code of ${parcel.id} opened its door although it was expired or unreachable`);
      if (r.lockerId !== parcel.lockerId) this.fail(`code of ${parcel.id} opened ${r.lockerId} instead of ${parcel.lockerId}`);
      if (this.random.chance(0.07)) {
        this.stats.jams++; // jammed: the door never opens; the code must still work later
        return;
      }
      this.personUsesDoor(parcel.lockerId, SECOND + this.random.int(10 * SECOND), 3 * SECOND + this.random.int(30 * SECOND), () => {
        known.opened = true;
      });
    } catch (e) {
      if (isLockerdError(e, "INVALID_CODE") && collectable) this.fail(`valid code of ${parcel.id} was refused`);
      if (!isLockerdError(e, "INVALID_CODE") && !isLockerdError(e, "DOOR_UNAVAILABLE") && !isLockerdError(e, "LOCKER_BUSY")) throw e;
    }
  }

  private async tryWrongCode(right: string): Promise<void> {
    // A typo: one digit changed. Only a code that belongs to a live parcel may open anything.
    const i = this.random.int(right.length);
    const typo = right.slice(0, i) + String((Number(right[i]) + 1 + this.random.int(9)) % 10) + right.slice(i + 1);
    const owner = this.store.parcels.byCodeHash(this.ctx.codes.hash(typo));
    try {
      await pickupByCode(this.ctx, typo, { channel: "keypad", id: "sim" });
      if (!owner) this.fail(`a wrong code opened a door`);
    } catch (e) {
      if (!isLockerdError(e)) throw e;
      this.stats.rejectedCodes++;
    }
  }

  private async someoneReusesACode(): Promise<void> {
    this.action = "someone reuses a code";
    const used = [...this.codes.entries()].filter(([, c]) => c.opened);
    if (used.length === 0) return;
    const [parcelId, c] = this.random.pick(used);
    try {
      await pickupByCode(this.ctx, c.code, { channel: "keypad", id: "sim" });
      this.fail(`the code of ${parcelId} opened a door a second time`);
    } catch (e) {
      if (!isLockerdError(e, "INVALID_CODE")) throw e;
      this.stats.rejectedCodes++;
    }
  }

  private async courierCollectsExpired(): Promise<void> {
    this.action = "courier collects expired";
    const expired = this.store.parcels.find({ status: "EXPIRED", limit: 1000 }).filter((p) => p.inLocker && p.removedAt === null && !this.busy.has(p.lockerId));
    if (expired.length === 0) return;
    const p = this.random.pick(expired);
    try {
      await collectExpired(this.ctx, p.id);
      this.personUsesDoor(p.lockerId, 2 * SECOND, 10 * SECOND);
      this.stats.collected++;
    } catch (e) {
      if (!isLockerdError(e, "DOOR_UNAVAILABLE") && !isLockerdError(e, "LOCKER_BUSY")) throw e;
    }
  }

  private technicianService(): void {
    this.action = "technician";
    const locker = this.random.pick(this.store.lockers.list());
    if (this.busy.has(locker.id)) return;
    if (locker.status === "OUT_OF_SERVICE") {
      // An interrupted deposit flagged for inspection: the technician looks, finds it empty.
      const p = this.store.parcels.inLocker(locker.id);
      if (p?.status === "ASSIGNED") cancelAssignment(this.ctx, p.id, "inspected: empty");
      setInService(this.ctx, locker.id);
    } else {
      try {
        setOutOfService(this.ctx, locker.id, "simulated maintenance");
      } catch (e) {
        if (!isLockerdError(e, "LOCKER_OCCUPIED")) throw e;
      }
    }
  }

  private async doorForced(): Promise<void> {
    this.action = "door forced";
    const idle = this.layout.lockers.filter((l) => !this.busy.has(l.id) && this.sim.doors().get(l.id) === "closed" && this.supervisor.doorOf(l.id) === "closed");
    if (idle.length === 0) return;
    const id = this.random.pick(idle).id;
    const before = this.store.events.query({ type: "alarm.door_forced", lockerId: id, limit: 1000 }).length;
    this.personUsesDoor(id, 0, 20 * SECOND);
    this.clock.advance(1);
    const after = this.store.events.query({ type: "alarm.door_forced", lockerId: id, limit: 1000 }).length;
    if (after !== before + 1) this.fail(`forcing door ${id} raised ${after - before} tamper alarms`);
    this.stats.forced++;
    await this.whileTheDoorStandsOpen(id);
  }

  /** Someone comes to the bank while a door stands open unattended. */
  private async whileTheDoorStandsOpen(lockerId: string): Promise<void> {
    const parcel = this.store.parcels.inLocker(lockerId);
    if (this.random.chance(0.5)) {
      // A courier: the open locker is not handed out.
      const before = this.store.parcels.find({ status: "ASSIGNED", limit: 1000 }).filter((p) => p.lockerId === lockerId).length;
      await this.courierDeposits();
      const assigned = this.store.parcels.find({ status: "ASSIGNED", limit: 1000 }).filter((p) => p.lockerId === lockerId).length;
      if (assigned !== before) this.fail(`a parcel was assigned to ${lockerId} while its door stood open`);
    } else if (parcel?.status === "STORED" && parcel.expiresAt > this.clock.now() && !this.supervisor.unavailableLockers().has(lockerId)) {
      // The parcel's owner finds the door open and enters the code: served at once, no pulse.
      this.action = "pickup at an open door";
      const known = this.codes.get(parcel.id)!;
      const pulses = this.sim.pulses.length;
      try {
        await pickupByCode(this.ctx, known.code, { channel: "keypad", id: "sim" });
      } catch (e) {
        if (!isLockerdError(e, "LOCKER_BUSY")) throw e;
        return; // an earlier pickup's intent still holds the door
      }
      if (this.sim.pulses.length !== pulses) this.fail(`a pickup at the open door ${lockerId} pulsed the lock`);
      if (this.store.parcels.get(parcel.id)?.status !== "PICKED_UP") this.fail(`a pickup at the open door ${lockerId} was not recorded as picked up`);
      known.opened = true;
    }
  }

  private hardwareOutage(): void {
    this.action = "hardware outage";
    const column = this.random.pick(this.layout.columns);
    const ids = column.lockers.map((l) => l.id);
    this.sim.setOnline(ids, false, "simulated outage");
    this.stats.outages++;
    this.clock.after(MINUTE + this.random.int(2 * HOUR), () => this.sim.setOnline(ids, true, "simulated recovery"));
  }

  private async restart(): Promise<void> {
    this.action = "restart";
    await this.shutdown();
    await this.boot();
    this.stats.restarts++;
  }

  private timePasses(ms: number): void {
    this.action = "time passes";
    this.clock.advance(ms);
    this.stats.expired += expireDue(this.ctx).length;
  }

  /** A person opens a door after openAfter and closes it closeAfter later. */
  private personUsesDoor(lockerId: string, openAfter: number, closeAfter: number, onOpen?: () => void): void {
    this.busy.add(lockerId);
    this.clock.after(openAfter, () => {
      this.sim.setDoor(lockerId, "open");
      onOpen?.();
      this.clock.after(closeAfter, () => {
        this.sim.setDoor(lockerId, "closed");
        this.busy.delete(lockerId);
      });
    });
  }

  // ---- invariants -------------------------------------------------------------------------------

  private check(): void {
    // The full integrity check is the slow part: every 100 steps and at the end.
    const report = checkInvariants(this.store.db, { integrity: this.step % 100 === 0 });
    if (report.problems.length) this.fail(report.problems.join("; "));
    // Every door intent ends: opened and closed, timed out or aborted. A pending one outlives
    // its open timeout only by a retried code (which pulses again); an opened one, its door.
    const stale = this.store.db
      .prepare<[number, number], { id: number; lockerId: string; state: string }>(
        `SELECT id, locker_id AS lockerId, state FROM door_intents WHERE (state = 'pending' AND created_at < ?) OR (state = 'opened' AND opened_at < ?)`,
      )
      .all(this.clock.now() - HOUR, this.clock.now() - 24 * HOUR);
    for (const i of stale) this.fail(`door intent ${i.id} on ${i.lockerId} is still ${i.state}`);
    if (report.parcels.length !== this.codes.size) this.fail(`${this.codes.size} parcels were assigned but the database holds ${report.parcels.length}`);
    for (const p of report.parcels) if (!this.codes.has(p.id)) this.fail(`unknown parcel ${p.id} in the database`);
    this.stats.stored = report.parcels.filter((p) => p.status !== "ASSIGNED" && p.status !== "CANCELLED").length;
    this.stats.pickedUp = report.parcels.filter((p) => p.status === "PICKED_UP").length;
  }

  private fail(problem: string): never {
    throw new SimulationFailure(this.seed, this.step, this.action, problem);
  }
}

export async function runSimulation(seed: number, steps: number): Promise<WorldStats> {
  const world = new BankWorld(seed);
  await world.boot();
  try {
    for (let i = 0; i < steps; i++) await world.tick();
    const final = checkInvariants(world.ctx.store.db, { integrity: true });
    if (final.problems.length) throw new SimulationFailure(seed, steps, "end", final.problems.join("; "));
    await world.shutdown();
    return world.stats;
  } finally {
    world.destroy();
  }
}
