/** Start the compiled daemon as its own process, as it runs on a bank, and wait until it is ready. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { nowMs } from "./stats.js";

export interface RunningDaemon {
  url: string;
  pid: number;
  readyMs: number;
  dbPath: string;
  rssMiB(): number;
  stop(): Promise<void>;
}

let built = false;

/** Compile once per run so the daemon starts as production starts it (node dist/...). */
export function buildOnce(): void {
  if (built) return;
  const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("build failed");
  built = true;
}

/**
 * The node flags the systemd unit starts the daemon with (between `node` and the script in
 * ExecStart), so the benchmark measures the process as it is deployed.
 */
export function deployedNodeFlags(): string[] {
  const unit = readFileSync(join(PACKAGE_ROOT, "systemd/lockerd.service"), "utf8");
  const m = /^ExecStart=\S*node((?: --\S+)*) \S+\/dist\/src\/main\.js /m.exec(unit);
  if (!m) throw new Error("systemd/lockerd.service: ExecStart is not `node [--flags] .../dist/src/main.js ...`");
  return m[1]!.split(" ").filter(Boolean);
}

export async function startDaemonProcess(config: Record<string, unknown> = {}): Promise<RunningDaemon> {
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), "lockerd-bench-d-"));
  const cfgPath = join(dir, "config.json");
  writeFileSync(cfgPath, JSON.stringify({ dataDir: dir, http: { port: 0 }, log: { level: "info", pretty: false }, ...config }));
  const t0 = nowMs();
  const child: ChildProcess = spawn(process.execPath, [...deployedNodeFlags(), join(PACKAGE_ROOT, "dist/src/main.js"), "--config", cfgPath], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split("\n")) {
        const m = /"url":"([^"]+)"/.exec(line);
        if (m) resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`daemon exited with ${code} before listening`)));
  });
  // Ready is what systemd would be told: /healthz answers 200.
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = nowMs() - t0;
  child.stdout!.resume();
  return {
    url,
    pid: child.pid!,
    readyMs,
    dbPath: join(dir, "lockerd.db"),
    rssMiB() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
