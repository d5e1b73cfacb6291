/**
 * central.alarm_openings (an alarm's earlier openings, central migration 12) is pruned by age:
 * the openings cleared longer ago than fleet.alarmHistory.keepDays go, oldest first, at most
 * pruneBatch a run, the rest kept; lockerd-central runs it periodically (a backlog goes over
 * several runs) and a pruned id is then unknown to the fleet API. Real PostgreSQL, the real
 * service; bad settings are refused with their path.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { pruneAlarmOpenings } from "../../src/central/fleet/alarm-history.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import { ConfigError } from "../../src/config/errors.js";
import { loadCentralConfig } from "../../src/central/service/config.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { startTestCentralService } from "../support/central-service.js";
import { useTestCentral } from "../support/sync-parts.js";

const DAY = 86_400_000;
const central = useTestCentral();
let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
});
beforeEach(async () => {
  await admin.query("DELETE FROM central.alarm_openings");
});

/** An earlier opening of a door_left_open alarm, cleared `daysAgo` days ago. */
async function opening(id: number, daysAgo: number): Promise<void> {
  const cleared = new Date(Date.now() - daysAgo * DAY);
  const raised = new Date(cleared.getTime() - 60_000);
  await admin.query(
    `INSERT INTO central.alarm_openings (id, bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at, raises, data, cleared_seq, cleared_at)
     VALUES ($1::bigint, 'AH1', 'door_left_open', 'A01', $1::bigint, $2, $1::bigint, $2, 1, '{}', $1::bigint + 1, $3)`,
    [id, raised, cleared],
  );
}
const kept = async () => (await admin.query<{ id: string }>("SELECT id FROM central.alarm_openings ORDER BY id")).rows.map((r) => Number(r.id));

it("deletes the openings cleared before the cut, oldest first and at most the batch, and keeps the newer", async () => {
  for (const [id, days] of [[1, 100], [2, 400], [3, 91], [4, 89], [5, 1]] as const) await opening(id, days);
  const before = new Date(Date.now() - 90 * DAY);
  expect(await pruneAlarmOpenings(admin, { before, limit: 2 })).toBe(2);
  expect(await kept()).toEqual([3, 4, 5]);
  expect(await pruneAlarmOpenings(admin, { before, limit: 2 })).toBe(1);
  expect(await pruneAlarmOpenings(admin, { before, limit: 2 })).toBe(0);
  expect(await kept()).toEqual([4, 5]);
});

it("lockerd-central prunes by itself, a batch a run, and a pruned id is then unknown to the fleet API", async () => {
  for (const [id, days] of [[11, 40], [12, 35], [13, 31], [14, 29]] as const) await opening(id, days);
  const viewer = await createOperatorToken(admin, "prune-viewer", "viewer");
  let service: CentralInstance | null = null;
  try {
    const s = await startTestCentralService({
      dbUrl: central.db.url,
      modules: [fleetModule],
      config: { fleet: { alarmHistory: { keepDays: 30, pruneEveryMs: 1000, pruneBatch: 1 } } },
    });
    service = s;
    const alarm = async (id: number) => (await fetch(`${s.url}/fleet/alarms/${id}`, { headers: { Authorization: `Bearer ${viewer}` } })).status;
    // one a run: three runs for the three past the cut
    await vi.waitFor(async () => expect(await kept()).toEqual([14]), { timeout: 20_000, interval: 200 });
    expect(await alarm(14)).toBe(200);
    expect(await alarm(11)).toBe(404);
  } finally {
    await service?.stop();
  }
});

it("refuses bad settings with their path, and keeps 90 days by default", () => {
  const dir = mkdtempSync(join(tmpdir(), "central-alarm-history-"));
  const load = (alarmHistory: unknown) => {
    const path = join(dir, "central.json");
    writeFileSync(path, JSON.stringify({ fleet: { alarmHistory } }));
    return loadCentralConfig({ path, env: {}, moduleSettings: { fleet: fleetModule.settings! } });
  };
  try {
    expect((load({}).modules.fleet as { alarmHistory: unknown }).alarmHistory).toEqual({ keepDays: 90, pruneEveryMs: 600_000, pruneBatch: 5000 });
    let err: unknown;
    try {
      load({ keepDays: 0, pruneEveryMs: "hourly", pruneBatch: 1e9, forever: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toMatch(/^fleet\.alarmHistory\.keepDays: /m);
    expect(problems).toMatch(/^fleet\.alarmHistory\.pruneEveryMs: .*found "hourly"/m);
    expect(problems).toMatch(/^fleet\.alarmHistory\.pruneBatch: /m);
    expect(problems).toMatch(/unknown key "forever"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
