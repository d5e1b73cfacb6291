/**
 * Kerong CU16 boards as a lock bank. Unlock (0x31) gets no answer on most firmware, so it is
 * confirmed by reading the board's status (0x30) right after: a board that answers took the
 * command; one that does not is offline and the unlock fails.
 */
import { BoardLockBank, type BoardBankOptions, type BoardProtocol, type BoardReading } from "../serial/board-bank.js";
import type { BusLink } from "../serial/link.js";
import { parseStatusReply, replyFormat, replyIsFrom, statusRequest, unlockRequest } from "./protocol.js";

export interface Cu16Settings {
  /** The feedback bit value that means locked/closed. */
  lockedBit: 0 | 1;
  /** IR "item present" sensors are wired: report the IR inputs (otherwise they mean nothing). */
  itemSensors?: boolean;
}

export function cu16Protocol(settings: Cu16Settings): BoardProtocol {
  const read = async (link: BusLink, board: number, retries?: number): Promise<BoardReading> => {
    const status = await link.request(
      statusRequest(board),
      (frame) => {
        const s = parseStatusReply(frame);
        return s && replyIsFrom(s.addr, board) ? s : undefined;
      },
      `cu16 status request to board ${board}`,
      retries,
    );
    const doorOpen = status.lockBits.map((bit) => Number(bit) !== settings.lockedBit);
    return settings.itemSensors ? { doorOpen, itemPresent: status.ir } : { doorOpen };
  };
  return {
    kind: "cu16",
    replyFormat,
    read,
    async unlock(link, board, channel) {
      await link.send(unlockRequest(board, channel));
      return read(link, board);
    },
  };
}

export class Cu16LockBank extends BoardLockBank {
  constructor(opts: Omit<BoardBankOptions, "protocol"> & { settings: Cu16Settings }) {
    super({ ...opts, protocol: cu16Protocol(opts.settings) });
  }
}
