/**
 * lockerctl end to end: the real CLI process against a real lockerd process (simulated bank),
 * then against the same bank with the daemon stopped (read-only fallback).
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Bank, collect, until, type Run } from "./harness.js";

// Every step starts real processes on a shared machine: generous limits, no timing assertions.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const bank = new Bank();
const codes: string[] = [];
const parcels: { parcelId: string; lockerId: string; ref: string }[] = [];

const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;
const ANSI = /\x1b\[/; // eslint-disable-line no-control-regex

beforeAll(async () => {
  await bank.start();
  for (const [size, ref] of [["S", "TRK-S-1"], ["M", "TRK-M-1"], ["L", "TRK-L-1"], ["S", "TRK-S-2"]] as const) {
    const r = await bank.api<{ parcelId: string; lockerId: string; pickupCode: string }>("POST", "/lockers/assign", { size, parcel: ref });
    expect(r.status).toBe(201);
    codes.push(r.body.pickupCode);
    parcels.push({ parcelId: r.body.parcelId, lockerId: r.body.lockerId, ref });
  }
  // The simulated courier opens and closes each door: wait until all four are stored.
  await until("four parcels stored", async () => (await bank.api<{ events: unknown[] }>("GET", "/events?type=parcel.stored")).body.events.length === 4);
});

afterAll(async () => {
  await bank.cleanup();
});

describe("help and usage", () => {
  it("gives --help for lockerctl and for a command, with the exit code table", async () => {
    const [top, one] = await Promise.all([bank.cli(["--help"]), bank.cli(["status", "--help"])]);
    expect(top.code).toBe(0);
    for (const n of ["status", "open", "disable", "enable", "test", "watch", "events", "parcels", "lockouts", "sync", "doctor", "backup"]) expect(top.stdout).toMatch(new RegExp(`^  ${n} +\\S`, "m"));
    expect(top.stdout).toMatch(/^ {2}69 +hardware unavailable \(DOOR_UNAVAILABLE, HARDWARE_OFFLINE\)$/m);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("usage: lockerctl status");
    expect(one.stdout).toContain("Exit codes:");
  });

  it("exits 2 on an unknown command, an unknown option or a bad argument", async () => {
    const [cmd, opt, id] = await Promise.all([bank.cli(["frobnicate"]), bank.cli(["status", "--bogus"]), bank.cli(["open", "not-a-locker", "--yes"])]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain('unknown command "frobnicate"');
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/bogus/);
    expect(id.code).toBe(2);
    expect(id.stderr).toContain("not a locker id");
  });
});

describe("status", () => {
  it("draws the bank's columns with each door, counts per size and the daemon's health", async () => {
    const r = await bank.cli(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI); // not a terminal: no colour
    expect(r.stdout).toMatch(/column A\s+│ column B\s+│ column C\s+│ column D/);
    const lockerA01 = parcels[0]!.lockerId;
    expect(r.stdout).toMatch(new RegExp(`${lockerA01} S\\s+full closed`));
    expect(r.stdout).toMatch(/B01 S\s+free closed/);
    expect(r.stdout).toMatch(/^S\s+8\s+6\s+0\s+2\s+0$/m);
    expect(r.stdout).toMatch(/^L\s+8\s+7\s+0\s+1\s+0$/m);
    expect(r.stdout).toMatch(/daemon: running, ready \(http:\/\/127\.0\.0\.1:\d+\)/);
    expect(r.stdout).toMatch(/^sync: /m);
  });

  it("gives the same as JSON, with the layout's columns", async () => {
    const r = await bank.cli(["status", "--json"]);
    expect(r.code).toBe(0);
    const s = json<{ source: string; daemon: { reachable: boolean; ready: boolean }; layout: { columns: { id: string; lockers: string[] }[] }; lockers: { id: string; status: string; door: string; parcelId: string | null }[]; counts: Record<string, Record<string, number>> }>(r);
    expect(s.source).toBe("daemon");
    expect(s.daemon).toMatchObject({ reachable: true, ready: true });
    expect(s.layout.columns.map((c) => c.id)).toEqual(["A", "B", "C", "D"]);
    expect(s.lockers).toHaveLength(24);
    expect(s.lockers.find((l) => l.id === parcels[0]!.lockerId)).toMatchObject({ status: "OCCUPIED", door: "closed", parcelId: parcels[0]!.parcelId });
    expect(s.counts.S).toEqual({ AVAILABLE: 6, RESERVED: 0, OCCUPIED: 2, OUT_OF_SERVICE: 0 });
  });

  it("reaches the daemon over the unix socket in <dataDir> without a token", async () => {
    // The daemon listens on <dataDir>/lockerd.sock too; through it a local tool needs no token.
    const sock = join(bank.dir, "lockerd.sock");
    expect(existsSync(sock)).toBe(true);
    const env = bank.env();
    delete env.LOCKERD_URL;
    delete env.LOCKERD_API_TOKEN;
    const r = await bank.cli(["status", "--json"], { env });
    expect(r.code).toBe(0);
    expect(json<{ source: string; daemon: { where: string } }>(r)).toMatchObject({ source: "daemon", daemon: { where: `unix:${sock}` } });
  });

  it("exits 5 with a wrong token", async () => {
    const r = await bank.cli(["status", "--token", "wrong-token-wrong-token"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/bearer token/);
  });
});

describe("parcels", () => {
  it("finds parcels by tracking ref, locker and id, in human and JSON form", async () => {
    const p = parcels[1]!;
    const [byRef, byLocker, byId, byIdHuman] = await Promise.all([
      bank.cli(["parcels", "--ref", p.ref]),
      bank.cli(["parcels", "--locker", p.lockerId, "--json"]),
      bank.cli(["parcels", p.parcelId, "--json"]),
      bank.cli(["parcels", p.parcelId]),
    ]);
    expect(byRef.code).toBe(0);
    expect(byRef.stdout).toMatch(new RegExp(`${p.parcelId}\\s+${p.ref}\\s+M\\s+${p.lockerId}\\s+STORED`));
    expect(byRef.stdout.trim().split("\n")).toHaveLength(2);
    expect(json<{ source: string; parcels: { parcelId: string }[] }>(byLocker)).toMatchObject({ source: "daemon", parcels: [{ parcelId: p.parcelId }] });
    expect(json<{ parcel: { parcelId: string; status: string; trackingRef: string } }>(byId).parcel).toMatchObject({ parcelId: p.parcelId, status: "STORED", trackingRef: p.ref });
    expect(byIdHuman.stdout).toMatch(/^status\s+STORED$/m);
  });

  it("lists by status and exits 4 for an unknown parcel, 2 for a malformed id", async () => {
    const [stored, unknown, bad] = await Promise.all([bank.cli(["parcels", "--status", "stored", "--json"]), bank.cli(["parcels", "p_00000000000000000000"]), bank.cli(["parcels", "12345678"])]);
    expect(json<{ parcels: unknown[] }>(stored).parcels).toHaveLength(4);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("no parcel p_00000000000000000000");
    expect(bad.code).toBe(2);
  });
});

describe("events", () => {
  it("lists the newest events oldest first, filtered by type and locker, without codes", async () => {
    const [all, assigned, one] = await Promise.all([
      bank.cli(["events"]),
      bank.cli(["events", "--type", "parcel.assigned", "--limit", "2", "--json"]),
      bank.cli(["events", "--locker", parcels[0]!.lockerId, "--type", "door.", "--json"]),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/parcel\.assigned\s+\w\d\d\s+p_[0-9a-f]{20}/);
    const a = json<{ source: string; events: { seq: number; type: string; parcelId: string; data: Record<string, unknown> }[] }>(assigned);
    expect(a.source).toBe("daemon");
    expect(a.events.map((e) => e.parcelId)).toEqual([parcels[2]!.parcelId, parcels[3]!.parcelId]);
    expect(a.events[0]!.seq).toBeLessThan(a.events[1]!.seq);
    expect(a.events[0]!.data).toMatchObject({ trackingRef: "TRK-L-1" });
    expect(a.events[0]!.data).not.toHaveProperty("pickupCode");
    const d = json<{ events: { type: string; lockerId: string }[] }>(one);
    expect(d.events.map((e) => e.type)).toEqual(["door.opened", "door.closed"]);
  });
});

describe("open, disable, enable", () => {
  it("refuses an occupied locker without --force (exit 1) and opens it with --force", async () => {
    const l = parcels[0]!.lockerId;
    const refused = await bank.cli(["open", l, "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds parcel .*refused \(pass --force/);
    const forced = await bank.cli(["open", l, "--yes", "--force", "--json"]);
    expect(forced.code).toBe(0);
    expect(json(forced)).toMatchObject({ lockerId: l, outcome: "opened" });
  });

  it("opens a free locker and reports the sensor; asks for --yes when nobody can confirm", async () => {
    const [opened, unconfirmed, unknown] = await Promise.all([bank.cli(["open", "b02", "--yes"]), bank.cli(["open", "B03"]), bank.cli(["open", "Z99", "--yes"])]);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/locker B02: door OPENED \(sensor\)/);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/pass --yes/);
    expect(unknown.code).toBe(4);
  });

  it("takes a locker out of service with a reason and puts it back", async () => {
    const noReason = await bank.cli(["disable", "C01"]);
    expect(noReason.code).toBe(2);
    const off = await bank.cli(["disable", "C01", "--reason", "hinge broken"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain("locker C01: out of service (hinge broken)");
    const status = await bank.cli(["status"]);
    expect(status.stdout).toMatch(/C01 M\s+OOS/);
    expect(status.stdout).toMatch(/Out of service:\n\s+C01: hinge broken/);
    const on = await bank.cli(["enable", "C01", "--json"]);
    expect(on.code).toBe(0);
    expect(json(on)).toMatchObject({ lockerId: "C01", status: "AVAILABLE", serviceReason: null });
    const occupied = await bank.cli(["disable", parcels[1]!.lockerId, "--reason", "x"]);
    expect(occupied.code).toBe(1);
  });
});

describe("on a terminal", () => {
  it("asks before opening a door, and colours the status unless NO_COLOR", async () => {
    const no = await bank.tty(["open", "B05"], "n\n");
    expect(no.stdout).toContain("Open the door of locker B05 (M; it is available)? [y/N]");
    expect(no.stdout).toContain("not opened");
    expect(no.code).toBe(1);
    const yes = await bank.tty(["open", "B05"], "y\n");
    expect(yes.stdout).toMatch(/locker B05: door OPENED \(sensor\)/);
    expect(yes.code).toBe(0);
    const [coloured, plain] = await Promise.all([bank.tty(["status"], ""), bank.tty(["status"], "", { NO_COLOR: "1" })]);
    expect(coloured.stdout).toContain("\x1b[32mfree\x1b[0m");
    expect(plain.stdout).toMatch(/B05 M\s+free closed/);
    expect(plain.stdout).not.toMatch(ANSI);
  });
});

describe("test relays and live views", () => {
  it("pulses each lock of a column in turn and reports the doors its sensors saw open", async () => {
    const r = await bank.cli(["test", "relays", "--column", "D", "--pause", "50", "--yes"]);
    expect(r.code).toBe(0);
    for (const id of ["D01", "D02", "D03", "D04", "D05", "D06"]) expect(r.stdout).toMatch(new RegExp(`^${id}\\s+opened\\s+sensor saw it open after \\d+ ms`, "m"));
    expect(r.stdout).toContain("6 opened, 0 failed, 0 skipped");
    expect(r.stderr).toContain("relay test: [1/6] D01: pulsing the lock...");
    expect(r.stderr).toContain("relay test: [6/6] D06: opened after");
  });

  it("skips lockers holding a parcel unless --force (JSON)", async () => {
    const occupied = parcels[1]!.lockerId;
    const r = await bank.cli(["test", "relays", occupied, "A06", "--pause", "0", "--yes", "--json"]);
    expect(r.code).toBe(0);
    const out = json<{ results: { lockerId: string; outcome: string }[]; opened: number; skipped: number }>(r);
    expect(out.results).toEqual([expect.objectContaining({ lockerId: occupied, outcome: "skipped" }), expect.objectContaining({ lockerId: "A06", outcome: "opened" })]);
    expect(out).toMatchObject({ opened: 1, skipped: 1 });
  });

  it("watch shows door events live until Ctrl-C", async () => {
    const p = bank.spawnCli(["watch"]);
    p.stdin!.end();
    const done = collect(p, bank.outputs);
    let out = "";
    let err = "";
    p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    await until("watch to start", () => err.includes("Ctrl-C to stop"));
    expect((await bank.api("POST", "/lockers/C02/open", {})).status).toBe(202);
    await until("door events of C02", () => /door\.opened\s+C02/.test(out) && /door\.closed\s+C02/.test(out));
    p.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/door\.technician_open\s+C02/);
  });

  it("events --follow prints the recent events, then new ones as they happen", async () => {
    const p = bank.spawnCli(["events", "--follow", "--locker", "C05", "--json"]);
    p.stdin!.end();
    const done = collect(p, bank.outputs);
    let out = "";
    p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    // No C05 events yet: give the follower time to start, then open C05 until it has seen it.
    await until("events --follow to see C05 open and close", async () => {
      if (!out.includes('"door.technician_open"')) await bank.api("POST", "/lockers/C05/open", {});
      return out.includes('"door.closed"');
    });
    p.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; lockerId: string });
    expect(events.every((e) => e.lockerId === "C05")).toBe(true);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["door.technician_open", "door.opened", "door.closed"]));
  });

  it("test sensors prints door events as JSON lines", async () => {
    const p = bank.spawnCli(["test", "sensors", "--json"]);
    p.stdin!.end();
    const done = collect(p, bank.outputs);
    let out = "";
    let err = "";
    p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    await until("test sensors to start", () => err.includes("Ctrl-C to stop"));
    await bank.api("POST", "/lockers/C04/open", {});
    await until("C04 closed", () => out.includes('"door.closed"'));
    p.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; lockerId: string });
    expect(events.every((e) => /^(door|alarm|hardware|input)\./.test(e.type))).toBe(true);
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: "door.opened", lockerId: "C04" })]));
  });
});

describe("sync, doctor, backup", () => {
  it("sync reports the backlog, or says clearly that this daemon has no sync", async () => {
    const r = await bank.cli(["sync", "--json"]);
    if (r.code === 4) {
      expect(r.stderr).toContain("this daemon has no sync configured / is older");
      expect((await bank.cli(["sync", "now"])).code).toBe(4);
    } else {
      expect(r.code).toBe(0);
      expect(json(r)).toHaveProperty("backlog");
    }
  });

  it("doctor runs every check and exits 0 when nothing fails", async () => {
    const r = await bank.cli(["doctor", "--json"]);
    const d = json<{ ok: boolean; checks: { id: string; status: string; detail: string }[] }>(r);
    expect(d.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["config", "daemon", "database", "disk", "gpio", "serial", "boards", "input.keypad", "input.scanner", "clock", "central", "bruteforce", "watchdog"]));
    const byId = Object.fromEntries(d.checks.map((c) => [c.id, c]));
    expect(byId.config!.status).toBe("pass");
    expect(byId.daemon!.status).toBe("pass");
    expect(byId.database!.detail).toContain("quick_check ok");
    expect(byId.bruteforce!.detail).toMatch(/11-digit codes, all 24 lockers full.*failed guesses a year by the limiter/);
    expect(byId.bruteforce!.status).toBe("pass");
    expect(r.code).toBe(d.checks.some((c) => c.status === "fail") ? 1 : 0);
    const human = await bank.cli(["doctor"]);
    expect(human.stdout).toMatch(/^PASS {2}configuration valid: /m);
    expect(human.stdout).toMatch(/^\d+ passed, \d+ warnings, \d+ failed/m);
  });

  it("backup makes a checked, self-contained copy while the daemon runs", async () => {
    const file = join(bank.dir, "backup.db");
    const r = await bank.cli(["backup", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backup written to .*backup\.db: .*4 parcels, checked ok/);
    expect(r.stderr).toMatch(/backup: \[#+\] 100%/);
    expect(existsSync(`${file}-wal`)).toBe(false);
    const copy = new Database(file, { readonly: true });
    try {
      expect(copy.prepare("SELECT count(*) AS n FROM parcels").get()).toEqual({ n: 4 });
      expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
    } finally {
      copy.close();
    }
    const again = await bank.cli(["backup", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("pass --force");
    const forced = await bank.cli(["backup", file, "--force", "--json"]);
    expect(forced.code).toBe(0);
    expect(json(forced)).toMatchObject({ file, parcels: 4 });
  });
});

describe("lockouts", () => {
  it("lists the sources that typed wrong codes, without codes, and lifts a lockout", async () => {
    const wrong = ["00000001", "00000002", "00000003", "00000004", "00000005"].filter((c) => !codes.includes(c));
    for (const code of wrong) expect((await bank.api("POST", "/pickup", { code })).status).toBeGreaterThanOrEqual(400);
    const listed = await bank.cli(["lockouts", "--json"]);
    expect(listed.code).toBe(0);
    const [l] = json<{ source: string; lockouts: { source: string; failures: number; lockedUntil: string | null }[] }>(listed).lockouts;
    expect(l!.source).toMatch(/^http:/);
    expect(l!.lockedUntil !== null || l!.failures === wrong.length).toBe(true);
    const human = await bank.cli(["lockouts"]);
    expect(human.stdout).toContain(l!.source);
    expect(human.stdout).toMatch(/LOCKED OUT for|failed, \d+ tries left/);
    for (const c of wrong) expect(human.stdout + listed.stdout).not.toContain(c);

    const cleared = await bank.cli(["lockouts", "clear", l!.source]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain(`${l!.source}: lockout lifted`);
    const unknown = await bank.cli(["lockouts", "clear", "keypad:nowhere"]);
    expect(unknown.code).toBe(4);
    const usage = await bank.cli(["lockouts", "clear"]);
    expect(usage.code).toBe(2);
  });
});

describe("with the daemon stopped", () => {
  beforeAll(async () => {
    await bank.stop();
  });

  it("status reads the database and says the daemon is down", async () => {
    const [human, asJson] = await Promise.all([bank.cli(["status"]), bank.cli(["status", "--json"])]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/daemon: DOWN \(not reachable at http:\/\/127\.0\.0\.1:\d+\)/);
    expect(human.stderr).toMatch(/the daemon is DOWN: reading .*lockerd\.db read-only/);
    expect(human.stdout).toMatch(new RegExp(`${parcels[0]!.lockerId} S\\s+full \\?`));
    const s = json<{ source: string; daemon: { reachable: boolean }; lockers: { door: string }[] }>(asJson);
    expect(s.source).toBe("database");
    expect(s.daemon.reachable).toBe(false);
    expect(new Set(s.lockers.map((l) => l.door))).toEqual(new Set(["unknown"]));
    // The fallback claims nothing of the hardware: no fault flag, only what the rows tell.
    expect(Object.keys(s.lockers[0]!)).toEqual(["id", "size", "status", "serviceReason", "door", "parcelId", "holds"]);
  });

  it("events and parcels read the database, without codes", async () => {
    const [events, byRef, byId] = await Promise.all([
      bank.cli(["events", "--type", "parcel.assigned", "--json"]),
      bank.cli(["parcels", "--ref", parcels[3]!.ref]),
      bank.cli(["parcels", parcels[3]!.parcelId, "--json"]),
    ]);
    const e = json<{ source: string; events: { data: Record<string, unknown> }[] }>(events);
    expect(e.source).toBe("database");
    expect(e.events).toHaveLength(4);
    for (const ev of e.events) expect(ev.data).not.toHaveProperty("pickupCode");
    expect(byRef.code).toBe(0);
    expect(byRef.stdout).toContain(parcels[3]!.parcelId);
    expect(byRef.stderr).toContain("the daemon is DOWN");
    expect(json<{ source: string }>(byId).source).toBe("database");
  });

  it("doctor still runs its checks and fails on the daemon (exit 1)", async () => {
    const r = await bank.cli(["doctor", "--json"]);
    expect(r.code).toBe(1);
    const byId = Object.fromEntries(json<{ checks: { id: string; status: string; detail: string }[] }>(r).checks.map((c) => [c.id, c]));
    expect(byId.daemon!.status).toBe("fail");
    expect(byId.database!.status).toBe("pass");
    expect(byId.central!.detail).toMatch(/the daemon is down \(\d+ events wait in the outbox\)/);
  });

  it("commands that drive hardware say they need the daemon and exit 3", async () => {
    const runs = await Promise.all([
      bank.cli(["open", "A02", "--yes"]),
      bank.cli(["test", "relays", "--yes"]),
      bank.cli(["watch"]),
      bank.cli(["disable", "A02", "--reason", "x"]),
      bank.cli(["events", "--follow"]),
    ]);
    for (const r of runs) expect(r.code).toBe(3);
    expect(runs[0]!.stderr).toContain("opening a door needs the running daemon");
    expect(runs[1]!.stderr).toContain("the relay test needs the running daemon");
    expect(runs[2]!.stderr).toContain("watching live events needs the running daemon");
    const j = await bank.cli(["open", "A02", "--yes", "--json"]);
    expect(json<{ error: { code: string; exit: number } }>(j).error).toMatchObject({ code: "UNREACHABLE", exit: 3 });
  });

  it("lockouts reads the limiter's state from the database", async () => {
    const r = await bank.cli(["lockouts", "--json"]);
    expect(r.code).toBe(0);
    expect(json<{ source: string; lockouts: { failures: number }[] }>(r)).toMatchObject({ source: "database", lockouts: [{ failures: 0 }] });
    expect((await bank.cli(["lockouts", "clear", "http:127.0.0.1"])).code).toBe(3);
  });

  it("sync shows the outbox backlog from the database", async () => {
    const r = await bank.cli(["sync", "--json"]);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ source: "database", configured: null });
    expect(json<{ backlog: number }>(r).backlog).toBeGreaterThan(0);
  });
});

describe("pickup codes", () => {
  it("never appear in anything lockerctl printed", () => {
    expect(codes).toHaveLength(4);
    for (const c of codes) expect(c).toMatch(/^\d{11}$/);
    expect(bank.outputs.length).toBeGreaterThan(60);
    const all = bank.outputs.join("\n");
    for (const c of codes) expect(all).not.toContain(c);
  });
});
