/** A real lockerd process (src/main.ts through tsx) for tests that must kill one. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const MAIN = join(import.meta.dirname, "../../src/main.ts");

export interface LockerdProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL: no stop sequence, no outputs off, nothing flushed by lockerd. */
  kill(): Promise<void>;
}

export function startLockerdProcess(configFile: string): Promise<LockerdProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--config", configFile], {
    env: { ...process.env, LOCKERD_CONFIG: "", LOCKERD_DB: "", LOCKERD_HTTP: "", LOCKERD_API_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      let rec: { msg?: string; url?: string };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        return;
      }
      if (rec.msg === "API listening" && rec.url) resolve({ url: rec.url, child, kill });
    });
    void exited.then(() => reject(new Error(`lockerd exited before listening: ${stderr}`)));
  });
}
