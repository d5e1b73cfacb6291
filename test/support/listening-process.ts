/**
 * A program under test as its own OS process that logs JSON lines on stdout and says its URL in
 * one of them (the daemon's "API listening", lockerd-central's "lockerd-central running").
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ListeningProcess {
  url: string;
  proc: ChildProcess;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the exit code or signal when the process ends (by itself or by stop). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (SIGKILL: no stop sequence, nothing flushed), then wait for the exit; resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Wait for `proc` to log `readyMsg` with a url; killed (SIGKILL) if it does not within timeoutMs. */
export async function untilListening(proc: ChildProcess, what: string, readyMsg: string, timeoutMs: number): Promise<ListeningProcess> {
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not report its URL in time\n${stderr}`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(e);
    };
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === readyMsg && typeof entry.url === "string") {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    void exited.then(({ code, signal }) => fail(new Error(`${what} exited before listening (${code ?? signal})\n${stderr}`)));
  });
  return {
    url,
    proc,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const { code, signal: sig } = await exited;
      return code ?? sig ?? -1;
    },
  };
}
