import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import type { BoardLockBank } from "../../src/drivers/serial/board-bank.js";
import { createBoardLockBank } from "../../src/drivers/serial/from-config.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { boardConfig, boardLayout } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

let child: ChildProcess | null = null;
let bank: BoardLockBank | null = null;
let dir: string | null = null;
afterEach(async () => {
  await bank?.stop();
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  child = bank = dir = null;
});

describe("scripts/board-sim, the technician's rehearsal bus", () => {
  it("prints the daemon's end, answers the real driver, takes commands, and cleans up on quit", async () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-board-sim-"));
    const link = join(dir, "bus");
    const proc = spawn(join(PACKAGE_ROOT, "scripts", "board-sim"), ["--protocol", "cu16", "--boards", "2", "--no-person"], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, BOARD_SIM_LINK: link },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = proc;
    let out = "";
    proc.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
    proc.stderr!.setEncoding("utf8").on("data", (s: string) => (out += s));
    await waitFor("the simulator to be ready", () => out.includes('type "help"'), 30_000);
    expect(out).toContain(`daemon side: ${link} -> /dev/pts/`);

    bank = createBoardLockBank("cu16", boardConfig("cu16", link), boardLayout([["A01", 0, 2], ["A02", 1, 16]]));
    const doors: [string, DoorPosition][] = [];
    await bank.start({ door: (id, pos) => doors.push([id, pos]), health: () => undefined });
    expect(Object.fromEntries(bank.doors())).toEqual({ A01: "closed", A02: "closed" });

    proc.stdin!.write("open 1 16\n");
    await waitFor("door A02 to open", () => doors.length > 0);
    expect(doors).toEqual([["A02", "open"]]);
    await bank.unlock("A01", 500);
    await waitFor("the simulator to log the unlock", () => out.includes("board 0 channel 2: unlocked"));

    await bank.stop();
    bank = null;
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.stdin!.write("quit\n");
    expect(await exited).toBe(0);
    expect(existsSync(link)).toBe(false); // socat is gone with its link
  });
});
