/** Where the API listens: the unix socket (permissions, no token, stale files) and HTTPS with files from the configuration. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGroup } from "../../src/api/listen.js";
import { call, startBank, TOKENS } from "./support.js";

describe("the unix socket", () => {
  it("is created in the data directory with mode 0660, and a request through it without a token is a technician", async () => {
    const bank = await startBank();
    try {
      const path = bank.daemon.socketPath!;
      expect(path).toBe(join(bank.dir, "var", "lockerd.sock"));
      const st = statSync(path);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o660);
      expect(st.gid).toBe(process.getgid!());
      // Technician-only: open a door with no token at all.
      const open = await call("http://localhost", "/lockers/A01/open", { socketPath: path, body: {} });
      expect(open.status).toBe(202);
      expect(open.json()).toEqual({ lockerId: "A01", door: "unlocking" });
      // The same request over TCP without a token is refused.
      expect((await call(bank.url, "/lockers/A02/open", { body: {} })).status).toBe(401);
    } finally {
      await bank.stop();
    }
    expect(existsSync(join(bank.dir, "var", "lockerd.sock"))).toBe(false);
  });

  it("takes its path, mode and group from the configuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-sock-"));
    const path = join(dir, "api.sock");
    const bank = await startBank({ http: { socket: path, socketMode: "0600", socketGroup: process.getgid!() } });
    try {
      expect(bank.daemon.socketPath).toBe(path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect((await call("http://localhost", "/lockers/status", { socketPath: path })).status).toBe(200);
    } finally {
      await bank.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("can be switched off", async () => {
    const bank = await startBank({ http: { socket: false } });
    try {
      expect(bank.daemon.socketPath).toBeNull();
      expect(existsSync(join(bank.dir, "var", "lockerd.sock"))).toBe(false);
    } finally {
      await bank.stop();
    }
  });

  it("replaces a stale socket file nobody listens on, but not a live one or a regular file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-sock-"));
    const path = join(dir, "api.sock");
    try {
      // A daemon killed with SIGKILL leaves its socket file behind.
      const child = spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`]);
      expect(child.signal).toBe("SIGKILL");
      expect(statSync(path).isSocket()).toBe(true);
      const bank = await startBank({ http: { socket: path } });
      expect((await call("http://localhost", "/healthz", { socketPath: path })).status).toBe(200);

      // While that daemon runs, a second one on the same socket refuses to start.
      await expect(startBank({ http: { socket: path } })).rejects.toThrow(/another process is listening/);
      await bank.stop();

      // Someone else's live socket is left alone too.
      const other = createServer();
      await new Promise<void>((r) => other.listen(path, r));
      await expect(startBank({ http: { socket: path } })).rejects.toThrow(/another process is listening/);
      await new Promise<void>((r) => other.close(() => r()));

      writeFileSync(path, "not a socket");
      await expect(startBank({ http: { socket: path } })).rejects.toThrow(/not a socket/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("resolves a group by name from the group file, and names an unknown one", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-grp-"));
    try {
      const file = join(dir, "group");
      writeFileSync(file, "root:x:0:\nlockerd:x:998:pi\n");
      expect(resolveGroup("lockerd", file)).toBe(998);
      expect(resolveGroup(5, file)).toBe(5);
      expect(() => resolveGroup("nobody-here", file)).toThrow(/http.socketGroup: no group named "nobody-here"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("HTTPS", () => {
  it("serves the API over TLS with the certificate and key files from the configuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-tls-"));
    try {
      mkdirSync(join(dir, "tls"));
      const cert = join(dir, "tls", "cert.pem");
      const key = join(dir, "tls", "key.pem");
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=lockerd-test", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
      const bank = await startBank({ http: { tls: { certFile: cert, keyFile: key } } });
      try {
        expect(bank.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const ca = readFileSync(cert);
        const res = await call(bank.url, "/lockers/status", { token: TOKENS.monitor, ca });
        expect(res.status).toBe(200);
        expect((await call(bank.url, "/lockers/status", { ca })).status).toBe(401);
        // A client that does not trust the certificate gets no answer at all.
        await expect(call(bank.url, "/healthz")).rejects.toThrow(/self.signed|certificate/i);
      } finally {
        await bank.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the key when a certificate file cannot be read", async () => {
    await expect(startBank({ http: { tls: { certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem" } } })).rejects.toThrow(/http\.tls\.certFile: cannot read/);
  });
});
