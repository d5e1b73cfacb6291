/** A real serial line for tests: a socat pseudo-terminal pair, killed by close(). */
import { spawn } from "node:child_process";

export interface PtyPair {
  /** The end the daemon's driver opens. */
  a: string;
  /** The end the board simulator opens. */
  b: string;
  close(): Promise<void>;
}

export function openPtyPair(): Promise<PtyPair> {
  const child = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const hard = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(hard);
  };
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat did not report two ptys: ${err}`));
    }, 10_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      err += chunk;
      const paths = [...err.matchAll(/PTY is (\/dev\/\S+)\n/g)].map((m) => m[1]!);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ a: paths[0]!, b: paths[1]!, close });
      }
    });
  });
}
