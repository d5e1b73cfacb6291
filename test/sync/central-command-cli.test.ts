/** The operator's command tool, run as the README says: a key pair, a command signed and queued, listed and shown. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { publicKeyFromBase64 } from "../../src/signing/ed25519.js";
import { readSignedCommand } from "../../src/signing/signed-command.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

const run = promisify(execFile);
const tool = (args: string[]) => run(process.execPath, ["--import", "tsx", "src/central/command-tool.ts", ...args], { encoding: "utf8" });

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await migrateCentral(c);
  await c.end();
  await db.admin(`INSERT INTO central.banks (id, role_name) VALUES ('B0042', 'lockerd_bank_b0042_unused')`);
  dir = mkdtempSync(join(tmpdir(), "lockerd-command-cli-"));
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it("makes a key, signs and queues commands (directly, or signed elsewhere), lists and shows them", async () => {
  const keyFile = join(dir, "alice.key");
  const made = JSON.parse((await tool(["keygen", "--out", keyFile])).stdout) as { keyId: string; publicKey: string; bankConfig: unknown };
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  const pk = publicKeyFromBase64(made.publicKey);
  expect(made.keyId).toBe(pk.keyId);
  expect(made.bankConfig).toEqual({ commands: { trustedKeys: [{ name: "CHANGE-ME", publicKey: made.publicKey }] } });
  await expect(tool(["keygen", "--out", keyFile])).rejects.toMatchObject({ code: 1 }); // never over a key

  const queued = JSON.parse((await tool(["queue", "--url", db.url, "--key", keyFile, "--bank", "B0042", "--kind", "open_door", "--args", '{"lockerId":"A03"}', "--ttl", "120"])).stdout) as {
    id: number;
    status: string;
    keyId: string;
    issuedAt: string;
    expiresAt: string;
  };
  expect(queued).toMatchObject({ status: "pending", keyId: pk.keyId });
  expect(Date.parse(queued.expiresAt) - Date.parse(queued.issuedAt)).toBe(120_000);
  const row = await db.admin<{ signed_payload: string; signature: string; args: unknown }>(`SELECT signed_payload, signature, args FROM central.bank_commands WHERE id = $1`, [queued.id]);
  const read = readSignedCommand(row.rows[0]!.signed_payload, row.rows[0]!.signature, new Map([[pk.keyId, pk]]));
  expect(read).toMatchObject({ ok: true, fields: { bank: "B0042", kind: "open_door", args: { lockerId: "A03" } } });
  expect(row.rows[0]!.args).toEqual({ lockerId: "A03" });

  // signed on one machine, queued from another
  const signed = (await tool(["sign", "--key", keyFile, "--bank", "B0042", "--kind", "in_service", "--args", '{"lockerId":"A03"}'])).stdout;
  const file = join(dir, "cmd.json");
  writeFileSync(file, signed);
  const second = JSON.parse((await tool(["queue", "--url", db.url, "--signed", file])).stdout) as { id: number; kind: string; bankId: string };
  expect(second).toMatchObject({ kind: "in_service", bankId: "B0042" });

  const list = (await tool(["list", "--url", db.url, "--bank", "B0042"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: number });
  expect(list.map((c) => c.id)).toEqual([second.id, queued.id]);
  const shown = JSON.parse((await tool(["show", String(queued.id), "--url", db.url])).stdout) as { id: number; status: string };
  expect(shown).toMatchObject({ id: queued.id, status: "pending" });
  await expect(tool(["queue", "--url", db.url, "--key", keyFile, "--bank", "B0042", "--kind", "open_the_vault"])).rejects.toMatchObject({ code: 1 });
});
