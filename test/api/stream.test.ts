/** GET /events/stream: bank events in order with their sequence numbers, live door positions, resuming, heartbeats; never a code. */
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { createAuth } from "../../src/api/auth.js";
import { createLogger } from "../../src/system/logger.js";
import { bankDeps, call, openStream, startBank, TOKENS, until, type TestBank } from "./support.js";
import { recordAnyEvent } from "../support/events.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank();
});
afterAll(() => bank.stop());

const assign = async () => {
  const a = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S" } });
  expect(a.status).toBe(201);
  return a.json() as { parcelId: string; lockerId: string; pickupCode: string };
};

describe("the event stream", () => {
  it("sends new bank events live, in order, with ids, and door positions as they change; never the pickup code", async () => {
    const s = openStream(bank.url, "/events/stream", { token: TOKENS.kiosk });
    try {
      expect(await s.opened).toBe(200);
      const startSeq = bank.daemon.store.events.lastSeq();
      const a = await assign();
      await until("the deposit's events", () => s.bankEvents().some((e) => e.event === "parcel.stored" && e.data.parcelId === a.parcelId));
      const got = s.bankEvents();
      // Only what happened after connecting, every event once, in sequence.
      const fromDb = bank.daemon.store.events.after(startSeq, 100).filter((e) => e.seq <= got.at(-1)!.id);
      expect(got.map((e) => e.id)).toEqual(fromDb.map((e) => e.seq));
      expect(got.map((e) => e.event)).toEqual(fromDb.map((e) => e.type));
      expect(got[0]).toMatchObject({ event: "parcel.assigned", data: { parcelId: a.parcelId, lockerId: a.lockerId } });
      expect(got[0]!.data.seq).toBe(got[0]!.id);
      // The simulated courier opened and closed the door: transient positions, without ids.
      const positions = s.events.filter((e) => e.event === "door.position").map((e) => JSON.parse(e.data!) as unknown);
      expect(positions).toEqual(expect.arrayContaining([{ lockerId: a.lockerId, position: "open" }, { lockerId: a.lockerId, position: "closed" }]));
      expect(s.events.filter((e) => e.event === "door.position").every((e) => e.id === undefined)).toBe(true);
      expect(JSON.stringify(s.events)).not.toContain(a.pickupCode);
      expect(JSON.stringify(s.events)).not.toContain("pickupCode");
    } finally {
      s.close();
    }
  });

  it("resumes after Last-Event-ID or ?after=, replaying what was missed and nothing before it", async () => {
    const a = await assign();
    await until("the deposit", () => bank.daemon.store.parcels.get(a.parcelId)?.status === "STORED" && !bank.daemon.store.intents.active(a.lockerId));
    const all = bank.daemon.store.events.after(0, 1000);
    expect(all.length).toBeGreaterThan(3);
    const resumeAt = all[1]!.seq;
    for (const opts of [{ headers: { "last-event-id": String(resumeAt) } }, { path: `/events/stream?after=${resumeAt}` }]) {
      const s = openStream(bank.url, opts.path ?? "/events/stream", { token: TOKENS.monitor, ...("headers" in opts ? { headers: opts.headers } : {}) });
      try {
        expect(await s.opened).toBe(200);
        await until("the replay", () => s.bankEvents().length >= all.length - 2);
        expect(s.bankEvents().map((e) => e.id)).toEqual(all.slice(2).map((e) => e.seq));
      } finally {
        s.close();
      }
    }
  });

  it("treats a Last-Event-ID beyond the newest event (another database) as now", async () => {
    const s = openStream(bank.url, "/events/stream", { token: TOKENS.monitor, headers: { "last-event-id": "999999999" } });
    try {
      await s.opened;
      const a = await assign();
      await until("the live assignment", () => s.bankEvents().some((e) => e.event === "parcel.assigned" && e.data.parcelId === a.parcelId));
    } finally {
      s.close();
    }
  });

  it("replays a long backlog in batches and then carries on live without a gap or a repeat", async () => {
    const now = Date.now();
    bank.daemon.store.write(() => {
      for (let i = 0; i < 1200; i++) recordAnyEvent(bank.daemon.store, { type: "test.filler", data: { i } }, now);
    });
    const s = openStream(bank.url, "/events/stream?after=0", { token: TOKENS.monitor });
    try {
      await s.opened;
      const a = await assign();
      await until("the live assignment after the backlog", () => s.bankEvents().some((e) => e.data.parcelId === a.parcelId));
      const ids = s.bankEvents().map((e) => e.id);
      const expected = bank.daemon.store.events.after(0, 5000).map((e) => e.seq).filter((seq) => seq <= ids.at(-1)!);
      expect(ids).toEqual(expected);
    } finally {
      s.close();
    }
  });

  it("filters by type family and locker", async () => {
    const s = openStream(bank.url, "/events/stream?type=door.", { token: TOKENS.monitor });
    try {
      await s.opened;
      const a = await assign();
      await until("door events", () => s.bankEvents().some((e) => e.event === "door.closed" && e.data.lockerId === a.lockerId));
      expect(s.events.filter((e) => e.event).every((e) => e.event!.startsWith("door."))).toBe(true);
    } finally {
      s.close();
    }
  });

  it("sends a keepalive comment on its heartbeat interval", async () => {
    const api = createApi({
      ctx: bank.daemon.ctx,
      auth: createAuth({ tokens: [], openForSimulator: true }),
      log: createLogger({ level: "silent" }),
      doorOf: () => "closed",
      isReady: () => true,
      bodyLimitBytes: 16_384,
      heartbeatMs: 30,
      ...bankDeps(bank),
    });
    const server = api.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const s = openStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "/events/stream");
    try {
      await s.opened;
      await until("two heartbeats", () => s.events.filter((e) => e.comment === "keepalive").length >= 2);
    } finally {
      s.close();
      api.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("is refused to a courier and to a caller without a token", async () => {
    expect((await call(bank.url, "/events/stream", { token: TOKENS.courier })).status).toBe(403);
    expect((await call(bank.url, "/events/stream")).status).toBe(401);
  });
});

describe("stopping with streams open", () => {
  it("ends open streams instead of waiting for their clients", async () => {
    const b = await startBank();
    const s = openStream(b.url, "/events/stream", { token: TOKENS.monitor });
    await s.opened;
    await b.stop();
    s.close();
  });
});
