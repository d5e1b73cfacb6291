import { describe, expect, it } from "vitest";
import { encodeQueryReply, encodeUnlockReply, parseCommand, parseQueryReply, parseUnlockReply, queryRequest, unlockRequest } from "../../src/drivers/board8a80/protocol.js";
import { hex, xorBcc } from "../../src/drivers/serial/checksum.js";

const bytes = (s: string) => Buffer.from(s.replace(/ /g, ""), "hex");

describe("0x8A/0x80 frames, byte for byte (docs/lock-boards.md)", () => {
  it("encodes the query of board 1", () => {
    expect(hex(queryRequest(1))).toBe("80 01 00 33 B2");
  });

  it("encodes unlocks with a 1-based channel and the XOR BCC", () => {
    expect(hex(unlockRequest(1, 1))).toBe("8A 01 01 11 9B");
    expect(hex(unlockRequest(31, 24))).toBe("8A 1F 18 11 9C");
    // "open all" (channel 0) is in the notes as 8A 01 00 11 9A; lockerd never sends it.
    expect(xorBcc(bytes("8A 01 00 11"))).toBe(0x9a);
    expect(() => unlockRequest(1, 0)).toThrow(RangeError);
  });

  it("refuses board addresses outside 1-31", () => {
    expect(() => queryRequest(0)).toThrow(RangeError);
    expect(() => queryRequest(32)).toThrow(RangeError);
  });

  it("parses a real 8-channel board's query reply with all bits clear", () => {
    const r = parseQueryReply(bytes("80 01 00 00 00 33 B2"))!;
    expect(r.board).toBe(1);
    expect(r.bits.some(Boolean)).toBe(false);
    expect(r.bits).toHaveLength(24);
  });

  it("reads the three status bytes highest group first", () => {
    // S3 = 0x80 (channel 24), S2 = 0x01 (channel 9), S1 = 0x03 (channels 1, 2).
    const frame = encodeQueryReply(2, (1 << 23) | (1 << 8) | 0b11);
    expect(hex(frame)).toBe("80 02 80 01 03 33 " + hex(Uint8Array.of(0x80 ^ 0x02 ^ 0x80 ^ 0x01 ^ 0x03 ^ 0x33)));
    expect(parseQueryReply(frame)!.bits.flatMap((b, i) => (b ? [i + 1] : []))).toEqual([1, 2, 9, 24]);
  });

  it("parses an unlock reply and rejects one with a wrong BCC", () => {
    expect(hex(encodeUnlockReply(1, 1, 0x11))).toBe("8A 01 01 11 9B");
    expect(parseUnlockReply(bytes("8A 01 01 11 9B"))).toEqual({ board: 1, channel: 1, status: 0x11 });
    expect(parseUnlockReply(bytes("8A 01 01 00 8A"))).toEqual({ board: 1, channel: 1, status: 0x00 });
    expect(parseUnlockReply(bytes("8A 01 01 11 9C"))).toBeNull();
    expect(parseQueryReply(bytes("80 01 00 00 00 33 B3"))).toBeNull();
  });

  it("parses commands on the board side", () => {
    expect(parseCommand(bytes("80 01 00 33 B2"))).toEqual({ op: 0x80, board: 1, channel: 0 });
    expect(parseCommand(bytes("8A 01 00 11 9A"))).toEqual({ op: 0x8a, board: 1, channel: 0 });
    expect(parseCommand(bytes("8A 01 00 12 99"))).toBeNull();
  });
});
