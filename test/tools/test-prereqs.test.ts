/**
 * The suite's own prerequisite check (run first by `npm test`): on a machine with none of the
 * tools it names each missing one on a line of its own and the one command to install them, and
 * stops; on this machine (which has them) it passes quietly.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const script = new URL("../../scripts/test-prereqs.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname;
const empty = mkdtempSync(join(tmpdir(), "lockerd-prereqs-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function run(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [tsx, script, "--check"], { encoding: "utf8", env: { HOME: process.env.HOME, ...env } });
}

it("names every missing tool on a line of its own, with the one command to install them", () => {
  const r = run({ PATH: "", LOCKERD_PREREQ_ROOT: empty });
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split("\n");
  const missing = lines.filter((l) => l.startsWith("missing: ")).map((l) => l.split(" ")[1]);
  expect(missing).toEqual(["socat", "libusb-1.0-0", "postgresql-15", "pgbouncer", "chromium", "systemd", "prometheus", "mmdebstrap", "lintian", "openssl", "strace", "gcc", "libc6-dev"]);
  expect(lines.at(-1)).toBe("install them with: sudo apt-get install -y --no-install-recommends socat libusb-1.0-0 postgresql-15 pgbouncer chromium systemd prometheus mmdebstrap lintian openssl strace gcc libc6-dev");
  expect(r.stdout).toBe("");
});

it("does not ask for the PostgreSQL server when the tests are given one", () => {
  const r = run({ PATH: "", LOCKERD_PREREQ_ROOT: empty, LOCKERD_TEST_PG_URL: "postgresql://postgres@127.0.0.1/postgres" });
  expect(r.stderr).not.toContain("postgresql-15");
});

it("passes quietly on a machine that has everything", () => {
  const r = run({ PATH: process.env.PATH });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
});
