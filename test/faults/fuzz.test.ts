/**
 * Bad input through the real parsers, seeded so a failure replays: lock-board replies into the
 * framing parsers, mutated configuration files into the loader, and random requests into the
 * running daemon's HTTP API. No crash, no 5xx, no door opened and no state changed by a
 * rejected input. The counts of inputs tried are printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import * as b8a80 from "../../src/drivers/board8a80/protocol.js";
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import * as modbus from "../../src/drivers/modbus-relay/protocol.js";
import { byteSum, crc16Modbus, xorBcc } from "../../src/drivers/serial/checksum.js";
import { FrameParser, type FrameFormat } from "../../src/drivers/serial/framing.js";
import type { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { createLogger } from "../../src/system/logger.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import * as wkly from "../../src/drivers/wkly/protocol.js";
import { SeededRandom } from "../support/random.js";

const SEED = Number(process.env.LOCKERD_FUZZ_SEED ?? 20261125);

describe("fuzzing lock-board replies through the framing parsers", () => {
  const protocols: { name: string; format: FrameFormat; valid: (r: SeededRandom) => Buffer; checksumOk: (f: Buffer) => boolean }[] = [
    {
      name: "cu16",
      format: cu16.replyFormat,
      valid: (r) => cu16.encodeStatusReply((r.int(10) << 4) | 0, r.int(0x10000), r.int(0x10000)),
      checksumOk: (f) => byteSum(f.subarray(0, f.length - 1)) === f[f.length - 1],
    },
    {
      name: "8a80",
      format: b8a80.replyFormat,
      valid: (r) => (r.chance(0.5) ? b8a80.encodeQueryReply(1 + r.int(31), r.int(0x1000000)) : b8a80.encodeUnlockReply(1 + r.int(31), 1 + r.int(24), r.chance(0.5) ? 0 : 0x11)),
      checksumOk: (f) => xorBcc(f.subarray(0, f.length - 1)) === f[f.length - 1],
    },
    {
      name: "modbus-relay",
      format: modbus.replyFormat,
      valid: (r) => {
        const board = 1 + r.int(247);
        const pick = r.int(3);
        if (pick === 0) return modbus.encodeInputsReply(board, 8 * (1 + r.int(4)), r.int(0x100000000));
        if (pick === 1) return modbus.pulseRequest(board, 1 + r.int(32), 100 + r.int(5000)); // a pulse's answer is its echo
        return modbus.encodeException(board, 0x02, 1 + r.int(4));
      },
      checksumOk: (f) => crc16Modbus(f.subarray(0, f.length - 2)) === f.readUInt16LE(f.length - 2),
    },
    {
      name: "wkly",
      format: wkly.replyFormat,
      valid: (r) =>
        r.chance(0.5)
          ? wkly.encodeReadAllReply(r.int(32), 0, Array.from({ length: 1 + r.int(48) }, () => r.int(2)))
          : wkly.encodeOpenReply(r.int(32), r.chance(0.9) ? 0 : 0xff, 1 + r.int(48), r.int(2)),
      checksumOk: (f) => xorBcc(f.subarray(0, f.length - 1)) === f[f.length - 1],
    },
  ];

  for (const p of protocols) {
    it(`${p.name}: garbage never passes as a frame, and good frames among it are still found`, () => {
      const r = new SeededRandom(SEED);
      const parser = new FrameParser(p.format);
      let bytes = 0;
      let planted = 0;
      let found = 0;
      const plantedFrames = new Set<string>();
      for (let i = 0; i < 20_000; i++) {
        // Garbage of random length, sometimes full of start bytes, then now and then a good frame.
        const garbage = r.bytes(r.int(24));
        const parts = [garbage];
        if (r.chance(0.3)) {
          const f = p.valid(r);
          plantedFrames.add(f.toString("hex"));
          planted++;
          parts.push(f);
        }
        const stream = Buffer.concat(parts);
        bytes += stream.length;
        // Split into random chunks, as a serial line delivers them.
        for (let at = 0; at < stream.length; ) {
          const n = 1 + r.int(stream.length - at);
          const { frames } = parser.push(stream.subarray(at, at + n));
          for (const f of frames) {
            expect(p.checksumOk(f), `frame ${f.toString("hex")} has a bad checksum`).toBe(true);
            if (plantedFrames.has(f.toString("hex"))) found++;
          }
          at += n;
        }
      }
      console.log(`${p.name}: ${bytes} bytes fuzzed, ${planted} good frames planted, ${found} recovered`);
      // A good frame can be lost only when garbage before it happens to form a frame that swallows it.
      expect(found / planted).toBeGreaterThan(0.97);
    });
  }
});

describe("fuzzing the configuration loader", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "lockerd-fuzz-cfg-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every mutated file loads or is refused with a ConfigError listing its problems", async () => {
    const { readFileSync } = await import("node:fs");
    const base = JSON.parse(readFileSync(join(PACKAGE_ROOT, "hardware", "config.example.json"), "utf8")) as Record<string, unknown>;
    const r = new SeededRandom(SEED);
    const weird: unknown[] = [null, true, -1, 0, 1e308, -0.5, "", "x".repeat(5000), "\u0000", "🔒", [], {}, [1, "a"], { a: { b: {} } }, NaN];
    const paths: string[][] = [];
    const walk = (o: unknown, at: string[]) => {
      if (!o || typeof o !== "object" || Array.isArray(o)) return;
      for (const [k, v] of Object.entries(o)) {
        paths.push([...at, k]);
        walk(v, [...at, k]);
      }
    };
    walk(base, []);
    let accepted = 0;
    let refused = 0;
    const n = 1500;
    for (let i = 0; i < n; i++) {
      const doc = structuredClone(base);
      for (let m = 0; m <= r.int(3); m++) {
        const path = r.pick(paths);
        let parent: unknown = doc;
        for (const k of path.slice(0, -1)) parent = parent && typeof parent === "object" ? (parent as Record<string, unknown>)[k] : undefined;
        if (!parent || typeof parent !== "object" || Array.isArray(parent)) continue; // an earlier mutation replaced it
        const key = path[path.length - 1]!;
        const obj = parent as Record<string, unknown>;
        if (r.chance(0.15)) delete obj[key];
        else if (r.chance(0.1)) obj[`${key}_${r.int(9)}`] = 1;
        else obj[key] = r.pick(weird);
      }
      let text = JSON.stringify(doc);
      if (r.chance(0.1)) text = text.slice(0, r.int(text.length));
      if (r.chance(0.05)) text = r.bytes(1 + r.int(200)).toString("latin1");
      const file = join(dir, "c.json");
      writeFileSync(file, text);
      try {
        loadConfig({ path: file, env: {}, cwd: dir });
        accepted++;
      } catch (e) {
        expect(e, `mutation ${i} threw something other than a ConfigError: ${String(e)}`).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).problems.length).toBeGreaterThan(0);
        for (const line of (e as ConfigError).problems) expect(line).toMatch(/\S/);
        refused++;
      }
    }
    console.log(`configuration: ${n} mutated files, ${accepted} accepted, ${refused} refused with listed problems`);
    expect(refused).toBeGreaterThan(n / 2);
  });
});

describe("fuzzing the HTTP API of the running daemon", () => {
  const TOKEN = "fuzz-technician-token-0123456789";
  let dir: string;
  let daemon: Daemon;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-fuzz-http-"));
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ dataDir: dir, http: { port: 0, socket: false }, hardware: { sim: { person: { enabled: false } } }, log: { level: "silent" } }));
    daemon = await startDaemon(loadConfig({ path: cfg, env: { LOCKERD_API_TOKEN: TOKEN } }), createLogger({ level: "silent", pretty: false }));
  });
  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Everything a rejected request must leave alone. */
  const snapshot = () =>
    JSON.stringify([
      daemon.store.db.prepare("SELECT * FROM parcels ORDER BY id").all(),
      daemon.store.db.prepare("SELECT id, status, service_reason FROM lockers ORDER BY id").all(),
      daemon.store.db.prepare("SELECT * FROM door_intents ORDER BY id").all(),
      (daemon.lockBank as SimLockBank).pulses.length,
    ]);

  it("answers every random request with a 2xx or a problem, never a 5xx, and rejected requests change nothing", async () => {
    const r = new SeededRandom(SEED);
    const gets = ["/lockers/status", "/packages", "/packages/{id}", "/events", "/bank", "/sync", "/metrics", "/openapi.json", "/healthz", "/{id}"];
    const posts = ["/lockers/assign", "/lockers/{id}/open", "/lockers/{id}/service", "/pickup", "/pickup/{code}", "/packages/{id}/cancel", "/packages/{id}/collect", "/packages/{id}/deadline", "/sync/now", "/sim/doors/{id}", "/sim/hardware", "/sim/keypad", "/sim/scanner"];
    const segments = ["A01", "Z99", "p_00000000000000000000", "12345678", "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "%00", "%E2%80%AE", "😀", "a".repeat(3000), "%ZZ", "-1", "null", "A01%2F..", "%F0%9F%94%92"];
    const bodies = (): { body?: string; type?: string } => {
      const pick = r.int(8);
      if (pick === 0) return {};
      if (pick === 1) return { body: r.bytes(r.int(64)).toString("latin1"), type: "application/json" };
      if (pick === 2) return { body: "{" + "\"a\":".repeat(r.int(50)), type: "application/json" };
      if (pick === 3) return { body: JSON.stringify({ size: r.pick(["S", "XL", 1, null, ""]), parcel: r.pick(["x".repeat(100), 5, "PKG 1", "\u202e"]) }), type: "application/json" };
      if (pick === 4) return { body: JSON.stringify({ code: r.pick(["", "1".repeat(70), 12345678, "0000000", "' OR '1'='1", "12345678\u0000"]) }), type: "application/json" };
      if (pick === 5) return { body: JSON.stringify(r.pick([[], "str", 42, { inService: "yes" }, { force: 1 }, { action: "explode" }, { keys: "12ab#" }, { expiresAt: "yesterday" }])), type: "application/json" };
      if (pick === 6) return { body: "size=S", type: r.pick(["application/x-www-form-urlencoded", "text/plain", "application/xml"]) };
      return { body: "x".repeat(20_000 + r.int(50_000)), type: "application/json" };
    };
    let before = snapshot();
    const statuses = new Map<number, number>();
    const n = 1200;
    for (let i = 0; i < n; i++) {
      // Mostly the route's own method (to reach validation), sometimes a wrong one.
      const route = r.chance(0.3) ? { m: "GET", p: r.pick(gets) } : { m: "POST", p: r.pick(posts) };
      const method = r.chance(0.1) ? r.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]) : route.m;
      let path = route.p.replace(/\{id\}|\{code\}/g, () => r.pick(segments));
      if (r.chance(0.2)) path += "?" + r.pick(["after=-1", "limit=99999", "type=%27", "locker=A01&locker=A02", "x=1", "after=1e309", "order=sideways"]);
      const { body, type } = method === "GET" ? {} : bodies();
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (type) headers["content-type"] = type;
      const res = await fetch(daemon.url + path, { method, headers, body });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `${method} ${path.slice(0, 80)} answered ${res.status}: ${text.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.headers.get("content-type"), `${method} ${path.slice(0, 80)}`).toMatch(/application\/problem\+json/);
        expect(text).not.toMatch(/\n\s+at /); // no stack traces
        expect(snapshot(), `rejected ${method} ${path.slice(0, 80)} changed the bank`).toBe(before);
      } else before = snapshot();
    }
    console.log(`HTTP: ${n} random requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect((daemon.lockBank as SimLockBank).pulses.filter((p) => p.lockerId).length).toBeLessThanOrEqual(statuses.get(200) ?? 0);
  }, 120_000);
});
