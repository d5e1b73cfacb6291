/** A pair of connected pseudo-terminals from socat, with stable symlinks (a real serial line). */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface PtyPair {
  /** Symlinks to the two ends: the device's side and the test's side. */
  device: string;
  peer: string;
  close(): Promise<void>;
}

export async function openPtyPair(dir: string, name = "scanner"): Promise<PtyPair> {
  const device = join(dir, `${name}-dev`);
  const peer = join(dir, `${name}-peer`);
  const proc: ChildProcess = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const until = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(peer) && /starting data transfer loop/.test(stderr))) {
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`socat did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    device,
    peer,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}
