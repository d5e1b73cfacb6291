import { createServer, type Server } from "node:http";
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { FOREGROUND_MAX_WAIT_MS, oneRequestPerTurn, type Foreground } from "../../src/api/turns.js";

const servers: (Server | NetServer)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const listening = (s: Server | NetServer) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
const connected = (port: number) =>
  new Promise<Socket>((r) => {
    const c = connect(port, "127.0.0.1", () => r(c));
    sockets.push(c);
  });

/**
 * Eight requests and a keypad report are all waiting in the kernel when the event loop next
 * polls (the loop is held while they are written). The order their work runs in is recorded.
 */
async function orderOfWork(gate: boolean): Promise<string[]> {
  const order: string[] = [];
  const app = express();
  const work: express.RequestHandler = (_req, res) => {
    order.push("request");
    res.end("ok");
  };
  if (gate) app.get("/work", oneRequestPerTurn(), work);
  else app.get("/work", work);
  const http = createServer(app);
  servers.push(http);
  let keypadSide: Socket | null = null;
  const keypad = createNetServer((s) => {
    keypadSide = s;
    s.on("data", () => order.push("keypad"));
  });
  servers.push(keypad);
  const port = await listening(http);
  const clients = await Promise.all(Array.from({ length: 8 }, () => connected(port)));
  const device = await connected(await listening(keypad));
  while (!keypadSide) await new Promise((r) => setTimeout(r, 5));
  const answered = clients.map((c) => new Promise<void>((r) => c.once("data", () => r())));
  for (const c of clients) c.write("GET /work HTTP/1.1\r\nHost: bank\r\n\r\n");
  device.write(Buffer.alloc(8));
  // hold the loop: everything above is in the kernel, readable, when it polls next
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  await Promise.all(answered);
  return order;
}

describe("requests take turns with the keypad", () => {
  it("a keypad report that arrives among queued requests is served before their work, not after all of it", async () => {
    const order = await orderOfWork(true);
    expect(order.filter((o) => o === "request")).toHaveLength(8);
    expect(order.indexOf("keypad")).toBeLessThanOrEqual(1);
  });

  it("(without the turns, the same report waits for every request read in the same poll)", async () => {
    const order = await orderOfWork(false);
    expect(order.indexOf("keypad")).toBeGreaterThan(1);
  });
});

describe("the customer first", () => {
  async function gatedServer(foreground: Foreground) {
    const app = express();
    app.get("/work", oneRequestPerTurn(foreground), (_req, res) => res.end("ok"));
    const http = createServer(app);
    servers.push(http);
    return listening(http);
  }
  const get = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const c = connect(port, "127.0.0.1", () => c.write("GET /work HTTP/1.1\r\nHost: bank\r\nConnection: close\r\n\r\n"));
      sockets.push(c);
      c.once("data", () => resolve(performance.now()));
      c.once("error", reject);
    });

  it("no request's work starts while the kiosk acts for the person at the bank; it starts when the kiosk is idle", async () => {
    let idle: (() => void) | null = null;
    let busy: Promise<void> | null = new Promise<void>((r) => (idle = r));
    const port = await gatedServer({ idle: () => busy });
    let answeredAt = 0;
    const answered = get(port).then((t) => (answeredAt = t));
    await new Promise((r) => setTimeout(r, 60));
    expect(answeredAt).toBe(0);
    const freed = performance.now();
    busy = null;
    idle!();
    await answered;
    expect(answeredAt).toBeGreaterThanOrEqual(freed);
  });

  it("a kiosk that never goes idle holds a request no longer than the bound", async () => {
    const port = await gatedServer({ idle: () => new Promise<void>(() => {}) });
    const asked = performance.now();
    const at = await get(port);
    expect(at - asked).toBeGreaterThanOrEqual(FOREGROUND_MAX_WAIT_MS - 5);
  });
});
