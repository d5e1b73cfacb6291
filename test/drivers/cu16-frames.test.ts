import { describe, expect, it } from "vitest";
import { encodeCommand, encodeStatusReply, parseCommand, parseStatusReply, replyIsFrom, statusRequest, unlockRequest, CMD } from "../../src/drivers/cu16/protocol.js";
import { hex } from "../../src/drivers/serial/checksum.js";

const bytes = (s: string) => Buffer.from(s.replace(/ /g, ""), "hex");

describe("CU16 frames, byte for byte (docs/lock-boards.md)", () => {
  it("encodes the status request of board 0", () => {
    expect(hex(statusRequest(0))).toBe("02 00 30 03 35");
  });

  it("encodes unlocks with the lock index in the low nibble (channel 1 = index 0)", () => {
    expect(hex(unlockRequest(0, 1))).toBe("02 00 31 03 36");
    expect(hex(unlockRequest(0, 16))).toBe("02 0F 31 03 45");
    expect(hex(unlockRequest(1, 1))).toBe("02 10 31 03 46");
    expect(hex(unlockRequest(1, 2))).toBe("02 11 31 03 47");
  });

  it("encodes the bus-wide query and the board-wide unlock", () => {
    expect(hex(encodeCommand(0, 0, CMD.statusAll))).toBe("02 00 32 03 37");
    expect(hex(encodeCommand(0, 0, CMD.unlockAll))).toBe("02 00 33 03 38");
  });

  it("refuses channels and boards it cannot address", () => {
    expect(() => unlockRequest(0, 0)).toThrow(RangeError);
    expect(() => unlockRequest(0, 17)).toThrow(RangeError);
    expect(() => statusRequest(16)).toThrow(RangeError);
  });

  it("parses a 9-byte status reply: lock bits and IR bits, bit 0 = lowest lock", () => {
    // board 1: locks 1 and 9 report 1, IR 2 and 16 report 1. SUM = 02+10+35+01+01+02+80+03 = 0xCE.
    const reply = bytes("02 10 35 01 01 02 80 03 CE");
    const s = parseStatusReply(reply)!;
    expect(s.addr).toBe(0x10);
    expect(s.lockBits.flatMap((b, i) => (b ? [i + 1] : []))).toEqual([1, 9]);
    expect(s.ir.flatMap((b, i) => (b ? [i + 1] : []))).toEqual([2, 16]);
    expect(hex(encodeStatusReply(0x10, 0x0101, 0x8002))).toBe("02 10 35 01 01 02 80 03 CE");
  });

  it("rejects a status reply with a wrong sum, a missing ETX or the wrong length", () => {
    expect(parseStatusReply(bytes("02 10 35 01 01 02 80 03 CF"))).toBeNull();
    expect(parseStatusReply(bytes("02 10 35 01 01 02 80 04 CF"))).toBeNull();
    expect(parseStatusReply(bytes("02 10 35 01 01 02 80 03"))).toBeNull();
  });

  it("accepts the reply address as board << 4 or as the plain board id", () => {
    expect(replyIsFrom(0x10, 1)).toBe(true);
    expect(replyIsFrom(0x01, 1)).toBe(true);
    expect(replyIsFrom(0x20, 1)).toBe(false);
    expect(replyIsFrom(0x00, 0)).toBe(true);
  });

  it("parses commands on the board side", () => {
    expect(parseCommand(bytes("02 11 31 03 47"))).toEqual({ board: 1, lockIndex: 1, cmd: 0x31 });
    expect(parseCommand(bytes("02 11 31 03 48"))).toBeNull();
  });
});
