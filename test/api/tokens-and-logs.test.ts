/** Making a token, and what the access log holds: never a pickup code, a body or a token. */
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/api/auth.js";
import { redactPath } from "../../src/api/problem.js";
import { createLogger } from "../../src/system/logger.js";
import { newToken } from "../../src/tools/new-token.js";
import { call, startBank, TOKENS, until } from "./support.js";

describe("new-token", () => {
  it("makes a random token whose hash is the configuration entry", () => {
    const a = newToken("kiosk", "front");
    const b = newToken("kiosk", "front");
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^lkd_[A-Za-z0-9_-]{43}$/);
    expect(a.entry).toEqual({ name: "front", role: "kiosk", sha256: hashToken(a.token) });
  });

  it("as a program prints the token once and the entry, and refuses an unknown role", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "src/tools/new-token.ts", "--role", "monitor", "--name", "grafana"], { encoding: "utf8" });
    const token = /^\s+(lkd_\S+)$/m.exec(out)![1]!;
    const entry = JSON.parse(/^\s+(\{.*\})$/m.exec(out)![1]!) as { sha256: string; role: string; name: string };
    expect(entry).toEqual({ name: "grafana", role: "monitor", sha256: hashToken(token) });
    expect(() => execFileSync(process.execPath, ["--import", "tsx", "src/tools/new-token.ts", "--role", "admin", "--name", "x"], { stdio: "pipe" })).toThrow();
  });
});

describe("the access log", () => {
  it("redacts codes from paths", () => {
    expect(redactPath("/pickup/12345678")).toBe("/pickup/[redacted]");
    expect(redactPath("/pickup/12345678/x")).toBe("/pickup/[redacted]/x");
    expect(redactPath("/pickup")).toBe("/pickup");
    expect(redactPath("/pickup/")).toBe("/pickup/");
    expect(redactPath("/lockers/status")).toBe("/lockers/status");
  });

  /** Every upper/lower-case spelling of "pickup", and a few percent-encoded ones. */
  const spellings = () => {
    const out: string[] = [];
    for (let mask = 0; mask < 64; mask++) out.push([..."pickup"].map((c, i) => (mask & (1 << i) ? c.toUpperCase() : c)).join(""));
    return [...out, "%70ickup", "%50ICKUP", "pick%75p", "%70%69%63%6b%75%70"];
  };

  it("redacts the code after every spelling of /pickup/ the router accepts", () => {
    for (const s of spellings()) {
      expect(redactPath(`/${s}/12345678`)).toBe(`/${s}/[redacted]`);
      expect(redactPath(`//${s}/12345678/`)).toBe(`//${s}/[redacted]/`);
    }
  });

  it("keeps the code out of the access log and the answer for every spelling of POST /PICKUP/{code}", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const bank = await startBank({ log: createLogger({ level: "trace" }, sink), person: false });
    try {
      let n = 0;
      for (const s of spellings()) {
        const code = String(55_000_000 + n++);
        const r = await call(bank.url, `/${s}/${code}`, { token: TOKENS.technician, method: "POST" });
        expect(r.text).not.toContain(code);
        // Trip no lockout that would hide a later spelling's route: forgive the failures.
        if (r.status === 429 || n % 4 === 0) for (const l of bank.daemon.attempts.lockouts()) bank.daemon.attempts.clear(l.source, "test");
      }
      const log = lines.join("");
      for (let i = 0; i < n; i++) expect(log).not.toContain(String(55_000_000 + i));
      expect(log).toMatch(/"path":"\/PICKUP\/\[redacted\]"/);
    } finally {
      await bank.stop();
    }
  });

  it("never holds a pickup code (in a path, a body or a response) or a token, even at trace level", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const bank = await startBank({ log: createLogger({ level: "trace" }, sink) });
    try {
      const a = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S" } });
      const { pickupCode, parcelId } = a.json() as { pickupCode: string; parcelId: string };
      await until("the deposit", () => bank.daemon.store.parcels.get(parcelId)?.status === "STORED");
      await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: "98765432" } });
      await call(bank.url, "/pickup/87654321", { token: TOKENS.kiosk, method: "POST" });
      await call(bank.url, "/pickup/76543210/x", { token: TOKENS.kiosk, method: "POST" });
      await call(bank.url, `/pickup/${pickupCode}`, { token: TOKENS.kiosk, method: "POST" });
      await until("the pickup", () => bank.daemon.store.parcels.get(parcelId)?.status === "PICKED_UP");
      const log = lines.join("");
      expect(log).toContain('"path":"/pickup/[redacted]"');
      for (const secret of [pickupCode, "98765432", "87654321", "76543210", TOKENS.courier, TOKENS.kiosk]) expect(log).not.toContain(secret);
    } finally {
      await bank.stop();
    }
  });
});
