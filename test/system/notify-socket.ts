/** A fake systemd notify socket for tests: a bound unix datagram socket that records messages. */
import { createRequire } from "node:module";

interface BoundSocket {
  bind(path: string): void;
  close(): void;
  on(event: "message", fn: (buf: Buffer) => void): void;
  on(event: "error", fn: (err: Error) => void): void;
}

export interface FakeNotifySocket {
  readonly path: string;
  readonly messages: string[];
  /** Resolves once a message satisfying pred has arrived. */
  waitFor(pred: (m: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export function bindFakeNotifySocket(path: string): FakeNotifySocket {
  const require = createRequire(import.meta.url);
  const dgram = require("unix-dgram") as { createSocket(type: "unix_dgram"): BoundSocket };
  const socket = dgram.createSocket("unix_dgram");
  const messages: string[] = [];
  const waiters: { pred: (m: string) => boolean; resolve: (m: string) => void }[] = [];
  socket.on("message", (buf) => {
    const m = buf.toString("utf8");
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  socket.on("error", (err) => {
    throw err;
  });
  socket.bind(path);
  return {
    path,
    messages,
    waitFor(pred, timeoutMs = 20_000) {
      const seen = messages.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching notify message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    },
    close: () => socket.close(),
  };
}
