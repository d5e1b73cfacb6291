/**
 * A simulator host: a child process of the storm (storm.ts) that runs its share of the banks
 * (banks.ts), so the simulator can use every core the center leaves idle. Over IPC: it says
 * "ready" once loaded, takes its plan, reports progress every second and its result at the end.
 */
import { runBanks, type HostPlan, type HostProgress, type HostResult } from "./banks.js";

export type HostMessage = { type: "ready" } | { type: "progress"; progress: HostProgress } | { type: "result"; result: HostResult };

const send = (m: HostMessage): Promise<void> => new Promise((done) => process.send!(m, undefined, undefined, () => done()));

if (!process.send) throw new Error("bench/fleet/host.ts runs as a child of the fleet simulator (bench/fleet/storm.ts), with an IPC channel");
process.once("message", (plan: HostPlan) => {
  void runBanks(plan, (progress) => void send({ type: "progress", progress: { ...progress } }))
    .then((result) => send({ type: "result", result }))
    // a bank cut off by the timeout leaves its timers behind
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      process.stderr.write(`fleet host ${plan.host}: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
});
void send({ type: "ready" });
