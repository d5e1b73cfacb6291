import { afterEach, describe, expect, it } from "vitest";
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import { SerialLink } from "../../src/drivers/serial/link.js";
import type { SerialLine } from "../../src/drivers/serial/line.js";
import { LineQueue } from "../../src/drivers/serial/line-queue.js";
import { ReplyMatcher, ReplyTimeoutError } from "../../src/drivers/serial/matcher.js";
import { interFrameGapMs } from "../../src/drivers/serial/line.js";
import { FakeClock } from "../support/clock.js";

const settle = () => new Promise((r) => setImmediate(r));

/** An in-memory line: records what is written, and lets the test answer. */
class ScriptedLine implements SerialLine {
  readonly path = "scripted";
  readonly log: { op: "write"; at: number; bytes?: Buffer }[] = [];
  private dataFn: ((b: Buffer) => void) | null = null;
  /** Called for every write; return the bytes to answer with (or null for silence). */
  answer: (frame: Buffer, n: number) => Buffer | null = () => null;
  private writes = 0;
  async open(): Promise<void> {}
  /** How long a write takes (a slow adapter). */
  writeMs = 0;
  async write(bytes: Uint8Array): Promise<void> {
    if (this.writeMs) await new Promise((r) => setTimeout(r, this.writeMs));
    const b = Buffer.from(bytes);
    this.log.push({ op: "write", at: performance.now(), bytes: b });
    const reply = this.answer(b, this.writes++);
    if (reply) setImmediate(() => this.dataFn?.(reply));
  }
  onData(fn: (b: Buffer) => void): void {
    this.dataFn = fn;
  }
  onClose(): void {}
  async close(): Promise<void> {}
  /** Bytes arriving unasked. */
  emit(b: Buffer): void {
    this.dataFn?.(b);
  }
}

const STATUS_B0 = cu16.encodeStatusReply(0x00, 0x0001, 0);
const acceptStatus = (board: number) => (f: Buffer) => {
  const s = cu16.parseStatusReply(f);
  return s && cu16.replyIsFrom(s.addr, board) ? s : undefined;
};

const links: SerialLink[] = [];
function link(line: ScriptedLine, retries = 2, responseTimeoutMs = 40): SerialLink {
  const l = new SerialLink(line, cu16.replyFormat, { gapMs: interFrameGapMs(19200), responseTimeoutMs, retries });
  links.push(l);
  return l;
}
afterEach(async () => {
  for (const l of links.splice(0)) await l.close();
});

describe("request/response matcher", () => {
  it("resolves with the accepted frame and ignores frames that do not answer", async () => {
    const m = new ReplyMatcher();
    const p = m.expect((f) => (f[0] === 1 ? "yes" : undefined), 1000, "test");
    expect(m.offer(Buffer.from([2]))).toBe(false);
    expect(m.offer(Buffer.from([1]))).toBe(true);
    await expect(p).resolves.toBe("yes");
    expect(m.offer(Buffer.from([1]))).toBe(false);
  });

  it("times out with ReplyTimeoutError naming the question", async () => {
    const m = new ReplyMatcher();
    await expect(m.expect(() => 1, 20, "status of board 3")).rejects.toThrow(/no answer to status of board 3 within 20 ms/);
  });
});

describe("serial link", () => {
  it("forgets a half frame received before a command, and reads the answer", async () => {
    const line = new ScriptedLine();
    line.answer = () => STATUS_B0;
    const l = link(line);
    // the first half of a stale answer (another board's), then silence: it must not swallow the real answer's start
    line.emit(cu16.encodeStatusReply(0x10, 0, 0).subarray(0, 5));
    const s = await l.request(cu16.statusRequest(0), acceptStatus(0), "status");
    expect(s.lockBits[0]).toBe(true);
    await l.send(cu16.unlockRequest(0, 2));
    expect(line.log.map((e) => e.bytes!.toString("hex"))).toEqual([cu16.statusRequest(0).toString("hex"), "0201310337"]);
  });

  it("sends an unlock ahead of the status polls queued before it, once the exchange on the line is done", async () => {
    const line = new ScriptedLine();
    line.answer = (f) => cu16.encodeStatusReply(f[1]! & 0xf0, 0, 0);
    line.writeMs = 20;
    const l = link(line);
    const polls = [0, 1, 2].map((b) => l.request(cu16.statusRequest(b), acceptStatus(b), `status ${b}`));
    const unlock = l.forUnlock("A02").send(cu16.unlockRequest(3, 2));
    await Promise.all([...polls, unlock]);
    const hex = (b: Buffer) => b.toString("hex");
    expect(line.log.map((e) => hex(e.bytes!))).toEqual([hex(cu16.statusRequest(0)), hex(cu16.unlockRequest(3, 2)), hex(cu16.statusRequest(1)), hex(cu16.statusRequest(2))]);
  });

  it("asks again after a timeout and succeeds when the board answers the retry", async () => {
    const line = new ScriptedLine();
    line.answer = (_f, n) => (n === 0 ? null : STATUS_B0);
    const l = link(line);
    await expect(l.request(cu16.statusRequest(0), acceptStatus(0), "status")).resolves.toBeTruthy();
    expect(line.log.filter((e) => e.op === "write")).toHaveLength(2);
    expect(l.stats.timeouts).toBe(1);
  });

  it("gives up after 1 + retries attempts with ReplyTimeoutError", async () => {
    const line = new ScriptedLine();
    const l = link(line, 2);
    await expect(l.request(cu16.statusRequest(0), acceptStatus(0), "status")).rejects.toBeInstanceOf(ReplyTimeoutError);
    expect(line.log.filter((e) => e.op === "write")).toHaveLength(3);
  });

  it("does not take another board's answer, a bad frame or garbage for the answer", async () => {
    const line = new ScriptedLine();
    const other = cu16.encodeStatusReply(0x10, 0, 0);
    const bad = Buffer.from(STATUS_B0);
    bad[8] = bad[8]! ^ 0xff;
    line.answer = () => Buffer.concat([Buffer.from([0xff, 0x02, 0x13]), other, bad]);
    const l = link(line, 0, 60);
    await expect(l.request(cu16.statusRequest(0), acceptStatus(0), "status")).rejects.toBeInstanceOf(ReplyTimeoutError);
    expect(l.stats.unsolicited).toBe(1);
    expect(l.stats.badChecksum).toBe(1);
    expect(l.stats.garbage).toBeGreaterThan(0);
  });

  it("a late answer to an earlier question does not answer the next one", async () => {
    const line = new ScriptedLine();
    const l = link(line, 0, 30);
    await expect(l.request(cu16.statusRequest(0), acceptStatus(0), "status")).rejects.toBeInstanceOf(ReplyTimeoutError);
    line.emit(STATUS_B0); // board 0's answer, too late: nobody is asking
    expect(l.stats.unsolicited).toBe(1);
    line.answer = () => cu16.encodeStatusReply(0x10, 0x0002, 0);
    const s = await l.request(cu16.statusRequest(1), acceptStatus(1), "status");
    expect(s.lockBits[1]).toBe(true);
  });

  it("closing the line while a question is being written fails the question and nothing else", async () => {
    const line = new ScriptedLine();
    line.writeMs = 60;
    const l = link(line, 2, 20);
    const asked = l.request(cu16.statusRequest(0), acceptStatus(0), "status");
    await new Promise((r) => setTimeout(r, 10));
    await l.close();
    await expect(asked).rejects.toThrow(/closed/);
  });

  it("keeps at least the inter-frame gap between frames, one exchange at a time", async () => {
    const line = new ScriptedLine();
    line.answer = (f) => (f[2] === 0x30 ? STATUS_B0 : null);
    const l = link(line);
    await Promise.all([l.send(cu16.unlockRequest(0, 1)), l.request(cu16.statusRequest(0), acceptStatus(0), "status"), l.send(cu16.unlockRequest(0, 2))]);
    const writes = line.log.filter((e) => e.op === "write");
    expect(writes.map((w) => w.bytes![2])).toEqual([0x31, 0x30, 0x31]);
    const gap = interFrameGapMs(19200);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.at - writes[i - 1]!.at).toBeGreaterThanOrEqual(gap);
  });
});

describe("line queue", () => {
  it("waits out the gap after bytes were received", async () => {
    const clock = new FakeClock(0);
    const q = new LineQueue(5, clock);
    q.noteActivity();
    const ran: number[] = [];
    const p = q.run(async () => {
      ran.push(clock.now());
    });
    await settle();
    expect(ran).toEqual([]); // the clock has not moved: the line is still "busy"
    clock.advance(5);
    await p;
    expect(ran).toEqual([5]);
  });

  it("lets an unlock go ahead of the polls waiting for the line, never cutting the exchange under way short", async () => {
    const q = new LineQueue(0);
    const ran: string[] = [];
    let release!: () => void;
    const onLine = q.run(() => new Promise<void>((r) => (release = r)).then(() => void ran.push("poll on the line")));
    const polls = [1, 2, 3].map((i) => q.run(async () => void ran.push(`poll ${i}`)));
    const unlocks = [1, 2].map((i) => q.run(async () => void ran.push(`unlock ${i}`), "unlock"));
    expect(q.length).toBe(5);
    release();
    await Promise.all([onLine, ...polls, ...unlocks]);
    expect(ran).toEqual(["poll on the line", "unlock 1", "unlock 2", "poll 1", "poll 2", "poll 3"]);
  });

  it("lets a customer's pickup go ahead of other unlocks waiting (a courier's deposit), and those ahead of polls", async () => {
    const q = new LineQueue(0);
    const ran: string[] = [];
    let release!: () => void;
    const onLine = q.run(() => new Promise<void>((r) => (release = r)).then(() => void ran.push("on the line")));
    const jobs = [
      q.run(async () => void ran.push("poll")),
      q.run(async () => void ran.push("deposit 1"), "unlock"),
      q.run(async () => void ran.push("pickup 1"), "pickup"),
      q.run(async () => void ran.push("deposit 2"), "unlock"),
      q.run(async () => void ran.push("pickup 2"), "pickup"),
    ];
    release();
    await Promise.all([onLine, ...jobs]);
    expect(ran).toEqual(["on the line", "pickup 1", "pickup 2", "deposit 1", "deposit 2", "poll"]);
  });

  it("runs the next job even when one fails", async () => {
    const q = new LineQueue(0);
    await expect(q.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(q.run(async () => 7)).resolves.toBe(7);
  });

  it("computes 3.5 character times for 8N1", () => {
    expect(interFrameGapMs(9600)).toBe(5);
    expect(interFrameGapMs(19200)).toBe(3);
  });
});
