/**
 * An instance on a central schema whose count trigger does not notify (before central migration
 * 8) must not trust its copy: heartbeats would come back and the copy would look fresh while it
 * never changed. It keeps the copy off and every availability read goes to PostgreSQL.
 */
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import { startTestCentralService } from "../support/central-service.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

let db: TestDatabase | null = null;
let stop: (() => Promise<void>) | null = null;
afterAll(async () => {
  await stop?.();
  await db?.drop();
});

it("without the notifying trigger the copy stays off and PostgreSQL answers every read", async () => {
  db = await createTestDatabase();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await migrateCentral(c, 7);
    await c.query(`INSERT INTO central.banks (id, role_name) VALUES ('OLD1', 'lockerd_bank_old1')`);
    await c.query(`INSERT INTO central.lockers (bank_id, locker_id, size, status) VALUES ('OLD1', 'A01', 'M', 'AVAILABLE')`);
    const carrier = await createOperatorToken(c, "old-carrier", "carrier");
    const viewer = await createOperatorToken(c, "old-viewer", "viewer");
    const service = await startTestCentralService({ dbUrl: db.url, modules: [fleetModule], config: { fleet: { availabilityCopy: { heartbeatMs: 20, staleAfterMs: 50 } } } });
    stop = () => service.stop();
    const get = async (path: string, token: string) => (await fetch(service.url + path, { headers: { Authorization: `Bearer ${token}` } })).text();
    const metric = async (name: string) => Number(new RegExp(`^lockerd_central_availability_copy_${name} (\\S+)$`, "m").exec(await get("/metrics", viewer))?.[1]);
    // many heartbeats' time: a copy that trusted them would have gone live by now
    await new Promise((r) => setTimeout(r, 500));
    expect(JSON.parse(await get("/fleet/availability?size=M&banks=OLD1", carrier))).toEqual({ size: "M", sizes: ["M"], banks: [{ bankId: "OLD1", free: 1 }] });
    await c.query(`UPDATE central.lockers SET status = 'OCCUPIED' WHERE bank_id = 'OLD1'`);
    expect(JSON.parse(await get("/fleet/availability?size=M&banks=OLD1", carrier))).toEqual({ size: "M", sizes: ["M"], banks: [] });
    expect(await metric("reloads_total")).toBe(0);
    expect(await metric("fallbacks_total")).toBe(2);
  } finally {
    await c.end();
  }
});
