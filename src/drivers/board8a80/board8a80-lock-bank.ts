/**
 * Generic 0x8A/0x80 boards as a lock bank: unlock (0x8A) is answered by the board, door
 * feedback is read with the query (0x80). Which level of the feedback means "open" depends on
 * the wiring of the switch and is the bank's setting.
 */
import { BoardLockBank, type BoardBankOptions, type BoardProtocol } from "../serial/board-bank.js";
import { parseQueryReply, parseUnlockReply, queryRequest, replyFormat, unlockRequest } from "./protocol.js";

export interface Board8a80Settings {
  /** The unlock reply's status byte that means open; the query's bits follow it. */
  openStatus: 0x11 | 0x00;
}

export function board8a80Protocol(settings: Board8a80Settings): BoardProtocol {
  const openBit = settings.openStatus === 0x11;
  return {
    kind: "8a80",
    replyFormat,
    async read(link, board, retries) {
      const reply = await link.request(
        queryRequest(board),
        (frame) => {
          const r = parseQueryReply(frame);
          return r && r.board === board ? r : undefined;
        },
        `8a80 query to board ${board}`,
        retries,
      );
      return { doorOpen: reply.bits.map((b) => b === openBit) };
    },
    async unlock(link, board, channel) {
      await link.request(
        unlockRequest(board, channel),
        (frame) => {
          const r = parseUnlockReply(frame);
          return r && r.board === board && r.channel === channel ? r : undefined;
        },
        `8a80 unlock of board ${board} channel ${channel}`,
      );
      // The door's position follows from the next poll; the reply's status only says the lock moved.
      return null;
    },
  };
}

export class Board8a80LockBank extends BoardLockBank {
  constructor(opts: Omit<BoardBankOptions, "protocol"> & { settings: Board8a80Settings }) {
    super({ ...opts, protocol: board8a80Protocol(opts.settings) });
  }
}
