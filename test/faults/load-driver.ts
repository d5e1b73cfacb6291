/**
 * A sustained mixed load on the real daemon process over loopback: couriers assigning and
 * depositing, customers picking up (some with wrong codes), readers of status and events.
 * Bounded by time; reports latency and resident memory per slice of the run so a test or the
 * soak command can see whether they stay flat.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { writeConfig } from "./daemon-setup.js";

export interface LoadSlice {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  rssMiB: number;
}

export interface LoadReport {
  seconds: number;
  requests: number;
  cycles: number;
  serverErrors: number;
  rejected: number;
  slices: LoadSlice[];
  dbPath: string;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! : 0;
};
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

export async function runLoad(opts: { seconds: number; clients: number; slices: number; keep?: boolean }): Promise<LoadReport & { cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-load-"));
  // Doors are moved by the load itself, faster than people: no settling, no flap detection.
  // Each client has its own token, so the vandal's wrong codes lock out only the vandal's kiosk.
  const tokens = Array.from({ length: opts.clients + 1 }, (_, i) => ({ name: `load-${i}`, plain: `load-token-${i}-0123456789abcdef` }));
  const cfg = writeConfig(dir, {
    api: { tokens: tokens.map((t) => ({ name: t.name, role: "technician", sha256: createHash("sha256").update(t.plain).digest("hex") })) },
    hardware: { sim: { person: { enabled: false } } },
    doors: { sensorSettleMs: 0, flapWindowMs: 1, flapMaxChanges: 1000 },
  });
  // With the V8 flag the systemd unit runs it with: without it V8 lets dead objects pile up
  // to 100+ MiB before a full collection, which looks like growth but is not a leak.
  const d: DaemonProcess = await startDaemonProcess({ config: cfg, nodeFlags: ["--optimize-for-size"] });
  const started = Date.now();
  const end = started + opts.seconds * 1000;
  const sliceMs = (opts.seconds * 1000) / opts.slices;
  const latencies: number[][] = Array.from({ length: opts.slices }, () => []);
  const memory: number[][] = Array.from({ length: opts.slices }, () => []);
  let serverErrors = 0;
  let rejected = 0;
  let cycles = 0;

  const call = async (method: string, path: string, body?: unknown, client = 0) => {
    const t0 = performance.now();
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[client]!.plain}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(d.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    const slice = Math.min(opts.slices - 1, Math.floor((Date.now() - started) / sliceMs));
    latencies[slice]!.push(performance.now() - t0);
    if (res.status >= 500) serverErrors++;
    else if (res.status >= 400) rejected++;
    return { status: res.status, json };
  };
  const door = (id: string, action: "open" | "close") => call("POST", `/sim/doors/${id}`, { action });
  // Someone trying codes at one kiosk now and then (locked out by the limiter, alone).
  const vandal = async () => {
    while (Date.now() < end) {
      await call("POST", "/pickup", { code: String(Math.floor(Math.random() * 1e8)).padStart(8, "0") }, opts.clients);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const client = async (n: number) => {
    for (let i = 0; Date.now() < end; i++) {
      const a = await call("POST", "/lockers/assign", { size: ["S", "M", "L"][(n + i) % 3], parcel: `LOAD-${n}-${i}` }, n);
      await call("GET", "/lockers/status");
      if (a.status !== 201) continue;
      const locker = a.json.lockerId as string;
      await door(locker, "open");
      await door(locker, "close");
      await call("GET", `/events?after=${Math.max(0, i * 10)}&limit=50`);
      const p = await call("POST", "/pickup", { code: a.json.pickupCode }, n);
      if (p.status === 200) {
        await door(locker, "open");
        await door(locker, "close");
        cycles++;
      }
    }
  };
  const sampler = setInterval(() => {
    const slice = Math.min(opts.slices - 1, Math.floor((Date.now() - started) / sliceMs));
    memory[slice]!.push(rss(d.proc.pid!));
  }, 250);
  try {
    await Promise.all([...Array.from({ length: opts.clients }, (_, n) => client(n)), vandal()]);
  } finally {
    clearInterval(sampler);
    await d.stop();
  }
  const slices = latencies.map((l, i) => ({ requests: l.length, p50Ms: round(pct(l, 0.5)), p99Ms: round(pct(l, 0.99)), rssMiB: round(pct(memory[i]!, 0.5)) }));
  return {
    seconds: opts.seconds,
    requests: latencies.reduce((a, l) => a + l.length, 0),
    cycles,
    serverErrors,
    rejected,
    slices,
    dbPath: join(dir, "lockerd.db"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
