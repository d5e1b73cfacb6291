/**
 * A real serial line for tests: a socat pseudo-terminal pair, killed by close(). `device` is the
 * end the daemon's driver (or scanner) opens, `peer` the end the test or the board simulator
 * opens. Given a directory, both ends are stable symlinks there (`<name>-dev`, `<name>-peer`),
 * which survive a new pair made under the same name (a replugged adapter); otherwise they are
 * the /dev/pts paths socat reports.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface PtyPair {
  device: string;
  peer: string;
  close(): Promise<void>;
}

export function openPtyPair(dir?: string, name = "scanner"): Promise<PtyPair> {
  return dir ? linkedPair(join(dir, `${name}-dev`), join(dir, `${name}-peer`)) : plainPair();
}

function closer(proc: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const hard = setTimeout(() => proc.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(hard);
  };
}

/** Symlinked ends, ready once both links exist and socat is moving data. */
async function linkedPair(device: string, peer: string): Promise<PtyPair> {
  const proc = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: ["ignore", "ignore", "pipe"] });
  const close = closer(proc);
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const until = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(peer) && /starting data transfer loop/.test(stderr))) {
    if (proc.exitCode !== null || Date.now() > until) {
      await close();
      throw new Error(`socat did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { device, peer, close };
}

/** The two /dev/pts ends, as soon as socat names them. */
function plainPair(): Promise<PtyPair> {
  const proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
  const close = closer(proc);
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat did not report two ptys: ${err}`));
    }, 10_000);
    proc.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (chunk: string) => {
      err += chunk;
      const paths = [...err.matchAll(/PTY is (\/dev\/\S+)\n/g)].map((m) => m[1]!);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ device: paths[0]!, peer: paths[1]!, close });
      }
    });
  });
}
