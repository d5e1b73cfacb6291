import { describe, expect, it } from "vitest";
import * as b8a80 from "../../src/drivers/board8a80/protocol.js";
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import { FrameParser } from "../../src/drivers/serial/framing.js";
import { hex } from "../../src/drivers/serial/checksum.js";

const bytes = (s: string) => Buffer.from(s.replace(/ /g, ""), "hex");
const STATUS = "02 10 35 01 01 02 80 03 CE";
const QUERY_REPLY = "80 01 00 00 00 33 B2";

describe("CU16 reply framing", () => {
  it("hands out a frame that arrives in pieces, byte by byte", () => {
    const p = new FrameParser(cu16.replyFormat);
    const got: string[] = [];
    for (const b of bytes(STATUS)) got.push(...p.push(Uint8Array.of(b)).frames.map(hex));
    expect(got).toEqual([STATUS]);
    expect(p.pending()).toBe(0);
  });

  it("resynchronises after garbage that contains start bytes", () => {
    const p = new FrameParser(cu16.replyFormat);
    const r = p.push(bytes(`FF 02 13 02 ${STATUS} 7E`));
    expect(r.frames.map(hex)).toEqual([STATUS]);
    expect(r.discarded.map((d) => d.reason)).toContain("garbage");
    expect(p.pending()).toBe(0);
  });

  it("rejects a frame with a bad sum and still finds the good frame right behind it", () => {
    const p = new FrameParser(cu16.replyFormat);
    const r = p.push(bytes(`02 10 35 01 01 04 80 03 CF ${STATUS}`));
    expect(r.frames.map(hex)).toEqual([STATUS]);
    expect(r.discarded).toEqual([{ reason: "bad-checksum", bytes: bytes("02 10 35 01 01 04 80 03 CF") }]);
  });

  it("finds a frame that starts inside a rejected candidate", () => {
    const p = new FrameParser(cu16.replyFormat);
    // A stray STX + 0x35 makes a 9-byte candidate that swallows the start of the real frame.
    const r = p.push(bytes(`02 00 35 ${STATUS}`));
    expect(r.frames.map(hex)).toEqual([STATUS]);
  });

  it("forgets a half frame on reset", () => {
    const p = new FrameParser(cu16.replyFormat);
    p.push(bytes("02 10 35 01"));
    expect(p.pending()).toBe(4);
    p.reset();
    expect(p.push(bytes("01 02 80 03 CE")).frames).toEqual([]);
  });

  it("reads commands on the board side, two in one chunk", () => {
    const p = new FrameParser(cu16.commandFormat);
    expect(p.push(bytes("02 00 30 03 35 02 11 31 03 47")).frames.map(hex)).toEqual(["02 00 30 03 35", "02 11 31 03 47"]);
    expect(p.push(bytes("02 11 31 03 48")).discarded[0]?.reason).toBe("bad-checksum");
  });
});

describe("0x8A/0x80 reply framing", () => {
  it("tells a query reply (7 bytes) from an unlock reply (5 bytes) and splits them", () => {
    const p = new FrameParser(b8a80.replyFormat);
    const all = bytes(`8A 01 01 11 9B ${QUERY_REPLY}`);
    const a = p.push(all.subarray(0, 7));
    const b = p.push(all.subarray(7));
    expect([...a.frames, ...b.frames].map(hex)).toEqual(["8A 01 01 11 9B", QUERY_REPLY]);
  });

  it("resynchronises on garbage and rejects a bad BCC", () => {
    const p = new FrameParser(b8a80.replyFormat);
    const r = p.push(bytes(`00 FF 8A 55 80 00 02 ${QUERY_REPLY.slice(0, -2)}B3 ${QUERY_REPLY}`));
    expect(r.frames.map(hex)).toEqual([QUERY_REPLY]);
    expect(r.discarded.some((d) => d.reason === "bad-checksum")).toBe(true);
  });

  it("treats a query reply without its 0x33 trailer as malformed", () => {
    const p = new FrameParser(b8a80.replyFormat);
    const r = p.push(bytes("80 01 00 00 00 34 B5"));
    expect(r.frames).toEqual([]);
    expect(r.discarded[0]?.reason).toBe("malformed");
  });

  it("hears its own command echoed by a half-duplex adapter and still reads the reply", () => {
    const p = new FrameParser(b8a80.replyFormat);
    expect(p.push(bytes(`80 01 00 33 B2 ${QUERY_REPLY}`)).frames.map(hex)).toEqual([QUERY_REPLY]);
  });
});
