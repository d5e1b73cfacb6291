/** Every lockerctl command answers --help (in-process: the dispatcher the real binary runs). */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/registry.js";
import { runCli } from "../../src/cli/run.js";
import type { Io } from "../../src/cli/context.js";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const io = { stdout, stderr, stdin: new PassThrough(), env: {} } as unknown as Io;
  const code = await runCli(argv, io);
  return { code, stdout: out, stderr: err };
}

describe("lockerctl help", () => {
  it.each(COMMANDS.map((c) => c.name))("%s --help prints its usage, options and the exit codes", async (name) => {
    for (const argv of [[name, "--help"], ["help", name], ["--json", name, "-h"]]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: lockerctl ${name}`);
      expect(r.stdout).toContain("Global options:");
      expect(r.stdout).toContain("Exit codes:");
    }
  });

  it("prints the command list to stderr and exits 2 with no command", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: lockerctl");
    expect((await run(["help", "nothing"])).code).toBe(2);
  });
});
