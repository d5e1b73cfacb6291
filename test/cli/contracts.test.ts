/**
 * lockerctl against the agreed contracts of slices that are not in this tree yet (see
 * /work/briefs/contracts.md): GET /events/stream (Server-Sent Events) and GET /sync +
 * POST /sync/now. A small stand-in server speaks exactly those contracts; lockerctl is the
 * real process. The real daemon's side is proven by those slices' own tests.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Bank, collect, until } from "./harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const bank = new Bank(); // only for its config and the CLI runner; its daemon is not started
let server: Server;
let streamClients: ServerResponse[] = [];
let sync = { configured: true, backlog: 3, oldestUnsentAt: "2026-01-01T00:00:00.000Z", lastSuccessAt: null as string | null, lastError: null as string | null, lagMs: 4000, lastSentSeq: 10 };
let pushes = 0;
let streamAfter: string | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/events" && req.method === "GET") return send(200, { events: [], lastSeq: 41 });
    if (url.pathname === "/events/stream") {
      streamAfter = url.searchParams.get("after");
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": hello\n\n");
      streamClients.push(res);
      return;
    }
    if (url.pathname === "/sync" && req.method === "GET") {
      // Each look after a push sends one more event upward.
      if (pushes > 0 && sync.backlog > 0) sync = { ...sync, backlog: sync.backlog - 1, lastSentSeq: sync.lastSentSeq + 1, lastSuccessAt: new Date().toISOString() };
      return send(200, sync);
    }
    if (url.pathname === "/sync/now" && req.method === "POST") {
      if (!sync.configured) return send(409, { code: "INVALID_STATE", message: "sync is not configured" });
      pushes++;
      res.writeHead(202).end();
      return;
    }
    send(404, { code: "NOT_FOUND", message: `no route ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bank.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of streamClients) c.end();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await bank.cleanup();
});

describe("the live stream contract", () => {
  it("watch reads stored events and transient door positions from GET /events/stream", async () => {
    streamClients = [];
    const p = bank.spawnCli(["watch", "--json"]);
    p.stdin!.end();
    const done = collect(p, bank.outputs);
    let err = "";
    p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    await until("watch on the stream", () => err.includes("(live stream)") && streamClients.length === 1);
    const s = streamClients[0]!;
    s.write(`id: 42\nevent: door.opened\ndata: ${JSON.stringify({ seq: 42, type: "door.opened", at: "2026-01-01T00:00:01.000Z", clockSynced: true, lockerId: "A01", parcelId: null, data: { purpose: "technician" } })}\n\n`);
    s.write(`event: door.position\ndata: ${JSON.stringify({ lockerId: "A01", position: "closed" })}\n\n`);
    let seen = "";
    p.stdout!.on("data", (c: Buffer) => (seen += c.toString()));
    await until("both events printed", () => seen.split("\n").filter(Boolean).length === 2);
    p.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(0);
    expect(streamAfter).toBe("41"); // resumes after the log's last sequence
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ seq: 42, type: "door.opened", lockerId: "A01" }),
      expect.objectContaining({ seq: null, type: "door.position", lockerId: "A01", data: { position: "closed" } }),
    ]);
  });
});

describe("the sync contract", () => {
  it("sync shows backlog, lag and last error", async () => {
    const r = await bank.cli(["sync"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backlog:\s+3 events not yet sent$/m);
    expect(r.stdout).toMatch(/^lag:\s+4\.0 s$/m);
    expect(r.stdout).toMatch(/^last error:\s+-$/m);
    const j = await bank.cli(["sync", "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ source: "daemon", configured: true, backlog: 3, lastSentSeq: 10 });
  });

  it("sync now pushes and shows the backlog shrinking until it is empty", async () => {
    const r = await bank.cli(["sync", "now"]);
    expect(r.code).toBe(0);
    expect(pushes).toBe(1);
    // in a pipe (a log, CI) no progress lines: the result line says it all (issue 24, item 6)
    expect(r.stderr).not.toMatch(/sync: \[/);
    expect(r.stdout).toContain("sync: caught up");
    // on a terminal the progress is drawn in place
    const tty = await bank.tty(["sync", "now"], "");
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/\r\x1b\[2Ksync: \[#+\] 100% 0 left/); // eslint-disable-line no-control-regex
  });

  it("sync now exits 1 when sync is not configured, and sync fails when the last push failed", async () => {
    sync = { ...sync, configured: false };
    const r = await bank.cli(["sync", "now"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sync is not configured on this bank");
    sync = { ...sync, configured: true, backlog: 5, lastError: "connect ECONNREFUSED 10.0.0.5:5432" };
    const failing = await bank.cli(["sync"]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAILING: .*last error: connect ECONNREFUSED/);
  });
});
