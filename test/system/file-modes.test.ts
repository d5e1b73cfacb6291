/**
 * Issue 24 item 11: the files that hold codes or state — the database, its WAL and shared
 * memory, the code secret, a backup — are 0600 in a 0700 directory, whatever the umask (a unit
 * file without UMask=, a shell with umask 000).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { loadOrCreateSecret } from "../../src/system/secret.js";

const ROOT = resolve(import.meta.dirname, "../..");
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

let dir: string | null = null;
let oldUmask: number | null = null;
afterEach(() => {
  if (oldUmask !== null) process.umask(oldUmask);
  oldUmask = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe("files holding codes or state", () => {
  it("are 0600 in a 0700 directory under umask 000: database, WAL, shared memory, secret", () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-modes-"));
    oldUmask = process.umask(0o000);
    const data = join(dir, "var", "lib", "lockerd");
    const db = openDatabase(join(data, "lockerd.db"));
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a code')");
    loadOrCreateSecret(join(data, "secret.key"));
    expect(mode(data)).toBe("700");
    expect([mode(join(data, "lockerd.db")), mode(join(data, "lockerd.db-wal")), mode(join(data, "lockerd.db-shm")), mode(join(data, "secret.key"))]).toEqual([
      "600",
      "600",
      "600",
      "600",
    ]);
    db.close();
  });

  it("an existing database and directory left open by an older lockerd are tightened", () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-modes-"));
    oldUmask = process.umask(0o022);
    const data = join(dir, "data");
    openDatabase(join(data, "lockerd.db")).close();
    spawnSync("chmod", ["755", data]);
    spawnSync("chmod", ["644", join(data, "lockerd.db")]);
    const db = openDatabase(join(data, "lockerd.db"));
    db.exec("CREATE TABLE t (x TEXT)");
    expect([mode(data), mode(join(data, "lockerd.db")), mode(join(data, "lockerd.db-wal"))]).toEqual(["700", "600", "600"]);
    db.close();
  });

  it("lockerctl backup writes its copy 0600 under umask 000", () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-modes-"));
    const src = join(dir, "bank", "lockerd.db");
    const db = openDatabase(src);
    db.close();
    writeFileSync(join(dir, "lockerd.json"), JSON.stringify({ dataDir: join(dir, "bank") }));
    const out = join(dir, "copy.db");
    const r = spawnSync("sh", ["-c", `umask 000; exec "${process.execPath}" --import tsx src/cli/main.ts backup "${out}" --db "${src}"`], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH, LOCKERD_CONFIG: join(dir, "lockerd.json") },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(mode(out)).toBe("600");
  });
});
