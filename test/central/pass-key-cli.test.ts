/**
 * `lockerd-central pass-key` as a program: makes the pass key (mode 0600, never overwritten)
 * and shows the configured key's public half as a bank's passes.trustedKeys entry.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { passesSchema } from "../../src/config/passes-schema.js";
import { runCentralCli } from "../support/central-service.js";

const dir = mkdtempSync(join(tmpdir(), "lockerd-pass-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("makes a pass key a bank's configuration accepts, shows the configured one, and refuses to overwrite or guess", () => {
  const key = join(dir, "passes.key");
  const made = runCentralCli(["pass-key", "--out", key, "--name", "acme-center"]);
  expect(made.status, made.stderr).toBe(0);
  expect(statSync(key).mode & 0o777).toBe(0o600);
  const entry = JSON.parse(/\{.*\}/.exec(made.stdout)![0]) as { name: string; publicKey: string };
  expect(entry.name).toBe("acme-center");
  // what the bank's configuration takes
  expect(passesSchema.parse({ trustedKeys: [entry] }).trustedKeys).toEqual([entry]);

  const config = join(dir, "central.json");
  writeFileSync(config, JSON.stringify({ passes: { keyFile: "passes.key" } }));
  const shown = runCentralCli(["pass-key", "--config", config, "--name", "acme-center"]);
  expect(shown.status, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(entry.publicKey);

  expect(runCentralCli(["pass-key", "--out", key]).status).toBe(1);
  const none = join(dir, "none.json");
  writeFileSync(none, "{}");
  const missing = runCentralCli(["pass-key", "--config", none]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain("passes.keyFile");
});
